import Foundation
import VSMLCore
import XCTest
@testable import VSMLData

/// A small image dataset: `count` 1 x side x side float images whose pixels encode (example, pixel).
func toyDataset(count: Int = 200, side: Int = 4, classes: Int = 5, split: DataSplit = .train) -> Dataset {
  let n = side * side
  let pixels = (0..<(count * n)).map { Float($0 / n) * 1000 + Float($0 % n) }
  let labels = (0..<count).map { Int32($0 % classes) }
  return try! Dataset(
    name: "toy", split: split, kind: .image, shape: ExampleShape(channels: 1, height: side, width: side),
    storage: .floats(pixels), labels: labels, classCount: classes, normalization: .identity)
}

final class SyntheticTaskTests: XCTestCase {
  func testRandomIsTwentyFixedNormalImages() {
    let a = SyntheticTasks.random(seed: 1, split: .train), b = SyntheticTasks.random(seed: 1, split: .test)
    let c = SyntheticTasks.random(seed: 2, split: .train)
    XCTAssertEqual(a.count, 20)
    XCTAssertEqual(a.classCount, 10)
    XCTAssertEqual(a.features(of: 7), b.features(of: 7))
    XCTAssertEqual(a.labels, b.labels)
    XCTAssertNotEqual(a.features(of: 0), c.features(of: 0))
    let all = (0..<20).flatMap { a.features(of: $0) }
    let mean = all.reduce(0, +) / Float(all.count)
    let variance = all.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(all.count)
    XCTAssertEqual(mean, 0, accuracy: 0.05)
    XCTAssertEqual(variance, 1, accuracy: 0.1)
  }

  func testSumLabelsArePixelSumSign() {
    let data = SyntheticTasks.sum(seed: 3, split: .test)
    XCTAssertEqual(data.count, SyntheticTasks.sumTestCount)
    XCTAssertEqual(data.classCount, 2)
    var positives = 0
    for i in 0..<data.count {
      let x = data.features(of: i)
      XCTAssertTrue(x.allSatisfy { abs($0) <= 3 })  // mean in (-1, 1) plus a ±2 truncated normal
      let s = x.reduce(0.0) { $0 + Double($1) }
      XCTAssertEqual(data.label(at: i), s >= 0 ? 1 : 0)
      positives += data.label(at: i)
    }
    XCTAssertEqual(Double(positives) / Double(data.count), 0.5, accuracy: 0.05)
  }
}

final class TransformTests: XCTestCase {
  func prepared(_ spec: TaskSpec, _ data: Dataset = toyDataset(), split: DataSplit = .test) throws -> PreparedTask {
    try PreparedTask(spec: spec, dataset: data, split: split)
  }

  func testHalvingResizeAveragesTwoByTwoBlocks() throws {
    let task = try prepared(TaskSpec(dataset: "toy", transforms: [.resize(side: 2)]))
    XCTAssertEqual(task.inputSize, 4)
    let x = toyDataset().features(of: 3), y = task.transformedExample(3)
    XCTAssertEqual(y[0], (x[0] + x[1] + x[4] + x[5]) / 4, accuracy: 1e-3)
    XCTAssertEqual(y[3], (x[10] + x[11] + x[14] + x[15]) / 4, accuracy: 1e-3)
    let same = try prepared(TaskSpec(dataset: "toy", transforms: [.resize(side: 4)]))
    XCTAssertEqual(same.transformedExample(5), toyDataset().features(of: 5))
    let up = try prepared(TaskSpec(dataset: "toy", transforms: [.resize(side: 7)]))
    let u = up.transformedExample(0)
    XCTAssertEqual(u[0], x[0] - 3000, accuracy: 1e-4)  // corner keeps the corner value (example 0)
    XCTAssertEqual(u.count, 49)
  }

