import VSMLCore

/// Scores the predictions of an episode (METHOD.md §4): for each step the learner hands over its
/// clipped logits; the recorder computes the cross-entropy against the label, writes the error
/// `softmax(ŷ) − onehot(y)` the learner reads at the next step, and keeps losses, hits and
/// (optionally) logits. Preallocated: no allocation per step.
struct EpisodeRecorder {
  let classCount: Int
  let recordLogits: Bool
  var losses: [Float]
  var correct: [Bool]
  var logits: [Float]

  init(length: Int, classCount: Int, recordLogits: Bool) {
    self.classCount = classCount
    self.recordLogits = recordLogits
    losses = []
    losses.reserveCapacity(length)
    correct = []
    correct.reserveCapacity(length)
    logits = []
    if recordLogits { logits.reserveCapacity(length * classCount) }
  }

  /// Scores `prediction` (`classCount` floats) against `label`; writes the error into `error`.
  mutating func score(
    prediction: UnsafeMutablePointer<Float>, label: Int, error: UnsafeMutablePointer<Float>
  ) {
    let p = UnsafeBufferPointer(start: prediction, count: classCount)
    let loss = softmaxCrossEntropy(
      logits: p, label: label, error: UnsafeMutableBufferPointer(start: error, count: classCount))
    losses.append(loss)
    correct.append(argmax(p) == label)
    if recordLogits { logits.append(contentsOf: p) }
  }

  var result: EpisodeResult { EpisodeResult(logits: logits, losses: losses, correct: correct) }
}
