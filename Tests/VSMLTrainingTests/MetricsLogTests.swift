import XCTest
import Foundation
@testable import VSMLTraining

final class MetricsLogTests: XCTestCase {
  private func makeDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "/vsml-metrics-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
  }

  private func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

  func testWritesHeaderOnceAndFlushesEveryRow() throws {
    let directory = try makeDirectory()
    do {
      let log = try MetricsLog(directory: directory, columns: ["iteration", "fitness"])
      try log.append(["iteration": 0, "fitness": 2.5])
      // Visible on disk before the log is closed.
      XCTAssertEqual(read(directory + "/metrics.csv"), "iteration,fitness\n0.0,2.5\n")
      try log.append([1, .nan])
    }
    let reopened = try MetricsLog(directory: directory, columns: ["iteration", "fitness"])
    try reopened.append([2, -.infinity])
    XCTAssertEqual(read(directory + "/metrics.csv"), "iteration,fitness\n0.0,2.5\n1.0,nan\n2.0,-inf\n")
    let lines = read(directory + "/metrics.jsonl").split(separator: "\n")
    XCTAssertEqual(lines.count, 3)
    XCTAssertEqual(lines[1], #"{"iteration":1.0,"fitness":null}"#)
    for line in lines {  // every line is valid JSON
      XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)))
    }
  }

  func testRejectsMismatchedHeaderAndColumns() throws {
    let directory = try makeDirectory()
    let log = try MetricsLog(directory: directory, columns: ["a", "b"])
    XCTAssertThrowsError(try log.append(["a": 1, "c": 2])) { error in
      XCTAssertEqual(error as? MetricsLogError, .wrongColumns(missing: ["b"], unexpected: ["c"]))
    }
    XCTAssertThrowsError(try MetricsLog(directory: directory, columns: ["a", "x"])) { error in
      XCTAssertTrue("\(error)".contains("new run directory"))
    }
    XCTAssertThrowsError(try MetricsLog(directory: directory + "/missing", columns: ["a"]))
  }
}
