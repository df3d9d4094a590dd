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
///
/// Written as a person would: `"adam"` (defaults), or `{"adam": {"beta1": 0.95}}` with any subset
/// of the hyperparameters; `{"sgd": {"momentum": 0.9}}` likewise. Files from older versions, which
/// wrapped the hyperparameters in `{"_0": {...}}`, still read.
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

  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  /// The kinds by name.
  public static let names = ["adam", "sgd"]

  public init(from decoder: any Decoder) throws {
    if let single = try? decoder.singleValueContainer(), let name = try? single.decode(String.self) {
      switch name {
      case "adam": self = .defaultAdam
      case "sgd": self = .sgd(.init())
      default:
        throw DecodingError.dataCorrupted(.init(
          codingPath: decoder.codingPath, debugDescription: "unknown optimizer '\(name)'; choose \(Self.names.joined(separator: " or "))"))
      }
      return
    }
    let container = try decoder.container(keyedBy: Key.self)
    guard container.allKeys.count == 1, let key = container.allKeys.first, Self.names.contains(key.stringValue) else {
      throw DecodingError.dataCorrupted(.init(
        codingPath: decoder.codingPath,
        debugDescription: "needs one of \(Self.names.joined(separator: ", ")) (a name, or an object with one of them as its key); got \(container.allKeys.map(\.stringValue).sorted())"))
    }
    // Older versions wrote {"adam": {"_0": {...}}}; that object holds all the hyperparameters.
    let inner = try container.nestedContainer(keyedBy: Key.self, forKey: key)
    let legacy = inner.allKeys.contains { $0.stringValue == "_0" }
    func hyperparameters<H: Decodable>(_ type: H.Type) throws -> H {
      legacy ? try inner.decode(H.self, forKey: Key("_0")) : try container.decode(H.self, forKey: key)
    }
    self = key.stringValue == "adam" ? .adam(try hyperparameters(Adam.Hyperparameters.self)) : .sgd(try hyperparameters(SGD.Hyperparameters.self))
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: Key.self)
    switch self {
    case let .adam(h): try container.encode(h, forKey: Key("adam"))
    case let .sgd(h): try container.encode(h, forKey: Key("sgd"))
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

/// Throws when the keyed container at `decoder` holds a key outside `known`, naming it.
func rejectUnknownKeys(in decoder: any Decoder, known: [String]) throws {
  struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }
  let container = try decoder.container(keyedBy: AnyKey.self)
  if let unknown = container.allKeys.first(where: { !known.contains($0.stringValue) }) {
    throw DecodingError.dataCorrupted(.init(
      codingPath: decoder.codingPath + [unknown],
      debugDescription: "is not a known setting; known here: \(known.joined(separator: ", "))"))
  }
}

@inlinable func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
