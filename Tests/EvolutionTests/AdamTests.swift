import XCTest
@testable import Evolution

final class AdamTests: XCTestCase {
  /// Two steps computed by hand from the update rule in `Adam`'s documentation.
  func testMatchesHandComputedSteps() {
    var adam = Adam(dimension: 2)
    var theta: [Float] = [1, -2]
    // Step 1, g = [0.5, -1]: m = 0.1 g, v = 0.001 g², m̂ = g, v̂ = g², update = lr · g/(|g| + ε) ≈ lr · sign(g).
    adam.step(parameters: &theta, gradient: [0.5, -1], learningRate: 0.1)
    XCTAssertEqual(theta[0], 1 - 0.1 * 0.5 / (0.5 + 1e-8), accuracy: 1e-6)
    XCTAssertEqual(theta[1], -2 + 0.1 * 1 / (1 + 1e-8), accuracy: 1e-6)
    // Step 2, g = [0.1, 0.2].
    adam.step(parameters: &theta, gradient: [0.1, 0.2], learningRate: 0.1)
    func expected(_ g1: Double, _ g2: Double) -> Double {
      let m = 0.9 * (0.1 * g1) + 0.1 * g2
      let v = 0.999 * (0.001 * g1 * g1) + 0.001 * g2 * g2
      let mHat = m / (1 - 0.81), vHat = v / (1 - 0.999 * 0.999)
      return 0.1 * mHat / (vHat.squareRoot() + 1e-8)
    }
    XCTAssertEqual(Double(theta[0]), 0.9 - expected(0.5, 0.1), accuracy: 1e-5)
    XCTAssertEqual(Double(theta[1]), -1.9 - expected(-1, 0.2), accuracy: 1e-5)
    XCTAssertEqual(adam.stepCount, 2)
    XCTAssertEqual(adam.m[0], 0.9 * 0.05 + 0.1 * 0.1, accuracy: 1e-7)
  }

  func testDecoupledWeightDecayShrinksWithZeroGradient() {
    var adam = Adam(dimension: 1, hyperparameters: .init(weightDecay: 0.5))
    var theta: [Float] = [2]
    adam.step(parameters: &theta, gradient: [0], learningRate: 0.1)
    // m̂ = 0 so only decay acts: θ ← θ − lr·λ·θ = 2 − 0.1·0.5·2.
    XCTAssertEqual(theta[0], 1.9, accuracy: 1e-6)
  }

  func testSGDWithMomentum() {
    var sgd = SGD(dimension: 1, hyperparameters: .init(momentum: 0.5))
    var theta: [Float] = [0]
    sgd.step(parameters: &theta, gradient: [1], learningRate: 0.1)  // u = 1
    sgd.step(parameters: &theta, gradient: [1], learningRate: 0.1)  // u = 1.5
    XCTAssertEqual(theta[0], -0.25, accuracy: 1e-6)
  }

  func testValidationNamesField() {
    XCTAssertThrowsError(try Adam.Hyperparameters(beta1: 1).validate()) { error in
      XCTAssertTrue("\(error)".contains("adam.beta1"))
    }
  }

  func testCodableRoundTripContinuesIdentically() throws {
    var a = AnyOptimizer.adam(Adam(dimension: 3))
    var theta: [Float] = [0.3, -0.1, 2]
    a.step(parameters: &theta, gradient: [0.2, -0.7, 1.3], learningRate: 0.01)
    let b = try JSONDecoder().decode(AnyOptimizer.self, from: JSONEncoder().encode(a))
    XCTAssertEqual(a, b)
    var thetaA = theta, thetaB = theta, a2 = a, b2 = b
    a2.step(parameters: &thetaA, gradient: [0.1, 0.1, -0.4], learningRate: 0.01)
    b2.step(parameters: &thetaB, gradient: [0.1, 0.1, -0.4], learningRate: 0.01)
    XCTAssertEqual(thetaA, thetaB)
  }
}
