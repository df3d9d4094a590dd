import Evolution
import Foundation
import VSMLData
@testable import VSMLTraining

/// A fresh run directory under the system temporary directory.
func temporaryRunDirectory(_ label: String) -> String {
  NSTemporaryDirectory() + "/vsml-test-\(label)-\(UUID().uuidString)"
}

/// Metrics rows without the timing columns.
func deterministicMetrics(_ dir: String) throws -> [String] {
  let text = try String(contentsOfFile: dir + "/metrics.csv", encoding: .utf8)
  let rows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
  let header = rows[0]
  let keep = header.indices.filter { !MetaTrainer.timingColumns.contains(header[$0]) }
  return rows.map { row in keep.map { row[$0] }.joined(separator: ",") }
}

/// A tiny configuration on the synthetic `sum` task (16 inputs, 2 classes): seconds to run.
func tinyConfiguration(iterations: Int = 4) -> TrainingConfiguration {
  var c = TrainingConfiguration()
  c.data.tasks = [.init(task: TaskSpec(dataset: "sum", transforms: [.resize(side: 4)]))]
  c.data.episodeLength = 12
  c.es.pairs = 4
  c.schedule.iterations = iterations
  c.schedule.checkpointEvery = 2
  c.schedule.evaluateEvery = 2
  c.validation.tasks = [TaskSpec(dataset: "sum", transforms: [.resize(side: 4)])]
  c.validation.episodes = 2
  c.validation.steps = 10
  c.seed = 5
  return c
}

/// A locator that never finds file datasets (the synthetic tasks need none).
let syntheticLocator = DataLocator(dataDirectory: nil, cacheDirectory: NSTemporaryDirectory() + "/vsml-test-no-cache")

/// Worst relative difference between `gradient` and central differences (step 1e-6) of `loss`,
/// over every `stride`-th parameter of `p`.
func worstFiniteDifferenceError(_ p: [Double], gradient: [Double], stride step: Int, loss: ([Double]) -> Double) -> Double {
  let h = 1e-6
  var worst = 0.0
  for k in stride(from: 0, to: p.count, by: step) {
    var plus = p, minus = p
    plus[k] += h
    minus[k] -= h
    let numeric = (loss(plus) - loss(minus)) / (2 * h)
    worst = max(worst, abs(numeric - gradient[k]) / max(1e-3, abs(numeric) + abs(gradient[k])))
  }
  return worst
}

/// `steps` Adam steps (learning rate 1e-2) on a fixed batch, from `theta`: the cloning tests'
/// check that a loss can be driven down.
func adamOnFixedBatch(_ theta: [Float], steps: Int, gradient: ([Double]) -> [Double]) -> [Float] {
  var p = theta
  var adam = Adam(dimension: p.count)
  for _ in 0..<steps {
    adam.step(parameters: &p, gradient: gradient(p.map(Double.init)).map(Float.init), learningRate: 1e-2)
  }
  return p
}
