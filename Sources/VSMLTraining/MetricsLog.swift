import Foundation
import VSMLCore

/// Why a metrics log could not be opened or written.
public enum MetricsLogError: Error, Equatable, CustomStringConvertible {
  case cannotOpen(path: String, reason: String)
  case headerMismatch(path: String, existing: String, expected: String)
  case wrongColumns(missing: [String], unexpected: [String])
  case writeFailed(path: String, reason: String)

  public var description: String {
    switch self {
    case let .cannotOpen(path, reason):
      return "cannot open metrics file \(path): \(reason); check that the run directory exists and is writable."
    case let .headerMismatch(path, existing, expected):
      return "\(path) has columns \(existing) but this run logs \(expected); use a new run directory or move the old file away."
    case let .wrongColumns(missing, unexpected):
      return "metrics row is missing \(missing) and has unexpected \(unexpected); pass exactly the columns given to MetricsLog."
    case let .writeFailed(path, reason):
      return "cannot append to \(path): \(reason); check free disk space."
    }
  }
}

/// Appends one row per call to `metrics.csv` (header written once) and `metrics.jsonl` in a run
/// directory, writing each row straight to the files (no buffering), so a crash loses at most the
/// row being written and the files can be watched while training runs.
///
/// Columns are fixed at creation. Reopening an existing run directory appends, after checking that
/// the CSV header matches. Values are Doubles written in shortest round-trip form; non-finite values
/// are `nan`, `inf`, `-inf` in the CSV and `null` in the JSON lines.
public final class MetricsLog {
  public static let csvName = "metrics.csv"
  public static let jsonLinesName = "metrics.jsonl"

  public let columns: [String]
  public let csvPath: String
  public let jsonLinesPath: String
  /// Descriptors opened for appending, without following symbolic links.
  private let csv: Int32
  private let jsonLines: Int32

  /// Opens (creating if needed) the two files in `directory`, which must exist.
  public init(directory: String, columns: [String]) throws(MetricsLogError) {
    precondition(!columns.isEmpty && Set(columns).count == columns.count, "columns must be non-empty and distinct")
    self.columns = columns
    csvPath = directory + "/" + MetricsLog.csvName
    jsonLinesPath = directory + "/" + MetricsLog.jsonLinesName
    let header = columns.map(MetricsLog.csvField).joined(separator: ",")
    let csv: Int32, jsonLines: Int32
    do {
      csv = try openForAppending(csvPath)
      do { jsonLines = try openForAppending(jsonLinesPath) } catch {
        close(csv)
        throw error
      }
    } catch {
      throw .cannotOpen(path: csvPath, reason: "\(error)")
    }
    self.csv = csv
    self.jsonLines = jsonLines
    let existing = (try? readAllBytes(at: csvPath)) ?? []
    if !existing.isEmpty {
      let firstLine = String(decoding: existing.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
      guard firstLine == header else { throw .headerMismatch(path: csvPath, existing: firstLine, expected: header) }
    } else {
      try write(header + "\n", to: csv, path: csvPath)
    }
  }

  /// Keeps only the first `rows` rows of the log in `directory` (used on resume: rows written
  /// after the last checkpoint belong to iterations that will be run again). Rewrites atomically.
  public static func truncate(directory: String, keepingRows rows: Int) throws {
    for (name, headerLines) in [(csvName, 1), (jsonLinesName, 0)] {
      let path = directory + "/" + name
      guard let data = FileManager.default.contents(atPath: path) else { continue }
      let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
      let kept = lines.prefix(headerLines + rows)
      try writeAtomically(Array((kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).utf8), to: path)
    }
  }

  /// Brings the CSV of a run written by an older version up to `columns` when they only add
  /// columns to the file's header, filling the new ones with `nan` (so that a run can be resumed
  /// across an upgrade). Any other header is left for `init` to reject. Rewrites atomically.
  public static func addMissingColumns(directory: String, columns: [String]) throws {
    let path = directory + "/" + csvName
    guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return }
    var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    let old = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard old != columns, old.allSatisfy(columns.contains), Set(old).count == old.count else { return }
    let index = Dictionary(uniqueKeysWithValues: old.enumerated().map { ($1, $0) })
    lines[0] = columns.map(csvField).joined(separator: ",")
    for i in 1..<lines.count {
      let fields = lines[i].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      lines[i] = columns.map { index[$0].map { fields[$0] } ?? "nan" }.joined(separator: ",")
    }
    try writeAtomically(Array((lines.joined(separator: "\n") + "\n").utf8), to: path)
  }

  deinit {
    close(csv)
    close(jsonLines)
  }

  /// Appends one row; `values` must have exactly the log's columns.
  public func append(_ values: [String: Double]) throws(MetricsLogError) {
    let missing = columns.filter { values[$0] == nil }
    let unexpected = values.keys.filter { !columns.contains($0) }.sorted()
    guard missing.isEmpty, unexpected.isEmpty else { throw .wrongColumns(missing: missing, unexpected: unexpected) }
    try append(columns.map { values[$0]! })
  }

  /// Appends one row given in column order.
  public func append(_ row: [Double]) throws(MetricsLogError) {
    precondition(row.count == columns.count, "row must have \(columns.count) values, one per column")
    let csvLine = row.map(MetricsLog.csvNumber).joined(separator: ",") + "\n"
    let members = zip(columns, row).map { "\(JSONValue.quoted($0)):\(MetricsLog.jsonNumber($1))" }
    try write(csvLine, to: csv, path: csvPath)
    try write("{" + members.joined(separator: ",") + "}\n", to: jsonLines, path: jsonLinesPath)
  }

  private func write(_ text: String, to fd: Int32, path: String) throws(MetricsLogError) {
    do { try writeAll(Array(text.utf8), to: fd, path: path) } catch { throw .writeFailed(path: path, reason: "\(error)") }
  }

  static func csvNumber(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return "\(value)"
  }

  static func jsonNumber(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }

  /// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
  static func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
