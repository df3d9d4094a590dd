/// Stochastic gradient descent with optional heavy-ball momentum and decoupled weight decay,
/// on a flat `[Float]` parameter vector; the cheap alternative to `Adam`.
///
///     u ← μ·u + g
///     θ ← θ − lr·( u + λ·θ )
///
/// With `momentum` μ = 0 this is plain SGD. The velocity `u` (length D) is the `Codable` state.
public struct SGD: GradientOptimizer {
  /// The tunable constants of SGD.
  public struct Hyperparameters: Codable, Hashable, Sendable {
    /// Momentum μ in [0, 1); 0 is plain SGD.
    public var momentum: Float
    /// Decoupled weight decay λ; 0 disables it.
    public var weightDecay: Float

    public init(momentum: Float = 0, weightDecay: Float = 0) {
      self.momentum = momentum
      self.weightDecay = weightDecay
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
      case momentum, weightDecay
    }

    /// Reads any subset of the fields (the rest keep their defaults); an unknown key is an error.
    public init(from decoder: any Decoder) throws {
      try rejectUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.rawValue))
      let c = try decoder.container(keyedBy: CodingKeys.self)
      self.init(
        momentum: try c.decodeIfPresent(Float.self, forKey: .momentum) ?? 0,
        weightDecay: try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? 0)
    }

    /// Checks every field; throws naming the first bad one.
    public func validate() throws(OptimizerConfigurationError) {
      guard momentum >= 0, momentum < 1 else { throw .outOfRange(field: "sgd.momentum", value: momentum, expected: "in [0, 1)") }
      guard weightDecay >= 0, weightDecay.isFinite else {
        throw .outOfRange(field: "sgd.weightDecay", value: weightDecay, expected: "finite and >= 0")
      }
    }
  }

  public var hyperparameters: Hyperparameters
  /// Velocity, length D.
  public private(set) var velocity: [Float]
  /// Number of steps taken so far.
  public private(set) var stepCount: Int

  public init(dimension: Int, hyperparameters: Hyperparameters = .init()) {
    precondition(dimension >= 0, "dimension must be >= 0")
    self.hyperparameters = hyperparameters
    velocity = [Float](repeating: 0, count: dimension)
    stepCount = 0
  }

  public var dimension: Int { velocity.count }

  public mutating func step(parameters: inout [Float], gradient: [Float], learningRate: Float) {
    precondition(parameters.count == velocity.count && gradient.count == velocity.count,
                 "parameters and gradient must have length \(velocity.count)")
    stepCount += 1
    let mu = hyperparameters.momentum
    let decay = hyperparameters.weightDecay
    for i in 0..<velocity.count {
      velocity[i] = mu * velocity[i] + gradient[i]
      parameters[i] -= learningRate * (velocity[i] + decay * parameters[i])
    }
  }
}
