import ArgumentParser
import Foundation
import VSMLCore
import VSMLData
import VSMLTraining

struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "A short meta-training run end to end, then a meta-test of its result beside the shipped learners, init and online SGD.",
    discussion: """
      Meta-trains VSML from its initialiser by ES on MNIST (7x7 inputs, 50-example episodes, the \
      quick-start recipe that `vsml train` defaults to) for about two minutes on two cores, then \
      meta-tests the result on 28x28 inputs, the shipped learners (`builtin`, `scratch`, `improved`), a freshly initialised VSML \
      (`init`) and online SGD on \
      unseen Fashion-MNIST and on MNIST (test split, same streams for every learner). Datasets come \
      from --data-dir, VSML_DATA_DIR, the cache, or a download; if none can be had, the demo says so \
      and uses the synthetic tasks instead.
      """)

  @Option(help: "ES iterations of the demo's meta-training.")
  var iterations = QuickStart.iterations

  @Option(help: "Episodes per dataset in the meta-test.")
  var episodes = 8

  @Option(help: "Examples per meta-test episode.")
  var steps = 500

  @OptionGroup var data: DataOptions

  @Option(help: "Run directory of the demo's meta-training (default: a new temporary directory).")
  var out: String?

  @OptionGroup var compute: ComputeOptions

  @OptionGroup var arithmetic: PrecisionOptions

  @Flag(help: "Print one JSON object with every learner's results.")
  var json = false

  func validate() throws {
    try requireOption(iterations, in: OptionLimits.iterations, "iterations")
    try requireOption(episodes, in: OptionLimits.episodes, "episodes")
    try requireOption(steps, in: OptionLimits.steps, "steps")
  }

  func say(_ text: String) {
    if json { FileHandle.standardError.write(Data((text + "\n").utf8)) } else { print(text) }
    flushOutput()
  }

  func run() throws {
    let locator = data.locator
    var trainTask = TaskSpec(dataset: "mnist", transforms: [.resize(side: QuickStart.side)])
    var testTasks = [TaskSpec(dataset: "fashion-mnist"), TaskSpec(dataset: "mnist")]
    do {
      for name in ["mnist", "fashion-mnist"] {
        do {
          _ = try DatasetRegistry.load(name, split: .test, locator: locator)
        } catch {
          say("\(name) not found locally; downloading it into the cache (verified checksums)...")
          _ = try Downloader(locator: locator, timeout: 30, log: { say($0) }).fetch(DatasetRegistry.info(name))
          _ = try DatasetRegistry.load(name, split: .test, locator: locator)
        }
      }
    } catch {
      say("real datasets unavailable (\(error)).\nFalling back to the synthetic tasks: meta-training on `sum`, meta-testing on `sum` and `random`.")
      trainTask = TaskSpec(dataset: "sum", transforms: [.resize(side: QuickStart.side)])
      testTasks = [TaskSpec(dataset: "sum"), TaskSpec(dataset: "random")]
    }

    var config = TrainingConfiguration()
    config.data.tasks = [.init(task: trainTask)]
    config.es.hyperparameters = QuickStart.hyperparameters(iterations: iterations)
    config.schedule.iterations = iterations
    config.schedule.checkpointEvery = max(1, iterations)
    config.schedule.evaluateEvery = 0
    config.validation.tasks = [trainTask]
    config.seed = compute.seed
    if arithmetic.precision != .fp32 { config.model.precision = arithmetic.precision }
    let runDirectory = out ?? NSTemporaryDirectory() + "/vsml-demo-\(ProcessInfo.processInfo.processIdentifier)-\(Int(monotonicSeconds()))"
    say("1/2 meta-training VSML on \(trainTask.dataset) for \(iterations) ES iterations (\(config.es.pairs) antithetic pairs, \(config.data.episodeLength)-example episodes) into \(runDirectory)")
    let trainer: MetaTrainer
    do {
      trainer = try MetaTrainer(configuration: config, runDirectory: runDirectory, locator: locator, threads: compute.threads, log: { _ in })
      installStopHandlers()
      let reporter = ProgressReporter(total: iterations, every: max(1, iterations / 10))
      try trainer.run(cancellation: stopRequest, progress: json ? nil : reporter.report)
    } catch {
      throw CLIError("\(error)")
    }
    // A stop during meta-training ends the demo there, with the run directory checkpointed.
    if stopRequest.isRequested { exitAfterStop() }

    var learners: [LearnerSource] = [.learned(trainer.learned, name: "demo (just trained)")]
    for name in ["builtin", "scratch", "improved"] {
      do {
        var shipped = try LearnerSource.resolve(name)
        if name == "builtin" { shipped.name = "builtin (\(ShippedLearners.builtin))" }
        learners.append(shipped)
      } catch {
        say("shipped learner \(name) unavailable: \(error)")
      }
    }
    learners.append(.initial())
    learners.append(try LearnerSource.handDesigned("sgd"))
    if arithmetic.precision != .fp32 { learners = try learners.map { try $0.withPrecision(arithmetic.precision) } }
    say("2/2 meta-testing on \(testTasks.map(\.dataset).joined(separator: ", ")): \(episodes) episodes x \(steps) steps, test split, same streams for every learner")
    var evaluator = Evaluator(episodes: episodes, steps: steps, seed: compute.seed, threads: compute.threads)
    evaluator.cancellation = stopRequest
    var table = ["learner                 " + testTasks.map { $0.dataset.padding(toLength: 24, withPad: " ", startingAt: 0) }.joined()]
    var summary: [String: Any] = [:]
    for learner in learners {
      var row = learner.name.padding(toLength: 24, withPad: " ", startingAt: 0)
      var results: [Evaluator.Result] = []
      for task in testTasks {
        do {
          let r = try evaluator.evaluate(task: task, locator: locator, parameters: learner.parameters, makeLearner: learner.makeLearner)
          results.append(r)
          row += String(format: "%.3f ± %.3f           ", r.meanAccuracy, r.ci95)
        } catch is CancellationError {
          exitAfterStop()
        } catch {
          throw CLIError("\(error)")
        }
      }
      table.append(row)
      summary[learner.name] = EvaluationReport.summary(results, learner: learner.name, seed: compute.seed)["datasets"]
    }
    if json {
      try printJSON(["learners": summary, "run_directory": runDirectory, "iterations": iterations])
    } else {
      print("\nmean online accuracy over \(steps) examples (95% interval over \(episodes) episodes)")
      print(table.joined(separator: "\n"))
      print("""

        From-scratch meta-training first sits on a plateau at chance (`init` shows where it starts),
        then leaves it, usually within 150 to 250 iterations; some seeds take longer. The shipped
        learners come from longer runs (docs/RESULTS.md). Reproduce or extend: vsml train --out DIR
        (the same recipe), then vsml evaluate --checkpoint DIR.
        """)
    }
  }
}
