import Evolution
import Foundation
import VSML
import VSMLCore
import VSMLData
import VSMLReports

/// Meta-trains a learner's meta-parameters with an evolution strategy (OpenAI-ES by default, SNES
/// with `es.strategy`; METHOD.md §5) or by gradient descent (`meta.optimizer`): the fitness of a parameter
/// vector is its mean online cross-entropy over an episode (or its error rate, `es.objective`); both members of an antithetic pair
/// see the same episode and initial state, each pair its own. Everything random derives from
/// (seed, iteration, pair), so a run resumed from a checkpoint continues bit-identically.
///
/// The pairs of an iteration run through `executor`: split over the ranks of `communicator`
/// (contiguous blocks) and, within a rank, over threads. Each rank evaluates its pairs; the fitness values are gathered
/// (O(population) numbers) and every rank applies the identical ES update, so the result does not
/// depend on the number of ranks or threads. Rank 0 alone writes the run directory and logs.
/// Initialisers and `run` are collective: every rank calls them.
///
/// Run directory: `config.json`, `metrics.csv`, `metrics.jsonl`, `checkpoint.safetensors` +
/// `checkpoint.json` (latest), `best.safetensors` (best on the validation split).
public final class MetaTrainer {
  public let configuration: TrainingConfiguration
  public let runDirectory: String
  public let locator: DataLocator
  public let threads: Int
  public let communicator: any Communicator
  /// Where the population's pairs or episodes run: over the ranks of `communicator`, then threads.
  public var executor: PopulationExecutor { PopulationExecutor(communicator: communicator, threads: threads) }
  /// The strategy that holds the mean; which one `es.strategy` says.
  public private(set) var strategy: any TrainableStrategy
  public private(set) var wallSeconds: Double
  public private(set) var cpuSeconds: Double
  public private(set) var bestValidationAccuracy: Double?
  public private(set) var bestValidationIteration: Int?
  let log: (String) -> Void
  /// Rank 0's metrics files; nil on the other ranks.
  private(set) var metrics: MetricsLog?
  /// Rank 0's record of the mean fitness, for the `diverging` column (`DivergenceCheck`).
  private var divergence = DivergenceCheck()
  /// Rank 0's lock on the run directory, held from initialisation until `run` returns; nil on
  /// the other ranks and afterwards.
  private var lock: DirectoryLock?
  /// Samplers per curriculum stage (index 0 is `data.tasks`), all built at start-up.
  private let samplers: [EpisodeSampler]
  /// One sampler per validation task (validation split), built at start-up.
  private let validationSamplers: [EpisodeSampler]
  private let shape: (inputSize: Int, classCount: Int)

  public static let metricColumns = [
    "iteration", "wall_s", "cpu_s", "iteration_s", "stage", "mean_fitness", "min_fitness", "max_fitness", "mean_accuracy",
    "gradient_norm", "sigma", "learning_rate", "non_finite", "example_steps_per_s", "validation_accuracy",
    "wait_s", "comm_s", "clipped", "diverging",
  ]

  /// Columns that measure time and so differ between runs of the same seed.
  public static let timingColumns: Set<String> = ["wall_s", "cpu_s", "iteration_s", "example_steps_per_s", "wait_s", "comm_s"]

  /// What one rank sets up before the ranks agree to start.
  private struct Prepared {
    var configuration: TrainingConfiguration
    var samplers: [EpisodeSampler]
    var validationSamplers: [EpisodeSampler]
    var shape: (inputSize: Int, classCount: Int)
    var strategy: any TrainableStrategy
    var checkpoint: RunCheckpoint?
    var lock: DirectoryLock?
  }

