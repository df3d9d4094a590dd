// Fast-weight memory baseline (METHOD.md §8): an LSTM controller with a tensor-product fast-weight
// memory, after I. Schlag, T. Munkhdalai, J. Schmidhuber, "Learning Associative Inference Using
// Fast Weight Memory", ICLR 2021 (and T. Munkhdalai et al., "Metalearned Neural Memory",
// NeurIPS 2019).

import VSMLCore

/// An LSTM (32 units) that writes to and reads from a 16 x 256 fast-weight memory.
///
/// Per example `t`, with `u_t = [x_t, e_{t−1}, onehot(y_{t−1})]` held fixed over `microTicks` ticks,
/// and `r` the memory read of the previous tick (zero at the start):
/// ```
/// z = [u_t, r, h] · W + b ;  LSTM update (gates i, g, f, o; forget bias +1)       W: (I+2C+V+H) x 4H
/// write:  [s1, s2, w, β] = h · A + a     key  k = vec(ŝ1 ⊗ ŝ2),  ŝ = tanh(s)/|tanh(s)|  (K² = 256)
///         M ← M + σ(β) (tanh(w) − M k) ⊗ k                        M: V x K² = 16 x 256 (delta rule)
/// read:   [n1, n2]     = h · R + c     query q = vec(n̂1 ⊗ n̂2),  r = M q             (V = 16)
/// ŷ_t = 100 · tanh(([h, r] · O + d) / 100)   (after the last tick)
/// ```
/// Keys are outer products of two unit vectors, so `|k| = 1` and the delta-rule write with
/// `σ(β) ∈ (0, 1)` cannot blow up: `M k` moves a fraction `σ(β)` of the way to the written value.
/// This is Schlag et al.'s write with one read hop (their model reads with several). `h`, `c`, `M`
/// and `r` start at zero, so `stateSeed` is unused.
///
/// Parameter vector: `lstm/linear/w`, `lstm/linear/b`, `write/w` H x (2K + V + 1), `write/b`,
/// `read/w` H x 2K, `read/b`, `linear/w` (H + V) x C, `linear/b` C.
/// Default size (784 inputs, 10 classes, H = 32, K = 16, V = 16): 112,347 parameters.
public struct FastWeightMemory: OnlineLearner, Sendable {
  public struct Configuration: Codable, Hashable, Sendable {
    public var inputSize: Int
    public var classCount: Int
    /// LSTM units H (METHOD.md §8: 32).
    public var hiddenSize: Int
    /// Size K of each key factor; the memory has K² columns (METHOD.md §8: 16 → 256).
    public var keyFactorSize: Int
    /// Memory rows V (METHOD.md §8: 16).
    public var valueSize: Int
    /// Controller steps per example, input held fixed (as the Meta RNN: 2).
    public var microTicks: Int
    public var forgetBias: Float
    /// Soft-clip bound of the predictions (METHOD.md §4: 100).
    public var logitBound: Float

    public init(
      inputSize: Int = 784, classCount: Int = 10, hiddenSize: Int = 32, keyFactorSize: Int = 16,
      valueSize: Int = 16, microTicks: Int = 2, forgetBias: Float = 1, logitBound: Float = baselineLogitBound
    ) {
      self.inputSize = inputSize
      self.classCount = classCount
      self.hiddenSize = hiddenSize
      self.keyFactorSize = keyFactorSize
      self.valueSize = valueSize
      self.microTicks = microTicks
      self.forgetBias = forgetBias
      self.logitBound = logitBound
    }

    public func validate() throws(BaselineConfigurationError) {
      try requireAtLeast(inputSize, 1, field: "inputSize")
      try requireAtLeast(classCount, 2, field: "classCount")
      try requireAtLeast(hiddenSize, 1, field: "hiddenSize")
      try requireAtLeast(keyFactorSize, 1, field: "keyFactorSize")
      try requireAtLeast(valueSize, 1, field: "valueSize")
      try requireAtLeast(microTicks, 1, field: "microTicks")
      try requirePositive(logitBound, field: "logitBound")
      guard forgetBias.isFinite else {
        throw BaselineConfigurationError(field: "forgetBias", message: "must be finite")
      }
    }
  }

  public let configuration: Configuration
  public let parameterLayout: [BaselineParameterSlice]

  public init(_ configuration: Configuration) throws(BaselineConfigurationError) {
    try configuration.validate()
    self.configuration = configuration
    let c = configuration
    let h = c.hiddenSize, k = c.keyFactorSize, v = c.valueSize
    parameterLayout = packSlices([
      ("lstm/linear/w", [c.inputSize + 2 * c.classCount + v + h, 4 * h]), ("lstm/linear/b", [4 * h]),
      ("write/w", [h, 2 * k + v + 1]), ("write/b", [2 * k + v + 1]),
      ("read/w", [h, 2 * k]), ("read/b", [2 * k]),
      ("linear/w", [h + v, c.classCount]), ("linear/b", [c.classCount]),
    ])
  }

  public var inputSize: Int { configuration.inputSize }
  public var classCount: Int { configuration.classCount }
  public var parameterCount: Int { parameterLayout.last!.range.upperBound }
  /// Memory columns K².
  public var memoryKeySize: Int { configuration.keyFactorSize * configuration.keyFactorSize }

