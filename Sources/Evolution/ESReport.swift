/// What one `tell` did: fitness statistics of the population and the size of the update.
/// `Codable` so that it can go straight into metric logs.
public struct ESReport: Codable, Hashable, Sendable {
  /// The iteration this report describes (0 for the first `tell`).
  public var iteration: Int
  /// Mean, minimum and maximum over the *finite* fitness values; NaN when none is finite.
  public var meanFitness: Float
  public var minFitness: Float
  public var maxFitness: Float
  /// How many fitness values were NaN or ±inf (each treated as the worst finite value).
  public var nonFiniteCount: Int
  /// Euclidean norm of the gradient estimate ĝ (0 when the update was skipped).
  public var gradientNorm: Float
  /// The σ and learning rate used at this iteration.
  public var sigma: Float
  public var learningRate: Float
  /// True when the update was not applied because ĝ or the stepped mean was not finite (e.g. raw fitness values so
  /// large that the estimate overflowed); the mean is then unchanged.
  public var updateSkipped: Bool

  public init(
    iteration: Int, meanFitness: Float, minFitness: Float, maxFitness: Float, nonFiniteCount: Int,
    gradientNorm: Float, sigma: Float, learningRate: Float, updateSkipped: Bool
  ) {
    self.iteration = iteration
    self.meanFitness = meanFitness
    self.minFitness = minFitness
    self.maxFitness = maxFitness
    self.nonFiniteCount = nonFiniteCount
    self.gradientNorm = gradientNorm
    self.sigma = sigma
    self.learningRate = learningRate
    self.updateSkipped = updateSkipped
  }

  /// Fitness statistics over the finite values of `fitness`.
  static func statistics(_ fitness: [Float]) -> (mean: Float, min: Float, max: Float, nonFinite: Int) {
    var sum = 0.0, lo = Float.infinity, hi = -Float.infinity, finite = 0
    for f in fitness where f.isFinite {
      sum += Double(f); lo = min(lo, f); hi = max(hi, f); finite += 1
    }
    if finite == 0 { return (.nan, .nan, .nan, fitness.count) }
    return (Float(sum / Double(finite)), lo, hi, fitness.count - finite)
  }
}
