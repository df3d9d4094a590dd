import Foundation
import VSMLCore
import XCTest
@testable import VSMLData

/// KMNIST, EMNIST and CIFAR-10 through the registry, from files in their formats that the tests
/// write under the names and folders the registry looks for.
final class RegistryFormatTests: XCTestCase {
  /// Writes `count` 28x28 images (pixel `(i * 7 + p) % 256` of image i) and labels `label(i)`
  /// as IDX files (raw bytes under the registry's `.gz` names: the reader inflates only gzip).
  func writeIDX(_ info: DatasetInfo, in folder: String, count: Int, label: (Int) -> UInt8) throws {
    guard case .idx(let train, let test, _, _) = info.format else { return XCTFail("\(info.name) is not IDX") }
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var pixels = [UInt8](repeating: 0, count: count * 784)
    for i in 0..<count {
      for p in 0..<784 { pixels[i * 784 + p] = UInt8((i * 7 + p) % 256) }
    }
    for files in [train, test] {
      write(idx(magic: 0x803, dims: [UInt32(count), 28, 28], data: pixels), folder + "/" + files.images)
      write(idx(magic: 0x801, dims: [UInt32(count)], data: (0..<count).map(label)), folder + "/" + files.labels)
    }
  }

  func testKMNISTLoadsFromItsFolderWithItsStatistics() throws {
    let root = makeTempDirectory(self)
    let info = try DatasetRegistry.info("kmnist")
    try writeIDX(info, in: root + "/kmnist", count: 12, label: { UInt8($0 % 10) })
    let locator = DataLocator(dataDirectory: root, cacheDirectory: root + "/cache")
    let data = try DatasetRegistry.load("kmnist", split: .test, locator: locator)
    XCTAssertEqual(data.count, 12)
    XCTAssertEqual(data.classCount, 10)
    XCTAssertEqual(data.labels[11], 1)
    // Pixel 0 of image 1 is 7: (7/255 − 0.1918) / 0.3483.
    XCTAssertEqual(data.features(of: 1)[0], (7 / 255 - 0.1918) / 0.3483, accuracy: 1e-6)
    let sampler = try EpisodeSampler(task: TaskSpec(dataset: "kmnist", transforms: [.resize(side: 14)]), split: .test, length: 5, seed: 0, locator: locator)
    XCTAssertEqual(sampler.inputSize, 196)
  }

  func testEMNISTLettersAreTransposedAndShiftedToStartAtZero() throws {
    let root = makeTempDirectory(self)
    let info = try DatasetRegistry.info("emnist-letters")
    // Letters are stored 1...26; the registry's offset makes them 0...25.
    try writeIDX(info, in: root + "/emnist", count: 30, label: { UInt8($0 % 26 + 1) })
    let locator = DataLocator(dataDirectory: root, cacheDirectory: root + "/cache")
    let data = try DatasetRegistry.load("emnist-letters", split: .train, locator: locator)
    XCTAssertEqual(data.classCount, 26)
    XCTAssertEqual(data.labels[0], 0)
    XCTAssertEqual(data.labels[25], 25)
    XCTAssertEqual(data.labels[26], 0)
    // Stored column-major: stored byte (row 0, column 1) is image pixel (row 1, column 0).
    let image = data.features(of: 0), stored1 = (1.0 as Float) / 255
    XCTAssertEqual(image[28], (stored1 - 0.1739) / 0.3319, accuracy: 1e-6)
    let balanced = try DatasetRegistry.info("emnist-balanced")
    try writeIDX(balanced, in: root + "/emnist", count: 5, label: { UInt8($0 + 40) })
    XCTAssertEqual(try DatasetRegistry.load("emnist-balanced", split: .test, locator: locator).labels, [40, 41, 42, 43, 44])
  }

  func testCIFAR10LoadsFromBatchesAndBecomesGrayscale14x14() throws {
    let root = makeTempDirectory(self)
    let folder = root + "/cifar-10-batches-bin"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    guard case .cifar10(let train, let test) = try DatasetRegistry.info("cifar10").format else { return XCTFail() }
    // Record k of a batch: label k % 10; red plane 255, green 0, blue 51 for every pixel.
    func batch(_ count: Int) -> [UInt8] {
      var bytes: [UInt8] = []
      for k in 0..<count {
        bytes.append(UInt8(k % 10))
        for value: UInt8 in [255, 0, 51] { bytes += [UInt8](repeating: value, count: 1024) }
      }
      return bytes
    }
    for name in train { write(batch(3), folder + "/" + name) }
    for name in test { write(batch(4), folder + "/" + name) }
    let locator = DataLocator(dataDirectory: root, cacheDirectory: root + "/cache")
    let data = try DatasetRegistry.load("cifar10", split: .train, locator: locator)
    XCTAssertEqual(data.count, 3 * train.count)
    XCTAssertEqual(data.shape, ExampleShape(channels: 3, height: 32, width: 32))
    let task = TaskSpec(dataset: "cifar10", transforms: [.grayscale, .resize(side: 14)])
    let prepared = try PreparedTask(spec: task, split: .test, locator: locator)
    XCTAssertEqual(prepared.inputSize, 196)
    XCTAssertEqual(prepared.dataset.labels, [0, 1, 2, 3])
    // Grayscale is the channel mean of the standardised planes: (s(255) + s(0) + s(51)) / 3.
    let s = { (v: Float) in (v / 255 - 0.4734) / 0.2516 }
    let expected = (s(255) + s(0) + s(51)) / 3
    XCTAssertTrue(prepared.transformedExample(2).allSatisfy { abs($0 - expected) < 1e-5 })
  }
}
