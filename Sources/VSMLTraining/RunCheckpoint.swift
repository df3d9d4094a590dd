import Foundation
import Evolution
import VSMLCore

/// The resumable state of a meta-training run, stored beside the parameters as
/// `checkpoint.json`. With the configuration's seed, it determines every later iteration
/// exactly: noise, episodes and initial states are all derived from (seed, iteration, member).
public struct RunCheckpoint: Codable, Sendable {
  public static let currentFormatVersion = 1
  public static let fileName = "checkpoint.json"
  public static let parametersFileName = "checkpoint.safetensors"
  public static let bestFileName = "best.safetensors"
  public static let configurationFileName = "config.json"

  public var formatVersion: Int
  public var configuration: TrainingConfiguration
  /// Iterations completed.
  public var iteration: Int
  /// The strategy's state (OpenAI-ES or SNES, as `configuration.es.strategy` says).
  public var strategy: StrategyState
  /// Training wall time so far, summed over sessions.
  public var wallSeconds: Double
  /// Process CPU time of the training iterations so far, summed over sessions (absent in
  /// checkpoints written before it was recorded).
  public var cpuSeconds: Double?
  /// Best validation accuracy so far and the iteration it was reached at.
  public var bestValidationAccuracy: Double?
  public var bestValidationIteration: Int?
  /// Input size and class count of the first stage (the shapes of the stored tensors).
  public var inputSize: Int
  public var classCount: Int

  /// Float arrays at least this long (parameter-sized ES state: mean, Adam moments, best member)
  /// are stored in a binary safetensors sidecar instead of the JSON text.
  static let sidecarThreshold = 256
  /// Key marking a JSON value that was moved to the sidecar.
  static let tensorReference = "$tensor"

  static func sidecarName(iteration: Int) -> String { "checkpoint-state-\(iteration).safetensors" }

