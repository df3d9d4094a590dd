import Foundation
import VSML
import VSMLBaselines
import VSMLCore

/// A learner's meta-parameters with the model description they belong to: what checkpoints,
/// shipped learners and `vsml evaluate` exchange. Stored as safetensors whose tensor names are
/// the reference's parameter names (readable from Python) and whose metadata holds the model
/// configuration as JSON, so that one file is self-describing.
public struct LearnedParameters: Sendable {
  public var model: ModelConfiguration
  public var parameters: [Float]

  public init(model: ModelConfiguration, parameters: [Float]) {
    self.model = model
    self.parameters = parameters
  }

  /// Metadata key of the model configuration (JSON).
  public static let modelKey = "vsml.model"
  /// Metadata key of the file format version.
  public static let formatKey = "vsml.format"
  public static let formatVersion = "1"
  /// Metadata keys of the data shape the file was written for.
  public static let inputSizeKey = "vsml.input_size"
  public static let classCountKey = "vsml.class_count"
  /// Data shape assumed when a file records none (MNIST's): older files and files whose VSML
  /// tensors do not depend on the shape, such as committees.
  public static let defaultInputSize = 784
  public static let defaultClassCount = 10

  /// Tensor names, shapes and ranges of the flat vector of `learner`.
  public static func namedTensors(of learner: any OnlineLearner) -> [(name: String, shape: [Int], range: Range<Int>)] {
    learner.namedTensors.map { ($0.name, $0.shape, $0.range) }
  }

  /// Encodes for a learner of data shape `inputSize` x `classCount` (VSML's names do not
  /// depend on it; the baselines' shapes do).
  public func safetensors(inputSize: Int, classCount: Int) throws -> SafetensorsFile {
    let learner = try model.makeLearner(inputSize: inputSize, classCount: classCount)
    precondition(learner.parameterCount == parameters.count, "parameter count does not match the model")
    var tensors: [String: FloatTensor] = [:]
    for t in Self.namedTensors(of: learner) { tensors[t.name] = FloatTensor(shape: t.shape, values: Array(parameters[t.range])) }
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys  // the same parameters give the same bytes
    // The file describes the model as built: LayerNorm stated whether it was set or defaulted.
    let modelJSON = String(decoding: try encoder.encode(model.asBuilt), as: UTF8.self)
    return SafetensorsFile(tensors: tensors, metadata: [Self.modelKey: modelJSON, Self.formatKey: Self.formatVersion,
                                                        Self.inputSizeKey: "\(inputSize)", Self.classCountKey: "\(classCount)"])
  }

  /// Reads a file written by `safetensors(inputSize:classCount:)`.
  public init(safetensors file: SafetensorsFile, source: String) throws {
    guard let modelJSON = file.metadata[Self.modelKey] else {
      throw CheckpointError.invalid(source, "has no '\(Self.modelKey)' metadata; it was not written by vsml")
    }
    let model: ModelConfiguration
    do { model = try JSONDecoder().decode(ModelConfiguration.self, from: Data(modelJSON.utf8)) } catch {
      throw CheckpointError.invalid(source, "its model description does not decode: \(error)")
    }
    do { try model.validate() } catch { throw CheckpointError.invalid(source, "describes a model that cannot be built: \(error)") }
    let inputSize = try Self.size(file, Self.inputSizeKey, default: Self.defaultInputSize, source: source)
    let classCount = try Self.size(file, Self.classCountKey, default: Self.defaultClassCount, source: source)
    let learner: any OnlineLearner
    do { learner = try model.makeLearner(inputSize: inputSize, classCount: classCount) } catch {
      throw CheckpointError.invalid(source, "describes a model that cannot be built: \(error)")
    }
    // Every parameter comes from a tensor of the file, so a description asking for more than the
    // file holds is refused before the flat vector is allocated.
    let held = file.tensors.values.reduce(0) { $0 + $1.values.count }
    guard learner.parameterCount <= held else {
      throw CheckpointError.invalid(source, "describes \(learner.parameterCount) meta-parameters but holds \(held)")
    }
    var flat = [Float](repeating: 0, count: learner.parameterCount)
    for t in Self.namedTensors(of: learner) {
      guard let tensor = file.tensors[t.name] else { throw CheckpointError.invalid(source, "lacks tensor '\(t.name)'") }
      guard tensor.shape == t.shape else {
        throw CheckpointError.invalid(source, "tensor '\(t.name)' has shape \(tensor.shape), expected \(t.shape)")
      }
      flat.replaceSubrange(t.range, with: tensor.values)
    }
    guard flat.allSatisfy(\.isFinite) else { throw CheckpointError.invalid(source, "holds non-finite parameters") }
    self.init(model: model, parameters: flat)
  }

  /// A data size recorded in the file's metadata under `key`, or `fallback` when absent; it must
  /// be a whole number between 1 and `ConfigurationLimits.layerSize`.
  static func size(_ file: SafetensorsFile, _ key: String, default fallback: Int, source: String) throws -> Int {
    guard let text = file.metadata[key] else { return fallback }
    guard let value = Int(text), (1...ConfigurationLimits.layerSize).contains(value) else {
      throw CheckpointError.invalid(source, "metadata '\(key)' must be a whole number between 1 and \(ConfigurationLimits.layerSize); got '\(text)'")
    }
    return value
  }

  /// Reads a safetensors file from disk.
  public init(contentsOf path: String) throws {
    let bytes: [UInt8]
    do { bytes = try readAllBytes(at: path) } catch { throw CheckpointError.unreadable(path, "\(error)") }
    let file: SafetensorsFile
    do { file = try SafetensorsFile(bytes: bytes) } catch { throw CheckpointError.invalid(path, "\(error)") }
    try self.init(safetensors: file, source: path)
  }

  /// Writes atomically (temporary file, fsync, rename).
  public func write(to path: String, inputSize: Int, classCount: Int) throws {
    try writeAtomically(try safetensors(inputSize: inputSize, classCount: classCount).encoded(), to: path)
  }
}

/// Problems with checkpoint and parameter files; each names the file and what to do.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
  case unreadable(String, String)
  case invalid(String, String)
  case notFound(String)
  /// `--resume` named a folder without a run's checkpoint.
  case noRunToResume(String)

  public var description: String {
    switch self {
    case let .unreadable(path, why): return "cannot read \(path): \(why)"
    case let .invalid(path, why): return "\(path) \(why)"
    case let .noRunToResume(directory):
      let exists = FileManager.default.fileExists(atPath: directory)
      return "\(directory) \(exists ? "holds no checkpoint.json" : "does not exist"), so there is no run to resume; "
        + "start one with `vsml train --out \(directory)`, or name the folder of an earlier run"
    case let .notFound(what):
      let names = ShippedLearners.names + ["builtin", "init"]
      return "no checkpoint at \(what)\(Suggestion.phrase(for: what, among: names)): give a run directory (with checkpoint.json), a .safetensors file, 'init', or a shipped learner name (\(ShippedLearners.names.joined(separator: ", ")))"
    }
  }
}
