import XCTest
import VSMLCore
@testable import VSML

final class FastPathTests: XCTestCase {
  func episode(inputs: [[Float]], labels: [Int], classes: Int) -> Episode {
    Episode(inputs: inputs.flatMap { $0 }, labels: labels.map(Int32.init), inputSize: inputs[0].count, classCount: classes)
  }

  /// Every kernel path this machine can run, on the authors' values.
  func testFastPathMatchesAuthorsCode() throws {
    for path in KernelPath.available {
      for g in try Golden.cases() {
        try checkGolden(g, path: path)
      }
    }
  }

  func checkGolden(_ g: GoldenCase, path: KernelPath) throws {
    do {
      var net = try VSMLNetwork(g.configuration)
      net.kernel = path
      XCTAssertTrue(net.usesFastPath)
      let result = g.parameters.withUnsafeBufferPointer {
        net.run(episode: episode(inputs: g.inputs, labels: g.labels, classes: g.configuration.outputSize),
                parameters: $0, initialCells: g.initialCells, recordLogits: true)
      }
      let classes = g.configuration.outputSize
      let logits = stride(from: 0, to: result.logits.count, by: classes).map { result.logits[$0..<($0 + classes)].map(Double.init) }
      let err = maxRelativeError(logits, g.expectedLogits)
      XCTAssertLessThanOrEqual(err, 1e-4, "\(g.name) on \(path): logits")
      XCTAssertEqual(Double(result.meanLoss), g.expectedMeanLoss, accuracy: 1e-4 * abs(g.expectedMeanLoss), "\(g.name) on \(path): mean loss")
    }
  }

  /// Fast (float32, SIMD) against plain (float64, scalar) on random configurations with every
  /// option, on every kernel path this machine can run.
  func testFastEqualsPlainOnRandomConfigurations() throws {
    XCTAssertTrue(KernelPath.available.contains(.portable))
    for path in KernelPath.available { try checkFastEqualsPlain(path: path) }
  }

  func checkFastEqualsPlain(path: KernelPath) throws {
    var rng = SeededGenerator(seed: 2024)
    var worst = 0.0
    for trial in 0..<12 {
      let depth = 1 + rng.nextInt(below: 3)
      let sizes = (0...depth).map { _ in 1 + rng.nextInt(below: 40) }
      let backward = rng.nextInt(below: 2) == 1
      let config = VSMLConfiguration(
        layerSizes: sizes,
        subRNN: SubRNNConfiguration(layerNorm: rng.nextInt(below: 2) == 1),
        microTicks: 1 + rng.nextInt(below: 2),
        backwardPass: backward,
        separateBackwardRNN: backward && rng.nextInt(below: 2) == 1,
        feedLabel: rng.nextInt(below: 2) == 1,
        layerwiseRNNs: rng.nextInt(below: 2) == 1)
      var net = try VSMLNetwork(config)
      net.kernel = path
      // Perturbed parameters so that every term matters (as the golden cases do).
      var params = net.initialParameters(using: &rng)
      for i in params.indices { params[i] += 0.3 * rng.nextNormal() }
      let steps = 50
      let classes = sizes.last!
      let inputs = (0..<steps).map { _ in (0..<sizes[0]).map { _ in rng.nextNormal() } }
      let labels = (0..<steps).map { _ in rng.nextInt(below: classes) }
      let cells = net.initialCells(stateSeed: UInt64(trial))
      let plain = ReferenceVSML(config).run(inputs: inputs, labels: labels, parameters: params, initialCells: cells)
      let fast = params.withUnsafeBufferPointer {
        net.run(episode: episode(inputs: inputs, labels: labels, classes: classes), parameters: $0, initialCells: cells, recordLogits: true)
      }
      let logits = stride(from: 0, to: fast.logits.count, by: classes).map { fast.logits[$0..<($0 + classes)].map(Double.init) }
      let err = maxRelativeError(logits, plain.logits)
      worst = max(worst, err)
      XCTAssertLessThanOrEqual(err, 1e-4, "\(path), trial \(trial): \(config)")
      XCTAssertEqual(Double(fast.meanLoss), plain.meanLoss, accuracy: 1e-4 * max(1, plain.meanLoss), "\(path), trial \(trial)")
    }
    print("fast vs plain on \(path): worst relative error \(worst)")
  }

  func testParameterAndStateCounts() throws {
    let net = try VSMLNetwork(VSMLConfiguration(layerSizes: [784, 10]))
    XCTAssertEqual(net.parameterCount, 2384)
    XCTAssertEqual(net.stateCount, 257_232)
    let ln = try VSMLNetwork(VSMLConfiguration(layerSizes: [784, 10], subRNN: .init(layerNorm: true)))
    XCTAssertEqual(ln.parameterCount, 2416)
  }

  func testSameSeedSameResultDifferentSeedDifferentResult() throws {
    let net = try VSMLNetwork(VSMLConfiguration(layerSizes: [12, 3]))
    var rng = SeededGenerator(seed: 1)
    let params = net.initialParameters(using: &rng)
    let ep = episode(inputs: (0..<20).map { _ in (0..<12).map { _ in rng.nextNormal() } }, labels: (0..<20).map { $0 % 3 }, classes: 3)
    let a = net.run(episode: ep, parameters: params, stateSeed: 7, recordLogits: true)
    let b = net.run(episode: ep, parameters: params, stateSeed: 7, recordLogits: true)
    let c = net.run(episode: ep, parameters: params, stateSeed: 8, recordLogits: true)
    XCTAssertEqual(a.logits, b.logits)
    XCTAssertNotEqual(a.logits, c.logits)
  }

  func testInvalidConfigurationsNameTheField() {
    XCTAssertThrowsError(try VSMLNetwork(VSMLConfiguration(layerSizes: [10]))) { e in
      XCTAssertEqual((e as? ConfigurationError)?.field, "model.layerSizes")
    }
    XCTAssertThrowsError(try VSMLNetwork(VSMLConfiguration(layerSizes: [10, 0])))
    XCTAssertThrowsError(try VSMLNetwork(VSMLConfiguration(microTicks: 0))) { e in
      XCTAssertEqual((e as? ConfigurationError)?.field, "model.microTicks")
    }
    XCTAssertThrowsError(try VSMLNetwork(VSMLConfiguration(separateBackwardRNN: true)))
  }
}
