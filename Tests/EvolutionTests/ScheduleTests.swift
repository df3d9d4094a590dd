import XCTest
@testable import Evolution

final class ScheduleTests: XCTestCase {
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
