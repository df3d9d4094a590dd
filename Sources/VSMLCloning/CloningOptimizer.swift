import Evolution

/// Progress of one cloning iteration: the batch's mean loss and its gradient norm before clipping.
public struct CloningProgress: Sendable {
  public var iteration: Int
  public var loss: Double
  public var gradientNorm: Double
}

/// The optimiser loop shared by the cloning stages: per iteration a batch's mean loss and
/// gradient, the gradient norm clipped, one Adam step; a non-finite loss or gradient skips the
/// step (NaN counts as worst).
enum CloningOptimizer {
  /// Runs `iterations` Adam steps from `parameters`; `lossAndGradient(iteration, parameters)`
  /// gives the batch of 1-based iteration `iteration`. Returns the final parameters.
  static func train(
    from parameters: [Float], iterations: Int, learningRate: Double, gradientClip: Double,
    lossAndGradient: (_ iteration: Int, _ parameters: [Float]) -> (loss: Double, gradient: [Double]),
    report: (CloningProgress) -> Void
  ) -> [Float] {
    var theta = parameters
    var adam = Adam(dimension: theta.count)
    guard iterations > 0 else { return theta }
    for it in 1...iterations {
      var (loss, g) = lossAndGradient(it, theta)
      let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
      report(CloningProgress(iteration: it, loss: loss, gradientNorm: norm))
      guard loss.isFinite, norm.isFinite else { continue }
      if norm > gradientClip { g = g.map { $0 * gradientClip / norm } }
      adam.step(parameters: &theta, gradient: g.map(Float.init), learningRate: Float(learningRate))
    }
    return theta
  }
}
