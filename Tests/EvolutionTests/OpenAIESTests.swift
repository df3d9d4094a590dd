import XCTest
import VSMLCore
@testable import Evolution

final class OpenAIESTests: XCTestCase {
  private func makeES(dimension: Int = 10, pairs: Int = 8, seed: UInt64 = 7,
                      hyperparameters: OpenAIES.Hyperparameters = .init()) throws -> OpenAIES {
    try OpenAIES(setup: .init(dimension: dimension, pairs: pairs, seed: seed), hyperparameters: hyperparameters,
                 initialMean: (0..<dimension).map { Float($0 % 3) - 1 + 0.5 })
  }

  /// Runs `iterations` ask/evaluate/tell steps and returns the final strategy.
  private func run(_ es: OpenAIES, iterations: Int, _ f: ([Float]) -> Float) -> OpenAIES {
    var es = es
    for _ in 0..<iterations { _ = es.tell(fitness: es.ask().map(f)) }
    return es
  }

  func testAntitheticMembersSumToTwiceTheMean() throws {
    let es = try makeES()
    let population = es.ask()
    XCTAssertEqual(population.count, 16)
    for k in 0..<8 {
      for j in 0..<10 {
        XCTAssertEqual(population[2 * k][j] + population[2 * k + 1][j], 2 * es.mean[j], accuracy: 1e-6)
      }
      XCTAssertNotEqual(population[2 * k], es.mean)
    }
    // The per-member API writes exactly what `ask` materialises.
    var buffer = [Float](repeating: 0, count: 10)
    buffer.withUnsafeMutableBufferPointer { es.member(5, into: $0) }
    XCTAssertEqual(buffer, population[5])
  }

  func testNoiseIsRegeneratedFromSeedIterationAndPair() throws {
    let es = try makeES()
    var generator = SeededGenerator(seed: 7, stream: [0, 3])
    let epsilon = (0..<10).map { _ in generator.nextNormal() }
    let member6 = es.member(6)
    for j in 0..<10 { XCTAssertEqual(member6[j], es.mean[j] + 0.05 * epsilon[j], accuracy: 1e-6) }
  }

  func testConvergesOnSphere() throws {
    let es = try makeES()
    let start = TestProblems.sphere(es.mean)
    let end = run(es, iterations: 300, TestProblems.sphere)
    XCTAssertLessThan(TestProblems.sphere(end.mean), 0.01 * start)
    XCTAssertEqual(end.iteration, 300)
    XCTAssertLessThanOrEqual(end.best!.fitness, TestProblems.sphere(end.best!.parameters) + 1e-6)
  }

  func testConvergesOnRotatedIllConditionedQuadratic() throws {
    let f = TestProblems.RotatedQuadratic(dimension: 10, condition: 100, seed: 3)
    let es = try makeES(pairs: 16, hyperparameters: .init(
      learningRateSchedule: .exponentialDecay(rate: 0.99, floor: 0.002), fitnessShaping: .centeredRank))
    let start = f(es.mean)
    let end = run(es, iterations: 400, f.callAsFunction)
    XCTAssertLessThan(f(end.mean), 0.01 * start, "start \(start)")
  }

  func testDeterminismAndSeedDependence() throws {
    let a = run(try makeES(seed: 11), iterations: 20, TestProblems.sphere)
    let b = run(try makeES(seed: 11), iterations: 20, TestProblems.sphere)
    let c = run(try makeES(seed: 12), iterations: 20, TestProblems.sphere)
    XCTAssertEqual(a.state, b.state)
    XCTAssertNotEqual(a.mean, c.mean)
  }

  func testThreadCountDoesNotChangeTheUpdate() throws {
    var one = try makeES(pairs: 40), two = one
    let fitness = one.ask().map(TestProblems.sphere)
    _ = one.tell(fitness: fitness, threads: 1)
    _ = two.tell(fitness: fitness, threads: 2)
    XCTAssertEqual(one.state, two.state)
  }

