import Foundation
import VSML
import VSMLCore
import VSMLData

/// A grid of meta-training runs and the meta-test of every result on every test dataset: the
/// paper's train x test matrix (METHOD.md, "Evaluation") at whatever scale the budgets allow.
///
/// Each training entry is a model, a training task (one dataset, a mixture, or every test dataset
/// but one) and a list of seeds; each (entry, seed) is an ordinary run directory with a CPU-time
/// budget. Hand-designed learners (`sgd`, `adam`) are meta-tested beside them without training.
/// Read with `ConfigurationLoader`: any subset of the fields, unknown keys rejected.
public struct ExperimentManifest: Codable, Hashable, Sendable {
  /// One row of the matrix for one model.
  public struct Training: Codable, Hashable, Sendable {
    public var model: ModelKind
    /// Datasets of the training mixture, equal weights; exclusive with `allBut`.
    public var tasks: [String]?
    /// Train on every test dataset except this one (the paper's "all but one" rows).
    public var allBut: String?
    public var seeds: [UInt64]
    /// Process CPU minutes of meta-training per seed, all threads together: the same budget for
    /// every model makes the comparison fair whatever else the machine runs.
    public var cpuMinutes: Double
    /// Overrides of this entry's configuration, in `--set` syntax (`es.pairs=16`).
    public var set: [String]

    public init(model: ModelKind = .vsml, tasks: [String]? = nil, allBut: String? = nil, seeds: [UInt64] = [0], cpuMinutes: Double = 5, set: [String] = []) {
      self.model = model
      self.tasks = tasks
      self.allBut = allBut
      self.seeds = seeds
      self.cpuMinutes = cpuMinutes
      self.set = set
    }

    private enum CodingKeys: String, CodingKey { case model, tasks, allBut, seeds, cpuMinutes, set }

    public init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      let defaults = Training()
      model = try c.decodeIfPresent(ModelKind.self, forKey: .model) ?? defaults.model
      tasks = try c.decodeIfPresent([String].self, forKey: .tasks)
      allBut = try c.decodeIfPresent(String.self, forKey: .allBut)
      seeds = try c.decodeIfPresent([UInt64].self, forKey: .seeds) ?? defaults.seeds
      cpuMinutes = try c.decodeIfPresent(Double.self, forKey: .cpuMinutes) ?? defaults.cpuMinutes
      set = try c.decodeIfPresent([String].self, forKey: .set) ?? []
    }

    /// The row label: the training datasets, or "all but X".
    public var label: String { allBut.map { "all but \($0)" } ?? (tasks ?? []).joined(separator: "+") }

    /// The training datasets, given the manifest's test datasets.
    public func datasets(testDatasets: [String]) -> [String] {
      if let allBut { return testDatasets.filter { $0 != allBut } }
      return tasks ?? []
    }

