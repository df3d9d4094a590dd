import Foundation
import VSML
import VSMLBaselines
import VSMLCloning
import VSMLCore

/// What `vsml evaluate` (and `vsml demo`) meta-tests: learned parameters from a file, a run
/// directory or the shipped learners; a freshly initialised VSML (`init`, the control without
/// meta-learning); or a hand-designed learner that is not meta-trained (online SGD or Adam).
public struct LearnerSource: Sendable {
  public var name: String
  /// Builds the learner for data of the given shape.
  public var makeLearner: @Sendable (_ inputSize: Int, _ classCount: Int) throws -> any OnlineLearner
  /// Meta-parameters; nil means the learner's own seeded initialisation.
  public var parameters: [Float]?

  /// Hand-designed learners by name: `sgd` and `adam` (linear), `mlp-sgd` and `mlp-adam` (160 tanh units).
  public static let handDesigned: [String: BaselineModel] = [
    "sgd": .linearSGD, "adam": .linearAdam, "linear-sgd": .linearSGD, "linear-adam": .linearAdam,
    "mlp-sgd": .mlpSGD, "mlp-adam": .mlpAdam,
  ]

  /// The default learning rate of a hand-designed learner (SGD 0.01, Adam 0.001); nil for others.
  public static func defaultLearningRate(of name: String) -> Float? {
    guard let model = handDesigned[name] else { return nil }
    switch model {
    case .linearSGD, .mlpSGD: return OnlineMLP.Optimizer.sgd.defaultLearningRate
    case .linearAdam, .mlpAdam: return OnlineMLP.Optimizer.adam.defaultLearningRate
    default: return nil
    }
  }

  /// The float64 network that the deep backprop clone imitates (`DeepBackpropTeacher`).
  public static let deepBackpropTeacherName = "deep-backprop-teacher"

  /// A hand-designed learner (`sgd`, `adam`, `mlp-sgd`, `mlp-adam`), at `learningRate` (nil: its
  /// default, SGD 0.01 and Adam 0.001); a rate given is part of the name (`sgd@0.03`).
  public static func handDesigned(_ name: String, learningRate: Float? = nil) throws -> LearnerSource {
    if name == deepBackpropTeacherName {
      guard learningRate == nil else { throw ConfigurationError(field: "learning rate", message: "\(name) has its own fixed rates; give none") }
      return LearnerSource(name: name, makeLearner: { try DeepBackpropTeacher.Learner(teacher: DeepBackpropTeacher(), inputSize: $0, classCount: $1) }, parameters: [])
    }
    guard let model = handDesigned[name] else {
      throw CheckpointError.notFound("model '\(name)' (hand-designed learners: \((handDesigned.keys.sorted() + [deepBackpropTeacherName]).joined(separator: ", ")))")
    }
    if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
      throw ConfigurationError(field: "learning rate", message: "must be a positive number; got \(learningRate)")
    }
    return LearnerSource(
      name: learningRate.map { "\(name)@\($0)" } ?? name,
      makeLearner: { try model.makeLearner(inputSize: $0, classCount: $1, learningRate: learningRate) }, parameters: [])
  }

  /// A freshly initialised learner of `model` (VSML by default): the no-meta-learning control.
  public static func initial(_ model: ModelConfiguration = ModelConfiguration()) -> LearnerSource {
    LearnerSource(name: "init", makeLearner: { try model.makeLearner(inputSize: $0, classCount: $1) }, parameters: nil)
  }

  /// Learned parameters.
  public static func learned(_ learned: LearnedParameters, name: String) -> LearnerSource {
    let model = learned.model
    return LearnerSource(name: name, makeLearner: { try model.makeLearner(inputSize: $0, classCount: $1) }, parameters: learned.parameters)
  }

  /// Resolves `init`, a shipped learner name (or `builtin`), a run directory (its
  /// `best.safetensors` if present, else `checkpoint.safetensors`) or a `.safetensors` file.
  public static func resolve(_ reference: String) throws -> LearnerSource {
    if reference == "init" { return .initial() }
    let path = try learnedFile(reference)
    return .learned(try LearnedParameters(contentsOf: path), name: ShippedLearners.path(of: reference) == nil ? path : reference)
  }

  /// The file behind a shipped learner name (or `builtin`), a run directory (its
  /// `best.safetensors` if present, else `checkpoint.safetensors`) or a `.safetensors` path.
  public static func learnedFile(_ reference: String) throws -> String {
    if let path = ShippedLearners.path(of: reference) { return path }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: reference, isDirectory: &isDirectory) else {
      throw CheckpointError.notFound(reference)
    }
    guard isDirectory.boolValue else { return reference }
    for file in [RunCheckpoint.bestFileName, RunCheckpoint.parametersFileName] {
      let path = (reference as NSString).appendingPathComponent(file)
      if FileManager.default.fileExists(atPath: path) { return path }
    }
    throw CheckpointError.notFound(reference)
  }
}

extension LearnerSource {
  /// The same learner with VSML's recurrent product in `precision`; learners other than VSML are
  /// returned unchanged. Fails when the machine cannot run `precision`.
  public func withPrecision(_ precision: Precision) throws -> LearnerSource {
    try precision.checkAvailable()
    var source = self
    let make = makeLearner
    source.makeLearner = { inputSize, classCount in
      return try Self.setPrecision(precision, of: make(inputSize, classCount))
    }
    return source
  }

  /// `learner` with VSML's product in `precision`, committee members alike.
  static func setPrecision(_ precision: Precision, of learner: any OnlineLearner) throws -> any OnlineLearner {
    if var network = learner as? VSMLNetwork {
      network.precision = precision
      return network
    }
    if var committee = learner as? CommitteeLearner {
      committee.members = try committee.members.map { try setPrecision(precision, of: $0) }
      return committee
    }
    return learner
  }
}
