import XCTest
@testable import VSMLReports

final class StatisticsTests: XCTestCase {
  func testMeanAndSampleStandardDeviation() {
    let values: [Float] = [2, 4, 4, 4, 5, 5, 7, 9]
    XCTAssertEqual(Statistics.mean(values), 5)
    // Σ(x − 5)² = 32, divided by n − 1 = 7.
    XCTAssertEqual(Statistics.sampleStandardDeviation(values), (32.0 / 7).squareRoot(), accuracy: 1e-12)
    XCTAssertTrue(Statistics.mean([Double]()).isNaN)
    XCTAssertEqual(Statistics.sampleStandardDeviation([3.0]), 0)
  }

  func testMeanIntervalUsesStudentT() {
    let interval = Statistics.meanInterval95([1.0, 2, 3, 4])
    // s = √(5/3), t(3) = 3.1824, half-width = t·s/2.
    XCTAssertEqual(interval.mean, 2.5)
    XCTAssertEqual(interval.halfWidth, 3.1824 * (5.0 / 3).squareRoot() / 2, accuracy: 1e-9)
    XCTAssertEqual(interval.lower, 2.5 - interval.halfWidth)
    XCTAssertEqual(Statistics.meanInterval95([7.0]).halfWidth, 0)
  }

  func testStudentTQuantiles() {
    XCTAssertEqual(Statistics.studentT975(degreesOfFreedom: 1), 12.7062)
    XCTAssertEqual(Statistics.studentT975(degreesOfFreedom: 31), 2.0395, accuracy: 1e-4)
    XCTAssertEqual(Statistics.studentT975(degreesOfFreedom: 60), 2.0003, accuracy: 1e-4)
    XCTAssertEqual(Statistics.studentT975(degreesOfFreedom: 120), 1.9799, accuracy: 1e-4)
    XCTAssertEqual(Statistics.studentT975(degreesOfFreedom: 1_000_000), Statistics.normal975, accuracy: 1e-5)
  }

  func testStepCurve() {
    let curve = Statistics.stepCurve([[0.0, 1, 1], [1.0, 1, 0]])
    XCTAssertEqual(curve.mean, [0.5, 1, 0.5])
    XCTAssertEqual(curve.lower[1], 1)
    XCTAssertEqual(curve.upper[0], 0.5 + 12.7062 * (0.5.squareRoot()) / 2.0.squareRoot(), accuracy: 1e-9)
  }
}

final class MovingAverageTests: XCTestCase {
  func testTrailingWindowSkipsNonFiniteValues() {
    let v = Statistics.movingAverage([1, 3, .nan, 5, 7], window: 2)
    XCTAssertEqual(v[0], 1)
    XCTAssertEqual(v[1], 2)
    XCTAssertEqual(v[2], 3)
    XCTAssertEqual(v[3], 5)
    XCTAssertEqual(v[4], 6)
    XCTAssertTrue(Statistics.movingAverage([.nan], window: 3)[0].isNaN)
    XCTAssertEqual(Statistics.movingAverage([2, 4], window: 1), [2, 4])
  }
}
