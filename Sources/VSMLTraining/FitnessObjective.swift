/// What an ES member's fitness measures on its episode (`es.objective`); fitness is minimised.
public enum FitnessObjective: String, Codable, Hashable, Sendable, CaseIterable {
  /// Mean cross-entropy over the episode's examples (the published choice and the default).
  case loss
  /// Fraction of the episode's examples predicted wrongly before their label was seen: one minus
  /// the mean online accuracy, the quantity meta-tests report. Blind to how confident the logits
  /// are, which cross-entropy also weighs.
  case errorRate

  /// The fitness of one episode's result. Under `errorRate` a member whose loss is not finite (it
  /// diverged) gets NaN, the worst, whatever its accuracy.
  public func fitness(meanLoss: Float, accuracy: Double) -> Float {
    switch self {
    case .loss: return meanLoss
    case .errorRate: return meanLoss.isFinite ? Float(1 - accuracy) : .nan
    }
  }
}
