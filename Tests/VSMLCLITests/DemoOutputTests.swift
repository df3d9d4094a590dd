import Foundation
import XCTest

/// `vsml demo --json` end to end at a toy size on real data: one JSON object on stdout with every
/// learner's row, the iterations run and the training time, and the run directory it names.
final class DemoOutputTests: XCTestCase {
  func testDemoJSONReportsRowsAndTrainingTime() throws {
    let dataDirectory = ProcessInfo.processInfo.environment["VSML_DATA_DIR"] ?? ""
    for dataset in ["mnist", "fashion-mnist"] {
      guard FileManager.default.fileExists(atPath: "\(dataDirectory)/\(dataset)/t10k-images-idx3-ubyte.gz") else {
        throw XCTSkip("\(dataset) not found: set VSML_DATA_DIR to a folder holding MNIST and Fashion-MNIST")
      }
    }
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("vsml-demo-output-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: out) }
    let r = try VSMLBinary().run(["demo", "--iterations", "2", "--episodes", "2", "--steps", "10", "--threads", "2",
                                  "--data-dir", dataDirectory, "--out", out, "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
    XCTAssertEqual(object["iterations"] as? Int, 2)
    XCTAssertEqual(object["threads"] as? Int, 2)
    XCTAssertEqual(object["run_directory"] as? String, out)
    let seconds = try XCTUnwrap(object["training_seconds"] as? Double)
    XCTAssertTrue(seconds > 0 && seconds < 600, "training_seconds \(seconds)")
    XCTAssertNotNil(object["training_cpu_seconds"] as? Double)
    let learners = try XCTUnwrap(object["learners"] as? [String: [String: [String: Any]]])
    for name in ["demo (just trained)", "init", "sgd", "scratch"] {
      let row = try XCTUnwrap(learners[name], "no row \(name) in \(learners.keys.sorted())")
      XCTAssertEqual(Set(row.keys), ["fashion-mnist", "mnist"], name)
      let accuracy = try XCTUnwrap(row["fashion-mnist"]?["mean_accuracy"] as? Double, name)
      XCTAssertTrue((0...1).contains(accuracy), "\(name): \(accuracy)")
      XCTAssertEqual(row["mnist"]?["steps"] as? Int, 10, name)
    }
    // Progress goes to stderr, so stdout stays one JSON object; the run directory holds two iterations.
    XCTAssertTrue(r.stderr.contains("meta-trained in"), r.stderr)
    let metrics = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8)
    XCTAssertEqual(metrics.split(separator: "\n").count, 3, metrics)
  }
}
