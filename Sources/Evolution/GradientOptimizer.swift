#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A first-order optimiser on a flat parameter vector of fixed length `dimension`.
///
/// `step` moves `parameters` against `gradient` (minimisation). Conformers are value types whose
/// whole state is `Codable`, so a decoded copy continues bit-identically.
public protocol GradientOptimizer: Codable, Hashable, Sendable {
  /// The number of parameters this optimiser was created for.
  var dimension: Int { get }
  /// Number of steps taken so far.
  var stepCount: Int { get }
  /// One update; `parameters.count == gradient.count == dimension`.
  mutating func step(parameters: inout [Float], gradient: [Float], learningRate: Float)
}

/// A bad optimiser setting, naming the field and the accepted range.
public enum OptimizerConfigurationError: Error, Equatable, CustomStringConvertible {
  case outOfRange(field: String, value: Float, expected: String)

  public var description: String {
    switch self {
    case let .outOfRange(field, value, expected):
      return "\(field) = \(value) is invalid: it must be \(expected); change it in the configuration."
    }
  }
}

/// Which optimiser a strategy uses, with its hyperparameters (the `Codable` configuration).
public enum OptimizerChoice: Codable, Hashable, Sendable {
  case adam(Adam.Hyperparameters)
  case sgd(SGD.Hyperparameters)

  /// Adam with the METHOD.md §5 defaults (β1 0.9, β2 0.999, ε 1e-8, no weight decay).
  public static let defaultAdam = OptimizerChoice.adam(.init())

  public func validate() throws(OptimizerConfigurationError) {
    switch self {
    case let .adam(h): try h.validate()
    case let .sgd(h): try h.validate()
    }
  }

  /// A fresh optimiser of this kind for `dimension` parameters.
  public func makeOptimizer(dimension: Int) -> AnyOptimizer {
    switch self {
    case let .adam(h): return .adam(Adam(dimension: dimension, hyperparameters: h))
    case let .sgd(h): return .sgd(SGD(dimension: dimension, hyperparameters: h))
    }
  }

  /// The decoupled weight decay of either kind.
  public var weightDecay: Float {
    get {
      switch self {
      case let .adam(h): return h.weightDecay
      case let .sgd(h): return h.weightDecay
      }
    }
    set {
      switch self {
      case var .adam(h): h.weightDecay = newValue; self = .adam(h)
      case var .sgd(h): h.weightDecay = newValue; self = .sgd(h)
      }
    }
  }
}

/// An optimiser of any built-in kind, with its state; `Codable` for checkpoints.
public enum AnyOptimizer: GradientOptimizer {
  case adam(Adam)
  case sgd(SGD)

  public var dimension: Int {
    switch self {
    case let .adam(o): return o.dimension
    case let .sgd(o): return o.dimension
    }
  }

  public var stepCount: Int {
    switch self {
    case let .adam(o): return o.stepCount
    case let .sgd(o): return o.stepCount
    }
  }

  public mutating func step(parameters: inout [Float], gradient: [Float], learningRate: Float) {
    switch self {
    case var .adam(o):
      self = .sgd(SGD(dimension: 0))  // release the payload so `o` is uniquely referenced
      o.step(parameters: &parameters, gradient: gradient, learningRate: learningRate)
      self = .adam(o)
    case var .sgd(o):
      self = .sgd(SGD(dimension: 0))
      o.step(parameters: &parameters, gradient: gradient, learningRate: learningRate)
      self = .sgd(o)
    }
  }

  /// Applies new hyperparameters of the same kind, keeping the state; a different kind starts a
  /// fresh optimiser of that kind (its state cannot carry over).
  public mutating func apply(_ choice: OptimizerChoice) {
    switch (self, choice) {
    case (var .adam(o), let .adam(h)):
      if o.hyperparameters != h { o.hyperparameters = h; self = .adam(o) }
    case (var .sgd(o), let .sgd(h)):
      if o.hyperparameters != h { o.hyperparameters = h; self = .sgd(o) }
    default:
      self = choice.makeOptimizer(dimension: dimension)
    }
  }
}

@inlinable func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
