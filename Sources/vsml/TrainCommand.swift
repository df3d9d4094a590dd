import ArgumentParser
import Foundation
import VSML
import Synchronization
import VSMLCore
import VSMLData
import VSMLTraining

/// The signal that asked training to stop (0: none). SIGINT, SIGTERM, SIGHUP and SIGUSR1 make the
/// training loop stop within about one example's work, checkpoint and return (all ranks together). SIGUSR1 is
/// the signal `mpirun` forwards to its ranks without aborting the job (docs/CLUSTER.md); SIGHUP is
/// what a closed terminal or a dropped ssh session sends, and is treated as SIGTERM.
let stopSignal = Atomic<Int32>(0)

/// Exit status of a run stopped by SIGINT (Ctrl-C): 128 + SIGINT, the shell's convention, so that
/// `vsml train ... && next` does not go on after an interrupted run. SIGTERM and SIGUSR1, which
/// clusters send before a time limit, end with 0 after the checkpoint.
let interruptedExitStatus: Int32 = 130

/// The stop request that training and meta-tests poll once the handlers are installed: a stop
/// signal, or standard output lost (a closed pipe or a full device: the run checkpoints and stops
/// rather than computing what nobody can read).
let stopRequest = Cancellation { stopSignal.load(ordering: .relaxed) != 0 || Console.outputLost }

/// Ends the process after a stop request cut work short: `Console.outputLostStatus` when standard
/// output was lost, 130 after SIGINT (the shell's convention), 0 after SIGTERM, SIGHUP or SIGUSR1.
func exitAfterStop() -> Never {
  Console.exitIfOutputLost()
  Foundation.exit(stopSignal.load(ordering: .relaxed) == SIGINT ? interruptedExitStatus : 0)
}

func installStopHandlers() {
  for s in [SIGINT, SIGTERM, SIGHUP, SIGUSR1] {
    signal(s) { received in stopSignal.store(received, ordering: .relaxed) }
  }
}

/// A one-line progress display with ETA on a terminal; plain log lines otherwise. The ETA is the
/// sooner of the iteration count and the schedule's time budgets.
final class ProgressReporter {
  let total: Int
  let every: Int
  let maxWallMinutes: Double?
  let maxCPUMinutes: Double?
  /// How the line names the mean fitness: `loss`, or `error` under `es.objective` `errorRate`.
  let fitnessLabel: String
  let interactive = isatty(STDOUT_FILENO) != 0
  /// Shortest time between two redraws of the terminal line: fast iterations would otherwise
  /// flood the terminal (or mpirun's relay of it) with lines nobody can read.
  static let minimumRedrawSeconds = 0.25
  private var lastRedraw = -Double.infinity

  init(total: Int, every: Int, maxWallMinutes: Double? = nil, maxCPUMinutes: Double? = nil, objective: FitnessObjective = .loss) {
    self.fitnessLabel = objective == .errorRate ? "error" : "loss"
    self.total = total
    self.every = every
    self.maxWallMinutes = maxWallMinutes
    self.maxCPUMinutes = maxCPUMinutes
  }

  func report(_ iteration: Int, _ row: [String: Double]) {
    let keep = iteration == total || (row["validation_accuracy"] ?? .nan).isFinite
    if interactive && !keep {
      let now = monotonicSeconds()
      guard now - lastRedraw >= Self.minimumRedrawSeconds else { return }
      lastRedraw = now
    }
    let line = self.line(iteration, row)
    if interactive {
      print("\r\u{1B}[2K" + line, terminator: keep ? "\n" : "")
    } else if iteration % every == 0 || keep {
      print(line)
    }
  }

