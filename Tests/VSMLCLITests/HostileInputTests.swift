import Foundation
import XCTest

/// Hostile files and folders through the command line: no trap, a message that names the field or
/// file, and nothing of the user's overwritten.
final class HostileInputTests: XCTestCase {
  func temporaryDirectory() throws -> String {
    let dir = NSTemporaryDirectory() + "/vsml-hostile-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  func testYAMLWithComplexKeysOrAliasBombsIsRefusedByTrainAndExperiment() throws {
    let binary = try VSMLBinary()
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in 1...8 { bomb.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]") }
    for (name, text, words) in [("complex.yaml", "? [a, b]\n: 1\n", "uses a complex key"),
                                ("bomb.yaml", bomb.joined(separator: "\n") + "\n", "expands to more than"),
                                ("inf.yaml", "seed: .inf\n", "not a finite number")] {
      let path = dir + "/" + name
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      for arguments in [["train", "--config", path, "--out", dir + "/run"], ["experiment", "run", path, "--out", dir + "/grid"]] {
        let result = try binary.run(arguments)
        XCTAssertEqual(result.reason, .exit, "\(arguments): \(result.stderr)")
        XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
        XCTAssertTrue(result.stderr.contains(words), "\(arguments): \(result.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/run"), "a refused run leaves no folder")
      }
    }
  }

  func testANewRunNeverOverwritesTheUsersFiles() throws {
    let binary = try VSMLBinary()
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = dir + "/config.json"
    let text = #"{"data": {"tasks": [{"task": {"dataset": "sum", "transforms": [{"resize": {"side": 4}}]}}], "episodeLength": 10}, "es": {"pairs": 2}, "schedule": {"evaluateEvery": 0}}"#
    try text.write(toFile: config, atomically: true, encoding: .utf8)
    // The classic slip: the configuration's own folder as --out.
    let slip = try binary.run(["train", "--config", config, "--out", dir, "--iterations", "1", "--threads", "1"])
    XCTAssertEqual(slip.status, 1)
    XCTAssertTrue(slip.stderr.contains("is not empty (it holds config.json)"), slip.stderr)
    XCTAssertEqual(try String(contentsOfFile: config, encoding: .utf8), text)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["config.json"], "a refused run leaves nothing, no lock file either")
    for arguments in [["--force"], []] {
      let again = try binary.run(["train", "--config", config, "--out", dir, "--iterations", "1", "--threads", "1"] + arguments)
      XCTAssertEqual(again.status, 1, "--force never removes other files")
    }
    XCTAssertEqual(try String(contentsOfFile: config, encoding: .utf8), text)
    // --resume of a folder that holds no run says so (not --checkpoint's advice).
    let missing = try binary.run(["train", "--resume", dir + "/no-such-run"])
    XCTAssertEqual(missing.status, 1)
    XCTAssertTrue(missing.stderr.contains("does not exist, so there is no run to resume"), missing.stderr)
    let empty = dir + "/empty"
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    XCTAssertTrue(try binary.run(["train", "--resume", empty]).stderr.contains("holds no checkpoint.json"))
    // A run stopped before its first checkpoint is named, and --force starts it over.
    let run = dir + "/run"
    XCTAssertEqual(try binary.run(["train", "--config", config, "--out", run, "--iterations", "2", "--threads", "1"]).status, 0)
    try FileManager.default.removeItem(atPath: run + "/checkpoint.json")
    let stopped = try binary.run(["train", "--config", config, "--out", run, "--iterations", "2", "--threads", "1"])
    XCTAssertEqual(stopped.status, 1)
    XCTAssertTrue(stopped.stderr.contains("stopped before its first checkpoint") && stopped.stderr.contains("metrics.csv"), stopped.stderr)
    let forced = try binary.run(["train", "--config", config, "--out", run, "--iterations", "2", "--threads", "1", "--force"])
    XCTAssertEqual(forced.status, 0, forced.stderr)
    XCTAssertEqual(try String(contentsOfFile: run + "/metrics.csv", encoding: .utf8).split(separator: "\n").count, 3, "header and two rows")
    // A damaged iteration in metrics.csv is refused, not converted (a trap) or looped up to (a hang).
    let metrics = try String(contentsOfFile: run + "/metrics.csv", encoding: .utf8)
    for bad in ["nan", "1e15", "-3"] {
      var lines = metrics.split(separator: "\n").map(String.init)
      lines[2] = bad + lines[2].drop { $0 != "," }
      let damaged = dir + "/damaged-\(bad)"
      try FileManager.default.createDirectory(atPath: damaged, withIntermediateDirectories: true)
      try (lines.joined(separator: "\n") + "\n").write(toFile: damaged + "/metrics.csv", atomically: true, encoding: .utf8)
      try FileManager.default.copyItem(atPath: run + "/config.json", toPath: damaged + "/config.json")
      let plot = try binary.run(["plot", damaged, "--x", "example_steps", "--y", "mean_fitness", "--out", dir + "/p.svg"])
      XCTAssertEqual(plot.reason, .exit, bad)
      XCTAssertEqual(plot.status, 1, "\(bad): \(plot.stderr)")
      XCTAssertTrue(plot.stderr.contains("the file is damaged"), plot.stderr)
    }
    // A column that does not exist is named beside those that do.
    let unknown = try binary.run(["plot", run, "--y", "accuracy", "--out", dir + "/p.svg"])
    XCTAssertEqual(unknown.status, 1)
    XCTAssertTrue(unknown.stderr.contains("lacks column") && unknown.stderr.contains("mean_accuracy, gradient_norm"), unknown.stderr)
    // --out FILE of plot refuses a FIFO instead of replacing it.
    let fifo = dir + "/fifo.svg"
    XCTAssertEqual(mkfifo(fifo, 0o644), 0)
    let plot = try binary.run(["plot", run, "--out", fifo])
    XCTAssertNotEqual(plot.status, 0)
    XCTAssertTrue(plot.stderr.contains("a FIFO, not a regular file"), plot.stderr)
  }
}
