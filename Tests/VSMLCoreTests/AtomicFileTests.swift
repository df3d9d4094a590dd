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

  func testWritesGoOnlyToRegularFilesOrNewPaths() throws {
    let directory = try TemporaryDirectory("atomic-kinds")
    defer { directory.remove() }
    let target = directory.path + "/elsewhere.txt"
    try writeAtomically(Array("mine".utf8), to: target)
    let link = directory.path + "/link.txt"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
    let fifo = directory.path + "/fifo"
    XCTAssertEqual(mkfifo(fifo, 0o644), 0)
    for (path, kind) in [(link, "a symbolic link"), (fifo, "a FIFO"), ("/dev/null", "a device"), (directory.path, "a folder")] {
      XCTAssertThrowsError(try writeAtomically([1], to: path)) { XCTAssertEqual($0 as? FileIOError, .notRegularFile(path: path, kind: kind)) }
      if path != directory.path && path != "/dev/null" {
        XCTAssertThrowsError(try openForAppending(path)) { XCTAssertEqual($0 as? FileIOError, .notRegularFile(path: path, kind: kind)) }
      }
    }
    XCTAssertEqual(try readAllBytes(at: target), Array("mine".utf8), "nothing was written through the link")
    XCTAssertNotNil(nonRegularKind(fifo), "the FIFO is still there")
    // A new path and a regular file are fine, for atomic writes and appends alike.
    let fd = try openForAppending(directory.path + "/new.csv")
    try writeAll([1, 2], to: fd, path: "new.csv")
    close(fd)
    XCTAssertEqual(try readAllBytes(at: directory.path + "/new.csv"), [1, 2])
  }

  func testSafeFileNamesStayInTheirFolder() {
    XCTAssertEqual(SafeFileName.make("fashion-mnist"), "fashion-mnist")
    XCTAssertEqual(SafeFileName.make("csv:../../etc/x.csv"), "csv_______etc_x_csv")
    XCTAssertEqual(SafeFileName.make(".."), "__")
    XCTAssertEqual(SafeFileName.make(""), "_")
    XCTAssertEqual(SafeFileName.make("a b", replacement: "-"), "a-b")
    let long = SafeFileName.make(String(repeating: "x", count: 500))
    XCTAssertEqual(long.count, SafeFileName.maximumLength)
    XCTAssertNotEqual(long, SafeFileName.make(String(repeating: "x", count: 501)), "long names stay distinct")
    for name in ["../x", "/abs/path", "a/../../b", "é/ü", "\u{0}x"] {
      let safe = SafeFileName.make(name)
      XCTAssertFalse(safe.contains("/") || safe.hasPrefix(".") || safe.contains("\u{0}"), safe)
    }
  }

  func testReadsStopAtTheirLimitEvenOnEndlessFiles() {
    XCTAssertThrowsError(try readAllBytes(at: "/dev/zero", limit: 1 << 20)) {
      XCTAssertEqual($0 as? FileIOError, .notRegularFile(path: "/dev/zero", kind: "a device"))
    }
    // A FIFO nobody writes is refused at once instead of blocking the read.
    let directory = try! TemporaryDirectory("fifo-read")
    defer { directory.remove() }
    let fifo = directory.path + "/fifo"
    XCTAssertEqual(mkfifo(fifo, 0o644), 0)
    XCTAssertThrowsError(try readAllBytes(at: fifo)) { XCTAssertEqual($0 as? FileIOError, .notRegularFile(path: fifo, kind: "a FIFO")) }
    let file = directory.path + "/big"
    try! writeAtomically([UInt8](repeating: 1, count: 3 << 20), to: file)
    XCTAssertThrowsError(try readAllBytes(at: file, limit: 1 << 20)) { XCTAssertEqual($0 as? FileIOError, .tooLarge(path: file, limit: 1 << 20)) }
  }

  func testMissingDirectoryThrowsTypedError() {
    XCTAssertThrowsError(try writeAtomically([1], to: "/nonexistent-vsml-dir/x.bin")) { error in
      guard case FileIOError.openFailed = error else { return XCTFail("\(error)") }
      XCTAssertTrue("\(error)".contains("directory exists"))
    }
    XCTAssertThrowsError(try readAllBytes(at: "/nonexistent-vsml-dir/x.bin"))
  }
}
