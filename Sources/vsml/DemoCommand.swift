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
      quick-start recipe that `vsml train` defaults to) for 600 iterations (40 s to 2.5 minutes on two \
      cores, depending on the CPU), then \
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
    if json { Console.error(text + "\n") } else { print(text) }
  }

  func run() throws {
    let locator = data.locator
    let demo = DemoPipeline(iterations: iterations, episodes: episodes, steps: steps, seed: compute.seed,
                            threads: compute.threads, precision: arithmetic.precision)
    let tasks = DemoPipeline.tasks(locator: locator) { info in
      say("\(info.name) not found locally; downloading it into the cache (verified checksums)...")
      _ = try Downloader(locator: locator, timeout: 30, log: { say($0) }).fetch(info)
    }
    if let reason = tasks.fallbackReason {
      say("real datasets unavailable (\(reason)).\nFalling back to the synthetic tasks: meta-training on `sum`, meta-testing on `sum` and `random`.")
    }
    let config = demo.configuration(task: tasks.train)
    let runDirectory = out ?? FileManager.default.temporaryDirectory
      .appendingPathComponent("vsml-demo-\(ProcessInfo.processInfo.processIdentifier)-\(Int(monotonicSeconds()))").path
    say("1/2 meta-training VSML on \(tasks.train.dataset) for \(iterations) ES iterations (\(config.es.pairs) antithetic pairs, \(config.data.episodeLength)-example episodes) into \(runDirectory)")
    installStopHandlers()
    let trainer: MetaTrainer
    let trainingStart = (wall: monotonicSeconds(), cpu: processCPUSeconds())
    do {
      let reporter = ProgressReporter(total: iterations, every: max(1, iterations / 10))
      trainer = try demo.train(task: tasks.train, runDirectory: runDirectory, locator: locator, cancellation: stopRequest,
                               progress: json ? nil : reporter.report)
    } catch {
      throw CLIError("\(error)")
    }
    // A stop during meta-training ends the demo there, with the run directory checkpointed.
    if stopRequest.isRequested { exitAfterStop() }
    let training = (wall: monotonicSeconds() - trainingStart.wall, cpu: processCPUSeconds() - trainingStart.cpu)
    say("meta-trained in \(Int(training.wall.rounded())) s (\(Int(training.cpu.rounded())) CPU-seconds on \(compute.threads) threads)")

    let learners = try demo.learners(trained: trainer.learned) { name, error in say("shipped learner \(name) unavailable: \(error)") }
    say("2/2 meta-testing on \(tasks.test.map(\.dataset).joined(separator: ", ")): \(episodes) episodes x \(steps) steps, test split, same streams for every learner")
    let rows: [DemoPipeline.Row]
    do {
      rows = try demo.metaTest(learners, on: tasks.test, locator: locator, cancellation: stopRequest)
    } catch is CancellationError {
      exitAfterStop()
    } catch {
      throw CLIError("\(error)")
    }
    if json {
      try printJSON(["learners": demo.summary(rows), "run_directory": runDirectory, "iterations": iterations,
                     "training_seconds": training.wall, "training_cpu_seconds": training.cpu, "threads": compute.threads])
    } else {
      print("\nmean online accuracy over \(steps) examples (95% interval over \(episodes) episodes)")
      print(DemoPipeline.table(rows, tasks: tasks.test))
      print("""

        From-scratch meta-training first sits on a plateau at chance (`init` shows where it starts),
        then leaves it, usually within 150 to 250 iterations; some seeds take longer. The shipped
        learners come from longer runs (docs/RESULTS.md). Reproduce or extend: vsml train --out DIR
        (the same recipe), then vsml evaluate --checkpoint DIR.
        """)
    }
  }
}
