// Fast weight programmer baseline (METHOD.md §8): J. Schmidhuber, "Learning to Control Fast-Weight
// Memories: An Alternative to Dynamic Recurrent Networks", Neural Computation 1992; with the delta
// rule and normalised keys of I. Schlag, K. Irie, J. Schmidhuber, "Linear Transformers Are
// Secretly Fast Weight Programmers", ICML 2021.

import VSMLCore

/// A slow linear network that programs a fast weight matrix, which makes the predictions.
///
/// Slow net (meta-parameters): `u_t = [x_t, e_{t−1}, onehot(y_{t−1})]` (I + 2C) maps linearly to a
/// key `k_t` and a query `q_t` (each `keySize` D, then L2-normalised), a value `v_t` (C) and a write
/// strength `β_t = σ(·)`. Fast state: `F` (C x D), zero at the start of every episode. Per example:
/// ```
/// write (t > 0):  delta:    F ← F + β_t (v_t − F k_{t−1}) ⊗ k_{t−1}
///                 additive: F ← F + β_t v_t ⊗ k_{t−1}
/// read:           ŷ_t = 100 · tanh((F q_t + d) / 100)
/// ```
/// The write pairs the key of the previous example with the value computed now: the label and
/// error of example `t−1` only arrive with example `t` (METHOD.md §4), and `v_t` is the slow net's
/// reading of them. With `k = q ∝ x` and `v = −e` the additive rule is online SGD of a linear
/// classifier, so gradient descent is inside the searched family. Normalised keys and `β ∈ (0, 1)`
/// keep the delta rule stable.
///
/// Parameter vector: `slow/w` (I + 2C) x (2D + C + 1), columns `[k, q, v, β]`; `slow/b` (2D + C + 1);
/// `output/b` C. Default size (784 inputs, 10 classes, D = 64): 111,905 parameters.
/// `stateSeed` is unused (the fast weights start at zero).
public struct FastWeightProgrammer: OnlineLearner, Sendable {
  public enum UpdateRule: String, Codable, Hashable, Sendable, CaseIterable {
    /// Schlag et al. 2021: replace the value stored under the key.
    case delta
    /// Schmidhuber 1992: add the outer product.
    case additive
  }

  public struct Configuration: Codable, Hashable, Sendable {
    public var inputSize: Int
    public var classCount: Int
    /// Key and query size D.
    public var keySize: Int
    public var updateRule: UpdateRule
    /// Soft-clip bound of the predictions (METHOD.md §4: 100).
    public var logitBound: Float

    public init(
      inputSize: Int = 784, classCount: Int = 10, keySize: Int = 64, updateRule: UpdateRule = .delta,
      logitBound: Float = baselineLogitBound
    ) {
      self.inputSize = inputSize
      self.classCount = classCount
      self.keySize = keySize
      self.updateRule = updateRule
      self.logitBound = logitBound
    }

    public func validate() throws(BaselineConfigurationError) {
      try requireAtLeast(inputSize, 1, field: "inputSize")
      try requireAtLeast(classCount, 2, field: "classCount")
      try requireAtLeast(keySize, 1, field: "keySize")
      try requirePositive(logitBound, field: "logitBound")
    }
  }

  /// Guards the key and query normalisation against a zero vector.
  static let normEpsilon: Float = 1e-6

  public let configuration: Configuration
  public let parameterLayout: [BaselineParameterSlice]

  public init(_ configuration: Configuration) throws(BaselineConfigurationError) {
    try configuration.validate()
    self.configuration = configuration
    let c = configuration
    let outputs = 2 * c.keySize + c.classCount + 1
    parameterLayout = packSlices([
      ("slow/w", [c.inputSize + 2 * c.classCount, outputs]), ("slow/b", [outputs]),
      ("output/b", [c.classCount]),
    ])
  }

  public var inputSize: Int { configuration.inputSize }
  public var classCount: Int { configuration.classCount }
  public var parameterCount: Int { parameterLayout.last!.range.upperBound }

  /// Weights truncated normal with std `1/√fan_in` (Haiku's default), biases zero (β starts at 1/2).
  public func initialParameters(using generator: inout SeededGenerator) -> [Float] {
    var p = [Float](repeating: 0, count: parameterCount)
    let w = parameterLayout[0]
    fillTruncatedNormal(&p[w.range], std: 1 / Float(w.shape[0]).squareRoot(), using: &generator)
    return p
  }

  public func run(
    episode: Episode, parameters: UnsafeBufferPointer<Float>, stateSeed: UInt64, recordLogits: Bool
  ) -> EpisodeResult {
    precondition(parameters.count == parameterCount, "expected \(parameterCount) parameters, got \(parameters.count)")
    checkEpisodeFits(episode, inputSize: inputSize, classCount: classCount)
    let inputs = inputSize, classes = classCount, keys = configuration.keySize
    let outputs = 2 * keys + classes + 1, features = episode.inputSize
    let delta = configuration.updateRule == .delta
    let base = parameters.baseAddress!
    let slow = PackedMatrix(base, rows: inputs + 2 * classes, columns: outputs, rowStride: outputs)
    defer { slow.deallocate() }
    let slowBias = base + parameterLayout[1].offset, outputBias = base + parameterLayout[2].offset

    // Scratch: slow outputs (k, q, v, β), previous key, fast weights F (C x D), ŷ, e.
    let scratchCount = outputs + keys + classes * keys + 2 * classes
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
    defer { scratch.deallocate() }
    scratch.initialize(repeating: 0, count: scratchCount)
    let slowOut = scratch, key = slowOut, query = key + keys, value = query + keys, strength = value + classes
    let previousKey = slowOut + outputs, fast = previousKey + keys
    let prediction = fast + classes * keys, error = prediction + classes

    var recorder = EpisodeRecorder(length: episode.length, classCount: classes, recordLogits: recordLogits)
    var previousLabel = -1
    episode.inputs.withUnsafeBufferPointer { xs in
      for t in 0..<episode.length {
        if episode.cancellation.isRequested { break }
        slowOut.update(from: slowBias, count: outputs)
        slow.accumulate(input: xs.baseAddress! + t * features, firstRow: 0, count: features, into: slowOut)
        if previousLabel >= 0 {
          slow.accumulate(input: error, firstRow: inputs, count: classes, into: slowOut)
          slow.addRow(inputs + classes + previousLabel, into: slowOut)
        }
        normalize(key, count: keys)
        normalize(query, count: keys)
        if previousLabel >= 0 {
          let beta = scalarSigmoid(strength[0])
          for j in 0..<classes {
            let row = fast + j * keys
            let target = delta ? value[j] - dot(row, previousKey, count: keys) : value[j]
            let scale = beta * target
            addScaledRow(scale, previousKey, count: keys, into: row)
          }
        }
        for j in 0..<classes {
          let z = dot(fast + j * keys, query, count: keys) + outputBias[j]
          prediction[j] = softClip(z, bound: configuration.logitBound)
        }
        previousKey.update(from: key, count: keys)
        let label = Int(episode.labels[t])
        recorder.score(prediction: prediction, label: label, error: error)
        previousLabel = label
      }
    }
    return recorder.result
  }
}

/// Scales `v` to unit L2 norm (a zero vector stays zero).
@inline(__always)
func normalize(_ v: UnsafeMutablePointer<Float>, count: Int) {
  let norm = dot(v, v, count: count).squareRoot()
  let inverse = 1 / (norm + FastWeightProgrammer.normEpsilon)
  for i in 0..<count { v[i] *= inverse }
}
