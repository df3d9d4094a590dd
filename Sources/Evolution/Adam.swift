/// Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization") on a flat `[Float]`
/// parameter vector, with optional decoupled weight decay (Loshchilov & Hutter 2019, "AdamW").
///
/// One step with gradient `g` (length D), learning rate `lr`, step count `t` (1 after the first step):
///
///     m ← β1·m + (1 − β1)·g
///     v ← β2·v + (1 − β2)·g²
///     m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)
///     θ ← θ − lr·( m̂ / (√v̂ + ε) + λ·θ )
///
/// `λ = weightDecay` (0 disables it). METHOD.md §5 uses β1 0.9, β2 0.999 with learning rate 0.025 for ES.
/// The moments `m`, `v` (each length D) and the step count are the `Codable` state, so a
/// checkpointed optimiser continues bit-identically.
public struct Adam: GradientOptimizer {
  /// The tunable constants of Adam.
  public struct Hyperparameters: Codable, Hashable, Sendable {
    /// Decay of the first-moment average (METHOD.md §5: 0.9).
    public var beta1: Float
    /// Decay of the second-moment average (METHOD.md §5: 0.999).
    public var beta2: Float
    /// Added to `√v̂` to avoid division by zero.
    public var epsilon: Float
    /// Decoupled weight decay `λ`; 0 disables it.
    public var weightDecay: Float

    public static let defaultBeta1: Float = 0.9
    public static let defaultBeta2: Float = 0.999
    public static let defaultEpsilon: Float = 1e-8

    public init(
      beta1: Float = defaultBeta1, beta2: Float = defaultBeta2,
      epsilon: Float = defaultEpsilon, weightDecay: Float = 0
    ) {
      self.beta1 = beta1
      self.beta2 = beta2
      self.epsilon = epsilon
      self.weightDecay = weightDecay
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
      case beta1, beta2, epsilon, weightDecay
    }

    /// Reads any subset of the fields (the rest keep their defaults); an unknown key is an error.
    public init(from decoder: any Decoder) throws {
      try rejectUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.rawValue))
      let c = try decoder.container(keyedBy: CodingKeys.self)
      self.init(
        beta1: try c.decodeIfPresent(Float.self, forKey: .beta1) ?? Self.defaultBeta1,
        beta2: try c.decodeIfPresent(Float.self, forKey: .beta2) ?? Self.defaultBeta2,
        epsilon: try c.decodeIfPresent(Float.self, forKey: .epsilon) ?? Self.defaultEpsilon,
        weightDecay: try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? 0)
    }

    /// Checks every field; throws naming the first bad one.
    public func validate() throws(OptimizerConfigurationError) {
      guard beta1 >= 0, beta1 < 1 else { throw .outOfRange(field: "adam.beta1", value: beta1, expected: "in [0, 1)") }
      guard beta2 >= 0, beta2 < 1 else { throw .outOfRange(field: "adam.beta2", value: beta2, expected: "in [0, 1)") }
      guard epsilon > 0, epsilon.isFinite else { throw .outOfRange(field: "adam.epsilon", value: epsilon, expected: "finite and > 0") }
      guard weightDecay >= 0, weightDecay.isFinite else {
        throw .outOfRange(field: "adam.weightDecay", value: weightDecay, expected: "finite and >= 0")
      }
    }
  }

  public var hyperparameters: Hyperparameters
  /// First-moment estimate, length D.
  public private(set) var m: [Float]
  /// Second-moment estimate, length D.
  public private(set) var v: [Float]
  /// Number of steps taken so far.
  public private(set) var stepCount: Int

  /// A fresh optimiser for `dimension` parameters (zero moments, step count 0).
  public init(dimension: Int, hyperparameters: Hyperparameters = .init()) {
    precondition(dimension >= 0, "dimension must be >= 0")
    self.hyperparameters = hyperparameters
    m = [Float](repeating: 0, count: dimension)
    v = [Float](repeating: 0, count: dimension)
    stepCount = 0
  }

  public var dimension: Int { m.count }

  /// Takes one Adam step; `parameters` and `gradient` must both have length `dimension`.
  public mutating func step(parameters: inout [Float], gradient: [Float], learningRate: Float) {
    precondition(parameters.count == m.count && gradient.count == m.count,
                 "parameters and gradient must have length \(m.count)")
    stepCount += 1
    let h = hyperparameters
    // Bias corrections in Double: β^t underflows gracefully and stays accurate for large t.
    let correction1 = Float(1 - _pow(Double(h.beta1), Double(stepCount)))
    let correction2 = Float(1 - _pow(Double(h.beta2), Double(stepCount)))
    let decay = h.weightDecay
    m.withUnsafeMutableBufferPointer { m in
      v.withUnsafeMutableBufferPointer { v in
        for i in 0..<m.count {
          let g = gradient[i]
          m[i] = h.beta1 * m[i] + (1 - h.beta1) * g
          v[i] = h.beta2 * v[i] + (1 - h.beta2) * g * g
          let mHat = m[i] / correction1
          let vHat = v[i] / correction2
          parameters[i] -= learningRate * (mHat / (vHat.squareRoot() + h.epsilon) + decay * parameters[i])
        }
      }
    }
  }
}
