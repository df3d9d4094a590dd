import Evolution
import VSML
import VSMLBaselines
import VSMLCore
import VSMLData

/// Which learner is meta-trained: VSML or one of the meta-learned baselines (spec §8).
public enum ModelKind: String, Codable, Hashable, Sendable, CaseIterable {
  case vsml
  case metaRNN = "meta-rnn"
  case hebbian
  case fwMemory = "fw-memory"
  case fwp
}

/// The learner part of a training configuration. Input and output sizes come from the data.
public struct ModelConfiguration: Codable, Hashable, Sendable {
  public var kind: ModelKind = .vsml
  /// VSML hidden layer sizes (empty: one dense layer from inputs to classes).
  public var hiddenSizes: [Int] = []
  public var microTicks: Int = 2
  public var backwardPass: Bool = false
  public var feedLabel: Bool = false
  public var layerNorm: Bool = false
  public var layerwiseRNNs: Bool = false
  public var separateBackwardRNN: Bool = false
  /// Arithmetic of VSML's recurrent product: fp32 (unset, the default) or bf16 (opt-in, needs
  /// AVX512-BF16). Baselines ignore it.
  public var precision: Precision?

  public init() {}

  /// The VSML network for data of `inputSize` features and `classCount` classes.
  public func vsml(inputSize: Int, classCount: Int) -> VSMLConfiguration {
    VSMLConfiguration(
      layerSizes: [inputSize] + hiddenSizes + [classCount], subRNN: SubRNNConfiguration(layerNorm: layerNorm),
      microTicks: microTicks, backwardPass: backwardPass, separateBackwardRNN: separateBackwardRNN,
      feedLabel: feedLabel, layerwiseRNNs: layerwiseRNNs)
  }

  /// Builds the learner for data of the given shape.
  public func makeLearner(inputSize: Int, classCount: Int) throws -> any OnlineLearner {
    switch kind {
    case .vsml:
      var network = try VSMLNetwork(vsml(inputSize: inputSize, classCount: classCount))
      if let precision {
        try precision.checkAvailable()
        network.precision = precision
      }
      return network
    case .metaRNN: return try BaselineModel.metaRNN.makeLearner(inputSize: inputSize, classCount: classCount)
    case .hebbian: return try BaselineModel.hebbian.makeLearner(inputSize: inputSize, classCount: classCount)
    case .fwMemory: return try BaselineModel.fastWeightMemory.makeLearner(inputSize: inputSize, classCount: classCount)
    case .fwp: return try BaselineModel.fastWeightProgrammer.makeLearner(inputSize: inputSize, classCount: classCount)
    }
  }
}

/// Evolution strategy settings (spec §5 defaults).
public struct ESConfiguration: Codable, Hashable, Sendable {
  /// Antithetic pairs per iteration; each pair sees its own episode.
  public var pairs: Int = 64
  public var hyperparameters: OpenAIES.Hyperparameters = .init()
  public init() {}
}

/// One phase of a curriculum: from iteration `start` on, these tasks and this episode length.
public struct CurriculumStage: Codable, Hashable, Sendable {
  public var start: Int
  public var tasks: [TaskMixture.Component]
  public var episodeLength: Int
  public init(start: Int, tasks: [TaskMixture.Component], episodeLength: Int) {
    self.start = start
    self.tasks = tasks
    self.episodeLength = episodeLength
  }
}

/// Meta-training data: a task mixture and an episode length, optionally replaced stage by stage.
public struct DataConfiguration: Codable, Hashable, Sendable {
  public var tasks: [TaskMixture.Component] = [.init(task: TaskSpec(dataset: "mnist", transforms: [.resize(side: 14)]))]
  public var episodeLength: Int = 100
  /// Later stages (ordered by `start`, all > 0) replace `tasks` and `episodeLength`.
  public var curriculum: [CurriculumStage] = []
  public init() {}
}

/// Iteration count, optional time budgets, and how often to checkpoint and meta-test.
public struct ScheduleConfiguration: Codable, Hashable, Sendable {
  public var iterations: Int = 1_000
  /// Stop once the ES iterations have used this many minutes of wall-clock time (summed over
  /// resumes; validation not counted). Nil: no limit.
  public var maxWallMinutes: Double?
  /// Stop once the ES iterations have used this many minutes of process CPU time, all threads
  /// together (summed over resumes; validation not counted): a compute budget that does not
  /// depend on what else the machine runs. Nil: no limit.
  public var maxCPUMinutes: Double?
  public var checkpointEvery: Int = 50
  public var evaluateEvery: Int = 100
  public init() {}
}

