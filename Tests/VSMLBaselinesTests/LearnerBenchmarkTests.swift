import Foundation
import VSMLBaselines
import VSMLCore
import XCTest

/// Opt-in throughput measurements (STYLE rule 10). Run in release:
/// `VSML_BENCH=1 swift test -c release --scratch-path .build-bl --filter LearnerBenchmarkTests`
///
/// Each test first prints the FMA throughput one thread gets right now (an idle core of the
/// project's machine gives ~266 GFLOP/s), so numbers taken on a shared machine can be scaled.
final class LearnerBenchmarkTests: XCTestCase {
  private func requireBenchmarkFlag() throws {
    guard ProcessInfo.processInfo.environment["VSML_BENCH"] == "1" else {
      throw XCTSkip("set VSML_BENCH=1 (and build in release) to run benchmarks")
    }
    print("BENCH calibration: one thread reaches \(Int(fmaPeak())) GFLOP/s now (idle machine: ~266)")
  }

  /// GFLOP/s of eight independent 16-lane FMA chains on this thread.
  private func fmaPeak() -> Double {
    var a0 = SIMD16<Float>(repeating: 0.1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
    let m = SIMD16<Float>(repeating: 0.999999), c = SIMD16<Float>(repeating: 1e-6)
    let n = 20_000_000
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<n {
      a0 = c + a0 * m; a1 = c + a1 * m; a2 = c + a2 * m; a3 = c + a3 * m
      a4 = c + a4 * m; a5 = c + a5 * m; a6 = c + a6 * m; a7 = c + a7 * m
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    XCTAssertFalse((a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7).sum().isNaN)
    return Double(n) * 8 * 32 / seconds / 1e9
  }

  private func report(_ name: String, _ r: LearnerBenchmarkResult) {
    print(
      "BENCH \(name) population=\(r.population) steps=\(r.steps) threads=\(r.threads): "
        + "\(Int(r.exampleStepsPerSecond)) example-steps/s (\(String(format: "%.3f", r.seconds)) s, mean loss \(r.meanLoss))")
  }

  func testMetaRNNThroughput() throws {
    try requireBenchmarkFlag()
    let learner = try MetaRNN(.init(inputSize: 784, classCount: 10, hiddenSize: 128))
    report("meta-rnn", benchmarkLearner(learner, population: 1, steps: 4000, threads: 1, seed: 1))
    report("meta-rnn", benchmarkLearner(learner, population: 64, steps: 250, threads: 2, seed: 1))
  }

  func testOtherBaselinesThroughput() throws {
    try requireBenchmarkFlag()
    let learners: [(String, any OnlineLearner)] = [
      ("fw-memory", try FastWeightMemory(.init())),
      ("fwp", try FastWeightProgrammer(.init())),
      ("hebbian", try HebbianLearner(.init())),
      ("mlp-sgd-160", try OnlineMLP(.init(optimizer: .sgd))),
      ("mlp-adam-160", try OnlineMLP(.init(optimizer: .adam))),
      ("mlp-sgd-linear", try OnlineMLP(.init(hiddenSize: 0, optimizer: .sgd))),
    ]
    for (name, learner) in learners {
      report(name, benchmarkLearner(learner, population: 1, steps: 2000, threads: 1, seed: 1))
      report(name, benchmarkLearner(learner, population: 16, steps: 250, threads: 2, seed: 1))
    }
  }
}
