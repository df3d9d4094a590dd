import Foundation
import XCTest

/// Every numeric option of every command, given 0 (where 0 is not allowed), -1 and a huge value,
/// must end in a clean non-zero exit with a message, never in a signal or an allocation failure.
final class OptionRangeTests: XCTestCase {
  static let huge = "1000000000000000"

  /// (arguments that make the command otherwise valid, numeric option, whether 0 is allowed).
  static let cases: [(base: [String], option: String, zeroAllowed: Bool)] = {
    let out = NSTemporaryDirectory() + "/vsml-option-range-\(UUID().uuidString)"
    let train = ["train", "--out", out + "/train"]
    let evaluate = ["evaluate", "--model", "sgd", "--datasets", "sum"]
    let clone = ["clone", "--out", out + "/clone.safetensors"]
    return [
      (train, "--threads", false), (train, "--iterations", true), (train, "--log-every", false), (train, "--seed", true),
      (evaluate, "--episodes", false), (evaluate, "--steps", false), (evaluate, "--threads", false), (evaluate, "--seed", true),
      (["bench"], "--population", false), (["bench"], "--steps", false), (["bench"], "--threads", false), (["bench"], "--layers", false),
      (["demo"], "--iterations", true), (["demo"], "--episodes", false), (["demo"], "--steps", false), (["demo"], "--threads", false),
      (clone, "--iterations", true), (clone, "--batch-size", false), (clone, "--length", false), (clone, "--every", false),
      (clone, "--verify-episodes", true), (clone, "--verify-steps", false), (clone, "--threads", false),
      (["plot", "run"], "--smoothing", false),
      (["data", "show", "sum"], "--index", true), (["data", "bench"], "--length", false),
      (["info"], "--layers", false),
    ]
  }()

  func testEveryNumericOptionRefusesOutOfRangeValuesCleanly() throws {
    let runner = try VSMLBinary()
    for (base, option, zeroAllowed) in Self.cases {
      // Any UInt64 is a seed; past UInt64 it is out of range.
      var values = ["-1", option == "--seed" ? "100000000000000000000" : Self.huge]
      if !zeroAllowed { values.append("0") }
      for value in values {
        // --layers takes a list; the other sizes of the list stay valid.
        let argument = option == "--layers" ? "\(value),10" : value
        let r = try runner.run(base + ["\(option)=\(argument)"])
        let call = (base + ["\(option)=\(argument)"]).joined(separator: " ")
        XCTAssertEqual(r.reason, .exit, "vsml \(call) ended by a signal: \(r.stderr.suffix(300))")
        XCTAssertNotEqual(r.status, 0, "vsml \(call) was accepted")
        XCTAssertTrue(r.stderr.contains("Error"), "vsml \(call) printed no error: \(r.stderr.suffix(300))")
      }
    }
  }

  func testSizesThatPassTheRangesButNotTheMemoryAreRefusedBeforeAllocating() throws {
    let runner = try VSMLBinary()
    for arguments in [
      ["bench", "--layers", "100000,100000"],
      ["bench", "--layers", "30000,30000", "--population", "20"],
      ["evaluate", "--model", "sgd", "--datasets", "sum", "--steps", "10000000", "--episodes", "1000"],
    ] {
      let r = try runner.run(arguments)
      XCTAssertEqual(r.reason, .exit, r.stderr)
      XCTAssertNotEqual(r.status, 0)
      XCTAssertTrue(r.stderr.contains("of memory; this machine has"), "\(arguments): \(r.stderr)")
    }
  }
}

/// The built `vsml` binary, run as a user would.
struct VSMLBinary {
  let url: URL

  /// Throws `XCTSkip` when the test bundle has no binary beside it.
  init() throws {
    url = Bundle.main.bundleURL.appendingPathComponent("vsml")
    guard FileManager.default.isExecutableFile(atPath: url.path) else { throw XCTSkip("no vsml binary at \(url.path)") }
  }

  func run(_ arguments: [String], environment: [String: String] = [:]) throws
    -> (status: Int32, reason: Process.TerminationReason, stdout: String, stderr: String)
  {
    let process = Process()
    process.executableURL = url
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    return try Self.capture(process)
  }

  /// Runs `process` to its end with its standard output and error collected.
  static func capture(_ process: Process) throws -> (status: Int32, reason: Process.TerminationReason, stdout: String, stderr: String) {
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, process.terminationReason, stdout, stderr)
  }
}

/// Iterations done by the checkpoint of `run`, and the rows of its metrics.
func checkpointAndMetricRows(_ run: String) throws -> (iteration: Int?, rows: Int) {
  let checkpoint = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/checkpoint.json"))) as? [String: Any]
  let rows = try String(contentsOfFile: run + "/metrics.csv", encoding: .utf8).split(separator: "\n").count - 1
  return (checkpoint?["iteration"] as? Int, rows)
}