    /// The run directory name of `seed`: model, label and seed, in file-name-safe characters.
    public func runName(seed: UInt64) -> String {
      "\(model.rawValue)-\(SafeFileName.make(label, replacement: "-"))-seed\(seed)"
    }
  }

  /// The meta-test protocol applied to every learner.
  public struct Test: Codable, Hashable, Sendable {
    public var datasets: [String] = ["mnist", "fashion-mnist", "random", "sum"]
    /// Further columns meta-tested only where their files are present (e.g. KMNIST, EMNIST,
    /// CIFAR-10 on machines that have them); elsewhere they are skipped with a note, and the
    /// report leaves them out.
    public var optionalDatasets: [String] = []
    public var episodes: Int = 16
    public var steps: Int = 500
    public var seed: UInt64 = 0
    /// Which meta-parameters of a run are tested: its best on the validation split, or its last.
    public var parameters: Selection = .best
    public init() {}
  }

  public enum Selection: String, Codable, Hashable, Sendable { case best, final }

  /// Applied to every dataset, training and test alike (e.g. a resize), so that every learner sees
  /// one input size.
  public var transforms: [Transform] = []
  /// The base configuration of every run; each entry sets the model, the data, the seed and the
  /// budget on top of it, then its own overrides.
  public var configuration = TrainingConfiguration()
  public var training: [Training] = [Training(tasks: ["mnist"])]
  public var test = Test()
  /// Hand-designed learners meta-tested without training (`sgd`, `adam`, `mlp-sgd`, `mlp-adam`).
  public var baselines: [String] = ["sgd", "adam"]

  public init() {}

  /// Checks the grid; errors name the field.
  public func validate() throws {
    func fail(_ field: String, _ message: String) -> ConfigurationError { ConfigurationError(field: field, message: message) }
    guard !test.datasets.isEmpty else { throw fail("test.datasets", "needs at least one dataset") }
    guard Set(test.datasets).count == test.datasets.count else { throw fail("test.datasets", "lists a dataset twice") }
    guard Set(test.datasets + test.optionalDatasets).count == test.datasets.count + test.optionalDatasets.count else {
      throw fail("test.optionalDatasets", "lists a dataset twice, or one of test.datasets")
    }
    guard (1...ConfigurationLimits.validationEpisodes).contains(test.episodes) else {
      throw fail("test.episodes", "must be between 1 and \(ConfigurationLimits.validationEpisodes); got \(test.episodes)")
    }
    guard (1...ConfigurationLimits.episodeLength).contains(test.steps) else {
      throw fail("test.steps", "must be between 1 and \(ConfigurationLimits.episodeLength); got \(test.steps)")
    }
    var names = Set<String>()
    for (i, entry) in training.enumerated() {
      let field = "training[\(i)]"
      switch (entry.tasks, entry.allBut) {
      case (nil, nil): throw fail(field, "needs `tasks` (datasets to train on) or `allBut` (a test dataset to leave out)")
      case (.some, .some): throw fail(field, "gives both `tasks` and `allBut`; keep one")
      case (.some(let tasks), nil) where tasks.isEmpty: throw fail("\(field).tasks", "needs at least one dataset")
      case (nil, .some(let left)) where !test.datasets.contains(left):
        throw fail("\(field).allBut", "'\(left)' is not one of test.datasets (\(test.datasets.joined(separator: ", ")))")
      default: break
      }
      guard !entry.seeds.isEmpty, Set(entry.seeds).count == entry.seeds.count else {
        throw fail("\(field).seeds", "needs at least one seed, each once")
      }
      guard entry.cpuMinutes > 0, entry.cpuMinutes.isFinite else {
        throw fail("\(field).cpuMinutes", "must be a positive number of minutes; got \(entry.cpuMinutes)")
      }
      for seed in entry.seeds {
        guard names.insert(entry.runName(seed: seed)).inserted else {
          throw fail(field, "repeats the model, training task and seed \(seed) of an earlier entry")
        }
      }
    }
    for name in baselines where LearnerSource.handDesigned[name] == nil {
      throw fail("baselines", "'\(name)' is not a hand-designed learner (\(LearnerSource.handDesigned.keys.sorted().joined(separator: ", ")))")
    }
    guard Set(baselines).count == baselines.count else {
      throw fail("baselines", "lists a learner twice (\(baselines.joined(separator: ", "))); each is meta-tested once")
    }
    // Result files are named by the dataset's safe file name: two names must not share one.
    var files: [String: String] = [:]
    for name in test.datasets + test.optionalDatasets {
      if let other = files.updateValue(name, forKey: SafeFileName.make(name)) {
        throw fail("test.datasets", "'\(other)' and '\(name)' would share one result file (\(SafeFileName.make(name)).json); rename one of the files")
      }
    }
  }

  /// The task of dataset `name`: colour datasets (CIFAR-10) are made grayscale first, then the
  /// manifest's `transforms` apply, so that every dataset gives one input size; for learners of
  /// fixed shape, labels are padded to `padClasses`.
  public func task(_ name: String, padClasses: Int? = nil) -> TaskSpec {
    let colour = ((try? DatasetRegistry.info(name))?.shape.channels ?? 1) > 1
    return TaskSpec(dataset: name, transforms: (colour ? [.grayscale] : []) + transforms, padClasses: padClasses)
  }
}