  func testPaddingPermutationAndProjection() throws {
    let x = toyDataset().features(of: 2)
    let pad = try prepared(TaskSpec(dataset: "toy", transforms: [.padImage(side: 6)])).transformedExample(2)
    XCTAssertEqual(pad.count, 36)
    XCTAssertEqual(pad[0], 0)
    XCTAssertEqual(pad[7], x[0])  // row 1, column 1
    XCTAssertEqual(pad.filter { $0 != 0 }.count, x.filter { $0 != 0 }.count)
    let feat = try prepared(TaskSpec(dataset: "toy", transforms: [.padFeatures(count: 20)])).transformedExample(2)
    XCTAssertEqual(Array(feat.prefix(16)), x)
    XCTAssertEqual(Array(feat.suffix(4)), [0, 0, 0, 0])

    let perm = try prepared(TaskSpec(dataset: "toy", transforms: [.permute(seed: 9)]))
    let p1 = perm.transformedExample(2), p2 = perm.transformedExample(4)
    XCTAssertEqual(p1.sorted(), x.sorted())
    XCTAssertNotEqual(p1, x)
    // The same permutation for every example, fixed by the seed.
    let x4 = toyDataset().features(of: 4)
    for i in 0..<16 { XCTAssertEqual(p2[i], x4[x.firstIndex(of: p1[i])!]) }
    XCTAssertEqual(try prepared(TaskSpec(dataset: "toy", transforms: [.permute(seed: 9)])).transformedExample(2), p1)

    let proj = try prepared(TaskSpec(dataset: "toy", transforms: [.project(seed: 4)]))
    guard case .project(let matrix, let d) = proj.steps[0].step else { return XCTFail() }
    XCTAssertEqual(d, 16)
    let limit = (6 / Float(32)).squareRoot()
    XCTAssertTrue(matrix.allSatisfy { abs($0) <= limit })
    XCTAssertGreaterThan(matrix.map(abs).max()!, 0.9 * limit)
    let y = proj.transformedExample(2)
    var expected = [Float](repeating: 0, count: 16)
    for i in 0..<16 { for j in 0..<16 { expected[j] += x[i] * matrix[i * 16 + j] } }
    for j in 0..<16 { XCTAssertEqual(y[j], expected[j], accuracy: 1e-2) }
  }

  func testGrayscaleAveragesChannels() throws {
    let pixels: [Float] = [1, 2, 3, 4, 3, 4, 5, 6]  // 2 channels of 2x2
    let data = try Dataset(
      name: "c", split: .test, kind: .image, shape: ExampleShape(channels: 2, height: 2, width: 2),
      storage: .floats(pixels), labels: [0], classCount: 1, normalization: .identity)
    XCTAssertEqual(try prepared(TaskSpec(dataset: "c", transforms: [.grayscale]), data).transformedExample(0), [2, 3, 4, 5])
  }

  func testClassSubsetRelabelsAndFilters() throws {
    let task = try prepared(TaskSpec(dataset: "toy", classSubset: [3, 1], padClasses: 7))
    XCTAssertEqual(task.classCount, 7)
    XCTAssertEqual(task.indices.count, 80)
    for i in task.indices.map(Int.init) {
      let original = toyDataset().label(at: i)
      XCTAssertTrue([3, 1].contains(original))
      XCTAssertEqual(task.label(ofExample: i), original == 3 ? 0 : 1)
    }
  }