  /// ĝ for one pair equals ε·(f₊ − f₋)/(2σ), and Adam's first step moves each coordinate by ≈ lr·sign(ĝ).
  func testGradientEstimateMatchesFormula() throws {
    var es = try makeES(dimension: 3, pairs: 1, hyperparameters: .init(optimizer: .sgd(.init())))
    let population = es.ask()
    let before = es.mean
    let report = es.tell(fitness: [3, 1])
    let epsilon = (0..<3).map { (population[0][$0] - before[$0]) / 0.05 }
    for j in 0..<3 {
      let g = epsilon[j] * (3 - 1) / (2 * 0.05)
      XCTAssertEqual(es.mean[j], before[j] - 0.025 * g, accuracy: 1e-4)
    }
    XCTAssertEqual(report.meanFitness, 2)
    XCTAssertEqual(report.minFitness, 1)
    XCTAssertEqual(report.maxFitness, 3)
  }

  func testNonFiniteFitnessNeverPoisonsTheMean() throws {
    for shaping in FitnessShaping.allCases {
      var es = try makeES(hyperparameters: .init(fitnessShaping: shaping))
      var fitness = es.ask().map(TestProblems.sphere)
      fitness[0] = .nan; fitness[3] = .infinity; fitness[6] = -.infinity; fitness[7] = .nan
      let report = es.tell(fitness: fitness)
      XCTAssertEqual(report.nonFiniteCount, 4)
      XCTAssertFalse(report.updateSkipped)
      XCTAssertTrue(es.mean.allSatisfy(\.isFinite), "\(shaping)")
      // All non-finite: no information, mean stays finite.
      let allBad = es.tell(fitness: [Float](repeating: .nan, count: 16))
      XCTAssertEqual(allBad.nonFiniteCount, 16)
      XCTAssertTrue(es.mean.allSatisfy(\.isFinite))
      // Huge finite raw values overflow ĝ: the update is skipped, not applied.
      let before = es.mean
      let huge = es.tell(fitness: (0..<16).map { $0 % 2 == 0 ? Float.greatestFiniteMagnitude : -Float.greatestFiniteMagnitude })
      XCTAssertTrue(es.mean.allSatisfy(\.isFinite))
      if shaping == .raw { XCTAssertTrue(huge.updateSkipped); XCTAssertEqual(es.mean, before) }
    }
  }

  func testPairWithBothMembersFailedContributesNothing() throws {
    for shaping in FitnessShaping.allCases {
      var es = try makeES(pairs: 2, hyperparameters: .init(fitnessShaping: shaping))
      let before = es.mean
      _ = es.tell(fitness: [.nan, .infinity, 1, 1])
      XCTAssertEqual(es.mean, before, "\(shaping)")
    }
  }

  func testCodableRoundTripContinuesBitIdentically() throws {
    var es = run(try makeES(), iterations: 5, TestProblems.sphere)
    let data = try JSONEncoder().encode(es.state)
    let hyper = try JSONEncoder().encode(es.hyperparameters)
    let setup = try JSONEncoder().encode(es.setup)
    var restored = try OpenAIES(
      setup: JSONDecoder().decode(OpenAIES.Setup.self, from: setup),
      hyperparameters: JSONDecoder().decode(OpenAIES.Hyperparameters.self, from: hyper),
      state: JSONDecoder().decode(OpenAIES.State.self, from: data))
    XCTAssertEqual(restored.state, es.state)
    es = run(es, iterations: 5, TestProblems.sphere)
    restored = run(restored, iterations: 5, TestProblems.sphere)
    XCTAssertEqual(restored.state, es.state)
  }

  func testValidationNamesTheField() {
    XCTAssertThrowsError(try makeES(hyperparameters: .init(sigma: 0))) { XCTAssertTrue("\($0)".contains("sigma")) }
    XCTAssertThrowsError(try makeES(pairs: 0)) { XCTAssertTrue("\($0)".contains("pairs")) }
    XCTAssertThrowsError(try OpenAIES(setup: .init(dimension: 2, pairs: 1, seed: 0), initialMean: [1])) {
      XCTAssertTrue("\($0)".contains("initialMean"))
    }
  }

  func testSchedulesAreReported() throws {
    var es = try makeES(hyperparameters: .init(
      sigmaSchedule: .exponentialDecay(rate: 0.5, floor: 0.01), learningRateSchedule: .linearDecay(final: 0, iterations: 2)))
    let r0 = es.tell(fitness: es.ask().map(TestProblems.sphere))
    let r1 = es.tell(fitness: es.ask().map(TestProblems.sphere))
    XCTAssertEqual(r0.sigma, 0.05); XCTAssertEqual(r1.sigma, 0.025)
    XCTAssertEqual(r0.learningRate, 0.025); XCTAssertEqual(r1.learningRate, 0.0125)
  }

  // MARK: Per-coordinate noise scale

