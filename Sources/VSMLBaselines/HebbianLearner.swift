// Hebbian baseline (METHOD.md §8): a single linear layer whose fast weights follow Oja's rule
// (E. Oja, "Simplified neuron model as a principal component analyzer", J. Math. Biology 1982) or
// plain Hebbian learning (D. O. Hebb, "The Organization of Behavior", 1949), with the rate and the
// teaching signal meta-learned.

import VSMLCore

/// A linear classifier whose weights are changed by a local, meta-parameterised Hebbian rule.
///
/// Fast state: weights `W` (C x I, one row per class) and bias `b` (C). Per example `t` (METHOD.md §4):
/// ```
/// z_t = W x_t                                         (pre-synaptic x_t, I; post-synaptic z_t, C)
/// ŷ_t = 100 · tanh((g · z_t + b) / 100)
/// ```
/// When the error `e_t = softmax(ŷ_t) − onehot(y_t)` and the label arrive (before `x_{t+1}`), the
/// post-synaptic teaching activity and the update pass are
/// ```
/// p_j   = a_y · onehot(y_t)_j − a_e · e_t,j + a_z · z_t,j
/// Oja:  W_j ← W_j + η · p_j · (x_t − p_j · W_j)        Hebb: W_j ← W_j + η · p_j · x_t
/// b     ← b + η_b · p
/// ```
/// With `a_e = 1`, `a_y = a_z = 0` the plain Hebbian rule is exactly online SGD on a linear softmax
/// classifier (rate `η / g`), so gradient descent is inside the searched family; Oja's decay term
/// keeps each row's norm bounded (`|W_j| → 1` for a stationary teaching signal).
///
/// Meta-parameters (7, any input size), in order: `log_rate` (η = exp), `initial_scale`
/// (`W_0 ~ initial_scale · N(0, 1/I)`, drawn from `stateSeed`; `b_0 = 0`), `readout_gain` g,
/// `error_gain` a_e, `label_gain` a_y, `activity_gain` a_z, `bias_rate` η_b.
public struct HebbianLearner: OnlineLearner, Sendable {
  /// The fast-weight update rule.
  public enum Rule: String, Codable, Hashable, Sendable, CaseIterable {
    /// Oja's rule: Hebbian growth with a post-synaptic weight decay.
    case oja
    /// Plain Hebbian outer product.
    case hebb
  }

  public struct Configuration: Codable, Hashable, Sendable {
    public var inputSize: Int
    public var classCount: Int
    public var rule: Rule
    /// Soft-clip bound of the predictions (METHOD.md §4: 100).
    public var logitBound: Float

    public init(inputSize: Int = 784, classCount: Int = 10, rule: Rule = .oja, logitBound: Float = baselineLogitBound) {
      self.inputSize = inputSize
      self.classCount = classCount
      self.rule = rule
      self.logitBound = logitBound
    }

    public func validate() throws(BaselineConfigurationError) {
      try requireAtLeast(inputSize, 1, field: "inputSize")
      try requireAtLeast(classCount, 2, field: "classCount")
      try requirePositive(logitBound, field: "logitBound")
    }
  }

  /// Index of each meta-parameter in the vector.
  public enum Parameter: Int, CaseIterable, Sendable {
    case logRate, initialScale, readoutGain, errorGain, labelGain, activityGain, biasRate
  }

  /// Starting point of meta-training: online SGD at rate 0.01 (`a_e = 1`) with small random
  /// initial weights; the label and activity terms start off.
  public static let defaultParameters: [Parameter: Float] = [
    .logRate: -4.6051702,  // ln 0.01
    .initialScale: 0.1,
    .readoutGain: 1,
    .errorGain: 1,
    .labelGain: 0,
    .activityGain: 0,
    .biasRate: 0.01,
  ]

  public let configuration: Configuration
  public let parameterLayout: [BaselineParameterSlice]

  public init(_ configuration: Configuration) throws(BaselineConfigurationError) {
    try configuration.validate()
    self.configuration = configuration
    parameterLayout = packSlices([
      ("log_rate", [1]), ("initial_scale", [1]), ("readout_gain", [1]), ("error_gain", [1]),
      ("label_gain", [1]), ("activity_gain", [1]), ("bias_rate", [1]),
    ])
  }

  public var inputSize: Int { configuration.inputSize }
  public var classCount: Int { configuration.classCount }
  public var parameterCount: Int { Parameter.allCases.count }

  /// `defaultParameters` (deterministic; the generator is not used).
  public func initialParameters(using generator: inout SeededGenerator) -> [Float] {
    Parameter.allCases.map { Self.defaultParameters[$0]! }
  }

  public func run(
    episode: Episode, parameters: UnsafeBufferPointer<Float>, stateSeed: UInt64, recordLogits: Bool
  ) -> EpisodeResult {
    precondition(parameters.count == parameterCount, "expected \(parameterCount) parameters, got \(parameters.count)")
    checkEpisodeFits(episode, inputSize: inputSize, classCount: classCount)
    let inputs = inputSize, classes = classCount, features = episode.inputSize
    let rate = Float(_exp(Double(parameters[Parameter.logRate.rawValue])))
    let scale = parameters[Parameter.initialScale.rawValue]
    let gain = parameters[Parameter.readoutGain.rawValue]
    let errorGain = parameters[Parameter.errorGain.rawValue]
    let labelGain = parameters[Parameter.labelGain.rawValue]
    let activityGain = parameters[Parameter.activityGain.rawValue]
    let biasRate = parameters[Parameter.biasRate.rawValue]
    let oja = configuration.rule == .oja

    // Scratch: W (C x I), x_{t-1} (I), b, z, ŷ, e, p (C each).
    let scratchCount = classes * inputs + inputs + 5 * classes
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
    defer { scratch.deallocate() }
    scratch.initialize(repeating: 0, count: scratchCount)
    let weights = scratch, previousInput = weights + classes * inputs
    let bias = previousInput + inputs, activity = bias + classes, prediction = activity + classes
    let error = prediction + classes, post = error + classes

    var generator = SeededGenerator(seed: stateSeed, stream: .hebbianState)
    let initialStd = scale / Float(inputs).squareRoot()
    for i in 0..<(classes * inputs) { weights[i] = initialStd * generator.nextNormal() }

    var recorder = EpisodeRecorder(length: episode.length, classCount: classes, recordLogits: recordLogits)
    var previousLabel = -1
    episode.inputs.withUnsafeBufferPointer { xs in
      for t in 0..<episode.length {
        if episode.cancellation.isRequested { break }
        if previousLabel >= 0 {
          // Update pass with x_{t−1}, the error and the label just received.
          for j in 0..<classes {
            let p = (j == previousLabel ? labelGain : 0) - errorGain * error[j] + activityGain * activity[j]
            post[j] = p
            bias[j] += biasRate * p
            let row = weights + j * inputs
            baselineKernels.scale_add(row, oja ? 1 - rate * p * p : 1, previousInput, rate * p, inputs)
          }
        }
        let x = xs.baseAddress! + t * features
        previousInput.update(from: x, count: features)
        for j in 0..<classes {
          let z = dot(weights + j * inputs, previousInput, count: features)
          activity[j] = z
          prediction[j] = softClip(gain * z + bias[j], bound: configuration.logitBound)
        }
        let label = Int(episode.labels[t])
        recorder.score(prediction: prediction, label: label, error: error)
        previousLabel = label
      }
    }
    return recorder.result
  }
}

/// `Σ_i a[i] · b[i]` (the selected kernel path's vectors, four accumulators).
@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
  baselineKernels.dot(a, b, count)
}
