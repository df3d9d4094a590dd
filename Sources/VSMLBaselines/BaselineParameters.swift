import VSMLCore

/// A named block of a learner's flat meta-parameter vector: the explicit map from a checkpoint key
/// to floats (a checkpoint never relies on bare positions), and the way tests build a vector from
/// reference parameters.
public struct BaselineParameterSlice: Codable, Hashable, Sendable {
  /// Stable key, e.g. `"lstm/linear/w"`.
  public var name: String
  /// Row-major shape, e.g. `[rows, columns]`.
  public var shape: [Int]
  /// Offset of the first float in the flat vector.
  public var offset: Int

  public var count: Int { shape.reduce(1, *) }
  public var range: Range<Int> { offset..<(offset + count) }

  public init(name: String, shape: [Int], offset: Int) {
    self.name = name
    self.shape = shape
    self.offset = offset
  }
}

/// Lays out slices one after another in the order given.
func packSlices(_ entries: [(String, [Int])]) -> [BaselineParameterSlice] {
  var offset = 0
  var slices: [BaselineParameterSlice] = []
  for (name, shape) in entries {
    let slice = BaselineParameterSlice(name: name, shape: shape, offset: offset)
    slices.append(slice)
    offset += slice.count
  }
  return slices
}

/// A configuration value a learner cannot work with; names the field and says what to do.
public struct BaselineConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
  public var field: String
  public var message: String

  public init(field: String, message: String) {
    self.field = field
    self.message = message
  }

  public var description: String { "invalid baseline configuration: \(field): \(message)" }
}

/// Throws unless `value >= minimum`.
func requireAtLeast(_ value: Int, _ minimum: Int, field: String) throws(BaselineConfigurationError) {
  guard value >= minimum else {
    throw BaselineConfigurationError(field: field, message: "is \(value); it must be at least \(minimum)")
  }
}

/// Throws unless `value` is finite and positive.
func requirePositive(_ value: Float, field: String) throws(BaselineConfigurationError) {
  guard value.isFinite && value > 0 else {
    throw BaselineConfigurationError(field: field, message: "is \(value); it must be a finite positive number")
  }
}

/// Checks the episode against a learner's fixed sizes (METHOD.md §6: inputs are zero-padded and the
/// output widened, so smaller episodes are allowed).
@inline(__always)
func checkEpisodeFits(_ episode: Episode, inputSize: Int, classCount: Int) {
  precondition(
    episode.inputSize <= inputSize,
    "episode has \(episode.inputSize) features; this learner takes at most \(inputSize) (inputs are zero-padded)")
  precondition(
    episode.classCount <= classCount,
    "episode has \(episode.classCount) classes; this learner predicts \(classCount)")
}

/// A baseline whose meta-parameters are laid out as named slices.
public protocol SlicedParameters: OnlineLearner {
  var parameterLayout: [BaselineParameterSlice] { get }
}

extension SlicedParameters {
  /// The slices as named tensors.
  public var namedTensors: [NamedTensor] { parameterLayout.map { NamedTensor(name: $0.name, shape: $0.shape, range: $0.range) } }
}

extension MetaRNN: SlicedParameters {}
extension HebbianLearner: SlicedParameters {}
extension FastWeightMemory: SlicedParameters {}
extension FastWeightProgrammer: SlicedParameters {}
