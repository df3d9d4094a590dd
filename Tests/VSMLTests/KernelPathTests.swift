import XCTest
import VSMLCore
@testable import VSML

final class KernelPathTests: XCTestCase {
  func testEnvironmentSelectsAPath() throws {
    XCTAssertEqual(try KernelPath.fromEnvironment([:]), KernelPath.automatic)
    XCTAssertEqual(try KernelPath.fromEnvironment(["VSML_KERNEL": "auto"]), KernelPath.automatic)
    XCTAssertEqual(try KernelPath.fromEnvironment(["VSML_KERNEL": "portable"]), .portable)
    for path in KernelPath.available {
      XCTAssertEqual(try KernelPath.fromEnvironment(["VSML_KERNEL": path.rawValue]), path)
    }
  }

  func testBadOrUnavailablePathIsRefusedByName() {
    XCTAssertThrowsError(try KernelPath.fromEnvironment(["VSML_KERNEL": "sse9"])) { error in
      XCTAssertEqual(error as? KernelPathError, .unknown("sse9"))
      XCTAssertTrue("\(error)".contains("portable, avx2, avx512, amx"))
    }
    for path in KernelPath.allCases where !path.isAvailable {
      XCTAssertThrowsError(try KernelPath.fromEnvironment(["VSML_KERNEL": path.rawValue])) { error in
        XCTAssertTrue("\(error)".contains("not supported by this CPU"), "\(error)")
      }
    }
  }

  func testAutomaticIsAvailableAndNotAMX() {
    XCTAssertTrue(KernelPath.automatic.isAvailable)
    XCTAssertNotEqual(KernelPath.automatic, .amx)
    XCTAssertTrue(KernelPath.selected.isAvailable)
  }

  /// The same episode on every path: each equals the portable one to float rounding (they differ
  /// only in FMA contraction and the reciprocal's estimate).
  func testPathsAgreeOnALayer() throws {
    var rng = SeededGenerator(seed: 7)
    let config = VSMLConfiguration(layerSizes: [33, 7])
    var net = try VSMLNetwork(config)
    var params = net.initialParameters(using: &rng)
    for i in params.indices { params[i] += 0.3 * rng.nextNormal() }
    let steps = 20
    let episode = Episode(
      inputs: (0..<(steps * 33)).map { _ in rng.nextNormal() }, labels: (0..<steps).map { _ in Int32(rng.nextInt(below: 7)) },
      inputSize: 33, classCount: 7)
    let cells = net.initialCells(stateSeed: 3)
    net.kernel = .portable
    let portable = params.withUnsafeBufferPointer { net.run(episode: episode, parameters: $0, initialCells: cells, recordLogits: true) }
    for path in KernelPath.available {
      net.kernel = path
      let r = params.withUnsafeBufferPointer { net.run(episode: episode, parameters: $0, initialCells: cells, recordLogits: true) }
      for (a, b) in zip(r.logits, portable.logits) {
        XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)), "\(path)")
      }
    }
  }
}
