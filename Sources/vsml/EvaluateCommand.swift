import ArgumentParser
import Foundation
import VSMLCore
import VSMLData
import VSMLTraining

extension EvaluateCommand {
  /// Records the test-split reads in `--out` when given, else in the data cache folder's log.
  func recordTestReads(_ results: [Evaluator.Result], learner: String, locator: DataLocator) throws {
    let reads = results.map {
      TestSplitReads.Read(command: TestSplitReads.currentCommand, learner: learner, dataset: $0.task, episodes: episodes, steps: steps, seed: compute.seed)
    }
    let folder = out ?? locator.cacheDirectory
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try TestSplitReads.record(reads, in: folder)
    } catch {
      Console.error("warning: the test-split read could not be recorded in \(folder)/\(TestSplitReads.fileName): \(error)\n")
    }
  }
}

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

  @Option(help: "Learning rate of the hand-designed --model (default: SGD 0.01, Adam 0.001).")
  var learningRate: Float?

  @Flag(help: "With --model: choose the learning rate per dataset on the validation split from \(LearningRateTuning.grid.map { "\($0)" }.joined(separator: ", ")), then meta-test at it (and at the default rate, reported beside it).")
  var tuneLr = false

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
    if learningRate != nil || tuneLr {
      guard let model, let baseline = LearnerSource.handDesigned[model], baseline.hasLearningRate else {
        throw ValidationError("--learning-rate and --tune-lr apply to --model \(LearnerSource.handDesigned.keys.sorted().joined(separator: "|"))")
      }
      guard !(learningRate != nil && tuneLr) else { throw ValidationError("give --learning-rate or --tune-lr, not both") }
      if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
        throw ValidationError("--learning-rate must be a positive number; got \(learningRate)")
      }
    }
    guard !DatasetRegistry.splitList(datasets).isEmpty else {
      throw ValidationError("--datasets names no dataset; give at least one, e.g. --datasets fashion-mnist")
    }
  }

  func run() throws {
    var source: LearnerSource
    do {
      source = try checkpoint.map(LearnerSource.resolve) ?? LearnerSource.handDesigned(model!, learningRate: learningRate)
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
    // With --tune-lr: per dataset, the rate chosen on the validation split and the result at the default rate.
    var tuned: [(choice: LearningRateTuning.Choice, atDefault: Evaluator.Result)] = []
    for name in names {
      if !json && ranks.isLeader { Console.error("evaluating \(source.name) on \(name) (\(episodes) episode\(episodes == 1 ? "" : "s") x \(steps) steps)...\n") }
      do {
        let task = TaskSpec(dataset: name)
        if tuneLr, let model {
          let choice = try LearningRateTuning(model: model, evaluator: evaluator).tune(task: task, locator: locator)
          let chosen = try LearnerSource.handDesigned(model, learningRate: choice.rate)
          var result = try evaluator.evaluate(task: task, locator: locator, parameters: nil, makeLearner: chosen.makeLearner)
          result.task = name
          results.append(result)
          let standard = try LearnerSource.handDesigned(model)
          tuned.append((choice, try evaluator.evaluate(task: task, locator: locator, parameters: nil, makeLearner: standard.makeLearner)))
        } else {
          results.append(try evaluator.evaluate(task: task, locator: locator, parameters: source.parameters, makeLearner: source.makeLearner))
        }
      } catch let error as RankAgreementError {
        throw error
      } catch {
        throw CLIError("\(error)")
      }
    }
    guard ranks.isLeader else { return }
    if evaluator.split == .test { try recordTestReads(results, learner: tuneLr ? "\(source.name) (tuned)" : source.name, locator: locator) }
    let learnerName = tuneLr ? "\(source.name) (learning rate tuned on the validation split)" : source.name
    var summary = EvaluationReport.summary(results, learner: learnerName, seed: compute.seed)
    if tuneLr { summary = EvaluationReport.addingTuning(tuned.map { ($0.choice, $0.atDefault) }, to: summary, model: model!) }
    if let out { try EvaluationReport.write(results, learner: learnerName, seed: compute.seed, to: out, summary: summary) }
    if json {
      try printJSON(summary)
    } else {
      print(EvaluationReport.table(results, learner: learnerName))
      for (choice, standard) in tuned {
        print(String(format: "%@: tuned learning rate %g (validation mean accuracy %.4f); at the default rate: %.4f ± %.4f", choice.dataset,
                     Double(choice.rate), choice.validationAccuracies[LearningRateTuning.grid.firstIndex(of: choice.rate)!], standard.meanAccuracy, standard.ci95))
      }
      if let out { print("curves, plot and summary written to \(out)") }
    }
  }
}
