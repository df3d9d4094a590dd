import Foundation
import VSMLBaselines
import VSMLCore
import XCTest

/// One case of `Tests/Golden/golden.json` (only the fields the baselines use).
struct GoldenCase: Decodable {
  struct Tensor: Decodable {
    var shape: [Int]
    var values: [Float]
  }
  var name: String
  var model: String
  var params: [String: Tensor]
  var inputs: [[Float]]
  var labels: [Int32]
  var expected_logits: [[Float]]
  var expected_mean_loss: Float
}

private struct GoldenFile: Decodable {
  var cases: [GoldenCase]
}

/// Loads a golden case from this package's `Tests/Golden/golden.json` (see its README); nil when
/// the file is absent.
func loadGoldenCase(named name: String, file: StaticString = #filePath) throws -> GoldenCase? {
  let url = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Golden/golden.json")
  guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
  let file = try JSONDecoder().decode(GoldenFile.self, from: data)
  return file.cases.first { $0.name == name }
}

/// A random episode: standard normal features, uniform labels.
func randomEpisode(length: Int, inputSize: Int, classCount: Int, seed: UInt64) -> Episode {
  var generator = SeededGenerator(seed: seed, stream: [7])
  let inputs = (0..<(length * inputSize)).map { _ in generator.nextNormal() }
  let labels = (0..<length).map { _ in Int32(generator.nextInt(below: classCount)) }
  return Episode(inputs: inputs, labels: labels, inputSize: inputSize, classCount: classCount)
}

/// A linearly separable stream: `classCount` fixed prototype vectors plus small noise; the label
/// is the prototype's index.
func prototypeEpisode(length: Int, inputSize: Int, classCount: Int, noise: Float, seed: UInt64) -> Episode {
  var generator = SeededGenerator(seed: seed, stream: [11])
  let prototypes = (0..<(classCount * inputSize)).map { _ in generator.nextNormal() }
  var inputs: [Float] = []
  var labels: [Int32] = []
  for _ in 0..<length {
    let label = generator.nextInt(below: classCount)
    labels.append(Int32(label))
    for i in 0..<inputSize { inputs.append(prototypes[label * inputSize + i] + noise * generator.nextNormal()) }
  }
  return Episode(inputs: inputs, labels: labels, inputSize: inputSize, classCount: classCount)
}

/// `|actual − expected| <= absolute + relative · |expected|` element-wise.
func assertClose(
  _ actual: [Float], _ expected: [Float], relative: Float, absolute: Float = 0, _ message: String = "",
  file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertEqual(actual.count, expected.count, "count " + message, file: file, line: line)
  var worst: Float = 0
  var worstIndex = -1
  for (i, (a, e)) in zip(actual, expected).enumerated() {
    let excess = a.isNaN ? Float.infinity : abs(a - e) - (absolute + relative * abs(e))
    if excess > worst { worst = excess; worstIndex = i }
  }
  if worstIndex >= 0 {
    XCTFail(
      "\(message): element \(worstIndex) is \(actual[worstIndex]), expected \(expected[worstIndex])",
      file: file, line: line)
  }
}
