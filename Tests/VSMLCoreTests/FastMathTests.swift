import XCTest
import VSMLCore

final class FastMathTests: XCTestCase {
  /// Dense grid over [-20, 20] (plus the extremes): every lane compared with Double.
  func grid() -> [Float] {
    var xs: [Float] = []
    let count = 400_000
    for i in 0...count { xs.append(-20 + 40 * Float(i) / Float(count)) }
    xs += [0, -0.0, 1e-30, -1e-30, 1e-7, 88, -88, 200, -200, 1e30, -1e30, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
    while xs.count % 16 != 0 { xs.append(0) }
    return xs
  }

  func maxError(_ f: (SIMD16<Float>) -> SIMD16<Float>, _ reference: (Double) -> Double) -> (Double, Float) {
    let xs = grid()
    var worst = 0.0
    var worstX: Float = 0
    for chunk in stride(from: 0, to: xs.count, by: 16) {
      var v = SIMD16<Float>()
      for j in 0..<16 { v[j] = xs[chunk + j] }
      let y = f(v)
      for j in 0..<16 {
        let err = abs(Double(y[j]) - reference(Double(v[j])))
        if !(err <= worst) { worst = err; worstX = v[j] }
      }
    }
    return (worst, worstX)
  }

  func testTanhErrorBound() {
    let (err, x) = maxError(FastMath.tanh, { Foundation_tanh($0) })
    XCTAssertLessThanOrEqual(err, 2e-7, "worst at x = \(x)")
  }

  func testSigmoidErrorBound() {
    let (err, x) = maxError(FastMath.sigmoid, { 1 / (1 + _exp(-$0)) })
    XCTAssertLessThanOrEqual(err, 2e-7, "worst at x = \(x)")
  }

  func testExpRelativeError() {
    var worst = 0.0
    for i in 0...100_000 {
      let x = -87 * Float(i) / 100_000
      let y = FastMath.expNonPositive(SIMD16(repeating: x))[0]
      let ref = _exp(Double(x))
      worst = max(worst, abs(Double(y) - ref) / ref)
    }
    XCTAssertLessThan(worst, 4e-7)
  }

  func testSymmetryAndLimits() {
    let v = SIMD16<Float>(repeating: 3.25)
    XCTAssertEqual(FastMath.tanh(v)[0], -FastMath.tanh(-v)[0])
    XCTAssertEqual(FastMath.tanh(SIMD16(repeating: 1e30))[0], 1)
    XCTAssertEqual(FastMath.sigmoid(SIMD16(repeating: -1e30))[0], 0, accuracy: 1e-30)
    XCTAssertEqual(FastMath.sigmoid(SIMD16(repeating: 0))[0], 0.5)
  }
}

func Foundation_tanh(_ x: Double) -> Double { _tanh(x) }
