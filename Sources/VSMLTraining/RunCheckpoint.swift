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
  public var strategy: OpenAIES.State
  /// Training wall time so far, summed over sessions.
  public var wallSeconds: Double
  /// Best validation accuracy so far and the iteration it was reached at.
  public var bestValidationAccuracy: Double?
  public var bestValidationIteration: Int?
  /// Input size and class count of the first stage (the shapes of the stored tensors).
  public var inputSize: Int
  public var classCount: Int

  /// Reads `RUN_DIR/checkpoint.json`.
  public static func load(runDirectory: String) throws -> RunCheckpoint {
    let path = (runDirectory as NSString).appendingPathComponent(fileName)
    guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError.notFound(runDirectory) }
    let bytes: [UInt8]
    do { bytes = try readAllBytes(at: path) } catch { throw CheckpointError.unreadable(path, "\(error)") }
    do {
      let checkpoint = try JSONDecoder().decode(RunCheckpoint.self, from: Data(bytes))
      guard checkpoint.formatVersion <= currentFormatVersion else {
        throw CheckpointError.invalid(path, "has format version \(checkpoint.formatVersion); this vsml reads up to \(currentFormatVersion): upgrade vsml")
      }
      return checkpoint
    } catch let error as CheckpointError {
      throw error
    } catch {
      throw CheckpointError.invalid(path, "does not decode (\(error)); the file is damaged or not a vsml checkpoint")
    }
  }

  /// Writes `checkpoint.json` atomically. Call after the parameters file has been written.
  public func write(runDirectory: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    try writeAtomically(Array(try encoder.encode(self)), to: (runDirectory as NSString).appendingPathComponent(Self.fileName))
  }
}
