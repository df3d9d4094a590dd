import Foundation
import VSML
import VSMLCore
import VSMLData
import XCTest
@testable import VSMLTraining

final class PipelineTests: XCTestCase {
  struct Offline: Error {}

  func testDemoFallsBackToSyntheticTasksTrainsAndMetaTestsEveryLearner() throws {
    let tasks = DemoPipeline.tasks(locator: syntheticLocator) { _ in throw Offline() }
    XCTAssertNotNil(tasks.fallbackReason)
    XCTAssertEqual(tasks.train.dataset, "sum")
    XCTAssertEqual(tasks.test.map(\.dataset), ["sum", "random"])
    let demo = DemoPipeline(iterations: 2, episodes: 2, steps: 10, seed: 3, threads: 2)
    let dir = temporaryRunDirectory("demo-pipeline")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let trainer = try demo.train(task: tasks.train, runDirectory: dir, locator: syntheticLocator)
    XCTAssertEqual(trainer.strategy.iteration, 2)
    var missing: [String] = []
    let learners = try demo.learners(trained: trainer.learned) { name, _ in missing.append(name) }
    XCTAssertEqual(missing, [])
    XCTAssertEqual(learners.map(\.name), [DemoPipeline.trainedName, "builtin (\(ShippedLearners.builtin))", "scratch", "improved", "init", "sgd"])
    let rows = try demo.metaTest(learners, on: tasks.test, locator: syntheticLocator)
    XCTAssertEqual(rows.map(\.learner), learners.map(\.name))
    for row in rows {
      XCTAssertEqual(row.results.map(\.task), ["sum", "random"])
      XCTAssertTrue(row.results.allSatisfy { $0.episodes == 2 && $0.steps == 10 && (0...1).contains($0.meanAccuracy) })
    }
    let table = DemoPipeline.table(rows, tasks: tasks.test).split(separator: "\n")
    XCTAssertEqual(table.count, 1 + rows.count)
    XCTAssertTrue(table[0].hasPrefix("learner ") && table[0].contains("sum") && table[0].contains("random"))
    XCTAssertTrue(table[1].hasPrefix(DemoPipeline.trainedName))
    let summary = demo.summary(rows)
    XCTAssertEqual(Set(summary.keys), Set(learners.map(\.name)))
    XCTAssertNotNil((summary["sgd"] as? [String: Any])?["random"])
  }

  func testCloneStageAReportsStartAndCloneAndVerifiesBesideItsTeacher() throws {
    var pipeline = ClonePipeline()
    pipeline.iterations = 1
    pipeline.batchSize = 2
    pipeline.length = 4
    var checks: [ClonePipeline.Check] = []
    var steps = 0
    let outcome = try pipeline.run(start: nil, startName: "scaffold", locator: syntheticLocator, progress: { _ in steps += 1 }) { checks.append($0) }
    XCTAssertEqual(steps, 1)
    XCTAssertEqual(checks.map(\.name), ["start (scaffold)", "cloned"])
    XCTAssertTrue(checks.allSatisfy { $0.loss.isFinite && $0.signals == nil && $0.updateCorrelation != nil })
    XCTAssertEqual(outcome.inputSize, 784)
    XCTAssertEqual(outcome.learned.parameters.count, 2384)
    XCTAssertEqual(outcome.reference.name, "linear-sgd")
    XCTAssertThrowsError(try pipeline.run(start: [0, 1], startName: "bad", locator: syntheticLocator)) {
      XCTAssertEqual(($0 as? ConfigurationError)?.field, "from")
    }
    // Verification on a synthetic 784-feature task: the clone's row, then its teacher's.
    var rows: [ClonePipeline.Verification] = []
    try pipeline.verify(outcome, datasets: ["sum"], episodes: 1, steps: 10, locator: syntheticLocator) { rows.append($0) }
    XCTAssertEqual(rows.map(\.learner), ["vsml-clone", "linear-sgd"])
    XCTAssertTrue(rows.allSatisfy { $0.dataset == "sum" && $0.result.steps == 10 })
  }
}
