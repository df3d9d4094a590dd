import VSMLCore

extension SyntheticTasks {
  /// The generated tabular task families (METHOD.md §6): stand-ins for small real tables, for
  /// meta-training learners that must also learn on tables.
  public enum TableFamily: String, CaseIterable, Sendable {
    /// Gaussian clusters: each class is a mixture of `clusterCentresPerClass` unit-variance
    /// Gaussians around random centres, seen through a random linear mixing of the features.
    case clusters
    /// A random teacher network: labels are the argmax of a random one-hidden-layer tanh
    /// network's outputs on N(0, 1) inputs, seen through a random linear mixing.
    case teacher
  }

  /// Centres per class of `clusters`: more than one, so classes need not be linearly separable.
  public static let clusterCentresPerClass = 2
  /// Range of the expected distance between two centres, in noise standard deviations: from
  /// overlapping (1.5) to well apart (5); each task draws one.
  public static let clusterSeparation: ClosedRange<Float> = 1.5...5
  /// Hidden units of the `teacher` network.
  public static let teacherHidden = 16
  /// Range of the teacher's first-layer gain: from nearly linear (1) to strongly saturated (3).
  public static let teacherGain: ClosedRange<Float> = 1...3
  /// Standard deviation of the teacher's hidden biases.
  public static let teacherBiasStd: Float = 0.5

  /// One split of a generated table: `table.rows` rows of `table.features` features,
  /// standardised per feature with the training pool's mean and standard deviation, and labels
  /// in `0..<table.classes`. Everything is fixed by `seed`; train and test pools come from
  /// separate streams of the same task. `table` must be valid (`GeneratedTable.validate`).
  public static func table(_ family: TableFamily, _ table: GeneratedTable, seed: UInt64, split: DataSplit) -> Dataset {
    let f = table.features, k = table.classes, n = table.rows
    let familyIndex = family == .clusters ? 0 : 1
    var taskRng = SeededGenerator(seed: seed, stream: .syntheticTable, familyIndex, 0)
    // Random mixing: features are correlated and unequally scaled, as measured columns are.
    let mixing = (0..<(f * f)).map { _ in taskRng.nextNormal() / Float(f).squareRoot() }
    let rule = TableRule(family, features: f, classes: k, using: &taskRng)
    func pool(_ index: Int) -> (features: [Float], labels: [Int32], scores: [Float]) {
      var rng = SeededGenerator(seed: seed, stream: .syntheticTable, familyIndex, index)
      var latent = [Float](repeating: 0, count: f)
      var out = [Float](repeating: 0, count: n * f)
      var labels = [Int32](repeating: 0, count: n)
      var scores = [Float](repeating: 0, count: n * k)
      for r in 0..<n {
        labels[r] = rule.draw(into: &latent, scores: &scores[(r * k)..<((r + 1) * k)], using: &rng)
        for j in 0..<f {
          var s: Float = 0
          for i in 0..<f { s += latent[i] * mixing[i * f + j] }
          out[r * f + j] = s
        }
      }
      return (out, labels, scores)
    }
    let train = pool(1)
    var (features, labels, scores) = split == .test ? pool(2) : train
    if family == .teacher {
      // Labels are the argmax of the outputs less their training-pool means, which keeps every
      // class in use instead of letting one output dominate.
      var mean = [Float](repeating: 0, count: k)
      for r in 0..<n { for c in 0..<k { mean[c] += train.scores[r * k + c] / Float(n) } }
      for r in 0..<n {
        var best = 0
        for c in 1..<k where scores[r * k + c] - mean[c] > scores[r * k + best] - mean[best] { best = c }
        labels[r] = Int32(best)
      }
    }
    standardise(&features, by: train.features, features: f)
    // Sizes and labels are constructed in range; the caller validated `table`.
    return try! Dataset(
      name: family.rawValue, split: split, kind: .tabular, shape: .flat(f), storage: .floats(features),
      labels: labels, classCount: k, normalization: .identity)
  }

  /// Subtracts the per-feature mean of `reference` from `values` and divides by its standard
  /// deviation (1 where a feature is constant).
  private static func standardise(_ values: inout [Float], by reference: [Float], features f: Int) {
    let rows = reference.count / f
    for j in 0..<f {
      var sum = 0.0, squares = 0.0
      for r in 0..<rows { let v = Double(reference[r * f + j]); sum += v; squares += v * v }
      let mean = sum / Double(rows)
      let variance = max(0, squares / Double(rows) - mean * mean)
      let std = variance > 1e-12 ? variance.squareRoot() : 1
      for r in 0..<(values.count / f) { values[r * f + j] = Float((Double(values[r * f + j]) - mean) / std) }
    }
  }
}

/// How one generated task labels a row: the clusters' centres or the teacher's weights.
private struct TableRule {
  let family: SyntheticTasks.TableFamily
  let features: Int
  let classes: Int
  /// `clusters`: `classes x centresPerClass x features` centres.
  var centres: [Float] = []
  /// `teacher`: `features x hidden` weights, `hidden` biases, `hidden x classes` weights.
  var w1: [Float] = [], b1: [Float] = [], w2: [Float] = []

  init(_ family: SyntheticTasks.TableFamily, features f: Int, classes k: Int, using rng: inout SeededGenerator) {
    self.family = family
    features = f
    classes = k
    switch family {
    case .clusters:
      let range = SyntheticTasks.clusterSeparation
      let separation = range.lowerBound + rng.nextUnitFloat() * (range.upperBound - range.lowerBound)
      // Two N(0, s^2 I) centres lie s * sqrt(2f) apart on average.
      let s = separation / Float(2 * f).squareRoot()
      centres = (0..<(k * SyntheticTasks.clusterCentresPerClass * f)).map { _ in s * rng.nextNormal() }
    case .teacher:
      let h = SyntheticTasks.teacherHidden
      let range = SyntheticTasks.teacherGain
      let gain = range.lowerBound + rng.nextUnitFloat() * (range.upperBound - range.lowerBound)
      w1 = (0..<(f * h)).map { _ in gain * rng.nextNormal() / Float(f).squareRoot() }
      b1 = (0..<h).map { _ in SyntheticTasks.teacherBiasStd * rng.nextNormal() }
      w2 = (0..<(h * k)).map { _ in rng.nextNormal() / Float(h).squareRoot() }
    }
  }

  /// Draws one row's latent features into `latent` and returns its label; for `teacher` also
  /// writes the network's outputs to `scores` (the label is then re-derived from them).
  func draw(into latent: inout [Float], scores: inout ArraySlice<Float>, using rng: inout SeededGenerator) -> Int32 {
    let f = features
    switch family {
    case .clusters:
      let label = rng.nextInt(below: classes)
      let centre = (label * SyntheticTasks.clusterCentresPerClass + rng.nextInt(below: SyntheticTasks.clusterCentresPerClass)) * f
      for i in 0..<f { latent[i] = centres[centre + i] + rng.nextNormal() }
      return Int32(label)
    case .teacher:
      for i in 0..<f { latent[i] = rng.nextNormal() }
      let h = SyntheticTasks.teacherHidden
      var hidden = [Float](repeating: 0, count: h)
      for u in 0..<h {
        var s = b1[u]
        for i in 0..<f { s += latent[i] * w1[i * h + u] }
        hidden[u] = Float(_tanh(Double(s)))
      }
      let base = scores.startIndex
      for c in 0..<classes {
        var s: Float = 0
        for u in 0..<h { s += hidden[u] * w2[u * classes + c] }
        scores[base + c] = s
      }
      return 0
    }
  }
}