  func testNoiseScaleScalesOffsetsAndFreezesZeros() throws {
    let scale: [Float] = [0, 2, 0.5, 0, 1, 3, 0, 1, 1, 0.25]
    let plain = try makeES()
    let scaled = try OpenAIES(setup: plain.setup, hyperparameters: plain.hyperparameters, initialMean: plain.mean, noiseScale: scale)
    for i in 0..<plain.populationSize {
      let (a, b) = (plain.member(i), scaled.member(i))
      for j in 0..<10 { XCTAssertEqual(b[j] - scaled.mean[j], scale[j] * (a[j] - plain.mean[j]), accuracy: 1e-5) }
    }
    // Minimising the sphere moves every scaled coordinate towards 0 and none of the frozen ones.
    let end = run(scaled, iterations: 200, TestProblems.sphere)
    for j in 0..<10 {
      if scale[j] == 0 {
        XCTAssertEqual(end.mean[j], plain.mean[j])
      } else {
        XCTAssertLessThan(abs(end.mean[j]), (scale[j] >= 1 ? 0.5 : 0.8) * abs(plain.mean[j]), "coordinate \(j)")
      }
    }
    XCTAssertEqual(end.state.noiseScale, scale)
  }

  func testUnitNoiseScaleMatchesNoScale() throws {
    let plain = try makeES(hyperparameters: .init(fitnessShaping: .centeredRank))
    let unit = try OpenAIES(setup: plain.setup, hyperparameters: plain.hyperparameters, initialMean: plain.mean,
                            noiseScale: [Float](repeating: 1, count: 10))
    let a = run(plain, iterations: 20, TestProblems.sphere), b = run(unit, iterations: 20, TestProblems.sphere)
    XCTAssertEqual(a.mean, b.mean)
  }

