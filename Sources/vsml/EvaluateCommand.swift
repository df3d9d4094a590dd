import ArgumentParser
import Foundation
import VSMLCore
import VSMLData
import VSMLTraining

struct EvaluateCommand: RankAwareCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate",
    abstract: "Meta-test a learner: online accuracy on fresh episodes from the test split (docs/METHOD.md §7).",
    discussion: """
      --checkpoint takes a run directory (its best.safetensors, else checkpoint.safetensors), a \
      .safetensors file, a shipped learner (\(ShippedLearners.names.joined(separator: ", ")), or builtin), \
      or init (a freshly initialised VSML: the control without meta-learning). --model sgd|adam|mlp-sgd|mlp-adam \
      evaluates a hand-designed online learner instead; --model deep-backprop-teacher the float64 \
      network that the backprop-deep clone imitates (docs/CLONING.md). Every learner given the same --seed sees the same \
      example streams. Under mpirun (the MPI-enabled build) the episodes are split over the ranks \
      with the same results, and rank 0 prints and writes.
      """)

  @Option(help: "Learner to evaluate: run directory, .safetensors file, shipped name, builtin, or init.")
  var checkpoint: String?

  @Option(help: "Hand-designed learner instead of a checkpoint: sgd, adam, mlp-sgd, mlp-adam, deep-backprop-teacher.")
  var model: String?

  @Option(help: "Comma-separated datasets (registry names or csv:PATH).")
  var datasets = "fashion-mnist,mnist"

  @Option(help: "Episodes per dataset.")
  var episodes = 32

  @Option(help: "Examples per episode.")
  var steps = 2_000

  @Option(help: "Split to draw episodes from: test (default) or validation.")
  var split = "test"

  @OptionGroup var data: DataOptions

  @Option(help: "Write curves (CSV), a plot (SVG) and summary.json to this directory.")
  var out: String?

  @OptionGroup var compute: ComputeOptions

  @OptionGroup var arithmetic: PrecisionOptions

  @Flag(help: "Print one JSON object.")
  var json = false

  func validate() throws {
    guard (checkpoint == nil) != (model == nil) else { throw ValidationError("give exactly one of --checkpoint or --model") }
    try requireOption(episodes, in: OptionLimits.episodes, "episodes")
    try requireOption(steps, in: OptionLimits.steps, "steps")
    guard DataSplit(rawValue: split) != nil, split != "train" else { throw ValidationError("--split must be test or validation") }
    guard !DatasetRegistry.splitList(datasets).isEmpty else {
      throw ValidationError("--datasets names no dataset; give at least one, e.g. --datasets fashion-mnist")
    }
  }

  func run() throws {
    var source: LearnerSource
    do {
      source = try checkpoint.map(LearnerSource.resolve) ?? LearnerSource.handDesigned(model!)
      if arithmetic.precision != .fp32 { source = try source.withPrecision(arithmetic.precision) }
    } catch {
      throw CLIError("\(error)")
    }
    let names = DatasetRegistry.splitList(datasets)
    let ranks = Ranks.communicator
    let evaluator = Evaluator(
      episodes: episodes, steps: steps, seed: compute.seed, threads: compute.threads, split: DataSplit(rawValue: split)!, communicator: ranks)
    let locator = data.locator
    var results: [Evaluator.Result] = []
    for name in names {
      if !json && ranks.isLeader { Console.error("evaluating \(source.name) on \(name) (\(episodes) episode\(episodes == 1 ? "" : "s") x \(steps) steps)...\n") }
      do {
        results.append(try evaluator.evaluate(task: TaskSpec(dataset: name), locator: locator, parameters: source.parameters, makeLearner: source.makeLearner))
      } catch let error as RankAgreementError {
        throw error
      } catch {
        throw CLIError("\(error)")
      }
    }
    guard ranks.isLeader else { return }
    if let out { try EvaluationReport.write(results, learner: source.name, seed: compute.seed, to: out) }
    if json {
      try printJSON(EvaluationReport.summary(results, learner: source.name, seed: compute.seed))
    } else {
      print(EvaluationReport.table(results, learner: source.name))
      if let out { print("curves, plot and summary written to \(out)") }
    }
  }
}