  /// The progress line of `iteration` with its metrics `row`.
  func line(_ iteration: Int, _ row: [String: Double]) -> String {
    let wall = row["wall_s"] ?? 0
    let cpu = row["cpu_s"] ?? 0
    let perIteration = row["iteration_s"] ?? 0
    var eta = Double(total - iteration) * perIteration
    if let limit = maxWallMinutes { eta = min(eta, max(0, limit * 60 - wall)) }
    if let limit = maxCPUMinutes, cpu > 0, wall > 0 { eta = min(eta, max(0, limit * 60 - cpu) * wall / cpu) }
    var line = "iter \(iteration)/\(total)  " + String(
      format: "%@ %.4f  acc %.3f  |g| %.3g  %.2fs/it  %.0f steps/s  elapsed %@  eta %@",
      fitnessLabel, row["mean_fitness"] ?? .nan, row["mean_accuracy"] ?? .nan, row["gradient_norm"] ?? .nan,
      perIteration, row["example_steps_per_s"] ?? 0, Self.clock(wall), Self.clock(eta))
    if let v = row["validation_accuracy"], v.isFinite { line += String(format: "  val %.3f", v) }
    return line
  }

  static func clock(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    // Integers through interpolation: `%d` would print a 64-bit count modulo 2^32.
    let s = Int(min(max(seconds, 0), 1e15))
    return "\(s / 3600):" + String(format: "%02ld:%02ld", s / 60 % 60, s % 60)
  }
}

