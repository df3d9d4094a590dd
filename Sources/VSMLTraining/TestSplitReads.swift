import Foundation
import VSMLCore

/// The record of every read of a test split, kept where the results go (`test-reads.jsonl`, one
/// JSON object per dataset read): what was read, when, by which learner and command. Selection
/// reads validation splits only; this log is how a result shows how often its test data were seen.
public enum TestSplitReads {
  public static let fileName = "test-reads.jsonl"

  /// One read: a learner meta-tested on one dataset's test split.
  public struct Read: Codable, Sendable, Equatable {
    /// ISO 8601, UTC.
    public var time: String
    /// The command line (`CommandLine.arguments` joined by spaces), or the library call's name.
    public var command: String
    public var learner: String
    public var dataset: String
    public var episodes: Int
    public var steps: Int
    public var seed: UInt64

    public init(command: String, learner: String, dataset: String, episodes: Int, steps: Int, seed: UInt64, date: Date = Date()) {
      let formatter = ISO8601DateFormatter()
      formatter.timeZone = TimeZone(identifier: "UTC")
      time = formatter.string(from: date)
      self.command = command
      self.learner = learner
      self.dataset = dataset
      self.episodes = episodes
      self.steps = steps
      self.seed = seed
    }
  }

  /// This process's command line, as recorded.
  public static var currentCommand: String { CommandLine.arguments.joined(separator: " ") }

  /// Appends `reads` to `directory/test-reads.jsonl` (rewritten atomically; the folder must exist).
  public static func record(_ reads: [Read], in directory: String) throws {
    guard !reads.isEmpty else { return }
    let path = (directory as NSString).appendingPathComponent(fileName)
    var bytes = FileManager.default.fileExists(atPath: path) ? try readAllBytes(at: path, limit: FileSizeLimits.parameters) : []
    if let last = bytes.last, last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    for read in reads { bytes += Array(try encoder.encode(read)) + [UInt8(ascii: "\n")] }
    try writeAtomically(bytes, to: path)
  }

  /// The reads recorded in `directory` (none when it has no log).
  public static func reads(in directory: String) throws -> [Read] {
    let path = (directory as NSString).appendingPathComponent(fileName)
    guard FileManager.default.fileExists(atPath: path) else { return [] }
    let decoder = JSONDecoder()
    return try String(decoding: readAllBytes(at: path), as: UTF8.self).split(separator: "\n").map {
      try decoder.decode(Read.self, from: Data($0.utf8))
    }
  }
}
