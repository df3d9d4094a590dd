import VSMLCore
import XCTest
@testable import VSML

/// The float64 meta-gradient (`ReferenceVSML.lossAndGradient`) against central finite
/// differences of the mean loss, on tiny networks, for every model option.
final class ReferenceGradientTests: XCTestCase {
  /// A tiny configuration: small state and message sizes keep the parameter count near 200 per
  /// block, so that a finite difference of every parameter stays cheap.
  static func tiny(_ sizes: [Int], edit: (inout VSMLConfiguration) -> Void = { _ in }) -> VSMLConfiguration {
    var c = VSMLConfiguration(layerSizes: sizes, subRNN: SubRNNConfiguration(stateSize: 3, messageSize: 3))
    c.tanhBound = 4  // small enough that the soft clip bends
    edit(&c)
    return c
  }

  /// Compares the analytic gradient with central differences; returns the worst relative error
  /// `|g − fd| / max(|g| + |fd|, 1e-3 · max |g|)` over all parameters (the floor keeps the
  /// difference quotient's own rounding, ~1e-10 absolute, from dominating tiny components).
  static func check(_ configuration: VSMLConfiguration, steps: Int = 5, seed: UInt64 = 1) throws -> Double {
    try configuration.validate()
    let model = ReferenceVSML(configuration)
    var rng = SeededGenerator(seed: seed)
    let network = try VSMLNetwork(configuration)
    var params = network.initialParameters(using: &rng).map(Double.init)
    for i in params.indices { params[i] += 0.3 * Double(rng.nextNormal()) }
    let d = configuration.inputSize, classes = configuration.outputSize
    let inputs = (0..<steps).map { _ in (0..<d).map { _ in rng.nextNormal() } }
    let labels = (0..<steps).map { _ in rng.nextInt(below: classes) }
    // Every lane of c random, so that no state lane starts trivially at zero.
    let cells = (0..<configuration.layerCount).map { l in
      (0..<(configuration.layerSizes[l] * configuration.layerSizes[l + 1] * configuration.subRNN.stateSize)).map { _ in
        0.5 * rng.nextNormal()
      }
    }
    let (output, gradient) = model.lossAndGradient(inputs: inputs, labels: labels, parameters: params, initialCells: cells)
    let plain = model.run(inputs: inputs, labels: labels, parameters: params.map(Float.init), initialCells: cells)
    XCTAssertEqual(output.losses.count, steps)
    func loss(_ p: [Double]) -> Double {
      var pass = ReferencePass(model, parameters: p, initialCells: cells, recording: false)
      return pass.forward(inputs: inputs, labels: labels).meanLoss
    }
    // The recorded pass computes what the plain run computes.
    XCTAssertEqual(output.meanLoss, loss(params), accuracy: 0)
    XCTAssertEqual(plain.meanLoss, output.meanLoss, accuracy: 1e-5 * abs(output.meanLoss))
    let step = 1e-6
    let floor = 1e-3 * (gradient.map(abs).max() ?? 0)
    var worst = 0.0
    var nonzero = 0
    for i in params.indices {
      var plus = params, minus = params
      plus[i] += step
      minus[i] -= step
      let fd = (loss(plus) - loss(minus)) / (2 * step)
      let err = abs(gradient[i] - fd) / max(floor, abs(gradient[i]) + abs(fd))
      worst = max(worst, err)
      if abs(fd) > 1e-8 { nonzero += 1 }
    }
    // Most parameters matter; a gradient that is zero everywhere would pass vacuously.
    XCTAssertGreaterThan(nonzero, params.count / 2, "too few parameters move the loss")
    return worst
  }

  /// Central differences in float64 at step 1e-6 agree to 1e-6-1e-5 in the measure above; a
  /// missing or wrong term gives errors of order 1e-2 to 1.
  static let tolerance = 1e-4

  func testOneLayer() throws {
    XCTAssertLessThan(try Self.check(Self.tiny([4, 3])), Self.tolerance)
  }

  func testHiddenLayers() throws {
    XCTAssertLessThan(try Self.check(Self.tiny([3, 3, 2])), Self.tolerance)
    XCTAssertLessThan(try Self.check(Self.tiny([2, 3, 2, 2]), steps: 3), Self.tolerance)
  }

  func testBackwardSweepWithFeedLabelAndSeparateBlock() throws {
    let c = Self.tiny([3, 3, 2]) {
      $0.backwardPass = true
      $0.feedLabel = true
      $0.separateBackwardRNN = true
    }
    XCTAssertLessThan(try Self.check(c), Self.tolerance)
  }

  func testLayerNormAndLayerwiseBlocks() throws {
    let c = Self.tiny([3, 2, 2]) {
      $0.subRNN.layerNorm = true
      $0.layerwiseRNNs = true
      $0.backwardPass = true
    }
    XCTAssertLessThan(try Self.check(c), Self.tolerance)
  }

  func testMicroTicksAndNoClip() throws {
    let c = Self.tiny([3, 2]) {
      $0.microTicks = 3
      $0.tanhBound = 0
      $0.outputIndex = 2
    }
    XCTAssertLessThan(try Self.check(c), Self.tolerance)
    let single = Self.tiny([3, 2]) { $0.microTicks = 1 }
    XCTAssertLessThan(try Self.check(single), Self.tolerance)
  }
}
