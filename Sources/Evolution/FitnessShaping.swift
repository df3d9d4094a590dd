/// How raw fitness values (minimised; lower is better) are turned into the weights of the
/// gradient estimate. Every mode first applies `FitnessShaping.worstForNonFinite`.
///
/// - `raw`: the (sanitised) fitness values themselves.
/// - `centeredRank` (Salimans et al. 2017, §2.2 "fitness shaping"): ranks over the whole population,
///   ties broken by member index, mapped linearly to [−0.5, 0.5] (best = −0.5, worst = +0.5);
///   invariant to monotone transformations of the fitness and bounded, so outliers cannot dominate.
public enum FitnessShaping: String, Codable, Hashable, Sendable, CaseIterable {
  case raw
  case centeredRank

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
  /// Non-finite fitness counts as worse than every finite one; ties are broken by index, so the
  /// result is a permutation of the N evenly spaced values. N = 1 gives [0].
  public static func centeredRanks(_ fitness: [Float]) -> [Float] {
    let n = fitness.count
    if n <= 1 { return [Float](repeating: 0, count: n) }
    let order = fitness.indices.sorted { a, b in
      let fa = fitness[a], fb = fitness[b]
      switch (fa.isFinite, fb.isFinite) {
      case (true, true): return fa < fb || (fa == fb && a < b)
      case (true, false): return true
      case (false, true): return false
      case (false, false): return a < b
      }
    }
    var ranks = [Float](repeating: 0, count: n)
    let scale = 1 / Float(n - 1)
    for (rank, index) in order.enumerated() { ranks[index] = Float(rank) * scale - 0.5 }
    return ranks
  }
}
