import Foundation
import VSMLData
@testable import VSMLTraining

/// A fresh run directory under the system temporary directory.
func temporaryRunDirectory(_ label: String) -> String {
  NSTemporaryDirectory() + "/vsml-test-\(label)-\(UUID().uuidString)"
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
