import VSMLCore
import VSMLData

/// A hand-designed online learner's learning rate, chosen per dataset on the validation split:
/// the comparators' best honest shot, selected without reading the test split.
public struct LearningRateTuning: Sendable {
  /// The rates tried: half-decades from 1e-4 to 1, around both defaults (SGD 0.01, Adam 0.001).
  public static let grid: [Float] = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1]

  /// What the tuning found on one dataset.
  public struct Choice: Codable, Sendable, Equatable {
    public var dataset: String
    /// The rate with the highest mean online accuracy on the validation split (the lower rate on a tie).
    public var rate: Float
    /// The rates tried and each one's mean online accuracy on the validation split.
    public var grid: [Float]
    public var validationAccuracies: [Double]
  }

  /// The hand-designed learner's name (`sgd`, `mlp-adam`, ...).
  public var model: String
  /// The meta-test protocol of the tuning: episodes, steps, threads; its split is forced to
  /// validation and its seed is the evaluation's plus one, so that the tuning never sees the
  /// evaluation's streams.
  public var evaluator: Evaluator

  public init(model: String, evaluator: Evaluator) {
    self.model = model
    var tuning = evaluator
    tuning.split = .validation
    tuning.seed = evaluator.seed &+ 1
    self.evaluator = tuning
  }

  /// Tries every rate of `grid` on `task`'s validation split and returns the best.
  public func tune(task: TaskSpec, locator: DataLocator) throws -> Choice {
    var accuracies: [Double] = []
    for rate in Self.grid {
      let source = try LearnerSource.handDesigned(model, learningRate: rate)
      accuracies.append(try evaluator.evaluate(task: task, locator: locator, parameters: nil, makeLearner: source.makeLearner).meanAccuracy)
    }
    // NaN never wins; strictly greater keeps the lower rate on a tie.
    var best = 0
    for i in accuracies.indices where accuracies[i] > accuracies[best] || accuracies[best].isNaN { best = i }
    return Choice(dataset: task.dataset, rate: Self.grid[best], grid: Self.grid, validationAccuracies: accuracies)
  }
}
