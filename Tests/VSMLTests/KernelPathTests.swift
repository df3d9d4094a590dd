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
    var fixture = try RandomEpisodeCase(inputs: 33, classes: 7, steps: 20, seed: 7)
    fixture.network.kernel = .portable
    let portable = fixture.run()
    for path in KernelPath.available {
      fixture.network.kernel = path
      let r = fixture.run()
      for (a, b) in zip(r.logits, portable.logits) {
        XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)), "\(path)")
      }
    }
  }

  /// LayerNorm messages (message size 8) on every path have exactly the bits of the plain loop:
  /// per connection the heads summed over k, the statistics over the 8 entries in order, and the
  /// means over a (forward) and b (backward) term by term.
  func testNormalisedMessagesHaveThePlainLoopsBitsOnEveryPath() {
    var g = SeededGenerator(seed: 11)
    for (A, B) in [(1, 1), (3, 10), (5, 17), (2, 33), (40, 16)] {
      let cells = (0..<(A * B * 32)).map { _ in Float(g.nextNormalDouble()) * (g.nextUnitFloat() < 0.5 ? 1 : 40) }
      let w = (0..<256).map { _ in Float(g.nextNormalDouble()) * 0.3 }
      let bias = (0..<16).map { _ in Float(g.nextNormalDouble()) }
      let scale = (0..<16).map { _ in Float(g.nextNormalDouble()) * 3 }
      let offset = (0..<16).map { _ in Float(g.nextNormalDouble()) }
      let epsilon = VSMLCell.layerNormEpsilon
      var forward = [Float](repeating: 0, count: B * 8), backward = [Float](repeating: 0, count: A * 8)
      for a in 0..<A {
        for b in 0..<B {
          for head in 0..<2 {
            var msg = (0..<8).map { bias[head * 8 + $0] }
            for k in 0..<16 { for j in 0..<8 { msg[j] += cells[(a * B + b) * 32 + k] * w[k * 16 + head * 8 + j] } }
            var mean: Float = 0
            for j in 0..<8 { mean += msg[j] }
            mean /= 8
            var variance: Float = 0
            for j in 0..<8 { variance += (msg[j] - mean) * (msg[j] - mean) }
            variance /= 8
            let inv = 1 / (variance + epsilon).squareRoot()
            for j in 0..<8 {
              let y = (msg[j] - mean) * inv * scale[head * 8 + j] + offset[head * 8 + j]
              if head == 0 { forward[b * 8 + j] += y / Float(A) } else { backward[a * 8 + j] += y / Float(B) }
            }
          }
        }
      }
      for path in KernelPath.available {
        var gotForward = [Float](repeating: .nan, count: B * 8), gotBackward = [Float](repeating: .nan, count: A * 8)
        var scratch = [Float](repeating: .nan, count: 8 * ((B + 15) / 16 * 16))
        path.functions.pointee.normalised_messages8(cells, A, B, w, bias, scale, offset, epsilon, &scratch, &gotForward, &gotBackward)
        XCTAssertEqual(gotForward.map(\.bitPattern), forward.map(\.bitPattern), "\(path) forward, A \(A), B \(B)")
        XCTAssertEqual(gotBackward.map(\.bitPattern), backward.map(\.bitPattern), "\(path) backward, A \(A), B \(B)")
      }
    }
  }
}
