import Foundation
import VSML
import VSMLCore
import VSMLData

/// `vsml demo` as a library type: a short meta-training run of VSML from its initialiser, then a
/// meta-test of the result beside the shipped learners, a freshly initialised VSML and online SGD
/// on the same streams. The caller prints what `train` and `metaTest` return.
public struct DemoPipeline: Sendable {
  /// Learners meta-tested beside the just-trained one, by shipped name.
  public static let shippedLearners = ["builtin", "scratch", "improved"]
  /// Name of the just-trained learner in the results.
  public static let trainedName = "demo (just trained)"

  /// ES iterations of the meta-training.
  public var iterations: Int
  /// Meta-test episodes per dataset and examples per episode.
  public var episodes: Int
  public var steps: Int
  public var seed: UInt64
  public var threads: Int
  public var precision: Precision

  public init(iterations: Int = QuickStart.iterations, episodes: Int = 8, steps: Int = 500, seed: UInt64 = 0,
              threads: Int = 1, precision: Precision = .fp32) {
    self.iterations = iterations
    self.episodes = episodes
    self.steps = steps
    self.seed = seed
    self.threads = threads
    self.precision = precision
  }

  /// What the demo trains on and tests on.
  public struct Tasks: Sendable {
    public var train: TaskSpec
    public var test: [TaskSpec]
    /// Why the real datasets were not used, when they were not.
    public var fallbackReason: String?
  }

  /// MNIST at the quick-start size for training, unseen Fashion-MNIST and MNIST for the test;
  /// when those cannot be loaded (after `fetch`, which may download them, had its chance), the
  /// synthetic `sum` for training and `sum` and `random` for the test.
  public static func tasks(locator: DataLocator, fetch: (DatasetInfo) throws -> Void) -> Tasks {
    do {
      for name in ["mnist", "fashion-mnist"] {
        do {
          _ = try DatasetRegistry.load(name, split: .test, locator: locator)
        } catch {
          try fetch(DatasetRegistry.info(name))
          _ = try DatasetRegistry.load(name, split: .test, locator: locator)
        }
      }
      return Tasks(train: TaskSpec(dataset: "mnist", transforms: [.resize(side: QuickStart.side)]),
                   test: [TaskSpec(dataset: "fashion-mnist"), TaskSpec(dataset: "mnist")])
    } catch {
      return Tasks(train: TaskSpec(dataset: "sum", transforms: [.resize(side: QuickStart.side)]),
                   test: [TaskSpec(dataset: "sum"), TaskSpec(dataset: "random")], fallbackReason: "\(error)")
    }
  }

  /// The meta-training configuration: the quick-start recipe on `task` for `iterations`.
  public func configuration(task: TaskSpec) -> TrainingConfiguration {
    var config = TrainingConfiguration()
    config.data.tasks = [.init(task: task)]
    config.es.hyperparameters = QuickStart.hyperparameters(iterations: iterations)
    config.schedule.iterations = iterations
    config.schedule.checkpointEvery = max(1, iterations)
    config.schedule.evaluateEvery = 0
    config.validation.tasks = [task]
    config.seed = seed
    if precision != .fp32 { config.model.precision = precision }
    return config
  }

  /// Meta-trains on `task` into `runDirectory`; a stop request ends it early with a checkpoint.
  public func train(task: TaskSpec, runDirectory: String, locator: DataLocator, cancellation: Cancellation = .never,
                    progress: ((Int, [String: Double]) -> Void)? = nil) throws -> MetaTrainer {
    let trainer = try MetaTrainer(configuration: configuration(task: task), runDirectory: runDirectory, locator: locator,
                                  threads: threads, log: { _ in })
    try trainer.run(cancellation: cancellation, progress: progress)
    return trainer
  }

  /// The learners to meta-test: the just-trained one, the shipped ones that load (the others
  /// are reported through `unavailable`), `init` and online SGD.
  public func learners(trained: LearnedParameters, unavailable: (String, any Error) -> Void = { _, _ in }) throws -> [LearnerSource] {
    var learners: [LearnerSource] = [.learned(trained, name: Self.trainedName)]
    for name in Self.shippedLearners {
      do {
        var shipped = try LearnerSource.resolve(name)
        if name == "builtin" { shipped.name = "builtin (\(ShippedLearners.builtin))" }
        learners.append(shipped)
      } catch {
        unavailable(name, error)
      }
    }
    learners.append(.initial())
    learners.append(try LearnerSource.handDesigned("sgd"))
    return precision == .fp32 ? learners : try learners.map { try $0.withPrecision(precision) }
  }

  /// One learner's meta-test results, in the order of the test tasks.
  public struct Row: Sendable {
    public var learner: String
    public var results: [Evaluator.Result]
  }

  /// Meta-tests every learner on every test task (test split, the same streams for all).
  public func metaTest(_ learners: [LearnerSource], on tasks: [TaskSpec], locator: DataLocator,
                       cancellation: Cancellation = .never) throws -> [Row] {
    var evaluator = Evaluator(episodes: episodes, steps: steps, seed: seed, threads: threads)
    evaluator.cancellation = cancellation
    return try learners.map { learner in
      Row(learner: learner.name, results: try tasks.map { task in
        try evaluator.evaluate(task: task, locator: locator, parameters: learner.parameters, makeLearner: learner.makeLearner)
      })
    }
  }

  /// The rows as a fixed-width table: one column per test task, mean ± 95 % interval.
  public static func table(_ rows: [Row], tasks: [TaskSpec]) -> String {
    let width = 24
    func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
    var lines = [pad("learner") + tasks.map { pad($0.dataset) }.joined()]
    for row in rows {
      lines.append(pad(row.learner) + row.results.map { pad(String(format: "%.3f ± %.3f", $0.meanAccuracy, $0.ci95)) }.joined())
    }
    return lines.joined(separator: "\n")
  }

  /// The rows as one JSON object's `learners` field: learner → dataset → summary.
  public func summary(_ rows: [Row]) -> [String: Any] {
    rows.reduce(into: [String: Any]()) { $0[$1.learner] = EvaluationReport.summary($1.results, learner: $1.learner, seed: seed)["datasets"] }
  }
}
