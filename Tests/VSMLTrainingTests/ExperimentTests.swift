import Foundation
import Synchronization
import VSML
import VSMLCore
import VSMLData
import VSMLReports
import XCTest
@testable import VSMLTraining

final class ExperimentTests: XCTestCase {
  /// A grid of seconds: VSML on `sum` (two seeds) and on all but `sum`, the Meta RNN on `sum`,
  /// and online SGD; 4x4 inputs, runs ended by their iteration count (deterministic).
  func tinyManifest() throws -> ExperimentManifest {
    try ConfigurationLoader.load(ExperimentManifest.self, json: Data(#"""
      {"transforms": [{"resize": {"side": 4}}],
       "configuration": {"data": {"episodeLength": 10}, "es": {"pairs": 3}, "schedule": {"evaluateEvery": 2, "checkpointEvery": 2},
                         "validation": {"episodes": 2, "steps": 10}},
       "training": [
         {"model": "vsml", "tasks": ["sum"], "seeds": [0, 1], "cpuMinutes": 60, "set": ["schedule.iterations=3"]},
         {"model": "vsml", "allBut": "sum", "cpuMinutes": 60, "set": ["schedule.iterations=2"]},
         {"model": "meta-rnn", "tasks": ["sum"], "cpuMinutes": 60, "set": ["schedule.iterations=2"]}],
       "test": {"datasets": ["sum", "random"], "episodes": 3, "steps": 20},
       "baselines": ["sgd"]}
      """#.utf8), defaults: ExperimentManifest())
  }

  func results(_ directory: String) throws -> [String: [Double]] {
    Dictionary(uniqueKeysWithValues: try ExperimentRunner.cells(in: directory).map { ("\($0.learner)/\($0.result.task)", $0.result.episodeAccuracies) })
  }

  func testAStoppedGridContinuesToTheSameResultsAndReports() throws {
    let straight = temporaryRunDirectory("grid"), stopped = temporaryRunDirectory("grid-stopped")
    defer {
      try? FileManager.default.removeItem(atPath: straight)
      try? FileManager.default.removeItem(atPath: stopped)
    }
    let manifest = try tinyManifest()
    XCTAssertTrue(try ExperimentRunner(manifest: manifest, directory: straight, locator: syntheticLocator, threads: 2).run())
    // Every cell read a test split once, and the log says so.
    XCTAssertEqual(try ExperimentReport(directory: straight).divergingRuns(), [], "runs of 2 and 3 iterations are too short to judge")
    let reads = try TestSplitReads.reads(in: straight)
    XCTAssertEqual(reads.count, try ExperimentRunner.cells(in: straight).count)
    XCTAssertEqual(Set(reads.map(\.dataset)), ["sum", "random"])
    let expected = try results(straight)
    XCTAssertEqual(expected.count, 5 * 2, "four runs and one baseline, each on two datasets")

    // Stopped twice: once inside the second run's training, once inside the meta-tests.
    for stopAfter in [2 * 3 * 10 * 3 + 25, 700] {
      let polls = Atomic<Int>(0)
      let cut = Cancellation { polls.add(1, ordering: .relaxed).newValue > stopAfter }
      XCTAssertFalse(try ExperimentRunner(manifest: manifest, directory: stopped, locator: syntheticLocator, threads: 2).run(cancellation: cut))
    }
    XCTAssertLessThan(try results(stopped).count, expected.count)
    XCTAssertTrue(try ExperimentRunner(manifest: manifest, directory: stopped, locator: syntheticLocator, threads: 2).run())
    XCTAssertEqual(try results(stopped), expected, "stopping and continuing changes no result")
    // Done means done: a third run trains and tests nothing.
    var logged: [String] = []
    XCTAssertTrue(try ExperimentRunner(manifest: manifest, directory: stopped, locator: syntheticLocator, threads: 2, log: { logged.append($0) }).run())
    XCTAssertEqual(logged, [])

    let report = try ExperimentReport(directory: straight)
    XCTAssertEqual(report.matrices.map(\.model), ["vsml", "meta-rnn", "hand-designed"])
    XCTAssertEqual(report.matrices[0].map.rows, ["sum", "all but sum"])
    XCTAssertEqual(report.matrices[0].map.columns, ["sum", "random"])
    // The VSML sum row pools both seeds' episodes.
    let pooled = try ExperimentRunner.cells(in: straight).filter { $0.model == "vsml" && $0.training == "sum" && $0.result.task == "random" }
    XCTAssertEqual(pooled.count, 2)
    XCTAssertEqual(report.matrices[0].map.cells[0][1]?.mean ?? .nan,
                   Statistics.mean(pooled.flatMap(\.result.episodeAccuracies)), accuracy: 1e-12)
    let paths = try report.write()
    let html = try String(contentsOfFile: paths.html, encoding: .utf8)
    XCTAssertEqual(html.components(separatedBy: "<svg ").count - 1, 3 + 2 + 1, "three heat maps, two curve plots, the meta-training plot, inline")
    XCTAssertFalse(html.contains("src=") || html.contains("<link") || html.contains("<script") || html.contains("url(http") || html.contains("<?xml"), "self-contained")
    XCTAssertTrue(html.contains("vsml experiment run"))
    let markdown = try String(contentsOfFile: paths.markdown, encoding: .utf8)
    XCTAssertTrue(markdown.contains("| meta-trained on | sum | random |"), markdown)
    XCTAssertTrue(markdown.contains("| all but sum | "), markdown)
    XCTAssertTrue(markdown.contains("## Diverging runs\n\nNo run ended with its mean fitness above its start"), markdown)
    for figure in ["heatmap-vsml.svg", "heatmap-meta-rnn.svg", "heatmap-hand-designed.svg", "curves-sum.svg", "meta-training.svg"] {
      XCTAssertTrue(FileManager.default.fileExists(atPath: straight + "/figures/" + figure), figure)
    }
  }

  func testOptionalTestDatasetsRunWherePresentAndAreSkippedElsewhere() throws {
    let dir = temporaryRunDirectory("grid-optional")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let manifest = try ConfigurationLoader.load(ExperimentManifest.self, json: Data(#"""
      {"transforms": [{"resize": {"side": 4}}],
       "configuration": {"data": {"episodeLength": 10}, "es": {"pairs": 2}, "schedule": {"evaluateEvery": 0}},
       "training": [{"model": "vsml", "tasks": ["sum"], "cpuMinutes": 60, "set": ["schedule.iterations=1"]}],
       "test": {"datasets": ["sum"], "optionalDatasets": ["kmnist", "random", "cifar10"], "episodes": 2, "steps": 10},
       "baselines": []}
      """#.utf8), defaults: ExperimentManifest())
    XCTAssertEqual(manifest.task("cifar10").transforms, [.grayscale, .resize(side: 4)], "colour datasets are made grayscale first")
    var notes: [String] = []
    let runner = try ExperimentRunner(manifest: manifest, directory: dir, locator: syntheticLocator, threads: 2) { notes.append($0) }
    XCTAssertTrue(try runner.run())
    XCTAssertEqual(Set(try results(dir).keys), ["vsml-sum-seed0/sum", "vsml-sum-seed0/random"])
    XCTAssertTrue(notes.contains { $0.hasPrefix("kmnist: files not present") }, "\(notes)")
    XCTAssertTrue(notes.contains { $0.hasPrefix("cifar10: files not present") }, "\(notes)")
    XCTAssertEqual(try ExperimentReport(directory: dir).testDatasets, ["sum", "random"])
    var twice = manifest
    twice.test.optionalDatasets = ["sum"]
    XCTAssertThrowsError(try twice.validate()) { XCTAssertEqual(($0 as? ConfigurationError)?.field, "test.optionalDatasets") }
  }

  func testManifestErrorsNameTheField() throws {
    func refused(_ json: String, _ field: String, file: StaticString = #filePath, line: UInt = #line) {
      XCTAssertThrowsError(try ConfigurationLoader.load(ExperimentManifest.self, json: Data(json.utf8), defaults: ExperimentManifest()).validate(), file: file, line: line) {
        XCTAssertTrue("\($0)".contains(field), "\($0)", file: file, line: line)
      }
    }
    refused(#"{"training": [{"model": "vsml"}]}"#, "training[0]")
    refused(#"{"training": [{"tasks": ["mnist"], "allBut": "sum"}]}"#, "training[0]")
    refused(#"{"training": [{"allBut": "cifar10"}]}"#, "training[0].allBut")
    refused(#"{"training": [{"tasks": ["mnist"], "seeds": [1, 1]}]}"#, "training[0].seeds")
    refused(#"{"training": [{"tasks": ["mnist"], "cpuMinutes": 0}]}"#, "training[0].cpuMinutes")
    refused(#"{"training": [{"tasks": ["mnist"], "colour": 1}]}"#, "training[0].colour")
    refused(#"{"test": {"datasets": []}}"#, "test.datasets")
    refused(#"{"baselines": ["sgdd"]}"#, "baselines")
    refused(#"{"test": {"parameters": "worst"}}"#, "test.parameters")
    refused(#"{"baselines": ["sgd", "adam", "sgd"]}"#, "baselines")
    refused(#"{"test": {"datasets": ["csv:a/b.csv", "csv:a_b.csv"]}}"#, "test.datasets")
  }

  func testResultPathsStayInsideTheExperiment() throws {
    let runner = try ExperimentRunner(manifest: tinyManifest(), directory: "/tmp/grid", locator: syntheticLocator, threads: 1)
    for (learner, dataset) in [("sgd", "csv:../../../etc/x.csv"), ("../up", "mnist"), ("a/b", "/abs")] {
      let path = runner.cellPath(learner: learner, dataset: dataset)
      XCTAssertTrue(path.hasPrefix("/tmp/grid/eval/"), path)
      XCTAssertEqual((path as NSString).standardizingPath, path, "no .. component: \(path)")
      XCTAssertEqual(path.split(separator: "/").count, 5, path)
    }
  }

  func testInvarianceStudyMeasuresEveryConditionAndWritesItsFigures() throws {
    var study = InvarianceStudy()
    study.dataset = "sum"
    study.sides = [4, 6]
    study.classCounts = [2]
    study.episodes = 2
    study.steps = 30
    study.longSteps = 60
    study.longEpisodes = 2
    let learners = [LearnerSource.initial(), try LearnerSource.handDesigned("sgd")]
    let points = try study.run(learners: learners, locator: syntheticLocator)
    XCTAssertEqual(points.count, (2 + 1 + 3 + 1) * 2)
    XCTAssertEqual(points.filter { $0.study == "size" && $0.learner == "init" }.map { $0.result.steps }, [30, 30])
    XCTAssertEqual(points.first { $0.study == "stream" }?.result.steps, 60)
    // The same meta-parameters run on every input size: the 4x4 and 6x6 conditions differ.
    let sizes = points.filter { $0.study == "size" && $0.learner == "sgd" }
    XCTAssertNotEqual(sizes[0].result.episodeAccuracies, sizes[1].result.episodeAccuracies)
    let dir = temporaryRunDirectory("invariances")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let markdown = try InvarianceStudy.write(points, dataset: "sum", to: dir)
    XCTAssertTrue(markdown.contains("| 6x6 | "), markdown)
    XCTAssertTrue(markdown.contains("| permuted pixels | "), markdown)
    for file in ["invariances.json", "invariances.md", "size.svg", "classes.svg", "inputs.svg", "stream.svg"] {
      XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/" + file), file)
    }
    var cancelled = study
    cancelled.cancellation = Cancellation { true }
    XCTAssertThrowsError(try cancelled.run(learners: learners, locator: syntheticLocator)) { XCTAssertTrue($0 is CancellationError) }
  }
}
