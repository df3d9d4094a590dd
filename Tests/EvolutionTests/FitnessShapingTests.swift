import XCTest
@testable import Evolution

final class FitnessShapingTests: XCTestCase {
  func testCenteredRanksSpanMinusHalfToHalf() {
    XCTAssertEqual(FitnessShaping.centeredRanks([3, 1, 2, 0, 4]), [0.25, -0.25, 0, -0.5, 0.5])
  }

  func testNonFiniteIsWorst() {
    let ranks = FitnessShaping.centeredRanks([.nan, 1, -.infinity, 0])
    XCTAssertEqual(ranks[1], -1.0 / 6, accuracy: 1e-6)
    XCTAssertEqual(ranks[3], -0.5)
    XCTAssertGreaterThan(ranks[0], ranks[1])
    XCTAssertGreaterThan(ranks[2], ranks[1])
    let raw = FitnessShaping.worstForNonFinite([.nan, 1, -.infinity, 5])
    XCTAssertEqual(raw.values, [5, 1, 5, 5])
    XCTAssertEqual(raw.nonFiniteCount, 2)
    XCTAssertEqual(FitnessShaping.worstForNonFinite([.nan, .infinity]).values, [0, 0])
  }

  func testSchedules() {
    XCTAssertEqual(Schedule.constant.value(initial: 2, iteration: 100), 2)
    let linear = Schedule.linearDecay(final: 1, iterations: 10)
    XCTAssertEqual(linear.value(initial: 2, iteration: 0), 2)
    XCTAssertEqual(linear.value(initial: 2, iteration: 5), 1.5, accuracy: 1e-6)
    XCTAssertEqual(linear.value(initial: 2, iteration: 50), 1)
    let exponential = Schedule.exponentialDecay(rate: 0.5, floor: 0.3)
    XCTAssertEqual(exponential.value(initial: 2, iteration: 1), 1)
    XCTAssertEqual(exponential.value(initial: 2, iteration: 10), 0.3)
    XCTAssertThrowsError(try Schedule.exponentialDecay(rate: 1.5, floor: 0).validate(field: "sigmaSchedule"))
  }
}