  /// Starts a new run in `runDirectory`, which rank 0 creates or finds empty. A folder that holds
  /// anything else is refused, naming what it holds: a checkpoint (continue it with `resuming:`),
  /// or the files of a run stopped before its first checkpoint, which `startOver` removes first
  /// (files that are not a run's are never removed). So metrics are never appended across runs,
  /// and no user file is overwritten.
  public convenience init(
    configuration: TrainingConfiguration, runDirectory: String, locator: DataLocator, threads: Int,
    communicator: any Communicator = SingleProcess(), startOver: Bool = false, log: @escaping (String) -> Void
  ) throws {
    let configuration = configuration.resolved()
    var createdHere = false  // rank 0 made the run directory and holds its lock
    var lockMadeHere = false  // rank 0 made the lock file in a folder that was there before
    let prepared = Result<Prepared, any Error> {
      try configuration.validate()
      var lock: DirectoryLock?
      if communicator.isLeader {
        let existed = FileManager.default.fileExists(atPath: runDirectory)
        try Self.createDirectory(runDirectory)
        let lockExisted = FileManager.default.fileExists(atPath: (runDirectory as NSString).appendingPathComponent(DirectoryLock.fileName))
        lock = try DirectoryLock(directory: runDirectory)
        createdHere = !existed
        lockMadeHere = existed && !lockExisted
        try Self.prepareNewRunDirectory(runDirectory, startOver: startOver, lockExisted: lockExisted)
      }
      let samplers = try Self.makeSamplers(configuration, locator: locator)
      try Self.checkMemory(configuration, samplers: samplers, threads: threads, ranks: communicator.size, datasets: locator.datasets)
      let shape = (samplers[0].inputSize, samplers[0].classCount)
      let learner = try configuration.model.makeLearner(inputSize: shape.0, classCount: shape.1)
      var generator = SeededGenerator(seed: configuration.seed, stream: .initialParameters)
      var initial = configuration.model.initialParameters(of: learner, using: &generator)
      if let start = configuration.initialParameters {
        guard let source = try LearnerSource.resolve(start).parameters, source.count == initial.count else {
          throw ConfigurationError(field: "initialParameters", message: "\(start) does not hold \(initial.count) parameters of a \(configuration.model.kind.rawValue) model")
        }
        initial = source
      }
      let strategy = try configuration.es.strategyKind.type.init(configuration: configuration, initialMean: initial, tensors: learner.namedTensors)
      return Prepared(
        configuration: configuration, samplers: samplers, validationSamplers: try Self.makeValidationSamplers(configuration, locator: locator),
        shape: shape, strategy: strategy, lock: lock)
    }
    do {
      try self.init(prepared, runDirectory: runDirectory, locator: locator, threads: threads, communicator: communicator, log: log)
    } catch {
      // A run that never started leaves no directory behind, so the same --out works next time,
      // and no lock file in a folder that was there before.
      if createdHere { Self.removeUnstartedDirectory(runDirectory) }
      if lockMadeHere { unlink((runDirectory as NSString).appendingPathComponent(DirectoryLock.fileName)) }
      throw error
    }
    if communicator.isLeader {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
      try writeAtomically(Array(try encoder.encode(configuration)), to: path(RunCheckpoint.configurationFileName))
      metrics = try MetricsLog(directory: runDirectory, columns: Self.metricColumns)
    }
  }

  /// Continues the run in `runDirectory` from its last checkpoint. Every rank reads the
  /// checkpoint, so the run directory must be visible to all of them (a shared file system).
  public convenience init(
    resuming runDirectory: String, locator: DataLocator, threads: Int, iterations: Int?,
    communicator: any Communicator = SingleProcess(), log: @escaping (String) -> Void
  ) throws {
    let prepared = Result<Prepared, any Error> {
      // Rank 0 locks before reading, so that no other writer changes the run under it.
      let lock = communicator.isLeader && FileManager.default.fileExists(atPath: runDirectory) ? try DirectoryLock(directory: runDirectory) : nil
      let checkpoint = try RunCheckpoint.load(runDirectory: runDirectory)
      var configuration = checkpoint.configuration.resolved()
      if let iterations { configuration.schedule.iterations = iterations }
      try configuration.validate()
      let strategy = try configuration.es.strategyKind.type.init(configuration: configuration, state: checkpoint.strategy)
      let expected = try configuration.model.makeLearner(inputSize: checkpoint.inputSize, classCount: checkpoint.classCount).parameterCount
      guard strategy.dimension == expected else {
        throw CheckpointError.invalid(
          (runDirectory as NSString).appendingPathComponent(RunCheckpoint.fileName),
          "holds \(strategy.dimension) meta-parameters, but its model has \(expected); the checkpoint is damaged")
      }
      let samplers = try Self.makeSamplers(configuration, locator: locator)
      try Self.checkMemory(configuration, samplers: samplers, threads: threads, ranks: communicator.size, datasets: locator.datasets)
      return Prepared(
        configuration: configuration, samplers: samplers,
        validationSamplers: try Self.makeValidationSamplers(configuration, locator: locator), shape: (checkpoint.inputSize, checkpoint.classCount), strategy: strategy, checkpoint: checkpoint, lock: lock)
    }
    try self.init(prepared, runDirectory: runDirectory, locator: locator, threads: threads, communicator: communicator, log: log)
    if communicator.isLeader {
      try MetricsLog.truncate(directory: runDirectory, keepingRows: strategy.iteration)
      try MetricsLog.addMissingColumns(directory: runDirectory, columns: Self.metricColumns)  // runs from older versions
      metrics = try MetricsLog(directory: runDirectory, columns: Self.metricColumns)
      // The kept rows' mean fitness (none when the log holds no row yet).
      divergence = DivergenceCheck(
        history: (try? RunPlot.series(runDirectory: runDirectory, x: "iteration", y: "mean_fitness", keepNonFinite: true))?.y ?? [])
    }
  }

