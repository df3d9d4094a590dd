import XCTest
@testable import Evolution

final class FitnessShapingTests: XCTestCase {
  func testCenteredRanksSpanMinusHalfToHalf() {
    XCTAssertEqual(FitnessShaping.centeredRanks([3, 1, 2, 0, 4]), [0.25, -0.25, 0, -0.5, 0.5])
  }

  func testTiesShareTheirAverageRank() {
    XCTAssertEqual(FitnessShaping.centeredRanks([2, 1, 2, 0, 2]), [0.25, -0.25, 0.25, -0.5, 0.25])
  }

  func testNonFiniteIsWorst() {
    let ranks = FitnessShaping.centeredRanks([.nan, 1, -.infinity, 0])
    XCTAssertEqual(ranks[1], -1.0 / 6, accuracy: 1e-6)
    XCTAssertEqual(ranks[3], -0.5)
    XCTAssertGreaterThan(ranks[0], ranks[1])
    XCTAssertGreaterThan(ranks[2], ranks[1])
    XCTAssertEqual(ranks[0], 0.5)
    XCTAssertEqual(ranks[2], 0.5)
    let raw = FitnessShaping.worstForNonFinite([.nan, 1, -.infinity, 5])
    XCTAssertEqual(raw.values, [5, 1, 5, 5])
    XCTAssertEqual(raw.nonFiniteCount, 2)
    XCTAssertEqual(FitnessShaping.worstForNonFinite([.nan, .infinity]).values, [0, 0])
  }
}