  func testNoiseScaleSurvivesARoundTripAndIsValidated() throws {
    let scale: [Float] = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0]
    let es = run(try OpenAIES(setup: .init(dimension: 10, pairs: 4, seed: 3), initialMean: [Float](repeating: 1, count: 10), noiseScale: scale),
                 iterations: 3, TestProblems.sphere)
    let state = try JSONDecoder().decode(OpenAIES.State.self, from: JSONEncoder().encode(es.state))
    XCTAssertEqual(state.noiseScale, scale)
    let restored = try OpenAIES(setup: es.setup, hyperparameters: es.hyperparameters, state: state)
    XCTAssertEqual(run(restored, iterations: 3, TestProblems.sphere).state, run(es, iterations: 3, TestProblems.sphere).state)
    // A state written without a scale (older checkpoints) has none.
    XCTAssertNil(try makeES().state.noiseScale)
    XCTAssertFalse(String(decoding: try JSONEncoder().encode(try makeES().state), as: UTF8.self).contains("noiseScale"))
    let setup = OpenAIES.Setup(dimension: 2, pairs: 1, seed: 0)
    for (bad, hyperparameters) in [([Float(1)], OpenAIES.Hyperparameters()), ([0, 0], .init()), ([1, -1], .init()), ([1, .nan], .init()),
                                   ([1, 1], OpenAIES.Hyperparameters(optimizer: .adam(.init(weightDecay: 0.1))))] {
      XCTAssertThrowsError(try OpenAIES(setup: setup, hyperparameters: hyperparameters, initialMean: [1, 1], noiseScale: bad), "\(bad)") {
        XCTAssertTrue("\($0)".contains("noiseScale") || "\($0)".contains("weightDecay"), "\($0)")
      }
    }
  }

  func testAppliedGradientIsScaledAndSkipsFrozenCoordinates() throws {
    var es = try OpenAIES(setup: .init(dimension: 3, pairs: 1, seed: 0), hyperparameters: .init(learningRate: 0.1, optimizer: .sgd(.init())),
                          initialMean: [1, 1, 1], noiseScale: [0, 1, 10])
    XCTAssertTrue(es.applyGradient([1, 1, 1]))
    // θ_j -= lr · s_j · (s_j · g_j): φ's gradient is s ⊙ g and its step is scaled by s.
    XCTAssertEqual(es.mean[0], 1)
    XCTAssertEqual(es.mean[1], 0.9, accuracy: 1e-6)
    XCTAssertEqual(es.mean[2], -9, accuracy: 1e-5)
  }

  // MARK: Tied coordinates

  func testTiedGroupsMoveTogetherAndFrozenCoordinatesStay() throws {
    // Coordinates 0 and 2 scale together (signed scale = start: one factor 1 + φ_0), 3 alone, 1 frozen.
    let start: [Float] = [2, 5, -1, 4]
    let es = try OpenAIES(setup: .init(dimension: 4, pairs: 8, seed: 1), hyperparameters: .init(sigma: 0.1, learningRate: 0.05),
                          initialMean: start, noiseScale: start, noiseGroup: [0, -1, 0, 1])
    XCTAssertEqual(es.searchDimension, 2)
    for i in 0..<es.populationSize {
      let m = es.member(i)
      XCTAssertEqual(m[1], 5)
      XCTAssertEqual(m[0] / start[0], m[2] / start[2], accuracy: 1e-6, "one factor per group")
      XCTAssertNotEqual(m[0] / start[0], m[3] / start[3])
    }
    // Minimising (x0 - 3)² + (x2 + 1.5)² + x3² wants the group's factor at 1.5 and coordinate 3 at 0.
    let end = run(es, iterations: 300) { x in (x[0] - 3) * (x[0] - 3) + (x[2] + 1.5) * (x[2] + 1.5) + x[3] * x[3] }
    XCTAssertEqual(end.mean[1], 5)
    XCTAssertEqual(end.mean[0] / start[0], end.mean[2] / start[2], accuracy: 1e-5)
    XCTAssertEqual(end.mean[0], 3, accuracy: 0.15)
    XCTAssertLessThan(abs(end.mean[3]), 0.4)
    // The state (with its groups) round-trips and resumes to the same run.
    let state = try JSONDecoder().decode(OpenAIES.State.self, from: JSONEncoder().encode(end.state))
    XCTAssertEqual(state.noiseGroup, [0, -1, 0, 1])
    let restored = try OpenAIES(setup: end.setup, hyperparameters: end.hyperparameters, state: state)
    XCTAssertEqual(run(restored, iterations: 3, TestProblems.sphere).state, run(end, iterations: 3, TestProblems.sphere).state)
  }

  func testSingletonGroupsMatchUntiedScale() throws {
    let scale: [Float] = [1, 2, 0.5, 1, 1, 3, 1, 1, 1, 0.25]
    let plain = try makeES(hyperparameters: .init(fitnessShaping: .centeredRank))
    let untied = try OpenAIES(setup: plain.setup, hyperparameters: plain.hyperparameters, initialMean: plain.mean, noiseScale: scale)
    let tied = try OpenAIES(setup: plain.setup, hyperparameters: plain.hyperparameters, initialMean: plain.mean, noiseScale: scale,
                            noiseGroup: Array(0..<10))
    XCTAssertEqual(run(untied, iterations: 20, TestProblems.sphere).mean, run(tied, iterations: 20, TestProblems.sphere).mean)
  }

  func testTiedGroupsAreValidatedAndScaleTheAppliedGradient() throws {
    let setup = OpenAIES.Setup(dimension: 3, pairs: 1, seed: 0)
    for (scale, group) in [([Float]?.none, [0, 0, 1]), ([1, 1, 1], [0, 0]), ([1, 1, 1], [-1, -1, -1]), ([1, 1, 1], [0, 2, 0]),
                           ([0, 1, 1], [0, 1, 1]), ([1, .nan, 1], [0, 0, 0]), ([1, 1, 1], [0, -2, 0])] {
      XCTAssertThrowsError(try OpenAIES(setup: setup, initialMean: [1, 1, 1], noiseScale: scale, noiseGroup: group), "\(group)") {
        XCTAssertTrue("\($0)".contains("noiseGroup") || "\($0)".contains("noiseScale"), "\($0)")
      }
    }
    var es = try OpenAIES(setup: setup, hyperparameters: .init(learningRate: 0.1, optimizer: .sgd(.init())),
                          initialMean: [2, 1, -4], noiseScale: [2, 0, -4], noiseGroup: [0, -1, 0])
    XCTAssertTrue(es.applyGradient([1, 1, 1]))
    // ∂L/∂φ = 2·1 + (−4)·1 = −2, so φ = 0.2 and θ_j = θ₀_j·1.2 in the group.
    XCTAssertEqual(es.mean[0], 2.4, accuracy: 1e-6)
    XCTAssertEqual(es.mean[1], 1)
    XCTAssertEqual(es.mean[2], -4.8, accuracy: 1e-5)
  }
}
