import Foundation
import VSMLCore
import VSMLData
import VSMLTraining

/// A parser under fuzzing. `run` feeds it arbitrary bytes; it must return or throw, never trap,
/// hang or allocate without bound.
enum FuzzTarget: String, CaseIterable {
  /// IDX images and labels files, raw or gzip.
  case idx
  /// CSV tables (`csv:PATH` datasets).
  case csv
  /// safetensors files (learned parameters, checkpoint state).
  case safetensors
  /// Training configurations (JSON).
  case configuration
  /// `checkpoint.json`, read beside a valid state sidecar.
  case checkpoint
  /// Learner files (`--checkpoint FILE`, `vsml committee`): safetensors whose metadata describes
  /// the model, checked against the limits before it is built.
  case learner
  /// Training configurations in YAML: composed, converted (`YAMLDocument`), decoded, validated.
  case yaml
  /// Experiment manifests, YAML (a superset of JSON): the same path to `ExperimentManifest`.
  case manifest

  func run(_ bytes: [UInt8]) {
    switch self {
    case .idx:
      guard let decoded = try? IDXReader.inflatingIfGzip(bytes, path: "input") else { return }
      _ = try? IDXReader.parseImages(decoded, path: "input")
      _ = try? IDXReader.parseLabels(decoded, path: "input")
    case .csv:
      _ = try? CSVReader.parse(bytes, path: "input")
    case .safetensors:
      _ = try? SafetensorsFile(bytes: bytes)
    case .configuration:
      if let c = try? ConfigurationLoader.load(TrainingConfiguration.self, json: Data(bytes), defaults: TrainingConfiguration()) {
        _ = try? c.validate()
      }
    case .checkpoint:
      CheckpointDirectory.shared.load(bytes)
    case .learner:
      guard let file = try? SafetensorsFile(bytes: bytes) else { return }
      _ = try? LearnedParameters(safetensors: file, source: "input")
    case .yaml:
      guard let json = try? YAMLDocument.jsonData(bytes, path: "input.yaml"),
            let c = try? ConfigurationLoader.load(TrainingConfiguration.self, json: json, defaults: TrainingConfiguration())
      else { return }
      _ = try? c.validate()
    case .manifest:
      guard let json = try? YAMLDocument.jsonData(bytes, path: "input.yaml"),
            let m = try? ConfigurationLoader.load(ExperimentManifest.self, json: json, defaults: ExperimentManifest())
      else { return }
      _ = try? m.validate()
    }
  }
}

/// A scratch run directory holding a valid state sidecar (a tiny run's, from
/// `VSML_FUZZ_SIDECAR`, by default `Tests/Fuzz/checkpoint-state-4.safetensors`), into which each
/// input is written as `checkpoint.json` and loaded.
final class CheckpointDirectory: @unchecked Sendable {
  static let shared = CheckpointDirectory()
  static let sidecarName = "checkpoint-state-4.safetensors"
  let path = NSTemporaryDirectory() + "/vsml-fuzz-checkpoint-\(getpid())"

  init() {
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let source = ProcessInfo.processInfo.environment["VSML_FUZZ_SIDECAR"] ?? "Tests/Fuzz/\(Self.sidecarName)"
    if let bytes = FileManager.default.contents(atPath: source) {
      try? writeAtomically(Array(bytes), to: path + "/" + Self.sidecarName)
    }
  }

  func load(_ bytes: [UInt8]) {
    // A plain write: the atomic one's fsyncs would slow fuzzing a hundredfold.
    guard FileManager.default.createFile(atPath: path + "/checkpoint.json", contents: Data(bytes)) else { return }
    _ = try? RunCheckpoint.load(runDirectory: path)
  }
}
