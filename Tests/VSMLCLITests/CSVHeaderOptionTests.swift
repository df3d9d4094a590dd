import Foundation
import XCTest

/// `--header` / `--no-header` as a user meets them: the detection warning, and each flag's effect.
final class CSVHeaderOptionTests: XCTestCase {
  func testDetectionWarnsAndTheFlagsDecide() throws {
    let binary = try VSMLBinary()
    let dir = NSTemporaryDirectory() + "/vsml-csv-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = dir + "/names.csv"
    try "label,x,y\n0,1,2\n1,2,1\n0,1,3\n1,3,1\n".write(toFile: file, atomically: true, encoding: .utf8)
    let base = ["evaluate", "--model", "sgd", "--datasets", "csv:" + file, "--episodes", "1", "--steps", "4", "--threads", "1"]

    let detected = try binary.run(base)
    XCTAssertEqual(detected.status, 0, detected.stderr)
    XCTAssertTrue(detected.stderr.contains("warning: \(file): the first row holds only names"), detected.stderr)

    let declared = try binary.run(base + ["--header"])
    XCTAssertEqual(declared.status, 0, declared.stderr)
    XCTAssertFalse(declared.stderr.contains("warning"), declared.stderr)

    let refused = try binary.run(base + ["--no-header"])
    XCTAssertNotEqual(refused.status, 0)
    XCTAssertTrue(refused.stderr.contains("\(file):1: cell 1 (\"label\") is not a number"), refused.stderr)
    XCTAssertTrue(refused.stderr.contains("pass --header"), refused.stderr)
  }
}