  /// Reads `RUN_DIR/checkpoint.json` and its state sidecar.
  public static func load(runDirectory: String) throws -> RunCheckpoint {
    let path = (runDirectory as NSString).appendingPathComponent(fileName)
    guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError.noRunToResume(runDirectory) }
    let bytes: [UInt8]
    do { bytes = try readAllBytes(at: path) } catch { throw CheckpointError.unreadable(path, "\(error)") }
    do {
      var tree = try JSONSerialization.jsonObject(with: Data(bytes))
      if let root = tree as? [String: Any], let sidecar = root["stateSidecar"] as? String {
        // The sidecar lies beside checkpoint.json: a plain file name, never a path elsewhere.
        guard !sidecar.isEmpty, !sidecar.contains("/"), sidecar != ".", sidecar != ".." else {
          throw CheckpointError.invalid(path, "names its state file \"\(sidecar)\", which is not a file name in the run directory; the checkpoint is damaged")
        }
        let sidecarPath = (runDirectory as NSString).appendingPathComponent(sidecar)
        let file: SafetensorsFile
        do { file = try SafetensorsFile(bytes: readAllBytes(at: sidecarPath)) } catch {
          throw CheckpointError.invalid(sidecarPath, "cannot be read (\(error)); the checkpoint is incomplete")
        }
        tree = try restoreTensors(tree, from: file, source: sidecarPath)
      }
      let checkpoint = try JSONDecoder().decode(RunCheckpoint.self, from: JSONSerialization.data(withJSONObject: tree))
      guard checkpoint.formatVersion <= currentFormatVersion else {
        throw CheckpointError.invalid(path, "has format version \(checkpoint.formatVersion); this vsml reads up to \(currentFormatVersion): upgrade vsml")
      }
      if let problem = checkpoint.inconsistency {
        throw CheckpointError.invalid(path, "\(problem); the checkpoint is damaged (resume from a copy, or start the run again)")
      }
      return checkpoint
    } catch let error as CheckpointError {
      throw error
    } catch {
      throw CheckpointError.invalid(path, "does not decode (\(error)); the file is damaged or not a vsml checkpoint")
    }
  }

  /// What in the checkpoint contradicts itself or lies outside what a run can reach, so that
  /// resuming never starts from (or traps on) damaged numbers; nil when it is consistent. The
  /// configuration is checked separately (`TrainingConfiguration.validate`), and the parameters'
  /// count against the model when the trainer is built.
  public var inconsistency: String? {
    guard (1...Self.currentFormatVersion).contains(formatVersion) else {
      return "has format version \(formatVersion), which no vsml writes (1 to \(Self.currentFormatVersion))"
    }
    guard (0...ConfigurationLimits.iterations).contains(iteration) else {
      return "says \(iteration) iterations were done, outside 0 to \(ConfigurationLimits.iterations)"
    }
    guard strategy.iteration == iteration else {
      return "says \(iteration) iterations were done, but its strategy state says \(strategy.iteration)"
    }
    if let steps = strategy.optimizerSteps, !(0...iteration).contains(steps) {
      return "has an optimiser that took \(steps) steps in \(iteration) iterations"
    }
    guard !strategy.mean.isEmpty, strategy.mean.allSatisfy(\.isFinite) else {
      return "has a search centre that is empty or holds a non-finite number"
    }
    for (name, size) in [("inputSize", inputSize), ("classCount", classCount)] where !(1...ConfigurationLimits.layerSize).contains(size) {
      return "has \(name) \(size), outside 1 to \(ConfigurationLimits.layerSize)"
    }
    for (name, seconds) in [("wallSeconds", wallSeconds), ("cpuSeconds", cpuSeconds ?? 0)] where !(seconds.isFinite && seconds >= 0) {
      return "has \(name) \(seconds), which is not a time (a finite number >= 0)"
    }
    if let accuracy = bestValidationAccuracy, !(accuracy.isFinite && (0...1).contains(accuracy)) {
      return "has a best validation accuracy of \(accuracy), outside 0 to 1"
    }
    if let at = bestValidationIteration {
      guard bestValidationAccuracy != nil else { return "has the iteration of a best validation accuracy, but no accuracy" }
      guard (0...iteration).contains(at) else { return "has its best validation at iteration \(at), after the \(iteration) iterations done" }
    }
    return nil
  }

  /// Writes the state sidecar, then `checkpoint.json`, each atomically, then removes older
  /// sidecars. Call after the parameters file has been written. A crash at any point leaves a
  /// JSON file whose sidecar exists.
  public func write(runDirectory: String) throws {
    let encoder = RoundTripJSON.encoder()
    var tensors: [String: FloatTensor] = [:]
    let tree = Self.extractTensors(try JSONSerialization.jsonObject(with: encoder.encode(self)), path: "", into: &tensors)
    let sidecar = Self.sidecarName(iteration: iteration)
    var root = tree as! [String: Any]
    if !tensors.isEmpty {
      try writeAtomically(SafetensorsFile(tensors: tensors).encoded(), to: (runDirectory as NSString).appendingPathComponent(sidecar))
      root["stateSidecar"] = sidecar
    }
    let data = try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .prettyPrinted])
    try writeAtomically(Array(data), to: (runDirectory as NSString).appendingPathComponent(Self.fileName))
    let stale = (try? FileManager.default.contentsOfDirectory(atPath: runDirectory)) ?? []
    for name in stale where name.hasPrefix("checkpoint-state-") && name != sidecar {
      try? FileManager.default.removeItem(atPath: (runDirectory as NSString).appendingPathComponent(name))
    }
  }

  /// Replaces long arrays of numbers by `{"$tensor": path}` and collects them.
  static func extractTensors(_ value: Any, path: String, into tensors: inout [String: FloatTensor]) -> Any {
    if let dict = value as? [String: Any] {
      var out: [String: Any] = [:]
      for (k, v) in dict { out[k] = extractTensors(v, path: path.isEmpty ? k : "\(path)/\(k)", into: &tensors) }
      return out
    }
    if let array = value as? [Any] {
      if array.count >= sidecarThreshold, let numbers = array as? [NSNumber], !numbers.contains(where: { CFGetTypeIDIsBool($0) }) {
        tensors[path] = FloatTensor(numbers.map { $0.floatValue })
        return [tensorReference: path]
      }
      return array.enumerated().map { extractTensors($1, path: "\(path)/\($0)", into: &tensors) }
    }
    return value
  }

  /// Puts the sidecar's arrays back where `extractTensors` took them from.
  static func restoreTensors(_ value: Any, from file: SafetensorsFile, source: String) throws -> Any {
    if let dict = value as? [String: Any] {
      if dict.count == 1, let name = dict[tensorReference] as? String {
        guard let tensor = file.tensors[name] else { throw CheckpointError.invalid(source, "lacks tensor '\(name)'") }
        return tensor.values.map { Double($0) }
      }
      var out: [String: Any] = [:]
      for (k, v) in dict { out[k] = try restoreTensors(v, from: file, source: source) }
      return out
    }
    if let array = value as? [Any] { return try array.map { try restoreTensors($0, from: file, source: source) } }
    return value
  }
}

/// Whether an `NSNumber` from JSONSerialization holds a Boolean (such arrays stay in the JSON).
private func CFGetTypeIDIsBool(_ number: NSNumber) -> Bool {
  String(cString: number.objCType) == "c" && (number == NSNumber(value: true) || number == NSNumber(value: false))
}
