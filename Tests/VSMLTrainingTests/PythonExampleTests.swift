import Foundation
import XCTest
@testable import VSMLTraining

/// `docs/examples/load_learner.py`, run as a user would: a shipped learner and a fresh run's
/// checkpoint, read by Python's safetensors.
final class PythonExampleTests: XCTestCase {
  func testTheDocumentedExampleReadsAShippedLearnerAndACheckpoint() throws {
    func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["python3"] + arguments
      let pipe = Pipe()
      process.standardOutput = pipe
      process.standardError = pipe
      try process.run()
      let data = pipe.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
    guard (try? python(["-c", "import safetensors, numpy"]))?.status == 0 else {
      throw XCTSkip("python3 with safetensors and numpy is not available (pip install numpy safetensors)")
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let example = root.appendingPathComponent("docs/examples/load_learner.py").path
    let dir = temporaryRunDirectory("python-example")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try MetaTrainer(configuration: tinyConfiguration(iterations: 2), runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in }).run()

    let r = try python([example, try XCTUnwrap(ShippedLearners.path(of: "scratch")), dir])
    XCTAssertEqual(r.status, 0, r.output)
    XCTAssertTrue(r.output.contains("2384 meta-parameters in 6 tensors"), r.output)
    XCTAssertTrue(r.output.contains("vsmlrnn/~/sub_rnn/~/custom_lstm/linear/w [32, 64] float32"), r.output)
    XCTAssertTrue(r.output.contains("\(dir): iteration 2, seed 5"), r.output)
    XCTAssertTrue(r.output.contains("metadata vsml.input_size = 16"), "the run's 4x4 inputs: \(r.output)")
  }
}
