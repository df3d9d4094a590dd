import XCTest
@testable import VSMLCore

final class SpinningWorkersTests: XCTestCase {
  func testEveryIndexRunsOnceInEverySection() {
    let workers = SpinningWorkers(threads: 8)  // capped at the machine's cores
    defer { workers.finish() }
    XCTAssertLessThanOrEqual(workers.threads, max(availableCores, 1))
    for section in 0..<200 {
      let count = section % 7 + 1
      let slots = ResultSlots<Int>(count: count)
      workers.run(count: count) { i in slots[i] = i * section }
      XCTAssertEqual(slots.values, (0..<count).map { $0 * section })
    }
    workers.finish()  // a second finish is harmless
  }

  func testOneThreadRunsInOrderOnTheCaller() {
    let workers = SpinningWorkers(threads: 1)
    var order: [Int] = []
    workers.run(count: 5) { order.append($0) }
    XCTAssertEqual(order, [0, 1, 2, 3, 4])
    workers.finish()
  }
}
