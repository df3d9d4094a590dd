import XCTest
@testable import Evolution

/// One shared test every registered strategy must pass (evosax-style conformance loop).
final class StrategyConformanceTests: XCTestCase {
  /// Every strategy in the package, built for dimension `d` from `seed`, centered at `mean`.
  static func registered(dimension d: Int, seed: UInt64, mean: [Float]) throws -> [(String, any EvolutionStrategy)] {
    [
      ("OpenAIES", try OpenAIES(setup: .init(dimension: d, pairs: 8, seed: seed), initialMean: mean)),
      ("SNES", try SNES(setup: .init(dimension: d, seed: seed), initialMean: mean)),
    ]
  }

  func testEveryStrategyObeysTheContract() throws {
    let d = 6
    let start = [Float](repeating: 1, count: d)
    for (name, strategy) in try Self.registered(dimension: d, seed: 5, mean: start) {
      try check(name, strategy, start: start)
    }
  }

  private func check<S: EvolutionStrategy>(_ name: String, _ strategy: S, start: [Float]) throws {
    var es = strategy
    XCTAssertEqual(es.mean, start, name)
    XCTAssertNil(es.best, name)
    let population = es.ask()
    XCTAssertEqual(population.count, es.populationSize, name)
    XCTAssertTrue(population.allSatisfy { $0.count == es.dimension && $0.allSatisfy(\.isFinite) }, name)
    XCTAssertEqual(es.ask(), population, "\(name): ask must be a pure function of the state")
    for i in [0, es.populationSize - 1] { XCTAssertEqual(es.member(i), population[i], name) }

    // Improves a sphere; NaN fitness never poisons the mean; state round-trips through JSON.
    let f0 = TestProblems.sphere(es.mean)
    for iteration in 0..<200 {
      var fitness = es.ask().map(TestProblems.sphere)
      if iteration % 10 == 0 { fitness[0] = .nan }
      let report = es.tell(fitness: fitness)
      XCTAssertEqual(report.iteration, iteration, name)
    }
    XCTAssertEqual(es.iteration, 200, name)
    XCTAssertTrue(es.mean.allSatisfy(\.isFinite), name)
    XCTAssertLessThan(TestProblems.sphere(es.mean), 0.05 * f0, name)
    XCTAssertNotNil(es.best, name)

    let encoded = try JSONEncoder().encode(es.state)
    var copy = es
    copy.state = try JSONDecoder().decode(S.State.self, from: encoded)
    let fitness = es.ask().map(TestProblems.sphere)
    _ = es.tell(fitness: fitness)
    _ = copy.tell(fitness: fitness)
    XCTAssertEqual(copy.mean, es.mean, "\(name): decoded state must continue identically")
  }
}
