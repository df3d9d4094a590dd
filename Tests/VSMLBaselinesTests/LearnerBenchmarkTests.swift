import Foundation
import VSMLBaselines
import VSMLCore
import XCTest

/// Opt-in throughput measurements (STYLE rule 10). Run in release:
/// `VSML_BENCH=1 swift test -c release --scratch-path .build-bl --filter LearnerBenchmarkTests`
final class LearnerBenchmarkTests: XCTestCase {
  private func requireBenchmarkFlag() throws {
    guard ProcessInfo.processInfo.environment["VSML_BENCH"] == "1" else {
      throw XCTSkip("set VSML_BENCH=1 (and build in release) to run benchmarks")
    }
  }

  private func report(_ name: String, _ r: LearnerBenchmarkResult) {
    print(
      "BENCH \(name) population=\(r.population) steps=\(r.steps) threads=\(r.threads): "
        + "\(Int(r.exampleStepsPerSecond)) example-steps/s (\(r.seconds) s, mean loss \(r.meanLoss))")
  }

  func testMetaRNNThroughput() throws {
    try requireBenchmarkFlag()
    let learner = try MetaRNN(.init(inputSize: 784, classCount: 10, hiddenSize: 128))
    report("meta-rnn", benchmarkLearner(learner, population: 1, steps: 4000, threads: 1, seed: 1))
    report("meta-rnn", benchmarkLearner(learner, population: 64, steps: 250, threads: 2, seed: 1))
  }
}
