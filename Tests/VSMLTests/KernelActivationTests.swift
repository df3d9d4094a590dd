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
    let r = worst(KernelActivations.tanh(Self.grid), _tanh)
    print("kernel tanh: max abs error \(r.error) at \(r.at)")
    XCTAssertLessThanOrEqual(r.error, 2e-7, "at x = \(r.at)")
  }

  func testSigmoidWithinBound() {
    let r = worst(KernelActivations.sigmoid(Self.grid), { 1 / (1 + _exp(-$0)) })
    print("kernel sigmoid: max abs error \(r.error) at \(r.at)")
    XCTAssertLessThanOrEqual(r.error, 2e-7, "at x = \(r.at)")
  }

  func testNaNPropagates() {
    XCTAssertTrue(KernelActivations.tanh([.nan])[0].isNaN)
    XCTAssertTrue(KernelActivations.sigmoid([.nan])[0].isNaN)
  }
}
