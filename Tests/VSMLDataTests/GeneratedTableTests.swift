import Foundation
import VSMLCore
import XCTest
@testable import VSMLData

final class GeneratedTableTests: XCTestCase {
  let locator = DataLocator(dataDirectory: nil, cacheDirectory: "/nonexistent-vsml-cache")

  /// Accuracy on `test` of the 1-nearest-neighbour rule fitted on `train`.
  func nearestNeighbourAccuracy(_ train: Dataset, _ test: Dataset) -> Double {
    let rows = (0..<train.count).map { train.features(of: $0) }
    var correct = 0
    for i in 0..<test.count {
      let x = test.features(of: i)
      var best = 0, bestDistance = Float.infinity
      for (r, row) in rows.enumerated() {
        var d: Float = 0
        for j in x.indices { d += (x[j] - row[j]) * (x[j] - row[j]) }
        if d < bestDistance { bestDistance = d; best = r }
      }
      if train.labels[best] == test.labels[i] { correct += 1 }
    }
    return Double(correct) / Double(test.count)
  }

  func testTablesAreStandardisedBalancedSeededAndLearnable() {
    let table = GeneratedTable(features: 8, classes: 4, rows: 400)
    for family in SyntheticTasks.TableFamily.allCases {
      let train = SyntheticTasks.table(family, table, seed: 3, split: .train)
      let test = SyntheticTasks.table(family, table, seed: 3, split: .test)
      XCTAssertEqual(train.count, 400)
      XCTAssertEqual(train.shape, .flat(8))
      XCTAssertEqual(train.kind, .tabular)
      XCTAssertEqual(train.classCount, 4)
      for j in 0..<8 {
        let column = (0..<400).map { Double(train.features(of: $0)[j]) }
        let mean = column.reduce(0, +) / 400
        let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 400
        XCTAssertEqual(mean, 0, accuracy: 1e-4, "\(family) feature \(j)")
        XCTAssertEqual(variance, 1, accuracy: 1e-3, "\(family) feature \(j)")
      }
      for c in 0..<4 {
        XCTAssertGreaterThan(train.labels.filter { $0 == c }.count, 20, "\(family) uses class \(c)")
      }
      XCTAssertNotEqual(train.features(of: 0), test.features(of: 0))
      let again = SyntheticTasks.table(family, table, seed: 3, split: .test)
      XCTAssertEqual(again.features(of: 17), test.features(of: 17))
      XCTAssertEqual(again.labels, test.labels)
      XCTAssertNotEqual(SyntheticTasks.table(family, table, seed: 4, split: .test).labels, test.labels)
      // Learnable: the train pool predicts the test pool well above chance (0.25).
      XCTAssertGreaterThan(nearestNeighbourAccuracy(train, test), 0.4, "\(family)")
    }
  }

  func testEpisodesDrawAFreshTableUnlessAskedNotTo() throws {
    let fresh = TaskSpec(dataset: "clusters", syntheticSeed: 1, table: GeneratedTable(features: 5, classes: 3, rows: 50))
    let sampler = try EpisodeSampler(task: fresh, split: .train, length: 40, seed: 9, locator: locator)
    XCTAssertEqual(sampler.inputSize, 5)
    XCTAssertEqual(sampler.classCount, 3)
    let fixedPool = Set((0..<sampler.tasks[0].dataset.count).map { sampler.tasks[0].dataset.features(of: $0)[0] })
    let e0 = sampler.episode(0), e1 = sampler.episode(1)
    XCTAssertEqual(sampler.episode(1).inputs, e1.inputs)
    XCTAssertFalse((0..<40).allSatisfy { fixedPool.contains(e0.inputs[$0 * 5]) })
    XCTAssertTrue(Set((0..<40).map { e0.inputs[$0 * 5] }).isDisjoint(with: (0..<40).map { e1.inputs[$0 * 5] }))

    var fixed = fresh
    fixed.table?.freshEachEpisode = false
    let same = try EpisodeSampler(task: fixed, split: .train, length: 40, seed: 9, locator: locator)
    for e in 0..<3 {
      let episode = same.episode(e)
      XCTAssertTrue((0..<40).allSatisfy { fixedPool.contains(episode.inputs[$0 * 5]) })
    }
  }

  func testTableFieldIsCheckedAndNamed() throws {
    func field(_ spec: TaskSpec) -> String? {
      do { try spec.validate(); return nil } catch DataError.invalidTask(let field, _) { return field } catch { return "\(error)" }
    }
    XCTAssertNil(field(TaskSpec(dataset: "teacher", transforms: [.padFeatures(count: 64)], padClasses: 10, table: GeneratedTable(features: 20, classes: 3))))
    XCTAssertEqual(field(TaskSpec(dataset: "mnist", table: .default)), "table")
    XCTAssertEqual(field(TaskSpec(dataset: "csv:a.csv", table: .default)), "table")
    XCTAssertEqual(field(TaskSpec(dataset: "clusters", table: GeneratedTable(features: 0, classes: 3))), "table.features")
    XCTAssertEqual(field(TaskSpec(dataset: "clusters", table: GeneratedTable(features: 4, classes: 1))), "table.classes")
    XCTAssertEqual(field(TaskSpec(dataset: "teacher", table: GeneratedTable(features: 4096, classes: 3, rows: 100_000))), "table.rows")
    XCTAssertEqual(field(TaskSpec(dataset: "teacher", transforms: [.resize(side: 7)])), "transforms[0].resize")
    XCTAssertEqual(field(TaskSpec(dataset: "clusters", classSubset: [0, 1])), "classSubset", "a fresh table could lack the subset's classes")
    let json = #"{"dataset": "teacher", "table": {"features": 12}}"#
    let decoded = try JSONDecoder().decode(TaskSpec.self, from: Data(json.utf8))
    XCTAssertEqual(decoded.table, GeneratedTable(features: 12, classes: GeneratedTable.default.classes))
    XCTAssertEqual(try JSONDecoder().decode(TaskSpec.self, from: JSONEncoder().encode(decoded)), decoded)
  }
}