  /// Haiku's defaults: weights truncated normal with std `1/√fan_in`, biases zero.
  public func initialParameters(using generator: inout SeededGenerator) -> [Float] {
    var p = [Float](repeating: 0, count: parameterCount)
    for slice in parameterLayout where slice.shape.count == 2 {
      fillTruncatedNormal(&p[slice.range], std: 1 / Float(slice.shape[0]).squareRoot(), using: &generator)
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
    let factor = cfg.keyFactorSize, values = cfg.valueSize, memoryKeys = memoryKeySize
    let gateCount = 4 * units, writeCount = 2 * factor + values + 1, readCount = 2 * factor
    let features = episode.inputSize
    let base = parameters.baseAddress!
    func block(_ i: Int) -> UnsafePointer<Float> { base + parameterLayout[i].offset }
    let gateMatrix = PackedMatrix(
      block(0), rows: parameterLayout[0].shape[0], columns: gateCount, rowStride: gateCount)
    defer { gateMatrix.deallocate() }
    let gateBias = block(1), writeW = block(2), writeB = block(3), readW = block(4), readB = block(5)
    let outW = block(6), outB = block(7)
    let errorRow = inputs, labelRow = inputs + classes, readRow = inputs + 2 * classes
    let hiddenRow = readRow + values

    // Scratch layout.
    let sizes = [
      gateCount, gateCount, units, units, values, memoryKeys * values, memoryKeys, writeCount,
      readCount, values, units + values, classes, classes,
    ]
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: sizes.reduce(0, +))
    defer { scratch.deallocate() }
    scratch.initialize(repeating: 0, count: sizes.reduce(0, +))
    var cursor = scratch
    func take(_ n: Int) -> UnsafeMutablePointer<Float> {
      defer { cursor += n }
      return cursor
    }
    let exampleGates = take(gateCount), gates = take(gateCount), hidden = take(units), cell = take(units)
    let read = take(values), memory = take(memoryKeys * values), key = take(memoryKeys)
    let writeHead = take(writeCount), readHead = take(readCount), recalled = take(values)
    let features2 = take(units + values), prediction = take(classes), error = take(classes)

    var recorder = EpisodeRecorder(length: episode.length, classCount: classes, recordLogits: recordLogits)
    var previousLabel = -1
    episode.inputs.withUnsafeBufferPointer { xs in
      for t in 0..<episode.length {
        if episode.cancellation.isRequested { break }
        exampleGates.update(from: gateBias, count: gateCount)
        gateMatrix.accumulate(input: xs.baseAddress! + t * features, firstRow: 0, count: features, into: exampleGates)
        if previousLabel >= 0 {
          gateMatrix.accumulate(input: error, firstRow: errorRow, count: classes, into: exampleGates)
          gateMatrix.addRow(labelRow + previousLabel, into: exampleGates)
        }
        for _ in 0..<cfg.microTicks {
          gates.update(from: exampleGates, count: gateCount)
          gateMatrix.accumulate(input: read, firstRow: readRow, count: values, into: gates)
          gateMatrix.accumulate(input: hidden, firstRow: hiddenRow, count: units, into: gates)
          lstmUpdate(gates: gates, units: units, forgetBias: cfg.forgetBias, cell: cell, hidden: hidden)

          // Write: M ← M + σ(β)(tanh(w) − M k) ⊗ k.
          writeHead.update(from: writeB, count: writeCount)
          accumulateRows(input: hidden, rows: units, weights: writeW, rowStride: writeCount, columns: writeCount, into: writeHead)
          outerKey(writeHead, writeHead + factor, factor: factor, into: key)
          let beta = scalarSigmoid(writeHead[writeCount - 1])
          for v in 0..<values {
            let row = memory + v * memoryKeys
            let target = scalarTanh(writeHead[2 * factor + v])
            let scale = beta * (target - dot(row, key, count: memoryKeys))
            for j in 0..<memoryKeys { row[j] += scale * key[j] }
          }

          // Read: r = M q.
          readHead.update(from: readB, count: readCount)
          accumulateRows(input: hidden, rows: units, weights: readW, rowStride: readCount, columns: readCount, into: readHead)
          outerKey(readHead, readHead + factor, factor: factor, into: key)
          for v in 0..<values { recalled[v] = dot(memory + v * memoryKeys, key, count: memoryKeys) }
          read.update(from: recalled, count: values)
        }
        features2.update(from: hidden, count: units)
        (features2 + units).update(from: read, count: values)
        prediction.update(from: outB, count: classes)
        accumulateRows(input: features2, rows: units + values, weights: outW, rowStride: classes, columns: classes, into: prediction)
        for k in 0..<classes { prediction[k] = softClip(prediction[k], bound: cfg.logitBound) }
        let label = Int(episode.labels[t])
        recorder.score(prediction: prediction, label: label, error: error)
        previousLabel = label
      }
    }
    return recorder.result
  }
}

/// `key = vec(â ⊗ b̂)` with `â = tanh(a)/|tanh(a)|` (and `b̂` alike): a unit vector of `factor²`
/// floats. `a` and `b` (each `factor` floats) are overwritten with `â` and `b̂`.
@inline(__always)
func outerKey(
  _ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, factor: Int,
  into key: UnsafeMutablePointer<Float>
) {
  for i in 0..<factor {
    a[i] = scalarTanh(a[i])
    b[i] = scalarTanh(b[i])
  }
  normalize(a, count: factor)
  normalize(b, count: factor)
  for i in 0..<factor {
    let s = a[i]
    for j in 0..<factor { key[i * factor + j] = s * b[j] }
  }
}
