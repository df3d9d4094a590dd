// Meta RNN baseline (METHOD.md §8): S. Hochreiter, A. S. Younger, P. R. Conwell, "Learning to Learn
// Using Gradient Descent", ICANN 2001. A black-box LSTM reads each example together with the error
// and label of the previous example; its weights are the meta-parameters and its state is the
// only thing that changes inside an episode. Matches the reference's `meta_rnn` model
// (`Tests/Golden/golden.json`, case `meta_rnn_small`).

import VSMLCore

/// A Meta RNN learner: an LSTM with a linear read-out, run online over an episode.
///
/// Per example `t` (METHOD.md §4), with `u_t = [x_t, e_{t−1}, onehot(y_{t−1})]` (zeros at `t = 0`):
/// ```
/// repeat microTicks times (u_t held fixed):
///   z = [u_t, h] · W + b                      W: (I + 2C + H) x 4H, gates i, g, f, o
///   c = σ(z_f + 1) ⊙ c + σ(z_i) ⊙ tanh(z_g)   (forget-gate bias +1, as Haiku's LSTM adds)
///   h = σ(z_o) ⊙ tanh(c)
/// ŷ_t = 100 · tanh((h · V + d) / 100)          V: H x C
/// ```
/// `I = inputSize`, `C = classCount`, `H = hiddenSize`. `h` and `c` start at zero, so `stateSeed`
/// has no effect. Episodes with fewer features (zero-padded) or fewer classes (the extra logits
/// never match a label) than the learner's sizes are accepted.
///
/// Flat parameter vector, in this order (names are the reference's module paths):
/// `lstm/linear/w` (I + 2C + H) x 4H, `lstm/linear/b` 4H, `linear/w` H x C, `linear/b` C.
/// Default size (784 inputs, 10 classes, 128 units): 478,986 parameters.
///
/// Fast path: the input part `u_t · W[0..<I+2C] + b` is computed once per example and reused by
/// both micro-ticks (the one-hot label adds a single row); only `h · W[I+2C...]` is recomputed per
/// tick. All products are row-broadcast SIMD16 sweeps over the 4H gate columns; nothing is
/// allocated per step.
public struct MetaRNN: OnlineLearner, Sendable {
  /// Sizes and settings of a Meta RNN.
  public struct Configuration: Codable, Hashable, Sendable {
    public var inputSize: Int
    public var classCount: Int
    /// LSTM units `H` (METHOD.md §8: 128).
    public var hiddenSize: Int
    /// LSTM steps per example, input held fixed (METHOD.md §8: 2).
    public var microTicks: Int
    /// Added to the forget-gate pre-activation (Haiku's LSTM: +1).
    public var forgetBias: Float
    /// Soft-clip bound of the predictions (METHOD.md §4: 100).
    public var logitBound: Float

    public init(
      inputSize: Int = 784, classCount: Int = 10, hiddenSize: Int = 128, microTicks: Int = 2,
      forgetBias: Float = 1, logitBound: Float = baselineLogitBound
    ) {
      self.inputSize = inputSize
      self.classCount = classCount
      self.hiddenSize = hiddenSize
      self.microTicks = microTicks
      self.forgetBias = forgetBias
      self.logitBound = logitBound
    }

    public func validate() throws(BaselineConfigurationError) {
      try requireAtLeast(inputSize, 1, field: "inputSize")
      try requireAtLeast(classCount, 2, field: "classCount")
      try requireAtLeast(hiddenSize, 1, field: "hiddenSize")
      try requireAtLeast(microTicks, 1, field: "microTicks")
      try requirePositive(logitBound, field: "logitBound")
      guard forgetBias.isFinite else {
        throw BaselineConfigurationError(field: "forgetBias", message: "must be finite")
      }
    }
  }

  public let configuration: Configuration
  /// Names, shapes and offsets of the blocks of the parameter vector.
  public let parameterLayout: [BaselineParameterSlice]

