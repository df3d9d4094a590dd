import Foundation
import XCTest
import VSMLCore
import VSMLData
@testable import VSMLTraining

/// The distributed protocol with ranks as threads of this process (`InProcessGroup`): the same
/// code paths as Open MPI ranks, without MPI. `.ci/mpi-check.sh` repeats the key checks under
/// `mpirun`.
final class DistributedTrainingTests: XCTestCase {
  /// Runs `body(rank, communicator)` on `size` threads, one per rank; returns each rank's result.
  func onRanks<T>(_ size: Int, _ body: @escaping @Sendable (Int, any Communicator) throws -> T) -> [Result<T, any Error>] {
    let group = InProcessGroup(size: size)
    let results = ResultSlots<Result<T, any Error>>(count: size)
    let done = DispatchSemaphore(value: 0)
    for rank in 0..<size {
      let thread = Thread {
        results[rank] = Result { try body(rank, group.communicator(rank: rank)) }
        done.signal()
      }
      thread.stackSize = 8 << 20
      thread.start()
    }
    for _ in 0..<size { done.wait() }
    return results.values
  }

  /// Everything of a run directory that must not depend on the rank or thread count: the
  /// parameter files byte for byte, checkpoint.json without its timing fields, and the metrics
  /// without the timing columns.
  func deterministicContents(_ dir: String) throws -> [String: String] {
    var out: [String: String] = [:]
    for file in ["checkpoint.safetensors", "best.safetensors", "config.json"] {
      out[file] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file)).base64EncodedString()
    }
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/checkpoint.json"))) as! [String: Any]
    json["wallSeconds"] = nil
    json["cpuSeconds"] = nil
    out["checkpoint.json"] = String(decoding: try JSONSerialization.data(withJSONObject: json, options: .sortedKeys), as: UTF8.self)
    let sidecar = json["stateSidecar"] as! String
    out[sidecar] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + sidecar)).base64EncodedString()
    out["metrics.csv"] = try deterministicMetrics(dir).joined(separator: "\n")
    return out
  }

  func train(_ configuration: TrainingConfiguration, ranks: Int, threads: Int, stopAt: Int? = nil) throws -> String {
    let dir = temporaryRunDirectory("ranks\(ranks)x\(threads)")
    for result in onRanks(ranks, { rank, communicator in
      let trainer = try MetaTrainer(
        configuration: configuration, runDirectory: dir, locator: syntheticLocator, threads: threads, communicator: communicator, log: { _ in })
      // The stop request arrives on the last rank only; every rank must stop with it.
      try trainer.run(shouldStop: { rank == ranks - 1 && trainer.strategy.iteration == stopAt })
    }) { _ = try result.get() }
    return dir
  }

  func testResultsDoNotDependOnRanksOrThreads() throws {
    let configuration = tinyConfiguration(iterations: 4)
    let reference = try train(configuration, ranks: 1, threads: 1)
    defer { try? FileManager.default.removeItem(atPath: reference) }
    let expected = try deterministicContents(reference)
    for (ranks, threads) in [(2, 1), (3, 1), (2, 2), (3, 2), (5, 1)] {  // 5 ranks for 4 pairs: one rank idle
      let dir = try train(configuration, ranks: ranks, threads: threads)
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let got = try deterministicContents(dir)
      for key in expected.keys.sorted() { XCTAssertEqual(got[key], expected[key], "\(key) with \(ranks) ranks x \(threads) threads") }
      let header = try String(contentsOfFile: dir + "/metrics.csv", encoding: .utf8).split(separator: "\n")[0]
      XCTAssertTrue(header.hasSuffix("wait_s,comm_s,clipped,diverging"), String(header))
    }
  }

  func testGradientMetaTrainingDoesNotDependOnRanksOrThreads() throws {
    var configuration = tinyConfiguration(iterations: 3)
    configuration.meta.optimizer = .gradient
    configuration.meta.gradient.episodes = 3
    let reference = try train(configuration, ranks: 1, threads: 1)
    defer { try? FileManager.default.removeItem(atPath: reference) }
    let expected = try deterministicContents(reference)
    for (ranks, threads) in [(1, 2), (2, 1), (2, 2), (4, 1)] {  // 4 ranks for 3 episodes: one rank idle
      let dir = try train(configuration, ranks: ranks, threads: threads)
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let got = try deterministicContents(dir)
      for key in expected.keys.sorted() { XCTAssertEqual(got[key], expected[key], "\(key) with \(ranks) ranks x \(threads) threads") }
    }
  }

  func testAStopOnOneRankStopsAllAndResumesUnderAnotherRankCount() throws {
    let configuration = tinyConfiguration(iterations: 5)
    let straight = try train(configuration, ranks: 1, threads: 2)
    defer { try? FileManager.default.removeItem(atPath: straight) }
    let split = try train(configuration, ranks: 2, threads: 1, stopAt: 3)
    defer { try? FileManager.default.removeItem(atPath: split) }
    XCTAssertEqual(try RunCheckpoint.load(runDirectory: split).iteration, 3)
    for result in onRanks(3, { _, communicator in
      let trainer = try MetaTrainer(resuming: split, locator: syntheticLocator, threads: 1, iterations: nil, communicator: communicator, log: { _ in })
      try trainer.run()
    }) { _ = try result.get() }
    XCTAssertEqual(try deterministicContents(split), try deterministicContents(straight))
  }

  func testARankWithOtherDataOrConfigurationStopsEveryRank() throws {
    let dir = temporaryRunDirectory("mismatch")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // Rank 2 has another configuration.
    let differing = onRanks(3) { rank, communicator -> Int in
      var configuration = tinyConfiguration()
      if rank == 2 { configuration.es.pairs = 5 }
      _ = try MetaTrainer(configuration: configuration, runDirectory: dir, locator: syntheticLocator, threads: 1, communicator: communicator, log: { _ in })
      return rank
    }
    for result in differing {
      XCTAssertThrowsError(try result.get()) { error in
        XCTAssertEqual((error as? RankAgreementError).map { if case .differs(2, "configuration", _, _) = $0 { true } else { false } }, true, "\(error)")
      }
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/config.json"), "nothing is written when the ranks disagree")

    // Rank 1 lacks a dataset file that rank 0 has.
    let data = temporaryRunDirectory("data")
    defer { try? FileManager.default.removeItem(atPath: data) }
    try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
    try "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n1,1,0\n2,2,1\n".write(toFile: data + "/t.csv", atomically: true, encoding: .utf8)
    let missing = onRanks(2) { rank, communicator -> Int in
      var configuration = tinyConfiguration()
      configuration.data.tasks = [.init(task: TaskSpec(dataset: "csv:" + (rank == 0 ? data : data + "/nowhere") + "/t.csv"))]
      configuration.validation.tasks = configuration.data.tasks.map(\.task)
      _ = try MetaTrainer(configuration: configuration, runDirectory: dir, locator: syntheticLocator, threads: 1, communicator: communicator, log: { _ in })
      return rank
    }
    for result in missing {
      XCTAssertThrowsError(try result.get()) { error in
        // The configurations differ too (the paths), but a rank that cannot start is reported first.
        guard case .failed(1, let message)? = error as? RankAgreementError else { return XCTFail("\(error)") }
        XCTAssertTrue(message.contains("nowhere"), message)
        XCTAssertTrue("\(error)".hasPrefix("rank 1 could not start"), "\(error)")
      }
    }
  }

  func testSameContentUnderAnotherPathIsNotADataDifference() throws {
    var a = ContentHash(), b = ContentHash(), c = ContentHash()
    a.combine(floats: [1, 2, 3])
    b.combine(floats: [1, 2, 3])
    c.combine(floats: [1, 2, 3.0000002])
    XCTAssertEqual(a.hex, b.hex)
    XCTAssertNotEqual(a.hex, c.hex)
    var d = ContentHash()
    d.combine(floats: [1, 2])
    XCTAssertNotEqual(a.hex, d.hex, "the length is part of the hash")
  }

  func testEvaluationSplitOverRanksEqualsOneProcess() throws {
    let task = TaskSpec(dataset: "sum", transforms: [.resize(side: 4)])
    let initial = LearnerSource.initial()
    let single = try Evaluator(episodes: 5, steps: 30, seed: 2, threads: 2)
      .evaluate(task: task, locator: syntheticLocator, parameters: nil, makeLearner: initial.makeLearner)
    for result in onRanks(3, { _, communicator in
      try Evaluator(episodes: 5, steps: 30, seed: 2, threads: 1, communicator: communicator)
        .evaluate(task: task, locator: syntheticLocator, parameters: nil, makeLearner: initial.makeLearner)
    }) {
      let r = try result.get()
      XCTAssertEqual(r.meanAccuracy, single.meanAccuracy)
      XCTAssertEqual(r.meanLoss, single.meanLoss)
      XCTAssertEqual(r.curve.mean, single.curve.mean)
      XCTAssertEqual(r.curve.upper, single.curve.upper)
      XCTAssertEqual(r.episodes, 5)
    }
  }

  func testWorkPartitionCoversEveryItemOnce() {
    for count in 0..<12 {
      for ranks in 1..<6 {
        let p = WorkPartition(count: count, ranks: ranks)
        let ranges = (0..<ranks).map(p.range(of:))
        XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<count))
        XCTAssertLessThanOrEqual((ranges.map(\.count).max() ?? 0) - (ranges.map(\.count).min() ?? 0), 1)
      }
    }
  }
}
