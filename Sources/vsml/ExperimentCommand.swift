import ArgumentParser
import Foundation
import VSMLCore
import VSMLTraining

/// `vsml experiment`: a train x test grid in one directory, and its report.
struct ExperimentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "experiment",
    abstract: "Run a grid of meta-training runs and meta-tests from a manifest, and report it.",
    discussion: """
      The manifest (JSON) lists training entries (model, training datasets or `allBut`, seeds, \
      CPU minutes each), the test datasets and protocol, and hand-designed baselines. See \
      docs/EXPERIMENTS.md for the format and the committed matrix.
      """,
    subcommands: [Run.self, Report.self, Invariances.self])

  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train and meta-test what is missing; an interrupted grid continues where it stopped.",
      discussion: """
        Each (entry, seed) is an ordinary run directory under OUT/runs; meta-test results go to \
        OUT/eval/LEARNER/DATASET.json. Finished runs and stored results are skipped, interrupted \
        runs resume bit-identically. Ctrl-C checkpoints and exits 130; SIGTERM and SIGUSR1 exit 0.
        """)

    @Argument(help: "The experiment manifest (JSON, or YAML if it ends in .yaml or .yml).")
    var manifest: String

    @Option(help: "Directory of the experiment (created if missing; an existing one continues).")
    var out: String

    @OptionGroup var data: DataOptions

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int = availableCores

    @Flag(help: "Write the report when the grid is done.")
    var report = false

    func validate() throws { try requireOption(threads, in: OptionLimits.threads, "threads") }

    func run() throws {
      let manifest: ExperimentManifest
      let runner: ExperimentRunner
      do {
        manifest = try ConfigurationLoader.load(ExperimentManifest.self, file: self.manifest, defaults: ExperimentManifest())
        runner = try ExperimentRunner(manifest: manifest, directory: out, locator: data.locator, threads: threads, log: { print($0) })
      } catch {
        throw CLIError("\(self.manifest): \(error)")
      }
      installStopHandlers()
      var last = -Double.infinity
      let done: Bool
      do {
        done = try runner.run(cancellation: stopRequest) { name, iteration, row in
          // One line every few seconds per run: the grid's progress, not every iteration.
          guard monotonicSeconds() - last > 10 else { return }
          last = monotonicSeconds()
          print("  \(name) iteration \(iteration)" + String(format: "  cpu %.1f min  train acc %.3f", (row["cpu_s"] ?? 0) / 60, row["mean_accuracy"] ?? .nan))
        }
      } catch {
        throw CLIError("\(error)")
      }
      if !done {
        print("stopped; run the same command again to continue")
        exitAfterStop()
      }
      print("grid complete in \(out)")
      if report {
        let paths = try ExperimentReport(directory: out).write()
        print("report: \(paths.markdown), \(paths.html)")
      }
    }
  }

  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write DIR/report.md and a self-contained DIR/report.html (heat maps, curves, commands).",
      discussion: "Cells without results yet are drawn as missing, so a report of a grid in progress works.")

    @Argument(help: "The experiment directory (vsml experiment run --out).")
    var directory: String

    func run() throws {
      do {
        let paths = try ExperimentReport(directory: directory).write()
        print("wrote \(paths.markdown) and \(paths.html)")
      } catch {
        throw CLIError("\(error)")
      }
    }
  }

  struct Invariances: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Meta-test one learner under the paper's invariances: input sizes, class subsets, permuted and projected inputs, a long stream.",
      discussion: """
        Beside online SGD on the same example streams: inputs resized to 7, 14, 21, 28, 32 and 48 \
        pixels; the first 2, 3, 5, 7 and 10 classes; pixels permuted and randomly projected; and \
        one stream of --long-steps examples. Writes invariances.json, invariances.md and one SVG per \
        study into --out.
        """)

    @Option(help: "Learner to study: run directory, .safetensors file, shipped name, or init.")
    var checkpoint: String?

    @Flag(help: "Only redraw the figures and tables of --out from its invariances.json.")
    var redraw = false

    @Option(help: "Reference learner run on the same streams (hand-designed: sgd, adam, mlp-sgd, mlp-adam).")
    var baseline = "sgd"

    @Option(help: "Dataset of every condition (test split).")
    var dataset = "fashion-mnist"

    @Option(help: "Episodes per condition.")
    var episodes = 8

    @Option(help: "Examples per episode.")
    var steps = 2_000

    @Option(help: "Examples of the long stream (4 episodes).")
    var longSteps = 16_000

    @Option(help: "Directory for the results and figures.")
    var out: String

    @OptionGroup var data: DataOptions
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
      guard redraw || checkpoint != nil else { throw ValidationError("give --checkpoint (the learner to study), or --redraw") }
      try requireOption(episodes, in: OptionLimits.episodes, "episodes")
      try requireOption(steps, in: OptionLimits.steps, "steps")
      try requireOption(longSteps, in: OptionLimits.steps, "long-steps")
    }

    func run() throws {
      if redraw {
        do { print(try InvarianceStudy.write(try InvarianceStudy.read(from: out), dataset: dataset, to: out)) } catch { throw CLIError("\(error)") }
        return
      }
      guard let checkpoint else { return }
      var study = InvarianceStudy()
      study.dataset = dataset
      study.episodes = episodes
      study.steps = steps
      study.longSteps = longSteps
      study.seed = compute.seed
      study.threads = compute.threads
      installStopHandlers()
      study.cancellation = stopRequest
      do {
        let learners = [try LearnerSource.resolve(checkpoint), try LearnerSource.handDesigned(baseline)]
        let points = try study.run(learners: learners, locator: data.locator) { print($0) }
        print(try InvarianceStudy.write(points, dataset: dataset, to: out))
      } catch is CancellationError {
        exitAfterStop()
      } catch {
        throw CLIError("\(error)")
      }
    }
  }
}
