import Foundation
import XCTest

/// What users read, compared whole, in the style of swift-argument-parser's example tests: the
/// top-level help, `info --json` (with the machine-dependent kernel fields checked apart), and an
/// error message. A change to any of them must change these expectations on purpose.
final class OutputTests: XCTestCase {
  func testTopLevelHelp() throws {
    let r = try VSMLBinary().run(["--help"])
    XCTAssertEqual(r.status, 0)
    XCTAssertEqual(r.stdout, """
      OVERVIEW: Meta-learn learning algorithms with Variable Shared Meta Learning
      (VSML).

      USAGE: vsml <subcommand>

      OPTIONS:
        -h, --help              Show help information.

      SUBCOMMANDS:
        info                    Print the meta-parameter count and the per-episode
                                state size of a VSML network, and the kernel path in
                                use.
        bench                   Measure the inner loop: the fast path over a
                                population, and the float64 reference path, in one
                                run.
        data                    List, download, verify and display datasets.
        train                   Meta-train a learned learning algorithm by evolution
                                strategies or by gradient descent.
        evaluate                Meta-test a learner: online accuracy on fresh
                                episodes from the test split (docs/METHOD.md §7).
        demo                    A short meta-training run end to end, then a
                                meta-test of its result beside the shipped learners,
                                init and online SGD.
        plot                    Plot meta-training curves of one or more run
                                directories as SVG.
        clone                   Clone online backpropagation into the VSML sub-RNN
                                and verify it.
        committee               Combine learned learners into one file whose
                                predictions are mixed online (docs/METHOD.md §10).
        experiment              Run a grid of meta-training runs and meta-tests from
                                a manifest, and report it.

        See 'vsml help <subcommand>' for detailed help.

      """)
  }

