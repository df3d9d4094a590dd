import VSMLCore
import XCTest
@testable import VSML

/// The fast float32 meta-gradient (`VSMLMetaGradient`) against the float64 one
/// (`ReferenceVSML.lossAndGradient`, itself checked by finite differences), on random
/// configurations of the fast path (state size 16), on every kernel path this machine runs.
final class MetaGradientTests: XCTestCase {
  struct Case {
    var configuration: VSMLConfiguration
    var parameters: [Float]
    var episode: Episode
    var cells: [[Float]]

    init(_ configuration: VSMLConfiguration, steps: Int, seed: UInt64) throws {
      self.configuration = configuration
      let network = try VSMLNetwork(configuration)
      var rng = SeededGenerator(seed: seed)
      parameters = network.initialParameters(using: &rng)
      for i in parameters.indices { parameters[i] += 0.2 * rng.nextNormal() }
      let d = configuration.inputSize, classes = configuration.outputSize
      episode = Episode(
        inputs: (0..<(steps * d)).map { _ in rng.nextNormal() },
        labels: (0..<steps).map { _ in Int32(rng.nextInt(below: classes)) }, inputSize: d, classCount: classes)
      cells = network.initialCells(stateSeed: seed)
    }

    func fast(kernel: KernelPath = .selected, segmentLength: Int? = nil, threads: Int = 1) throws -> VSMLMetaGradient.Result {
      var network = try VSMLNetwork(configuration)
      network.kernel = kernel
      var meta = VSMLMetaGradient(network: network, segmentLength: segmentLength)
      meta.threads = threads
      return parameters.withUnsafeBufferPointer { meta.lossAndGradient(episode: episode, parameters: $0, initialCells: cells) }
    }

    func reference() -> (output: ReferenceVSML.Output, gradient: [Double]) {
      let d = episode.inputSize
      return ReferenceVSML(configuration).lossAndGradient(
        inputs: (0..<episode.length).map { Array(episode.inputs[($0 * d)..<($0 * d + d)]) },
        labels: episode.labels.map(Int.init), parameters: parameters.map(Double.init), initialCells: cells)
    }
  }

  /// ‖g32 − g64‖ / ‖g64‖: float32 rounding over a short episode stays near 1e-6; 1e-4 is the
  /// documented tolerance (docs/PERFORMANCE.md).
  static let tolerance = 1e-4

  static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    var diff = 0.0, norm = 0.0
    for i in a.indices {
      diff += (a[i] - b[i]) * (a[i] - b[i])
      norm += b[i] * b[i]
    }
    return (diff / norm).squareRoot()
  }

  static let configurations: [(String, VSMLConfiguration)] = {
    var deep = VSMLConfiguration(layerSizes: [5, 4, 3])
    deep.backwardPass = true
    deep.feedLabel = true
    deep.separateBackwardRNN = true
    var normed = VSMLConfiguration(layerSizes: [4, 3, 2])
    normed.subRNN.layerNorm = true
    normed.layerwiseRNNs = true
    var ticks = VSMLConfiguration(layerSizes: [6, 3])
    ticks.microTicks = 3
    ticks.tanhBound = 2
    return [("one layer", VSMLConfiguration(layerSizes: [7, 3])), ("hidden, backward sweep", deep),
            ("LayerNorm, layer-wise", normed), ("3 micro-ticks, tight clip", ticks)]
  }()

  func testAgreesWithTheFloat64Gradient() throws {
    for (index, (name, configuration)) in Self.configurations.enumerated() {
      let c = try Case(configuration, steps: 12, seed: UInt64(index + 1))
      let reference = c.reference()
      for kernel in KernelPath.available {
        let fast = try c.fast(kernel: kernel)
        XCTAssertEqual(Double(fast.episode.meanLoss), reference.output.meanLoss, accuracy: 1e-4 * reference.output.meanLoss, "\(name)")
        let err = Self.relativeError(fast.gradient, reference.gradient)
        XCTAssertLessThan(err, Self.tolerance, "\(name), \(kernel)")
        print("\(name) [\(kernel)]: relative gradient error \(err), |g| \(reference.gradient.map { $0 * $0 }.reduce(0, +).squareRoot())")
      }
    }
  }

  func testCheckpointingDoesNotChangeTheGradient() throws {
    let c = try Case(Self.configurations[1].1, steps: 10, seed: 9)
    let whole = try c.fast(segmentLength: 10)
    for length in [1, 3, 4] {
      let segmented = try c.fast(segmentLength: length)
      XCTAssertEqual(segmented.gradient, whole.gradient, "segment length \(length)")
      XCTAssertEqual(segmented.episode.losses, whole.episode.losses)
    }
  }

  func testThreadsDoNotChangeTheGradient() throws {
    for (_, configuration) in Self.configurations {
      let c = try Case(configuration, steps: 6, seed: 5)
      let one = try c.fast(threads: 1)
      for threads in [2, 3] {
        let many = try c.fast(threads: threads)
        XCTAssertEqual(many.gradient, one.gradient, "\(threads) threads")
        XCTAssertEqual(many.episode.losses, one.episode.losses)
      }
    }
  }

  func testTruncationCutsTheGradientAtWindowStarts() throws {
    let c = try Case(Self.configurations[0].1, steps: 9, seed: 6)
    func gradient(_ truncation: Int?) throws -> [Double] {
      var network = try VSMLNetwork(c.configuration)
      network.kernel = .selected
      var meta = VSMLMetaGradient(network: network, segmentLength: 4)
      meta.truncation = truncation
      return c.parameters.withUnsafeBufferPointer { meta.lossAndGradient(episode: c.episode, parameters: $0, initialCells: c.cells).gradient }
    }
    let full = try gradient(nil)
    XCTAssertEqual(try gradient(9), full, "a window as long as the episode is no truncation")
    let windows = try gradient(3), steps = try gradient(1)
    XCTAssertGreaterThan(Self.relativeError(windows, full), 1e-3)
    XCTAssertGreaterThan(Self.relativeError(steps, windows), 1e-3)
  }

  func testASmallStepAgainstTheGradientLowersTheLoss() throws {
    let c = try Case(Self.configurations[1].1, steps: 15, seed: 8)
    let before = try c.fast()
    let norm = before.gradient.map { $0 * $0 }.reduce(0, +).squareRoot()
    var moved = c
    for i in moved.parameters.indices { moved.parameters[i] -= Float(1e-3 * before.gradient[i] / norm) }
    let after = try moved.fast()
    XCTAssertLessThan(after.episode.meanLoss, before.episode.meanLoss)
    // To first order the loss falls by 1e-3 |g|.
    XCTAssertEqual(Double(before.episode.meanLoss - after.episode.meanLoss), 1e-3 * norm, accuracy: 3e-4 * norm)
  }

  func testLossesAreThoseOfThePlainRun() throws {
    let c = try Case(Self.configurations[0].1, steps: 20, seed: 3)
    let network = try VSMLNetwork(c.configuration)
    let plain = c.parameters.withUnsafeBufferPointer {
      network.run(episode: c.episode, parameters: $0, initialCells: c.cells, recordLogits: false)
    }
    let fast = try c.fast(segmentLength: 6)
    XCTAssertEqual(fast.episode.losses, plain.losses)
    XCTAssertEqual(fast.episode.correct, plain.correct)
  }

  func testACancelledEpisodeHasNoGradient() throws {
    var c = try Case(Self.configurations[0].1, steps: 8, seed: 4)
    c.episode.cancellation = Cancellation { true }
    XCTAssertTrue(try c.fast().gradient.isEmpty)
  }
}
