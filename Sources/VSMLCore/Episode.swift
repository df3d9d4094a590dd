/// One online-learning episode: `length` examples of `inputSize` features with integer labels.
///
/// Inputs are row-major, `length x inputSize`, already preprocessed (scaled, standardised,
/// transformed). Labels lie in `0..<classCount`.
public struct Episode: Sendable {
  public var inputs: [Float]
  public var labels: [Int32]
  public let inputSize: Int
  public let classCount: Int
  /// Polled by the learner before each example; a cancelled run returns a partial result.
  public var cancellation: Cancellation = .never

  public var length: Int { labels.count }

  public init(inputs: [Float], labels: [Int32], inputSize: Int, classCount: Int) {
    precondition(inputSize > 0 && classCount > 0, "inputSize and classCount must be positive")
    precondition(inputs.count == labels.count * inputSize, "inputs must hold length x inputSize floats")
    precondition(labels.allSatisfy { $0 >= 0 && Int($0) < classCount }, "labels must lie in 0..<classCount")
    self.inputs = inputs
    self.labels = labels
    self.inputSize = inputSize
    self.classCount = classCount
  }
}

/// What an online learner did over one episode.
///
/// `losses[t]` is the softmax cross-entropy of the prediction made for example `t` *before* its
/// label was revealed; `correct[t]` whether that prediction's arg-max was the label.
public struct EpisodeResult: Sendable {
  /// Per-step predictions, `length x classCount`, when requested; otherwise empty.
  public var logits: [Float]
  public var losses: [Float]
  public var correct: [Bool]

  public init(logits: [Float] = [], losses: [Float], correct: [Bool]) {
    self.logits = logits
    self.losses = losses
    self.correct = correct
  }

  /// Mean online cross-entropy (the meta-training fitness of METHOD.md §5). NaN stays NaN.
  public var meanLoss: Float {
    guard !losses.isEmpty else { return .nan }
    var sum = 0.0
    for l in losses { sum += Double(l) }
    return Float(sum / Double(losses.count))
  }

  /// Fraction of steps whose prediction was right.
  public var accuracy: Float {
    guard !correct.isEmpty else { return .nan }
    return Float(correct.lazy.filter { $0 }.count) / Float(correct.count)
  }
}