  func testInfoJSON() throws {
    let r = try VSMLBinary().run(["info", "--layers", "784,10", "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let kernel = try XCTUnwrap(object.removeValue(forKey: "kernel") as? String)
    let available = try XCTUnwrap(object.removeValue(forKey: "kernels_available") as? [String])
    XCTAssertTrue(available.contains(kernel) && available.first == "portable", "\(kernel) in \(available)")
    let rest = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    XCTAssertEqual(String(decoding: rest, as: UTF8.self), #"""
      {"connections":7840,"layers":[784,10],"lstm_state_floats":250880,"message_floats":6352,"meta_parameters":2384,"non_finite":0,"state_size":257232,"sub_rnns":1}
      """#)
  }

  func testAnUnknownDatasetIsNamedWithTheKnownOnes() throws {
    let r = try VSMLBinary().run(["evaluate", "--model", "sgd", "--datasets", "nosuch", "--episodes", "1", "--steps", "5"])
    XCTAssertEqual(r.reason, .exit)
    XCTAssertEqual(r.status, 1)
    XCTAssertEqual(r.stderr, """
      evaluating sgd on nosuch (1 episode x 5 steps)...
      Error: invalid task: components[0].task.dataset: unknown dataset 'nosuch'; known: mnist, fashion-mnist, kmnist, emnist-balanced, emnist-letters, cifar10, random, sum, clusters, teacher, or csv:PATH[,TESTPATH]

      """)
  }

  /// `vsml committee` writes a file that `vsml evaluate` reads back and meta-tests; a malformed
  /// call is refused before anything is written.
  func testACommitteeIsWrittenAndEvaluated() throws {
    let dir = NSTemporaryDirectory() + "/vsml-committee-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = dir + "/pair.safetensors"
    let made = try VSMLBinary().run(["committee", "scratch", "backprop", "--share", "0.02", "--out", file, "--json"])
    XCTAssertEqual(made.status, 0, made.stderr)
    let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(summary["meta_parameters"] as? Int, 2 * 2384)
    XCTAssertEqual(summary["members"] as? [String], ["scratch", "backprop"])
    let evaluated = try VSMLBinary().run(["evaluate", "--checkpoint", file, "--datasets", "clusters", "--split", "validation", "--episodes", "2", "--steps", "60", "--json"])
    XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
    let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [String: Any])
    let clusters = try XCTUnwrap((report["datasets"] as? [String: Any])?["clusters"] as? [String: Any])
    XCTAssertGreaterThan(try XCTUnwrap(clusters["mean_accuracy"] as? Double), 0)

    let one = try VSMLBinary().run(["committee", "scratch", "--out", dir + "/one.safetensors"])
    XCTAssertEqual(one.status, 64)
    XCTAssertTrue(one.stderr.contains("at least two members"), one.stderr)
    let missing = try VSMLBinary().run(["committee", "scratch", dir + "/none.safetensors", "--out", dir + "/two.safetensors"])
    XCTAssertEqual(missing.status, 1)
    XCTAssertTrue(missing.stderr.contains("none.safetensors"), missing.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/two.safetensors"))
  }
}

final class TunedComparatorOutputTests: XCTestCase {
  func testTuneLRReportsTheRateTheGridAndTheDefault() throws {
    let binary = try VSMLBinary()
    let result = try binary.run(["evaluate", "--model", "sgd", "--tune-lr", "--datasets", "clusters", "--episodes", "2", "--steps", "100", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    XCTAssertTrue((json["learner"] as? String)?.contains("tuned on the validation split") == true)
    let clusters = try XCTUnwrap((json["datasets"] as? [String: Any])?["clusters"] as? [String: Any])
    let rate = try XCTUnwrap(clusters["learning_rate"] as? Double)
    let tuning = try XCTUnwrap(clusters["tuning"] as? [String: Any])
    XCTAssertEqual(tuning["split"] as? String, "validation")
    let grid = try XCTUnwrap(tuning["grid"] as? [Double])
    XCTAssertTrue(grid.contains(rate) && grid.contains(0.01), "\(grid)")
    let standard = try XCTUnwrap(clusters["default_learning_rate"] as? [String: Any])
    XCTAssertEqual(standard["learning_rate"] as? Double, 0.01)
    XCTAssertNotNil(standard["mean_accuracy"] as? Double)
    for bad in [["--checkpoint", "scratch", "--tune-lr"], ["--model", "sgd", "--tune-lr", "--learning-rate", "0.1"], ["--model", "meta-rnn", "--learning-rate", "0.1"],
                ["--model", "sgd", "--learning-rate", "-1"]] {
      let refused = try binary.run(["evaluate", "--datasets", "sum"] + bad)
      XCTAssertEqual(refused.status, 64, "\(bad): \(refused.stderr)")
    }
  }
}

final class TestSplitReadTests: XCTestCase {
  func testEveryTestSplitReadIsRecordedWhereTheResultsGo() throws {
    let binary = try VSMLBinary()
    let out = NSTemporaryDirectory() + "/vsml-reads-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: out) }
    let base = ["evaluate", "--model", "sgd", "--datasets", "sum,random", "--episodes", "2", "--steps", "20", "--out", out]
    XCTAssertEqual(try binary.run(base).status, 0)
    XCTAssertEqual(try binary.run(base + ["--split", "validation"]).status, 0)
    XCTAssertEqual(try binary.run(base + ["--seed", "3"]).status, 0)
    let lines = try String(contentsOfFile: out + "/test-reads.jsonl", encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(lines.count, 4, "two datasets, twice on the test split; the validation run adds nothing")
    let first = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
    XCTAssertEqual(first["dataset"] as? String, "sum")
    XCTAssertEqual(first["learner"] as? String, "sgd")
    XCTAssertEqual(first["episodes"] as? Int, 2)
    XCTAssertTrue((first["command"] as? String)?.contains("evaluate --model sgd") == true)
    XCTAssertNotNil((first["time"] as? String)?.firstIndex(of: "T"))
    let last = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[3].utf8)) as? [String: Any])
    XCTAssertEqual(last["seed"] as? Int, 3)
  }
}
