/// A learner that learns online within an episode and whose learning behaviour is set by a flat
/// vector of meta-parameters: VSML itself and every baseline (METHOD.md §8) adopt it, so that one
/// meta-trainer, one evaluator and one benchmark serve them all.
///
/// Protocol of an episode (METHOD.md §4): for each example, the learner first predicts `classCount`
/// logits, then receives the error `softmax(prediction) - onehot(label)` (and, where it feeds
/// labels, the label) of that example before it sees the next one.
public protocol OnlineLearner: Sendable {
  /// Length of the meta-parameter vector.
  var parameterCount: Int { get }
  /// Features per example the learner accepts.
  var inputSize: Int { get }
  /// Classes the learner predicts.
  var classCount: Int { get }
  /// Floats of per-episode state one run holds (for memory estimates before allocating).
  var stateFloatsPerEpisode: Int { get }
  /// Bytes one run holds per example beyond the episode and its results (for memory estimates):
  /// what a learner records of every step, such as a committee's member predictions. By default 0.
  var extraBytesPerExample: Int { get }

  /// Draws a fresh meta-parameter vector (the learner's published initialiser).
  func initialParameters(using generator: inout SeededGenerator) -> [Float]

  /// The meta-parameter vector as named tensors that cover it (the names checkpoints and learner
  /// files use). By default one tensor, `parameters`.
  var namedTensors: [NamedTensor] { get }

  /// Runs one episode online with the given meta-parameters.
  ///
  /// - Parameters:
  ///   - episode: the example stream; `episode.inputSize` and `episode.classCount` must fit the learner
  ///     (a larger class count than the episode's is allowed: the extra logits simply never match).
  ///   - parameters: `parameterCount` floats.
  ///   - stateSeed: seeds the per-episode initial state (both members of an antithetic pair share it).
  ///   - recordLogits: whether `EpisodeResult.logits` is filled.
  func run(
    episode: Episode, parameters: UnsafeBufferPointer<Float>, stateSeed: UInt64, recordLogits: Bool
  ) -> EpisodeResult
}

/// One named tensor of a learner's flat meta-parameter vector: its name, row-major shape and
/// the range it occupies (`shape` multiplies out to `range.count`).
public struct NamedTensor: Hashable, Sendable {
  public var name: String
  public var shape: [Int]
  public var range: Range<Int>
  public init(name: String, shape: [Int], range: Range<Int>) {
    precondition(shape.reduce(1, *) == range.count, "shape \(shape) does not cover \(range.count) values")
    self.name = name
    self.shape = shape
    self.range = range
  }
}

extension OnlineLearner {
  public var namedTensors: [NamedTensor] { [NamedTensor(name: "parameters", shape: [parameterCount], range: 0..<parameterCount)] }

  /// Floats of per-episode state a run holds (for memory estimates); by default the size of the
  /// meta-parameter vector, which the small baselines' states do not exceed by much.
  public var stateFloatsPerEpisode: Int { parameterCount }

  public var extraBytesPerExample: Int { 0 }

  /// Bytes that `concurrent` episodes of `length` examples hold while they run (inputs, labels,
  /// state) plus the results of `retained` finished episodes (losses and hits); nil on overflow.
  public func episodeMemory(concurrent: Int, retained: Int, length: Int) -> Int? {
    let perExample = MemoryBudget.sum(MemoryBudget.product(inputSize, 4), 4 + 4 + 1, extraBytesPerExample)
    return MemoryBudget.sum(
      perExample.flatMap { MemoryBudget.product(concurrent, length, $0) },
      MemoryBudget.product(concurrent, stateFloatsPerEpisode, 4),
      MemoryBudget.product(retained, length, 4 + 1))
  }

  /// Runs one episode with parameters given as an array.
  public func run(
    episode: Episode, parameters: [Float], stateSeed: UInt64, recordLogits: Bool = false
  ) -> EpisodeResult {
    precondition(parameters.count == parameterCount, "expected \(parameterCount) parameters, got \(parameters.count)")
    return parameters.withUnsafeBufferPointer {
      run(episode: episode, parameters: $0, stateSeed: stateSeed, recordLogits: recordLogits)
    }
  }
}
