import Foundation
import Evolution
import VSML
import VSMLCore
import VSMLData

/// Meta-trains a learner's meta-parameters with OpenAI-ES (spec §5): the fitness of a parameter
/// vector is its mean online cross-entropy over an episode; both members of an antithetic pair
/// see the same episode and initial state, each pair its own. The population runs across
/// threads. Everything random derives from (seed, iteration, pair), so a run resumed from a
/// checkpoint continues bit-identically with the same thread count.
///
/// Run directory: `config.json`, `metrics.csv`, `metrics.jsonl`, `checkpoint.safetensors` +
/// `checkpoint.json` (latest), `best.safetensors` (best on the validation split).
public final class MetaTrainer {
  public let configuration: TrainingConfiguration
  public let runDirectory: String
  public let locator: DataLocator
  public let threads: Int
  public private(set) var strategy: OpenAIES
  public private(set) var wallSeconds: Double
  public private(set) var cpuSeconds: Double
  public private(set) var bestValidationAccuracy: Double?
  public private(set) var bestValidationIteration: Int?
  let log: (String) -> Void
  let metrics: MetricsLog
  /// Samplers per curriculum stage (index 0 is `data.tasks`), built on first use.
  private var samplers: [Int: EpisodeSampler] = [:]
  private let shape: (inputSize: Int, classCount: Int)

  public static let metricColumns = [
    "iteration", "wall_s", "cpu_s", "iteration_s", "stage", "mean_fitness", "min_fitness", "max_fitness", "mean_accuracy",
    "gradient_norm", "sigma", "learning_rate", "non_finite", "example_steps_per_s", "validation_accuracy",
  ]

  /// Starts a new run in `runDirectory` (created; must not hold a checkpoint already).
  public init(configuration: TrainingConfiguration, runDirectory: String, locator: DataLocator, threads: Int, log: @escaping (String) -> Void) throws {
    try configuration.validate()
    if FileManager.default.fileExists(atPath: (runDirectory as NSString).appendingPathComponent(RunCheckpoint.fileName)) {
      throw CheckpointError.invalid(runDirectory, "already holds a run; continue it with `vsml train --resume \(runDirectory)` or choose another --out")
    }
    try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
    self.configuration = configuration
    self.runDirectory = runDirectory
    self.locator = locator
    self.threads = threads
    self.log = log
    let first = try Self.makeSampler(configuration, stage: 0, locator: locator)
    samplers[0] = first
    shape = (first.inputSize, first.classCount)
    let learner = try configuration.model.makeLearner(inputSize: shape.inputSize, classCount: shape.classCount)
    var generator = SeededGenerator(seed: configuration.seed, stream: 0x1217)
    var initial = learner.initialParameters(using: &generator)
    if let start = configuration.initialParameters {
      guard let source = try LearnerSource.resolve(start).parameters, source.count == initial.count else {
        throw ConfigurationError(field: "initialParameters", message: "\(start) does not hold \(initial.count) parameters of a \(configuration.model.kind.rawValue) model")
      }
      initial = source
    }
    strategy = try OpenAIES(
      setup: .init(dimension: initial.count, pairs: configuration.es.pairs, seed: configuration.seed),
      hyperparameters: configuration.es.hyperparameters, initialMean: initial)
    wallSeconds = 0
    cpuSeconds = 0
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    try writeAtomically(Array(try encoder.encode(configuration)), to: (runDirectory as NSString).appendingPathComponent(RunCheckpoint.configurationFileName))
    metrics = try MetricsLog(directory: runDirectory, columns: Self.metricColumns)
  }

  /// Continues the run in `runDirectory` from its last checkpoint.
  public init(resuming runDirectory: String, locator: DataLocator, threads: Int, iterations: Int?, log: @escaping (String) -> Void) throws {
    let checkpoint = try RunCheckpoint.load(runDirectory: runDirectory)
    var configuration = checkpoint.configuration
    if let iterations { configuration.schedule.iterations = iterations }
    try configuration.validate()
    self.configuration = configuration
    self.runDirectory = runDirectory
    self.locator = locator
    self.threads = threads
    self.log = log
    shape = (checkpoint.inputSize, checkpoint.classCount)
    strategy = try OpenAIES(
      setup: .init(dimension: checkpoint.strategy.mean.count, pairs: configuration.es.pairs, seed: configuration.seed),
      hyperparameters: configuration.es.hyperparameters, state: checkpoint.strategy)
    wallSeconds = checkpoint.wallSeconds
    cpuSeconds = checkpoint.cpuSeconds ?? 0
    bestValidationAccuracy = checkpoint.bestValidationAccuracy
    bestValidationIteration = checkpoint.bestValidationIteration
    try MetricsLog.truncate(directory: runDirectory, keepingRows: checkpoint.iteration)
    try MetricsLog.addMissingColumns(directory: runDirectory, columns: Self.metricColumns)  // runs from before cpu_s
    metrics = try MetricsLog(directory: runDirectory, columns: Self.metricColumns)
  }

  static func makeSampler(_ configuration: TrainingConfiguration, stage: Int, locator: DataLocator) throws -> EpisodeSampler {
    let (tasks, length) = stage == 0
      ? (configuration.data.tasks, configuration.data.episodeLength)
      : (configuration.data.curriculum[stage - 1].tasks, configuration.data.curriculum[stage - 1].episodeLength)
    return try EpisodeSampler(
      mixture: TaskMixture(components: tasks), split: .train, length: length,
      seed: SeededGenerator.derive(seed: configuration.seed, stream: 0xDA7A, stage), locator: locator)
  }

