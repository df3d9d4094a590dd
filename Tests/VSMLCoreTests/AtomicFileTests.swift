import XCTest
import Foundation
@testable import VSMLCore

final class AtomicFileTests: XCTestCase {
  func testWritesReplacesAndLeavesNoTemporaryFiles() throws {
    let directory = try TemporaryDirectory("atomic")
    defer { directory.remove() }
    let path = directory.path + "/checkpoint.bin"
    try writeAtomically([1, 2, 3], to: path)
    XCTAssertEqual(try readAllBytes(at: path), [1, 2, 3])
    let big = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }  // spans several read chunks
    try writeAtomically(big, to: path)
    XCTAssertEqual(try readAllBytes(at: path), big)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["checkpoint.bin"])
  }

  func testReadsStopAtTheirLimitEvenOnEndlessFiles() {
    XCTAssertThrowsError(try readAllBytes(at: "/dev/zero", limit: 1 << 20)) {
      XCTAssertEqual($0 as? FileIOError, .tooLarge(path: "/dev/zero", limit: 1 << 20))
    }
  }

  func testMissingDirectoryThrowsTypedError() {
    XCTAssertThrowsError(try writeAtomically([1], to: "/nonexistent-vsml-dir/x.bin")) { error in
      guard case FileIOError.openFailed = error else { return XCTFail("\(error)") }
      XCTAssertTrue("\(error)".contains("directory exists"))
    }
    XCTAssertThrowsError(try readAllBytes(at: "/nonexistent-vsml-dir/x.bin"))
  }
}
