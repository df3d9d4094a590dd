import Foundation
import XCTest

/// The fuzz corpus and every crasher the fuzzer ever found, replayed through the parsers by the
/// normal build of `VSMLFuzz` (docs/RELIABILITY.md): each must be refused or parsed, never trap.
final class FuzzRegressionTests: XCTestCase {
  func testCorpusAndCrashersReplayWithoutACrash() throws {
    let binary = Bundle.main.bundleURL.appendingPathComponent("VSMLFuzz")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw XCTSkip("no VSMLFuzz binary at \(binary.path)") }
    let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")
    for target in ["idx", "csv", "safetensors", "configuration", "checkpoint", "learner", "yaml", "manifest"] {
      let process = Process()
      process.executableURL = binary
      process.arguments = [target, fuzz.path + "/corpus/" + target, fuzz.path + "/crashers/" + target]
      process.environment = ["VSML_FUZZ_SIDECAR": fuzz.path + "/checkpoint-state-4.safetensors"]
      let out = Pipe()
      process.standardOutput = out
      try process.run()
      let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      XCTAssertEqual(process.terminationReason, .exit, "\(target): \(text)")
      XCTAssertEqual(process.terminationStatus, 0, "\(target): \(text)")
      XCTAssertTrue(text.contains("no crash"), text)
    }
  }
}