  func sampler(stage: Int) throws -> EpisodeSampler {
    if let s = samplers[stage] { return s }
    let s = try Self.makeSampler(configuration, stage: stage, locator: locator)
    samplers[stage] = s
    return s
  }

  /// The current meta-parameters (the ES mean) with their model description.
  public var learned: LearnedParameters { LearnedParameters(model: configuration.model, parameters: strategy.mean) }

  /// Runs one ES iteration; returns its metrics row.
  public func step() throws -> [String: Double] {
    let start = monotonicSeconds()
    let cpuStart = processCPUSeconds()
    let iteration = strategy.iteration
    let stage = configuration.stage(at: iteration)
    let sampler = try self.sampler(stage: stage.index)
    let learner = try configuration.model.makeLearner(inputSize: sampler.inputSize, classCount: sampler.classCount)
    let pairs = configuration.es.pairs
    let episodes = ResultSlots<Episode>(count: pairs)
    parallelFor(count: pairs, threads: threads) { k in episodes[k] = sampler.episode(iteration * pairs + k) }
    let es = strategy
    let seed = configuration.seed
    let results = evaluatePopulation(learner, count: es.populationSize, threads: threads) { i in
      PopulationJob(
        parameters: es.member(i), episode: episodes[i / 2],
        stateSeed: SeededGenerator.derive(seed: seed, stream: 0x57A7E, iteration, i / 2))
    }
    let fitness = results.map(\.meanLoss)
    let report = strategy.tell(fitness: fitness, threads: threads)
    let elapsed = monotonicSeconds() - start
    wallSeconds += elapsed
    cpuSeconds += processCPUSeconds() - cpuStart
    let accuracies = results.map { Double($0.accuracy) }
    return [
      "iteration": Double(iteration + 1), "wall_s": wallSeconds, "cpu_s": cpuSeconds, "iteration_s": elapsed, "stage": Double(stage.index),
      "mean_fitness": Double(report.meanFitness), "min_fitness": Double(report.minFitness), "max_fitness": Double(report.maxFitness),
      "mean_accuracy": Statistics.mean(accuracies), "gradient_norm": Double(report.gradientNorm),
      "sigma": Double(report.sigma), "learning_rate": Double(report.learningRate), "non_finite": Double(report.nonFiniteCount),
      "example_steps_per_s": Double(es.populationSize * stage.episodeLength) / elapsed, "validation_accuracy": .nan,
    ]
  }

  /// Meta-tests the current mean on the validation split of the validation tasks; returns the
  /// mean online accuracy over tasks.
  public func validate() throws -> Double {
    let evaluator = Evaluator(
      episodes: configuration.validation.episodes, steps: configuration.validation.steps,
      seed: SeededGenerator.derive(seed: configuration.seed, stream: 0x7A11D), threads: threads, split: .validation)
    let model = configuration.model
    let accuracies = try configuration.validation.tasks.map { task in
      try evaluator.evaluate(task: task, locator: locator, parameters: strategy.mean) { try model.makeLearner(inputSize: $0, classCount: $1) }.meanAccuracy
    }
    return Statistics.mean(accuracies)
  }

  /// Writes `checkpoint.safetensors` then `checkpoint.json`, each atomically.
  public func saveCheckpoint() throws {
    try learned.write(to: path(RunCheckpoint.parametersFileName), inputSize: shape.inputSize, classCount: shape.classCount)
    try RunCheckpoint(
      formatVersion: RunCheckpoint.currentFormatVersion, configuration: configuration, iteration: strategy.iteration,
      strategy: strategy.state, wallSeconds: wallSeconds, cpuSeconds: cpuSeconds, bestValidationAccuracy: bestValidationAccuracy,
      bestValidationIteration: bestValidationIteration, inputSize: shape.inputSize, classCount: shape.classCount
    ).write(runDirectory: runDirectory)
  }

  func path(_ name: String) -> String { (runDirectory as NSString).appendingPathComponent(name) }

  /// Whether a time budget of the schedule is spent.
  public var budgetSpent: Bool {
    let schedule = configuration.schedule
    if let limit = schedule.maxWallMinutes, wallSeconds >= limit * 60 { return true }
    if let limit = schedule.maxCPUMinutes, cpuSeconds >= limit * 60 { return true }
    return false
  }

  /// Trains until `configuration.schedule.iterations`, until a time budget of the schedule is
  /// spent, or until `shouldStop()` (checked after every iteration); a final checkpoint is
  /// written either way.
  public func run(shouldStop: () -> Bool = { false }, progress: ((Int, [String: Double]) -> Void)? = nil) throws {
    let schedule = configuration.schedule
    while strategy.iteration < schedule.iterations && !budgetSpent {
      var row = try step()
      let done = strategy.iteration
      // The last iteration (count reached or budget spent) is always meta-tested, so that
      // best.safetensors considers the final mean.
      let last = done == schedule.iterations || budgetSpent
      if schedule.evaluateEvery > 0 && (done % schedule.evaluateEvery == 0 || last) {
        let accuracy = try validate()
        row["validation_accuracy"] = accuracy
        if accuracy > (bestValidationAccuracy ?? -1) {
          bestValidationAccuracy = accuracy
          bestValidationIteration = done
          try learned.write(to: path(RunCheckpoint.bestFileName), inputSize: shape.inputSize, classCount: shape.classCount)
        }
      }
      try metrics.append(row)
      progress?(done, row)
      let stop = shouldStop()
      if done % schedule.checkpointEvery == 0 || last || stop { try saveCheckpoint() }
      if stop {
        log("stopped at iteration \(done); checkpoint written to \(runDirectory)")
        return
      }
    }
    try saveCheckpoint()
  }
}
