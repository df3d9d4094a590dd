/// How raw fitness values (minimised; lower is better) are turned into the weights of the
/// gradient estimate. Non-finite fitness (NaN, ±inf) is always treated as the worst: `raw` replaces
/// it by the worst finite value (`worstForNonFinite`), `centeredRank` gives it `worstRank`.
///
/// - `raw`: the (sanitised) fitness values themselves.
/// - `centeredRank` (Salimans et al. 2017, "fitness shaping" with centered ranks): ranks over the whole population,
///   equal values sharing their average rank, mapped linearly to [−0.5, 0.5] (best = −0.5, worst = +0.5);
///   invariant to monotone transformations of the fitness and bounded, so outliers cannot dominate.
public enum FitnessShaping: String, Codable, Hashable, Sendable, CaseIterable {
  case raw
  case centeredRank

  /// The centered rank given to failed (non-finite) members.
  public static let worstRank: Float = 0.5

  /// Shapes a population's fitness (length N ≥ 1). Returns N finite values.
  public func callAsFunction(_ fitness: [Float]) -> [Float] {
    let sane = FitnessShaping.worstForNonFinite(fitness)
    switch self {
    case .raw: return sane.values
    case .centeredRank: return FitnessShaping.centeredRanks(fitness)
    }
  }

  /// Replaces every non-finite entry (NaN, +inf, −inf) by the worst (largest) finite fitness of the
  /// population, so a failed member never looks better than any real one and never injects a
  /// non-finite number. If no entry is finite, all become 0 (so every pair difference, and hence
  /// the update, is zero). Returns the values and how many entries were replaced.
  public static func worstForNonFinite(_ fitness: [Float]) -> (values: [Float], nonFiniteCount: Int) {
    var worst = -Float.infinity
    var nonFinite = 0
    for f in fitness {
      if f.isFinite { worst = max(worst, f) } else { nonFinite += 1 }
    }
    if nonFinite == 0 { return (fitness, 0) }
    let replacement: Float = worst.isFinite ? worst : 0
    return (fitness.map { $0.isFinite ? $0 : replacement }, nonFinite)
  }

  /// Centered ranks in [−0.5, 0.5]: rank r (0 = lowest fitness = best) maps to r/(N−1) − 0.5.
  /// Equal finite values share the average of their ranks (so equal fitness carries no signal).
  /// Every non-finite entry gets the worst value +0.5 (so an
  /// antithetic pair whose members both failed contributes nothing to the gradient estimate).
  /// N = 1 gives [0].
  public static func centeredRanks(_ fitness: [Float]) -> [Float] {
    let n = fitness.count
    if n <= 1 { return [Float](repeating: 0, count: n) }
    let order = FitnessShaping.bestFirstOrder(fitness)
    var ranks = [Float](repeating: 0, count: n)
    let scale = 1 / Double(n - 1)
    var start = 0
    while start < n {
      var end = start + 1  // [start, end) is a run of equal finite values in sorted order
      while end < n, fitness[order[start]].isFinite, fitness[order[end]] == fitness[order[start]] { end += 1 }
      let averageRank = Double(start + end - 1) / 2
      for position in start..<end {
        let index = order[position]
        ranks[index] = fitness[index].isFinite ? Float(averageRank * scale - 0.5) : FitnessShaping.worstRank
      }
      start = end
    }
    return ranks
  }

  /// Member indices sorted best first: increasing finite fitness, then every non-finite entry;
  /// ties keep index order.
  public static func bestFirstOrder(_ fitness: [Float]) -> [Int] {
    fitness.indices.sorted { a, b in
      let fa = fitness[a], fb = fitness[b]
      switch (fa.isFinite, fb.isFinite) {
      case (true, true): return fa < fb || (fa == fb && a < b)
      case (true, false): return true
      case (false, true): return false
      case (false, false): return a < b
      }
    }
  }

  /// Index of the lowest finite fitness (the first on ties), or nil if none is finite.
  public static func bestFiniteIndex(_ fitness: [Float]) -> Int? {
    var best: Int?
    for (i, f) in fitness.enumerated() where f.isFinite {
      if best == nil || f < fitness[best!] { best = i }
    }
    return best
  }
}
