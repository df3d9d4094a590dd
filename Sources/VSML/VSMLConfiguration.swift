/// Settings of the shared sub-RNN (METHOD.md §2). Published defaults: S = 16, M = 8, no LayerNorm.
public struct SubRNNConfiguration: Codable, Hashable, Sendable {
  /// Size of the LSTM state `h` and `c` of every connection (S).
  public var stateSize: Int
  /// Size of forward and backward messages (M).
  public var messageSize: Int
  /// LayerNorm on each outgoing message before it is averaged (adds 4M parameters).
  public var layerNorm: Bool
  /// Fraction of `c` drawn at random in the initial state (the rest is zero), METHOD.md §4.
  public var initialRandomProportion: Double

  public init(stateSize: Int = 16, messageSize: Int = 8, layerNorm: Bool = false, initialRandomProportion: Double = 0.5) {
    self.stateSize = stateSize
    self.messageSize = messageSize
    self.layerNorm = layerNorm
    self.initialRandomProportion = initialRandomProportion
  }

  /// Number of `c` lanes drawn at random in the initial state.
  public var randomStateLanes: Int { Int(Double(stateSize) * initialRandomProportion) }
}

/// A VSML network: a stack of dense VSML layers sharing sub-RNN parameters (METHOD.md §3-4).
///
/// `layerSizes` lists the input size, the hidden sizes and the output size: `[784, 10]` is one
/// 784 x 10 layer, `[784, 32, 10]` two layers.
public struct VSMLConfiguration: Codable, Hashable, Sendable {
  public var layerSizes: [Int]
  public var subRNN: SubRNNConfiguration
  /// Ticks per example and layer, incoming messages held fixed (METHOD.md §3).
  public var microTicks: Int
  /// Soft clip of the prediction: `bound * tanh(y / bound)`; 0 disables it.
  public var tanhBound: Float
  /// Message slot of the last layer's forward message read as the prediction.
  public var outputIndex: Int
  /// After the error is known, tick the layers once more in reverse order, then feed zero error.
  public var backwardPass: Bool
  /// A separate sub-RNN (parameter set) for the reverse sweep.
  public var separateBackwardRNN: Bool
  /// Feed the one-hot label beside the error (backward message slot 1).
  public var feedLabel: Bool
  /// Separate sub-RNN parameters per layer.
  public var layerwiseRNNs: Bool

  /// Message slot carrying the input pixel in layer 0's forward message and the error in the
  /// last layer's backward message.
  public static let valueSlot = 0
  /// Message slot carrying the label (with `feedLabel`) in the last layer's backward message.
  public static let labelSlot = 1

  public init(
    layerSizes: [Int] = [784, 10], subRNN: SubRNNConfiguration = .init(), microTicks: Int = 2,
    tanhBound: Float = 100, outputIndex: Int = 1, backwardPass: Bool = false,
    separateBackwardRNN: Bool = false, feedLabel: Bool = false, layerwiseRNNs: Bool = false
  ) {
    self.layerSizes = layerSizes
    self.subRNN = subRNN
    self.microTicks = microTicks
    self.tanhBound = tanhBound
    self.outputIndex = outputIndex
    self.backwardPass = backwardPass
    self.separateBackwardRNN = separateBackwardRNN
    self.feedLabel = feedLabel
    self.layerwiseRNNs = layerwiseRNNs
  }

  public var layerCount: Int { layerSizes.count - 1 }
  public var inputSize: Int { layerSizes.first ?? 0 }
  public var outputSize: Int { layerSizes.last ?? 0 }

  /// Checks every field; the error names the field and says what is allowed.
  public func validate() throws {
    func fail(_ field: String, _ message: String) -> ConfigurationError {
      ConfigurationError(field: field, message: message)
    }
    guard layerSizes.count >= 2 else {
      throw fail("model.layerSizes", "needs at least an input and an output size, e.g. [784, 10]; got \(layerSizes)")
    }
    if let bad = layerSizes.first(where: { $0 < 1 }) {
      throw fail("model.layerSizes", "every size must be at least 1; got \(bad) in \(layerSizes)")
    }
    guard microTicks >= 1 else { throw fail("model.microTicks", "must be at least 1; got \(microTicks)") }
    guard subRNN.stateSize >= 1 else { throw fail("model.subRNN.stateSize", "must be at least 1; got \(subRNN.stateSize)") }
    guard subRNN.messageSize >= 2 else {
      throw fail("model.subRNN.messageSize", "must be at least 2 (slots for value and label); got \(subRNN.messageSize)")
    }
    guard (0...1).contains(subRNN.initialRandomProportion) else {
      throw fail("model.subRNN.initialRandomProportion", "must lie in [0, 1]; got \(subRNN.initialRandomProportion)")
    }
    guard (0..<subRNN.messageSize).contains(outputIndex) else {
      throw fail("model.outputIndex", "must lie in 0..<\(subRNN.messageSize); got \(outputIndex)")
    }
    guard tanhBound >= 0, tanhBound.isFinite else {
      throw fail("model.tanhBound", "must be finite and >= 0 (0 disables the clip); got \(tanhBound)")
    }
    if separateBackwardRNN && !backwardPass {
      throw fail("model.separateBackwardRNN", "needs backwardPass = true")
    }
  }
}

/// An invalid configuration value, naming the field.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
  public var field: String
  public var message: String
  public init(field: String, message: String) {
    self.field = field
    self.message = message
  }
  public var description: String { "invalid configuration: \(field): \(message)" }
}