  func testValidationNamesTheField() {
    func field(_ spec: TaskSpec) -> String? {
      do { try spec.validate(); return nil } catch DataError.invalidTask(let field, _) { return field } catch { return "\(error)" }
    }
    XCTAssertNil(field(TaskSpec(dataset: "mnist", classSubset: [0, 9], transforms: [.resize(side: 14), .project(seed: 1)], padClasses: 62)))
    XCTAssertEqual(field(TaskSpec(dataset: "mnistt")), "dataset")
    XCTAssertEqual(field(TaskSpec(dataset: "mnist", classSubset: [10])), "classSubset")
    XCTAssertEqual(field(TaskSpec(dataset: "mnist", classSubset: [])), "classSubset")
    XCTAssertEqual(field(TaskSpec(dataset: "mnist", classSubset: [1, 1])), "classSubset")
    XCTAssertEqual(field(TaskSpec(dataset: "mnist", classSubset: [1, 2, 3], padClasses: 2)), "padClasses")
    XCTAssertEqual(field(TaskSpec(dataset: "mnist", transforms: [.resize(side: 0)])), "transforms[0].resize.side")
    XCTAssertEqual(field(TaskSpec(dataset: "mnist", transforms: [.permute(seed: 1), .resize(side: 14)])), "transforms[1].resize")
    XCTAssertEqual(field(TaskSpec(dataset: "mnist", transforms: [.padImage(side: 20)])), "transforms[0].padImage.side")
    XCTAssertEqual(field(TaskSpec(dataset: "cifar10", transforms: [.padFeatures(count: 784)])), "transforms[0].padFeatures.count")
    let mixture = TaskMixture(components: [.init(task: TaskSpec(dataset: "mnist")), .init(task: TaskSpec(dataset: "sum"), weight: 0)])
    XCTAssertThrowsError(try mixture.validate()) { error in
      XCTAssertEqual(error as? DataError, .invalidTask(field: "components[1].weight", reason: "must be a positive number, got 0.0"))
    }
  }

