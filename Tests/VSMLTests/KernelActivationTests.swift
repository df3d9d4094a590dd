import XCTest
import VSMLCore
import VSML

final class KernelActivationTests: XCTestCase {
  static let grid: [Float] = {
    var xs = (0...800_000).map { -40 + 80 * Float($0) / 800_000 }
    xs += [0, -0.0, 1e-30, -1e-30, 1e-7, -1e-7, 88, -88, 200, -200, 1e30, -1e30, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
    return xs
  }()

  func worst(_ y: [Float], _ reference: (Double) -> Double) -> (error: Double, at: Float) {
    var result = (0.0, Float(0))
    for (x, v) in zip(Self.grid, y) {
      let e = abs(Double(v) - reference(Double(x)))
      if !(e <= result.0) { result = (e, x) }
    }
    return result
  }

  func testTanhWithinBound() {
    for path in KernelPath.available {
      let r = worst(KernelActivations.tanh(Self.grid, path: path), _tanh)
      print("kernel tanh on \(path): max abs error \(r.error) at \(r.at)")
      XCTAssertLessThanOrEqual(r.error, 2e-7, "\(path) at x = \(r.at)")
    }
  }

  func testSigmoidWithinBound() {
    for path in KernelPath.available {
      let r = worst(KernelActivations.sigmoid(Self.grid, path: path), { 1 / (1 + _exp(-$0)) })
      print("kernel sigmoid on \(path): max abs error \(r.error) at \(r.at)")
      XCTAssertLessThanOrEqual(r.error, 2e-7, "\(path) at x = \(r.at)")
    }
  }

  func testNaNPropagates() {
    for path in KernelPath.available {
      XCTAssertTrue(KernelActivations.tanh([.nan], path: path)[0].isNaN, "\(path)")
      XCTAssertTrue(KernelActivations.sigmoid([.nan], path: path)[0].isNaN, "\(path)")
    }
  }
}