/// Periodic meta-tests during training: on the validation split, never the test split.
public struct ValidationConfiguration: Codable, Hashable, Sendable {
  public var tasks: [TaskSpec] = [TaskSpec(dataset: "mnist")]
  public var episodes: Int = 8
  public var steps: Int = 500
  public init() {}
}

/// Everything a meta-training run depends on. Stored in the run directory and in checkpoints.
public struct TrainingConfiguration: Codable, Hashable, Sendable {
  public var model = ModelConfiguration()
  public var es = ESConfiguration()
  public var data = DataConfiguration()
  public var schedule = ScheduleConfiguration()
  public var validation = ValidationConfiguration()
  /// Seed of every random draw of the run.
  public var seed: UInt64 = 0
  /// Start the ES mean from these learned parameters (a .safetensors file, a run directory or a
  /// shipped learner name) instead of the model's initialiser: to continue or improve a learner.
  public var initialParameters: String?

  public init() {}

  /// Checks every field; errors name the field and say what is allowed.
  public func validate() throws {
    func fail(_ field: String, _ message: String) -> ConfigurationError { ConfigurationError(field: field, message: message) }
    if let bad = model.hiddenSizes.first(where: { $0 < 1 }) { throw fail("model.hiddenSizes", "sizes must be >= 1; got \(bad)") }
    guard model.microTicks >= 1 else { throw fail("model.microTicks", "must be >= 1; got \(model.microTicks)") }
    if model.separateBackwardRNN && !model.backwardPass { throw fail("model.separateBackwardRNN", "needs model.backwardPass = true") }
    guard es.pairs >= 1 else { throw fail("es.pairs", "must be >= 1; got \(es.pairs)") }
    do { try es.hyperparameters.validate() } catch { throw fail("es.hyperparameters", "\(error)") }
    guard data.episodeLength >= 1 else { throw fail("data.episodeLength", "must be >= 1; got \(data.episodeLength)") }
    guard !data.tasks.isEmpty else { throw fail("data.tasks", "needs at least one task, e.g. {\"task\": {\"dataset\": \"mnist\"}}") }
    do { try TaskMixture(components: data.tasks).validate() } catch { throw fail("data.tasks", "\(error)") }
    var previous = 0
    for (i, stage) in data.curriculum.enumerated() {
      guard stage.start > previous else {
        throw fail("data.curriculum[\(i)].start", "stages must start after iteration \(previous), in increasing order; got \(stage.start)")
      }
      previous = stage.start
      guard stage.episodeLength >= 1 else { throw fail("data.curriculum[\(i)].episodeLength", "must be >= 1") }
      do { try TaskMixture(components: stage.tasks).validate() } catch { throw fail("data.curriculum[\(i)].tasks", "\(error)") }
    }
    guard schedule.iterations >= 0 else { throw fail("schedule.iterations", "must be >= 0; got \(schedule.iterations)") }
    for (name, value) in [("schedule.maxWallMinutes", schedule.maxWallMinutes), ("schedule.maxCPUMinutes", schedule.maxCPUMinutes)] {
      if let value, !(value > 0 && value.isFinite) { throw fail(name, "must be a positive number of minutes; got \(value)") }
    }
    guard schedule.checkpointEvery >= 1 else { throw fail("schedule.checkpointEvery", "must be >= 1") }
    guard schedule.evaluateEvery >= 0 else { throw fail("schedule.evaluateEvery", "must be >= 0 (0 disables)") }
    guard validation.episodes >= 1, validation.steps >= 1 else { throw fail("validation", "episodes and steps must be >= 1") }
  }

  /// The tasks and episode length in force at `iteration`.
  public func stage(at iteration: Int) -> (index: Int, tasks: [TaskMixture.Component], episodeLength: Int) {
    var result = (0, data.tasks, data.episodeLength)
    for (i, stage) in data.curriculum.enumerated() where iteration >= stage.start {
      result = (i + 1, stage.tasks, stage.episodeLength)
    }
    return result
  }
}
