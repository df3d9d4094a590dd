import Foundation
import VSMLData
import XCTest
@testable import vsml

/// The standard streams as a careless or hostile caller leaves them: closed, a pipe whose reader
/// exits, a full device. No trap, no lost checkpoint, and a non-zero exit when the output that
/// was asked for was not written.
final class StandardStreamTests: XCTestCase {
  /// Runs `vsml ARGS` through the shell with `redirections` (e.g. `2>&-`) applied to it alone;
  /// returns the exit status and what reached the other streams.
  func shell(_ binary: VSMLBinary, _ arguments: [String], _ redirections: String, pipeTo: String? = nil) throws
    -> (status: Int32, stdout: String, stderr: String)
  {
    let quoted = ([binary.url.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    let script = pipeTo.map { "\(quoted) \(redirections) | \($0); exit ${PIPESTATUS[0]}" } ?? "\(quoted) \(redirections)"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script]
    let result = try VSMLBinary.capture(process)
    return (result.status, result.stdout, result.stderr)
  }

  func temporaryDirectory() throws -> String {
    let dir = NSTemporaryDirectory() + "/vsml-streams-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  static let tinyTraining = ["--set", "data.tasks=[{\"task\": {\"dataset\": \"sum\", \"transforms\": [{\"resize\": {\"side\": 4}}]}}]",
                             "--set", "data.episodeLength=10", "--set", "es.pairs=2", "--set", "schedule.evaluateEvery=0", "--threads", "1"]

  func testClosedStandardErrorIsNoTrap() throws {
    let binary = try VSMLBinary()
    // evaluate writes a progress message to standard error before each dataset.
    let evaluate = try shell(binary, ["evaluate", "--model", "sgd", "--datasets", "sum,random", "--episodes", "1", "--steps", "10"], "2>&-")
    XCTAssertEqual(evaluate.status, 0)
    XCTAssertTrue(evaluate.stdout.contains("sum"), evaluate.stdout)
    // An error message with nowhere to go still ends with the error's status.
    let failing = try shell(binary, ["evaluate", "--checkpoint", "/nonexistent/x", "--datasets", "sum"], "2>&-")
    XCTAssertEqual(failing.status, 1)
  }

  func testClosedStandardOutputFailsTheCommandAndNeverReachesALockFile() throws {
    let binary = try VSMLBinary()
    let info = try shell(binary, ["info", "--json"], ">&-")
    XCTAssertEqual(info.status, Console.outputLostStatus)
    XCTAssertTrue(info.stderr.contains("standard output is closed"), info.stderr)
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let train = try shell(binary, ["train", "--iterations", "3", "--out", dir + "/run"] + Self.tinyTraining, ">&-")
    XCTAssertEqual(train.status, Console.outputLostStatus, train.stderr)
    // The lock file holds the process id alone, and the run stopped with a checkpoint.
    let lock = try String(contentsOfFile: dir + "/run/train.lock", encoding: .utf8)
    XCTAssertNotNil(Int(lock.trimmingCharacters(in: .whitespacesAndNewlines)), lock)
    XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/run/checkpoint.json"))
  }

  func testABrokenPipeStopsTrainingWithACheckpoint() throws {
    let binary = try VSMLBinary()
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let run = dir + "/run"
    let train = try shell(binary, ["train", "--iterations", "1000000", "--log-every", "1", "--out", run] + Self.tinyTraining, "", pipeTo: "head -1")
    XCTAssertEqual(train.status, Console.outputLostStatus, "killed by SIGPIPE or exited 0: \(train.stderr)")
    XCTAssertTrue(train.stderr.contains("broken pipe"), train.stderr)
    let (iteration, rows) = try checkpointAndMetricRows(run)
    XCTAssertEqual(iteration, rows, "every logged iteration is in the checkpoint")
    let resumed = try binary.run(["train", "--resume", run, "--iterations", "\(rows + 1)", "--threads", "1"])
    XCTAssertEqual(resumed.status, 0, resumed.stderr)
  }

  func testAFullDeviceFailsJSONOutput() throws {
    guard FileManager.default.fileExists(atPath: "/dev/full") else { throw XCTSkip("no /dev/full") }
    let binary = try VSMLBinary()
    let result = try shell(binary, ["evaluate", "--model", "sgd", "--datasets", "sum", "--episodes", "1", "--steps", "10", "--json"], "> /dev/full")
    XCTAssertEqual(result.status, Console.outputLostStatus)
    XCTAssertTrue(result.stderr.contains("full"), result.stderr)
  }

  func testSIGHUPStopsTrainingLikeSIGTERM() throws {
    let binary = try VSMLBinary()
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let run = dir + "/run"
    let train = Process()
    train.executableURL = binary.url
    train.arguments = ["train", "--iterations", "1000000", "--out", run] + Self.tinyTraining
    train.standardOutput = FileHandle.nullDevice
    train.standardError = FileHandle.nullDevice
    try train.run()
    defer { if train.isRunning { train.terminate() } }
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline, ((try? String(contentsOfFile: run + "/metrics.csv", encoding: .utf8))?.split(separator: "\n").count ?? 0) < 3 {
      Thread.sleep(forTimeInterval: 0.05)
    }
    kill(train.processIdentifier, SIGHUP)
    train.waitUntilExit()
    XCTAssertEqual(train.terminationReason, .exit)
    XCTAssertEqual(train.terminationStatus, 0)
    let checkpoint = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/checkpoint.json"))) as? [String: Any])
    XCTAssertGreaterThanOrEqual(checkpoint["iteration"] as? Int ?? 0, 2)
  }

  func testCountsBeyond32BitsPrintWhole() {
    let reporter = ProgressReporter(total: 6_000_000_000, every: 1)
    let line = reporter.line(5_000_000_000, ["wall_s": 5e9, "iteration_s": 1])
    XCTAssertTrue(line.hasPrefix("iter 5000000000/6000000000 "), line)
    XCTAssertTrue(line.contains("elapsed 1388888:53:20"), line)
    XCTAssertEqual(ProgressReporter.clock(3_661), "1:01:01")
  }

  func testDataShowReadsTheSplitItNames() throws {
    let binary = try VSMLBinary()
    let train = try DatasetRegistry.load("sum", split: .train, locator: DataLocator(dataDirectory: nil, cacheDirectory: NSTemporaryDirectory()))
    let held = ValidationSplit.indices(count: train.count, part: .validation)
    let show = try binary.run(["data", "show", "sum", "--split", "validation", "--index", "1"])
    XCTAssertEqual(show.status, 0, show.stderr)
    XCTAssertTrue(show.stdout.hasPrefix("sum validation #1 of \(held.count) (row \(held[1]) of the \(train.count)-row training file)"), show.stdout)
    let beyond = try binary.run(["data", "show", "sum", "--split", "validation", "--index", "\(held.count)"])
    XCTAssertNotEqual(beyond.status, 0)
  }

  func testNoWorkIsNoSuccess() throws {
    let binary = try VSMLBinary()
    for arguments in [["data", "list", "--data-dir", "/dev/null"], ["data", "list", "--data-dir", "/nonexistent/folder"],
                      ["evaluate", "--model", "sgd", "--datasets", ","], ["evaluate", "--model", "sgd", "--datasets", ""]] {
      let result = try binary.run(arguments)
      XCTAssertNotEqual(result.status, 0, "\(arguments)")
      XCTAssertTrue(result.stderr.contains("--data-dir") || result.stderr.contains("--datasets"), result.stderr)
    }
  }
}