struct TrainCommand: RankAwareCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Meta-train a learned learning algorithm by evolution strategies or by gradient descent.",
    discussion: """
      Without --config the quick-start recipe is used (MNIST resized to 7x7, 50-example episodes, \
      32 antithetic pairs, sigma 0.05, Adam 0.1 decaying to 0.01 over 600 iterations; \
      docs/TRAINING.md). Metrics go to RUN_DIR/metrics.csv and \
      metrics.jsonl; checkpoints to RUN_DIR/checkpoint.{safetensors,json}, written atomically \
      every schedule.checkpointEvery iterations, at the end, and on Ctrl-C. Training stops at \
      schedule.iterations or when a time budget is spent: schedule.maxWallMinutes (wall clock) or \
      schedule.maxCPUMinutes (process CPU time, all threads: a compute budget that does not depend \
      on what else the machine runs). Under mpirun (the MPI-enabled build, docs/CLUSTER.md) the \
      pairs are split over the ranks with the same results as one process; rank 0 writes the run \
      directory and SIGUSR1, SIGTERM or SIGINT stop all ranks with a checkpoint. \
      --set meta.optimizer=gradient trains VSML by gradient descent on the mean loss, differentiated \
      exactly through every step of the episode (Adam 1e-3, clip 25, LayerNorm on, 16 episodes per \
      update; meta.gradient.* changes them), with the same run directory and resume.
      """)

  @Option(help: "Configuration file (JSON, or YAML if it ends in .yaml or .yml); any subset of the fields, the rest default.")
  var config: String?

  @Option(name: .customLong("set"), help: "Override one setting: key.path=value (repeatable), e.g. es.pairs=32; a number names a list entry, e.g. data.tasks.0.weight=3.")
  var overrides: [String] = []

  @Option(help: "Iterations to train to (overrides schedule.iterations).")
  var iterations: Int?

  @Option(help: "Model to meta-train: vsml, meta-rnn, hebbian, fw-memory, fwp, or committee (which needs model.members from --config) (overrides model.kind).")
  var model: String?

  @Option(help: "Run directory for a new run.")
  var out: String?

  @Option(help: "Continue the run in this directory from its last checkpoint.")
  var resume: String?

  @Flag(help: "With --out: start over in a folder that holds a run stopped before its first checkpoint, removing that run's files (never other files).")
  var force = false

  @OptionGroup var data: DataOptions

  @Option(help: "Worker threads (default: all cores).")
  var threads: Int = availableCores

  @Option(help: "Seed of every random draw (overrides the configuration's seed).")
  var seed: UInt64?

  @Option(help: "Arithmetic of VSML's recurrent product: fp32 or bf16 (overrides model.precision; bf16 needs AVX512-BF16).")
  var precision: Precision?

  @Option(help: "Print a log line every N iterations when not on a terminal.")
  var logEvery = 10

  func validate() throws {
    guard (out == nil) != (resume == nil) else { throw ValidationError("give exactly one of --out RUN_DIR (new run) or --resume RUN_DIR") }
    if resume != nil && force { throw ValidationError("--force starts a new run over (with --out); --resume continues one") }
    if resume != nil && (config != nil || !overrides.isEmpty || model != nil || seed != nil || precision != nil) {
      throw ValidationError("--resume continues a run with its stored configuration; only --iterations, --threads and --data-dir may change")
    }
    try requireOption(threads, in: OptionLimits.threads, "threads")
    if let iterations { try requireOption(iterations, in: OptionLimits.iterations, "iterations") }
    try requireOption(logEvery, in: OptionLimits.interval, "log-every")
    if let precision { try PrecisionOptions.validate(precision) }
    if let model, ModelKind(rawValue: model) == nil {
      throw ValidationError("unknown --model '\(model)'; choose one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
    }
  }

  func run() throws {
    let locator = data.locator
    let ranks = Ranks.communicator
    let say: (String) -> Void = { if ranks.isLeader { print($0) } }
    let trainer: MetaTrainer
    do {
      if let resume {
        trainer = try MetaTrainer(resuming: resume, locator: locator, threads: threads, iterations: iterations, communicator: ranks, log: say)
        say("resuming \(resume) at iteration \(trainer.strategy.iteration)")
      } else {
        var extra = overrides
        if let iterations { extra.append("schedule.iterations=\(iterations)") }
        if let model { extra.append("model.kind=\"\(model)\"") }
        if let seed { extra.append("seed=\(seed)") }
        if let precision { extra.append("model.precision=\"\(precision)\"") }
        let loaded = Result<TrainingConfiguration, any Error> {
          guard let config else { return try ConfigurationLoader.load(TrainingConfiguration.self, json: nil, overrides: extra, defaults: TrainingConfiguration()) }
          return try ConfigurationLoader.load(TrainingConfiguration.self, file: config, overrides: extra, defaults: TrainingConfiguration())
        }
        // A rank that cannot read the configuration stops every rank (the trainer then checks that
        // all ranks read the same one).
        let configuration = try ranks.agree(loaded) { _ in [:] }
        trainer = try MetaTrainer(
          configuration: configuration, runDirectory: out!, locator: locator, threads: threads, communicator: ranks, startOver: force, log: say)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        say("configuration (also in \(out!)/config.json):")
        say(String(decoding: try encoder.encode(configuration), as: UTF8.self))
      }
    } catch let error as ValidationError {
      throw error
    } catch let error as RankAgreementError {
      throw error
    } catch {
      throw CLIError("\(error)")
    }
    if ranks.size > 1 { say("\(ranks.size) ranks x \(threads) threads") }
    installStopHandlers()
    let schedule = trainer.configuration.schedule
    let reporter = ProgressReporter(total: schedule.iterations, every: logEvery, maxWallMinutes: schedule.maxWallMinutes,
                                    maxCPUMinutes: schedule.maxCPUMinutes, objective: trainer.configuration.es.fitnessObjective)
    do {
      try trainer.run(cancellation: stopRequest, progress: reporter.report)
    } catch {
      throw CLIError("\(error)")
    }
    defer {
      Console.exitIfOutputLost()
      if stopSignal.load(ordering: .relaxed) == SIGINT { Foundation.exit(interruptedExitStatus) }
    }
    guard ranks.isLeader else { return }
    print("done: \(trainer.strategy.iteration) iterations, \(ProgressReporter.clock(trainer.wallSeconds)) of training (\(String(format: "%.1f", trainer.cpuSeconds / 60)) CPU minutes); checkpoint in \(trainer.runDirectory)")
    if let best = trainer.bestValidationAccuracy, let at = trainer.bestValidationIteration {
      print(String(format: "best validation accuracy %.4f", best) + " at iteration \(at) (best.safetensors)")
    }
  }
}

/// An error to print and exit non-zero with, without a stack trace.
struct CLIError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
