import XCTest
@testable import Evolution

final class SNESTests: XCTestCase {
  func testUtilitiesSumToZeroAndFavourTheBest() {
    let u = SNES.utilities(populationSize: 10)
    XCTAssertEqual(u.reduce(0, +), 0, accuracy: 1e-6)
    XCTAssertEqual(u, u.sorted(by: >))
    XCTAssertEqual(SNES.defaultPopulationSize(dimension: 10), 10)
  }

  func testConvergesOnRotatedQuadraticAndAdaptsSigma() throws {
    let f = TestProblems.RotatedQuadratic(dimension: 10, condition: 100, seed: 3)
    var es = try SNES(setup: .init(dimension: 10, seed: 1), initialMean: [Float](repeating: 1, count: 10))
    let start = f(es.mean)
    for _ in 0..<300 { _ = es.tell(fitness: es.ask().map(f.callAsFunction)) }
    XCTAssertLessThan(f(es.mean), 1e-3 * start)
    XCTAssertTrue(es.state.sigma.allSatisfy { $0 < 0.1 }, "σ should shrink near the optimum")
  }
}
