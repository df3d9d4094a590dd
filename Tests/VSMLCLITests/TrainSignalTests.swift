import Foundation
import XCTest

/// `vsml train` as a user runs it: a second writer on the same run directory, and Ctrl-C.
final class TrainSignalTests: XCTestCase {
  func testCtrlCCheckpointsAndExits130AndASecondWriterIsRefused() throws {
    let binary = try VSMLBinary()
    let dir = NSTemporaryDirectory() + "/vsml-signal-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = dir + "/tiny.json"
    try """
      {"data": {"tasks": [{"task": {"dataset": "sum", "transforms": [{"resize": {"side": 4}}]}, "weight": 1}], "episodeLength": 20},
       "es": {"pairs": 4}, "schedule": {"iterations": 1000000, "checkpointEvery": 100000, "evaluateEvery": 0}, "seed": 3}
      """.write(toFile: config, atomically: true, encoding: .utf8)
    let run = dir + "/run"
    let first = Process()
    first.executableURL = binary.url
    first.arguments = ["train", "--config", config, "--threads", "1", "--out", run]
    first.standardOutput = FileHandle.nullDevice
    first.standardError = FileHandle.nullDevice
    try first.run()
    defer { if first.isRunning { first.terminate() } }
    // Wait for a few iterations to be logged.
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
      let rows = (try? String(contentsOfFile: run + "/metrics.csv", encoding: .utf8))?.split(separator: "\n").count ?? 0
      if rows >= 3 { break }
      Thread.sleep(forTimeInterval: 0.05)
    }

    let second = try binary.run(["train", "--config", config, "--threads", "1", "--out", run])
    XCTAssertEqual(second.reason, .exit)
    XCTAssertNotEqual(second.status, 0)
    XCTAssertTrue(second.stderr.contains("in use by process \(first.processIdentifier)"), second.stderr)
    let resume = try binary.run(["train", "--resume", run, "--threads", "1"])
    XCTAssertTrue(resume.stderr.contains("in use by process \(first.processIdentifier)"), resume.stderr)

    first.interrupt()  // SIGINT, as Ctrl-C sends
    first.waitUntilExit()
    XCTAssertEqual(first.terminationReason, .exit)
    XCTAssertEqual(first.terminationStatus, 130, "an interrupted run ends with 128 + SIGINT")
    let (iteration, rows) = try checkpointAndMetricRows(run)
    XCTAssertEqual(iteration, rows, "the checkpoint is at the last logged iteration")
    // The lock went with the process: the run resumes.
    let resumed = try binary.run(["train", "--resume", run, "--threads", "1", "--iterations", "\(rows + 1)"])
    XCTAssertEqual(resumed.status, 0, resumed.stderr)
    XCTAssertTrue(resumed.stdout.contains("iter \(rows + 1)/\(rows + 1)  loss "), "the progress line names the fitness: \(resumed.stdout)")
    // Under es.objective errorRate the line reports the error rate, 1 - acc, and says so.
    let errorRun = try binary.run(["train", "--config", config, "--threads", "1", "--out", dir + "/error", "--iterations", "1",
                                   "--set", "es.objective=errorRate"])
    XCTAssertEqual(errorRun.status, 0, errorRun.stderr)
    let line = try XCTUnwrap(errorRun.stdout.split(separator: "\n").first { $0.hasPrefix("iter 1/1") }, errorRun.stdout)
    let fields = line.split(separator: " ", omittingEmptySubsequences: true)
    let error = try XCTUnwrap(fields.firstIndex(of: "error").map { Double(fields[$0 + 1]) } ?? nil, String(line))
    let accuracy = try XCTUnwrap(fields.firstIndex(of: "acc").map { Double(fields[$0 + 1]) } ?? nil, String(line))
    XCTAssertEqual(error + accuracy, 1, accuracy: 2e-3, String(line))
  }

  func testAStopIsHonouredWithinAnIteration() throws {
    let binary = try VSMLBinary()
    let dir = NSTemporaryDirectory() + "/vsml-signal-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // One iteration is two episodes of 5,000 examples through 784 x 64 x 2 connections: tens of
    // seconds on one thread.
    let config = dir + "/slow.json"
    try """
      {"model": {"hiddenSizes": [64]},
       "data": {"tasks": [{"task": {"dataset": "sum"}, "weight": 1}], "episodeLength": 5000},
       "es": {"pairs": 1}, "schedule": {"iterations": 10, "evaluateEvery": 0}, "seed": 3}
      """.write(toFile: config, atomically: true, encoding: .utf8)
    let run = dir + "/run"
    let train = Process()
    train.executableURL = binary.url
    train.arguments = ["train", "--config", config, "--threads", "1", "--out", run]
    train.standardOutput = FileHandle.nullDevice
    train.standardError = FileHandle.nullDevice
    try train.run()
    defer { if train.isRunning { train.terminate() } }
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline && !FileManager.default.fileExists(atPath: run + "/metrics.csv") { Thread.sleep(forTimeInterval: 0.05) }
    Thread.sleep(forTimeInterval: 1)  // well inside the first iteration
    let sent = Date()
    train.terminate()  // SIGTERM, as a scheduler sends
    train.waitUntilExit()
    let took = Date().timeIntervalSince(sent)
    XCTAssertLessThan(took, 5, "a stop request must not wait for the iteration to end")
    XCTAssertEqual(train.terminationReason, .exit)
    XCTAssertEqual(train.terminationStatus, 0, "SIGTERM checkpoints and ends with 0")
    let checkpoint = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/checkpoint.json"))) as? [String: Any])
    XCTAssertEqual(checkpoint["iteration"] as? Int, 0, "the cut-short first iteration is dropped")
  }
}