  func testTaskSpecJSONRoundTripAndDefaults() throws {
    let spec = TaskSpec(dataset: "fashion-mnist", classSubset: [1, 2], transforms: [.resize(side: 14), .permute(seed: 5), .project(seed: 6)], padClasses: 10, syntheticSeed: 3)
    let json = try JSONEncoder().encode(spec)
    XCTAssertEqual(try JSONDecoder().decode(TaskSpec.self, from: json), spec)
    let minimal = try JSONDecoder().decode(TaskSpec.self, from: Data(#"{"dataset": "sum", "transforms": [{"resize": {"side": 14}}]}"#.utf8))
    XCTAssertEqual(minimal, TaskSpec(dataset: "sum", transforms: [.resize(side: 14)]))
  }
}

final class EpisodeSamplerTests: XCTestCase {
  let locator = DataLocator(dataDirectory: nil, cacheDirectory: "/nonexistent-vsml-cache")

  func testEpisodesDependOnlyOnSeedAndIndex() throws {
    let a = try EpisodeSampler(task: TaskSpec(dataset: "random", syntheticSeed: 4), split: .train, length: 50, seed: 11, locator: locator)
    let b = try EpisodeSampler(task: TaskSpec(dataset: "random", syntheticSeed: 4), split: .train, length: 50, seed: 11, locator: locator)
    let e5 = a.episode(5)
    _ = b.episode(1)
    XCTAssertEqual(b.episode(5).inputs, e5.inputs)
    XCTAssertEqual(b.episode(5).labels, e5.labels)
    XCTAssertNotEqual(a.episode(6).inputs, e5.inputs)
    let c = try EpisodeSampler(task: TaskSpec(dataset: "random", syntheticSeed: 4), split: .train, length: 50, seed: 12, locator: locator)
    XCTAssertNotEqual(c.episode(5).inputs, e5.inputs)
    XCTAssertEqual(e5.inputSize, 784)
    XCTAssertEqual(e5.classCount, 10)
    XCTAssertEqual(e5.length, 50)
  }

  func testStreamVisitsEveryExampleOncePerPass() throws {
    let data = SyntheticTasks.random(seed: 0, split: .train)
    let task = try PreparedTask(spec: TaskSpec(dataset: "random"), dataset: data, split: .train)
    let sampler = try EpisodeSampler(tasks: [task], split: .train, length: 60, seed: 1)
    let episode = sampler.episode(0)
    let firstPixels = (0..<20).map { data.features(of: $0)[0] }
    let drawn = (0..<60).map { firstPixels.firstIndex(of: episode.inputs[$0 * 784])! }
    for pass in 0..<3 { XCTAssertEqual(Set(drawn[(pass * 20)..<(pass * 20 + 20)]), Set(0..<20)) }
    for t in 0..<60 { XCTAssertEqual(episode.labels[t], data.labels[drawn[t]]) }
  }

  func testValidationIsDisjointFromTrainAndDeterministic() throws {
    let data = toyDataset(count: 1000)
    let train = try PreparedTask(spec: TaskSpec(dataset: "toy"), dataset: data, split: .train)
    let validation = try PreparedTask(spec: TaskSpec(dataset: "toy"), dataset: data, split: .validation)
    XCTAssertEqual(validation.indices.count, 100)
    XCTAssertEqual(train.indices.count, 900)
    XCTAssertTrue(Set(train.indices).isDisjoint(with: validation.indices))
    XCTAssertEqual(ValidationSplit.indices(count: 1000, part: .validation), validation.indices)
    let sampler = try EpisodeSampler(tasks: [validation], split: .validation, length: 300, seed: 2)
    let allowed = Set(validation.indices.map { Float($0) * 1000 })
    let episode = sampler.episode(3)
    for t in 0..<300 { XCTAssertTrue(allowed.contains(episode.inputs[t * 16])) }
  }

  func testMixtureFollowsWeightsAndChecksSizes() throws {
    let a = try PreparedTask(spec: TaskSpec(dataset: "toy"), dataset: toyDataset(classes: 5), split: .test)
    let b = try PreparedTask(spec: TaskSpec(dataset: "toy", padClasses: 5), dataset: toyDataset(count: 50, classes: 3), split: .test)
    let sampler = try EpisodeSampler(tasks: [a, b], weights: [3, 1], split: .test, length: 4, seed: 8)
    var fromB = 0
    for e in 0..<400 where sampler.episode(e).inputs.allSatisfy({ $0 < 50_000 }) && sampler.episode(e).labels.allSatisfy({ $0 < 3 }) {
      fromB += 1
    }
    XCTAssertEqual(Double(fromB) / 400, 0.25, accuracy: 0.1)
    let c = try PreparedTask(spec: TaskSpec(dataset: "toy", transforms: [.resize(side: 2)]), dataset: toyDataset(), split: .test)
    XCTAssertThrowsError(try EpisodeSampler(tasks: [a, c], split: .test, length: 4, seed: 8)) { error in
      guard case .invalidTask(let field, _)? = error as? DataError else { return XCTFail("\(error)") }
      XCTAssertEqual(field, "components[1].task")
    }
  }

  func testMNISTEpisodeFromSharedFiles() throws {
    _ = try realDataFile("mnist", "t10k-images-idx3-ubyte.gz")
    let shared = realData
    let sampler = try EpisodeSampler(
      task: TaskSpec(dataset: "mnist", classSubset: [0, 1, 2], transforms: [.resize(side: 14)]), split: .test, length: 100, seed: 0,
      locator: shared)
    let episode = sampler.episode(0)
    XCTAssertEqual(episode.inputSize, 196)
    XCTAssertEqual(episode.classCount, 3)
    XCTAssertTrue(episode.labels.allSatisfy { $0 < 3 })
    XCTAssertEqual(episode.inputs.min()!, -0.1307 / 0.3081, accuracy: 1e-4)
  }

  func testDatasetListsKeepCSVPairsTogether() {
    XCTAssertEqual(DatasetRegistry.splitList("fashion-mnist, mnist"), ["fashion-mnist", "mnist"])
    XCTAssertEqual(DatasetRegistry.splitList("mnist,csv:a.csv,b.csv,csv:c.csv,sum"), ["mnist", "csv:a.csv,b.csv", "csv:c.csv", "sum"])
    XCTAssertEqual(DatasetRegistry.splitList("csv:a.csv,csv:b.csv,c.csv"), ["csv:a.csv", "csv:b.csv,c.csv"])
    XCTAssertEqual(DatasetRegistry.splitList("csv:a.csv,b.csv,c.csv"), ["csv:a.csv,b.csv", "c.csv"])  // c.csv then fails as unknown
    XCTAssertEqual(DatasetRegistry.splitList(",,"), [])
  }
}