  public init(_ configuration: Configuration) throws(BaselineConfigurationError) {
    try configuration.validate()
    self.configuration = configuration
    let c = configuration
    let rows = c.inputSize + 2 * c.classCount + c.hiddenSize
    parameterLayout = packSlices([
      ("lstm/linear/w", [rows, 4 * c.hiddenSize]),
      ("lstm/linear/b", [4 * c.hiddenSize]),
      ("linear/w", [c.hiddenSize, c.classCount]),
      ("linear/b", [c.classCount]),
    ])
  }

  public var inputSize: Int { configuration.inputSize }
  public var classCount: Int { configuration.classCount }
  public var parameterCount: Int { parameterLayout.last!.range.upperBound }

  /// Haiku's defaults: weights truncated normal (±2 std) with std `1/√fan_in`, biases zero.
  public func initialParameters(using generator: inout SeededGenerator) -> [Float] {
    var p = [Float](repeating: 0, count: parameterCount)
    for slice in parameterLayout where slice.shape.count == 2 {
      let std = 1 / Float(slice.shape[0]).squareRoot()
      fillTruncatedNormal(&p[slice.range], std: std, using: &generator)
    }
    return p
  }

  public func run(
    episode: Episode, parameters: UnsafeBufferPointer<Float>, stateSeed: UInt64, recordLogits: Bool
  ) -> EpisodeResult {
    precondition(parameters.count == parameterCount, "expected \(parameterCount) parameters, got \(parameters.count)")
    checkEpisodeFits(episode, inputSize: inputSize, classCount: classCount)
    let cfg = configuration
    let inputs = cfg.inputSize, classes = cfg.classCount, units = cfg.hiddenSize
    let gateCount = 4 * units
    let features = episode.inputSize

    let base = parameters.baseAddress!
    let bias = base + parameterLayout[1].offset
    let readout = base + parameterLayout[2].offset
    let readoutBias = base + parameterLayout[3].offset

    // Scratch: example pre-activation (4H), tick pre-activation (4H), h, c, error, prediction.
    let scratchCount = 2 * gateCount + 2 * units + 2 * classes
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
    defer { scratch.deallocate() }
    scratch.initialize(repeating: 0, count: scratchCount)
    let exampleGates = scratch, gates = scratch + gateCount
    let hidden = gates + gateCount, cell = hidden + units
    let error = cell + units, prediction = error + classes

    let gateMatrix = PackedMatrix(
      base + parameterLayout[0].offset, rows: parameterLayout[0].shape[0], columns: gateCount,
      rowStride: gateCount)
    defer { gateMatrix.deallocate() }
    let errorRow = inputs, labelRow = inputs + classes, hiddenRow = inputs + 2 * classes

    var recorder = EpisodeRecorder(length: episode.length, classCount: classes, recordLogits: recordLogits)
    var previousLabel = -1
    episode.inputs.withUnsafeBufferPointer { xs in
      for t in 0..<episode.length {
        if episode.cancellation.isRequested { break }
        // Input part, shared by all micro-ticks: b + x·W_x + e·W_e + W_label[y_{t−1}].
        exampleGates.update(from: bias, count: gateCount)
        gateMatrix.accumulate(
          input: xs.baseAddress! + t * features, firstRow: 0, count: features, into: exampleGates,
          backwards: t % 2 == 1)
        if previousLabel >= 0 {
          gateMatrix.accumulate(input: error, firstRow: errorRow, count: classes, into: exampleGates)
          gateMatrix.addRow(labelRow + previousLabel, into: exampleGates)
        }
        for _ in 0..<cfg.microTicks {
          gates.update(from: exampleGates, count: gateCount)
          gateMatrix.accumulate(input: hidden, firstRow: hiddenRow, count: units, into: gates)
          lstmUpdate(gates: gates, units: units, forgetBias: cfg.forgetBias, cell: cell, hidden: hidden)
        }
        prediction.update(from: readoutBias, count: classes)
        accumulateRows(
          input: hidden, rows: units, weights: readout, rowStride: classes, columns: classes,
          into: prediction)
        for k in 0..<classes { prediction[k] = softClip(prediction[k], bound: cfg.logitBound) }
        let label = Int(episode.labels[t])
        recorder.score(prediction: prediction, label: label, error: error)
        previousLabel = label
      }
    }
    return recorder.result
  }
}