  /// Agrees with the other ranks on what was prepared (throwing on every rank if any rank failed
  /// or differs), then takes it over.
  private init(
    _ prepared: Result<Prepared, any Error>, runDirectory: String, locator: DataLocator, threads: Int,
    communicator: any Communicator, log: @escaping (String) -> Void
  ) throws {
    let ready = try communicator.agree(prepared, describedBy: Self.fingerprint)
    lock = ready.lock
    configuration = ready.configuration
    self.runDirectory = runDirectory
    self.locator = locator
    self.threads = threads
    self.communicator = communicator
    self.log = communicator.isLeader ? log : { _ in }
    samplers = ready.samplers
    validationSamplers = ready.validationSamplers
    shape = ready.shape
    strategy = ready.strategy
    wallSeconds = ready.checkpoint?.wallSeconds ?? 0
    cpuSeconds = ready.checkpoint?.cpuSeconds ?? 0
    bestValidationAccuracy = ready.checkpoint?.bestValidationAccuracy
    bestValidationIteration = ready.checkpoint?.bestValidationIteration
  }

  /// Creates the run directory, naming it in the error when it cannot be (a file in the way, no
  /// permission).
  static func createDirectory(_ path: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { throw CheckpointError.invalid(path, "is a file, not a directory; choose another --out") }
      return
    }
    do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
      throw CheckpointError.invalid(path, "cannot be created (\((error as NSError).localizedDescription)); choose a writable --out")
    }
  }

  /// Whether `name` is a file a run writes in its directory (`startOver` removes only these).
  static func isRunFile(_ name: String) -> Bool {
    let fixed = [
      RunCheckpoint.fileName, RunCheckpoint.parametersFileName, RunCheckpoint.bestFileName, RunCheckpoint.configurationFileName,
      MetricsLog.csvName, MetricsLog.jsonLinesName, DirectoryLock.fileName,
    ]
    if fixed.contains(name) { return true }
    // State sidecars, and the temporary files of atomic writes a kill left behind.
    if name.hasPrefix("checkpoint-state-") && name.hasSuffix(".safetensors") { return true }
    return name.hasPrefix(".") && fixed.contains { name.hasPrefix(".\($0).tmp-") }
  }

  /// Checks that `directory` (locked by this process) may hold a new run, removing a stopped
  /// run's files first when `startOver` says so; throws naming the directory and what it holds.
  static func prepareNewRunDirectory(_ directory: String, startOver: Bool, lockExisted: Bool) throws {
    let entries: [String]
    do { entries = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0 != DirectoryLock.fileName }.sorted() } catch {
      throw CheckpointError.invalid(directory, "cannot be listed (\((error as NSError).localizedDescription)); choose a readable --out")
    }
    guard !entries.isEmpty else { return }
    func listed(_ names: [String]) -> String {
      names.prefix(8).joined(separator: ", ") + (names.count > 8 ? " and \(names.count - 8) more" : "")
    }
    if entries.contains(RunCheckpoint.fileName) {
      throw CheckpointError.invalid(directory, "already holds a run; continue it with `vsml train --resume \(directory)` or choose another --out")
    }
    // A stopped run left its lock file and its metrics, which only `vsml train` makes; without
    // them a config.json or metrics file here is the user's, not a run's.
    let stoppedRun = lockExisted && entries.contains(MetricsLog.csvName)
    let foreign = stoppedRun ? entries.filter { !isRunFile($0) } : entries
    guard foreign.isEmpty else {
      throw CheckpointError.invalid(
        directory, "is not empty (it holds \(listed(foreign))); a new run needs a new or empty folder, so that nothing in it is overwritten; choose another --out")
    }
    guard startOver else {
      throw CheckpointError.invalid(
        directory, "holds a run stopped before its first checkpoint (\(listed(entries))); start it over with --force, which removes these files, or choose another --out")
    }
    for name in entries where unlink((directory as NSString).appendingPathComponent(name)) != 0 {
      throw CheckpointError.invalid(directory, "cannot remove \(name) to start over: \(String(cString: strerror(errno)))")
    }
  }

  /// Removes a run directory this process created for a run that failed before its first write:
  /// its lock file, then the directory if nothing else is in it.
  static func removeUnstartedDirectory(_ path: String) {
    unlink((path as NSString).appendingPathComponent(DirectoryLock.fileName))
    rmdir(path)
  }

  /// Refuses a run whose episodes, results and learner states would not fit in memory: each
  /// rank holds its pairs' episodes of the longest stage and runs `threads` at once.
  /// The loaded datasets count too: `datasets` bytes (the locator's shared copies), plus each
  /// task's list of example indices.
  static func checkMemory(
    _ configuration: TrainingConfiguration, samplers: [EpisodeSampler], threads: Int, ranks: Int, datasets: DatasetCache
  ) throws {
    let loaded = samplers.flatMap(\.tasks).reduce(datasets.byteCount) { $0 + $1.indices.count * MemoryLayout<Int32>.stride }
    let gradient = configuration.meta.optimizer == .gradient
    let pairs = WorkPartition(count: gradient ? configuration.meta.gradient.episodes : configuration.es.pairs, ranks: ranks).range(of: 0).count
    for sampler in samplers {
      let widest = sampler.shapes.max { $0.inputSize * $0.classCount < $1.inputSize * $1.classCount } ?? EpisodeShape(inputSize: sampler.inputSize, classCount: sampler.classCount)
      let learner = try configuration.model.makeLearner(inputSize: widest.inputSize, classCount: widest.classCount)
      var running = learner.episodeMemory(concurrent: min(threads, 2 * pairs), retained: 2 * pairs, length: sampler.length)
      if gradient, let network = learner as? VSMLNetwork {
        let perEpisode = VSMLMetaGradient(network: network).memoryBytes(steps: sampler.length)
        running = MemoryBudget.sum(running, perEpisode.flatMap { MemoryBudget.product($0, min(threads, pairs)) })
      }
      let held = MemoryBudget.product(pairs, sampler.length, sampler.largestInputSize + 1, 4)  // the pairs' episodes
      try MemoryBudget.require(
        MemoryBudget.sum(running, held, loaded),
        for: "es.pairs \(configuration.es.pairs) x episodes of \(sampler.length) examples of \(sampler.largestInputSize) inputs "
          + "(\(configuration.model.kind.rawValue), model.hiddenSizes \(configuration.model.hiddenSizes), \(threads) threads, "
          + "\(datasets.count) dataset\(datasets.count == 1 ? "" : "s") of \(loaded >> 20) MiB loaded)")
    }
  }

  /// What the ranks must agree on: the configuration, the starting point, every dataset they
  /// will draw from (by content), and the kernel path.
  private static func fingerprint(_ prepared: Prepared) throws -> [String: String] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    var config = ContentHash()
    config.combine(bytes: try encoder.encode(prepared.configuration))
    var mean = ContentHash()
    mean.combine(floats: prepared.strategy.mean)
    var fields = [
      "configuration": "configuration hash \(config.hex)",
      "start": "iteration \(prepared.strategy.iteration), ES mean hash \(mean.hex)",
      "kernel": "kernel path \(KernelPath.selected)",
    ]
    for (s, sampler) in prepared.samplers.enumerated() {
      for (t, task) in sampler.tasks.enumerated() { fields["data: training stage \(s), task \(t)"] = task.fingerprint }
    }
    for (v, sampler) in prepared.validationSamplers.enumerated() { fields["data: validation task \(v)"] = sampler.tasks[0].fingerprint }
    return fields
  }

  /// The samplers of every curriculum stage; index 0 is `data.tasks`.
  static func makeSamplers(_ configuration: TrainingConfiguration, locator: DataLocator) throws -> [EpisodeSampler] {
    try (0...configuration.data.curriculum.count).map { try makeSampler(configuration, stage: $0, locator: locator) }
  }

  /// The seed of the validation meta-tests' episodes.
  static func validationSeed(_ configuration: TrainingConfiguration) -> UInt64 {
    SeededGenerator.derive(seed: configuration.seed, stream: .validationEpisodes)
  }

  /// The validation tasks' samplers; none when validation is off (`schedule.evaluateEvery` 0).
  static func makeValidationSamplers(_ configuration: TrainingConfiguration, locator: DataLocator) throws -> [EpisodeSampler] {
    guard configuration.schedule.evaluateEvery > 0 else { return [] }
    return try configuration.validation.tasks.map { task in
      try EpisodeSampler(task: task, split: .validation, length: configuration.validation.steps, seed: validationSeed(configuration), locator: locator)
    }
  }
  static func makeSampler(_ configuration: TrainingConfiguration, stage: Int, locator: DataLocator) throws -> EpisodeSampler {
    let (tasks, length) = stage == 0
      ? (configuration.data.tasks, configuration.data.episodeLength)
      : (configuration.data.curriculum[stage - 1].tasks, configuration.data.curriculum[stage - 1].episodeLength)
    return try EpisodeSampler(
      mixture: TaskMixture(components: tasks), split: .train, length: length,
      seed: SeededGenerator.derive(seed: configuration.seed, stream: .trainingEpisodes, stage), locator: locator,
      mixedShapes: configuration.data.mixedSizes == true)
  }

  /// The strategy's state, as a checkpoint stores it.
  public var strategyState: StrategyState { strategy.checkpointState }

  /// The current meta-parameters (the ES mean) with their model description.
  public var learned: LearnedParameters { LearnedParameters(model: configuration.model, parameters: strategy.mean) }

  /// Runs one ES iteration (collective); returns its metrics row, the same on every rank except
  /// `wait_s` and `comm_s`, which are this rank's. A stop request on any rank cuts the episodes
  /// short and throws `CancellationError` before anything is applied: the strategy is unchanged.
  public func step(cancellation: Cancellation = .never) throws -> [String: Double] {
    if configuration.meta.optimizer == .gradient { return try gradientStep(cancellation: cancellation) }
    let start = monotonicSeconds()
    let cpuStart = processCPUSeconds()
    let iteration = strategy.iteration
    let stage = configuration.stage(at: iteration)
    let sampler = samplers[stage.index]
    // One learner per episode size (one unless data.mixedSizes); VSML's meta-parameters fit all.
    var learners: [EpisodeShape: any OnlineLearner] = [:]
    for shape in sampler.shapes {
      learners[shape] = try configuration.model.makeLearner(inputSize: shape.inputSize, classCount: shape.classCount)
    }
    let sized = learners
    let pairs = configuration.es.pairs
    let es = strategy
    let seed = configuration.seed
    // With es.sharedEpisode every pair runs pair 0's episode and initial state, built once here.
    let sharedEpisode = configuration.es.sharedEpisode == true ? sampler.episode(iteration * pairs) : nil
    // Per pair: its episode and initial state, then (loss, accuracy) of its two members. Float
    // to Double and back is exact, NaN included.
    let gathered = try executor.map(count: pairs, perItem: 4, cancellation: cancellation) { pair in
      let k = sharedEpisode == nil ? pair : 0
      var episode = sharedEpisode ?? sampler.episode(iteration * pairs + k)
      episode.cancellation = cancellation
      let stateSeed = SeededGenerator.derive(seed: seed, stream: .episodeState, iteration, k)
      // Every episode has the size of one of the sampler's components, each of which has a learner.
      let learner = sized[EpisodeShape(inputSize: episode.inputSize, classCount: episode.classCount)]!
      return (0..<2).flatMap { m -> [Double] in
        let r = learner.run(episode: episode, parameters: es.member(2 * pair + m), stateSeed: stateSeed, recordLogits: false)
        return [Double(r.meanLoss), Double(r.accuracy)]
      }
    }
    var commSeconds = gathered.commSeconds
    let accuracies = stride(from: 1, to: gathered.values.count, by: 2).map { gathered.values[$0] }
    let objective = configuration.es.fitnessObjective
    let fitness = accuracies.indices.map { objective.fitness(meanLoss: Float(gathered.values[2 * $0]), accuracy: accuracies[$0]) }
    let report = strategy.tell(fitness: fitness, threads: threads)
    let elapsed = try addIterationTime(since: start, cpuSince: cpuStart, commSeconds: &commSeconds)
    return [
      "iteration": Double(iteration + 1), "wall_s": wallSeconds, "cpu_s": cpuSeconds, "iteration_s": elapsed, "stage": Double(stage.index),
      "mean_fitness": Double(report.meanFitness), "min_fitness": Double(report.minFitness), "max_fitness": Double(report.maxFitness),
      "mean_accuracy": Statistics.mean(accuracies), "gradient_norm": Double(report.gradientNorm),
      "sigma": Double(report.sigma), "learning_rate": Double(report.learningRate), "non_finite": Double(report.nonFiniteCount),
      "example_steps_per_s": Double(es.populationSize * stage.episodeLength) / elapsed, "validation_accuracy": .nan,
      "wait_s": gathered.waitSeconds, "comm_s": commSeconds, "clipped": .nan,
    ]
  }

  /// Adds an iteration's time to the run's totals and returns its wall time (collective). The
  /// iteration's time is the slowest rank's; its CPU time is the sum over ranks. Every rank gets
  /// the same values, so time budgets stop all ranks at the same iteration.
  private func addIterationTime(since start: Double, cpuSince cpuStart: Double, commSeconds: inout Double) throws -> Double {
    let local = [monotonicSeconds() - start, processCPUSeconds() - cpuStart]
    let timingStart = monotonicSeconds()
    let timings = try communicator.allGather(local, counts: Array(repeating: 2, count: communicator.size))
    commSeconds += monotonicSeconds() - timingStart
    let elapsed = stride(from: 0, to: timings.count, by: 2).map { timings[$0] }.max() ?? local[0]
    wallSeconds += elapsed
    cpuSeconds += stride(from: 1, to: timings.count, by: 2).reduce(0) { $0 + timings[$1] }
    return elapsed
  }

  /// One update of gradient meta-training (collective): the mean gradient of
  /// `meta.gradient.episodes` episodes, each differentiated through all its steps
  /// (`VSMLMetaGradient`), clipped to `clipNorm`, then one Adam step. Episodes are split over
  /// ranks and threads; every episode's gradient is gathered and the sum is taken in episode
  /// order, so the update does not depend on the number of ranks or threads. A non-finite
  /// gradient is skipped (counted in `non_finite`), never applied.
  func gradientStep(cancellation: Cancellation) throws -> [String: Double] {
    let start = monotonicSeconds()
    let cpuStart = processCPUSeconds()
    let iteration = strategy.iteration
    let stage = configuration.stage(at: iteration)
    let sampler = samplers[stage.index]
    let settings = configuration.meta.gradient
    // One differentiable network per episode size (one unless data.mixedSizes); the
    // meta-parameters are the same for every size.
    var metas: [EpisodeShape: VSMLMetaGradient] = [:]
    for shape in sampler.shapes {
      guard let network = try configuration.model.makeLearner(inputSize: shape.inputSize, classCount: shape.classCount) as? VSMLNetwork,
            network.usesFastPath
      else { throw ConfigurationError(field: "meta.optimizer", message: "gradient meta-training needs a VSML model with state size 16") }
      var meta = VSMLMetaGradient(network: network)
      meta.truncation = settings.truncation
      metas[shape] = meta
    }
    let sized = metas
    let count = settings.episodes
    let (mean, seed) = (strategy.mean, configuration.seed)
    // Per episode: loss, accuracy, then the gradient; gathered in episode order. With one size,
    // this rank's episodes spread over its threads (`lossesAndGradients`); with mixed sizes each
    // episode runs on its own size's network, one after another, each over all the threads.
    let dimension = strategy.dimension
    let gathered = try executor.gather(count: count, perItem: dimension + 2, cancellation: cancellation) { mine in
      guard !mine.isEmpty else { return [] }
      @Sendable func job(_ i: Int) -> PopulationJob {
        var episode = sampler.episode(iteration * count + i)
        episode.cancellation = cancellation
        return PopulationJob(parameters: mean, episode: episode, stateSeed: SeededGenerator.derive(seed: seed, stream: .episodeState, iteration, i))
      }
      var computed: [VSMLMetaGradient.Result] = []
      if sized.count == 1, let meta = sized.values.first {
        guard let all = meta.lossesAndGradients(count: mine.count, threads: threads, job: { job(mine.lowerBound + $0) }) else { return nil }
        computed = all
      } else {
        for i in mine {
          let work = job(i)
          // Every episode has the size of one of the sampler's components, each of which has a network.
          let meta = sized[EpisodeShape(inputSize: work.episode.inputSize, classCount: work.episode.classCount)]!
          guard let one = meta.lossesAndGradients(count: 1, threads: threads, job: { _ in work }) else { return nil }
          computed += one
        }
      }
      return computed.flatMap { [Double($0.episode.meanLoss), Double($0.episode.accuracy)] + $0.gradient }
    }
    var commSeconds = gathered.commSeconds
    var gradient = [Double](repeating: 0, count: dimension)
    var losses: [Double] = [], accuracies: [Double] = []
    for e in 0..<count {
      let row = e * (dimension + 2)
      losses.append(gathered.values[row])
      accuracies.append(gathered.values[row + 1])
      for j in 0..<dimension { gradient[j] += gathered.values[row + 2 + j] }
    }
    for j in 0..<dimension { gradient[j] /= Double(count) }
    let update = ClippedGradient(gradient, clipNorm: Double(settings.clipNorm))
    // Gradient meta-training keeps its mean and Adam state in OpenAI-ES (validation rejects
    // another es.strategy), so that checkpoints and resume are shared.
    guard var holder = strategy as? OpenAIES else {
      throw ConfigurationError(field: "es.strategy", message: "gradient meta-training needs the openai strategy; remove es.strategy")
    }
    let learningRate = holder.learningRate
    let applied = holder.applyGradient(update.values)
    strategy = holder
    if !applied { log("iteration \(iteration + 1): non-finite gradient (norm \(update.norm)); update skipped") }
    let elapsed = try addIterationTime(since: start, cpuSince: cpuStart, commSeconds: &commSeconds)
    let finiteLosses = losses.filter(\.isFinite)
    return [
      "iteration": Double(iteration + 1), "wall_s": wallSeconds, "cpu_s": cpuSeconds, "iteration_s": elapsed, "stage": Double(stage.index),
      "mean_fitness": Statistics.mean(losses), "min_fitness": finiteLosses.min() ?? .nan, "max_fitness": finiteLosses.max() ?? .nan,
      "mean_accuracy": Statistics.mean(accuracies), "gradient_norm": update.norm, "sigma": 0, "learning_rate": Double(learningRate),
      "non_finite": applied ? 0 : 1, "example_steps_per_s": Double(count * stage.episodeLength) / elapsed,
      "validation_accuracy": .nan, "wait_s": gathered.waitSeconds, "comm_s": commSeconds, "clipped": update.clipped ? 1 : 0,
    ]
  }

  /// Meta-tests the current mean on the validation split of the validation tasks (collective:
  /// the episodes are split over ranks); returns the mean online accuracy over tasks. Throws
  /// `CancellationError` when a stop request cuts it short.
  public func validate(cancellation: Cancellation = .never) throws -> Double {
    var evaluator = Evaluator(
      episodes: configuration.validation.episodes, steps: configuration.validation.steps,
      seed: Self.validationSeed(configuration), threads: threads, split: .validation, communicator: communicator)
    evaluator.cancellation = cancellation
    let accuracies = try validationSamplers.map { sampler in
      let learner = try configuration.model.makeLearner(inputSize: sampler.inputSize, classCount: sampler.classCount)
      return try evaluator.evaluate(learner, sampler: sampler, parameters: strategy.mean, name: sampler.tasks[0].spec.dataset).meanAccuracy
    }
    return Statistics.mean(accuracies)
  }

  /// Writes `checkpoint.safetensors` then `checkpoint.json`, each atomically (rank 0 only).
  public func saveCheckpoint() throws {
    guard communicator.isLeader else { return }
    try learned.write(to: path(RunCheckpoint.parametersFileName), inputSize: shape.inputSize, classCount: shape.classCount)
    try RunCheckpoint(
      formatVersion: RunCheckpoint.currentFormatVersion, configuration: configuration, iteration: strategy.iteration,
      strategy: strategy.checkpointState, wallSeconds: wallSeconds, cpuSeconds: cpuSeconds, bestValidationAccuracy: bestValidationAccuracy,
      bestValidationIteration: bestValidationIteration, inputSize: shape.inputSize, classCount: shape.classCount
    ).write(runDirectory: runDirectory)
  }

  func path(_ name: String) -> String { (runDirectory as NSString).appendingPathComponent(name) }

  /// Whether the run is over: its iteration count reached or a time budget spent.
  public var finished: Bool { strategy.iteration >= configuration.schedule.iterations || budgetSpent }

  /// Whether a time budget of the schedule is spent.
  public var budgetSpent: Bool {
    let schedule = configuration.schedule
    if let limit = schedule.maxWallMinutes, wallSeconds >= limit * 60 { return true }
    if let limit = schedule.maxCPUMinutes, cpuSeconds >= limit * 60 { return true }
    return false
  }

  /// Trains until `configuration.schedule.iterations`, until a time budget of the schedule is
  /// spent, or until `shouldStop()` or `cancellation` is true on any rank (checked after every
  /// iteration, and agreed by all ranks); a final checkpoint is written either way. Collective.
  /// Releases the run directory's lock when it returns.
  ///
  /// `cancellation` is also polled within iterations and meta-tests. A request mid-iteration drops
  /// that iteration (the checkpoint holds the one before, so a resume repeats it exactly); a
  /// request mid-meta-test skips that meta-test. Either way the run checkpoints and returns.
  public func run(
    shouldStop: () -> Bool = { false }, cancellation: Cancellation = .never, progress: ((Int, [String: Double]) -> Void)? = nil
  ) throws {
    defer { lock = nil }  // the run is over: another writer may continue it
    let schedule = configuration.schedule
    while strategy.iteration < schedule.iterations && !budgetSpent {
      var row: [String: Double]
      do {
        row = try step(cancellation: cancellation)
      } catch is CancellationError {
        try saveCheckpoint()
        log("stopped at iteration \(strategy.iteration) (iteration \(strategy.iteration + 1) was cut short and is dropped); checkpoint written to \(runDirectory)")
        return
      }
      let done = strategy.iteration
      // The last iteration (count reached or budget spent) is always meta-tested, so that
      // best.safetensors considers the final mean.
      let last = done == schedule.iterations || budgetSpent
      var cancelled = false
      if schedule.evaluateEvery > 0 && (done % schedule.evaluateEvery == 0 || last) {
        let accuracy: Double
        do {
          accuracy = try validate(cancellation: cancellation)
        } catch is CancellationError {
          accuracy = .nan
          cancelled = true
        }
        row["validation_accuracy"] = accuracy
        if accuracy > (bestValidationAccuracy ?? -1) {
          bestValidationAccuracy = accuracy
          bestValidationIteration = done
          if communicator.isLeader {
            try learned.write(to: path(RunCheckpoint.bestFileName), inputSize: shape.inputSize, classCount: shape.classCount)
          }
        }
      }
      row["diverging"] = communicator.isLeader && divergence.add(row["mean_fitness"] ?? .nan) ? 1 : 0
      try metrics?.append(row)
      // Once a stop is requested, nothing is printed before the checkpoint: a launcher that is
      // shutting down (mpirun on SIGTERM) may no longer read the output, and a blocked write
      // would keep the checkpoint from being written.
      let stopHere = cancelled || cancellation.isRequested || shouldStop()
      if communicator.isLeader && !stopHere { progress?(done, row) }
      let stop = try communicator.any(stopHere)
      if done % schedule.checkpointEvery == 0 || last || stop { try saveCheckpoint() }
      if stop {
        log("stopped at iteration \(done); checkpoint written to \(runDirectory)")
        return
      }
    }
    try saveCheckpoint()
  }
}
