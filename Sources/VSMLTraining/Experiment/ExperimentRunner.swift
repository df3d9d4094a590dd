import Foundation
import VSML
import VSMLCore
import VSMLData

/// `directory/name`.
func join(_ directory: String, _ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

/// One meta-test result of the grid: a learner (a run, or a hand-designed baseline) on one test
/// dataset. Stored as `eval/<learner>/<dataset>.json`.
public struct ExperimentCell: Codable, Sendable {
  /// The run directory name, or the baseline's name.
  public var learner: String
  /// `vsml`, `meta-rnn`, ...; `hand-designed` for baselines.
  public var model: String
  /// The row label (training task), or the baseline's name.
  public var training: String
  public var seed: UInt64?
  public var result: Evaluator.Result
}

/// Runs an experiment grid into a directory, skipping what is done and resuming what was
/// interrupted: `runs/<name>` are ordinary run directories, `eval/<learner>/<dataset>.json` the
/// meta-test results, `manifest.json` the grid. Stopping (a signal, `cancellation`) at any point
/// and running again continues where it stopped, with the same results.
public struct ExperimentRunner {
  public let manifest: ExperimentManifest
  public let directory: String
  public let locator: DataLocator
  public let threads: Int
  public var log: (String) -> Void

  public static let manifestFileName = "manifest.json"
  public static let reservedLabel = "hand-designed"

  public init(manifest: ExperimentManifest, directory: String, locator: DataLocator, threads: Int, log: @escaping (String) -> Void = { _ in }) throws {
    try manifest.validate()
    self.manifest = manifest
    self.directory = directory
    self.locator = locator
    self.threads = threads
    self.log = log
  }

  /// The run directory of `entry`'s `seed`.
  public func runDirectory(_ entry: ExperimentManifest.Training, seed: UInt64) -> String {
    join(join(directory, "runs"), entry.runName(seed: seed))
  }

  /// The test datasets of this machine: `test.datasets`, then those of `test.optionalDatasets`
  /// whose files are present.
  public func testDatasets() -> [String] {
    manifest.test.datasets + manifest.test.optionalDatasets.filter { name in
      guard let info = try? DatasetRegistry.info(name), !info.isSynthetic else { return true }
      let present = info.format.localFiles.allSatisfy { (try? locator.locate($0, of: info)) != nil }
      if !present { log("\(name): files not present; skipped (an optional test dataset)") }
      return present
    }
  }

  /// Where the meta-test of `learner` on `dataset` is stored; both names pass through
  /// `SafeFileName`, so a `csv:` path with `../` stays inside the experiment's folder.
  public func cellPath(learner: String, dataset: String) -> String {
    join(join(join(directory, "eval"), SafeFileName.make(learner)), SafeFileName.make(dataset) + ".json")
  }

  /// Classes of the widest of `testDatasets` and the training datasets: learners of fixed shape
  /// (every model but VSML) are built with this many outputs, and narrower tasks pad their labels to it.
  func fixedClassCount(testDatasets: [String]) throws -> Int {
    let names = Set(testDatasets + manifest.training.flatMap { $0.datasets(testDatasets: manifest.test.datasets) })
    return try names.sorted().map { name in
      try EpisodeSampler(mixture: TaskMixture(components: [.init(task: manifest.task(name))]), split: .test, length: 1, seed: 0, locator: locator).classCount
    }.max() ?? 1
  }

  /// The configuration of `entry`'s run with `seed`: the manifest's base, then the entry's
  /// model, data, seed and budget, then the entry's overrides.
  public func configuration(_ entry: ExperimentManifest.Training, seed: UInt64, fixedClasses: Int) throws -> TrainingConfiguration {
    var c = manifest.configuration
    c.model.kind = entry.model
    // A mixture draws each episode from one of its datasets, and they must agree on the class count.
    let datasets = entry.datasets(testDatasets: manifest.test.datasets)
    let pad = entry.model == .vsml && datasets.count == 1 ? nil : fixedClasses
    let tasks = datasets.map { manifest.task($0, padClasses: pad) }
    c.data.tasks = tasks.map { .init(task: $0) }
    c.data.curriculum = []
    c.validation.tasks = tasks
    c.seed = seed
    c.schedule.maxCPUMinutes = entry.cpuMinutes
    c.schedule.iterations = ConfigurationLimits.iterations
    if !entry.set.isEmpty {
      c = try ConfigurationLoader.load(TrainingConfiguration.self, json: JSONEncoder().encode(c), overrides: entry.set, defaults: TrainingConfiguration())
    }
    try c.validate()
    return c
  }

  /// Trains what is missing, then meta-tests what is missing. Returns false when a stop request
  /// ended it early (everything finished so far is kept; running again continues).
  public func run(cancellation: Cancellation = .never, progress: ((String, Int, [String: Double]) -> Void)? = nil) throws -> Bool {
    try MetaTrainer.createDirectory(directory)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try writeAtomically(Array(try encoder.encode(manifest)), to: join(directory, Self.manifestFileName))
    let test = manifest.test
    let datasets = testDatasets()
    let fixedClasses = try fixedClassCount(testDatasets: datasets)

    for entry in manifest.training {
      for seed in entry.seeds {
        let runDirectory = runDirectory(entry, seed: seed)
        let name = entry.runName(seed: seed)
        let trainer: MetaTrainer
        if FileManager.default.fileExists(atPath: join(runDirectory, RunCheckpoint.fileName)) {
          trainer = try MetaTrainer(resuming: runDirectory, locator: locator, threads: threads, iterations: nil, log: log)
        } else {
          try MetaTrainer.createDirectory(join(directory, "runs"))
          // The grid owns its run folders: a run stopped before its first checkpoint starts over.
          trainer = try MetaTrainer(
            configuration: configuration(entry, seed: seed, fixedClasses: fixedClasses), runDirectory: runDirectory,
            locator: locator, threads: threads, startOver: true, log: log)
        }
        if !trainer.finished {
          log("training \(name) (\(entry.cpuMinutes) CPU minutes)")
          try trainer.run(cancellation: cancellation) { progress?(name, $0, $1) }
          guard trainer.finished else { return false }
        }
        let file = test.parameters == .best ? RunCheckpoint.bestFileName : RunCheckpoint.parametersFileName
        let path = join(runDirectory, FileManager.default.fileExists(atPath: join(runDirectory, file)) ? file : RunCheckpoint.parametersFileName)
        let learner = LearnerSource.learned(try LearnedParameters(contentsOf: path), name: name)
        let pad = entry.model == .vsml ? nil : fixedClasses
        guard try evaluate(learner, on: datasets, cell: { ExperimentCell(learner: name, model: entry.model.rawValue, training: entry.label, seed: seed, result: $0) },
                           pad: pad, cancellation: cancellation) else { return false }
      }
    }
    for baseline in manifest.baselines {
      let learner = try LearnerSource.handDesigned(baseline)
      guard try evaluate(learner, on: datasets, cell: { ExperimentCell(learner: baseline, model: Self.reservedLabel, training: baseline, seed: nil, result: $0) },
                         pad: nil, cancellation: cancellation) else { return false }
    }
    return true
  }

  /// Meta-tests `learner` on every test dataset whose result is missing; false if stopped.
  func evaluate(
    _ learner: LearnerSource, on datasets: [String], cell: (Evaluator.Result) -> ExperimentCell, pad: Int?, cancellation: Cancellation
  ) throws -> Bool {
    var evaluator = Evaluator(episodes: manifest.test.episodes, steps: manifest.test.steps, seed: manifest.test.seed, threads: threads)
    evaluator.cancellation = cancellation
    let encoder = RoundTripJSON.encoder([.sortedKeys])
    for dataset in datasets {
      let path = cellPath(learner: learner.name, dataset: dataset)
      if FileManager.default.fileExists(atPath: path) { continue }
      log("meta-testing \(learner.name) on \(dataset)")
      let result: Evaluator.Result
      do {
        result = try evaluator.evaluate(task: manifest.task(dataset, padClasses: pad), locator: locator, parameters: learner.parameters, makeLearner: learner.makeLearner)
      } catch is CancellationError {
        return false
      }
      try MetaTrainer.createDirectory((path as NSString).deletingLastPathComponent)
      try writeAtomically(Array(try encoder.encode(cell(result))), to: path)
      try TestSplitReads.record(
        [.init(command: TestSplitReads.currentCommand, learner: learner.name, dataset: dataset, episodes: evaluator.episodes,
               steps: evaluator.steps, seed: evaluator.seed)], in: directory)
    }
    return true
  }

  /// Reads every stored meta-test result of `directory`.
  public static func cells(in directory: String) throws -> [ExperimentCell] {
    let root = join(directory, "eval")
    let decoder = RoundTripJSON.decoder()
    var cells: [ExperimentCell] = []
    for learner in ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted() {
      let folder = join(root, learner)
      for file in ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted() where file.hasSuffix(".json") {
        let path = join(folder, file)
        do {
          cells.append(try decoder.decode(ExperimentCell.self, from: Data(try readAllBytes(at: path, limit: FileSizeLimits.configuration))))
        } catch {
          throw ConfigurationError(field: path, message: "is not a meta-test result of this experiment (\(error)); delete it to have it recomputed")
        }
      }
    }
    return cells
  }
}
