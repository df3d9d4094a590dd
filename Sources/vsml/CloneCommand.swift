import ArgumentParser
import Foundation
import VSML
import VSMLBaselines
import VSMLCloning
import VSMLCore
import VSMLData
import VSMLTraining

/// `vsml clone`: backprop cloning (docs/CLONING.md) through `ClonePipeline`. Writes
/// `LearnedParameters` safetensors and optionally meta-tests the clone next to its teacher on the
/// same streams.
struct CloneCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "clone",
    abstract: "Clone online backpropagation into the VSML sub-RNN and verify it.",
    discussion: """
      Stage a (default): one dense 784 x 10 layer, one shared sub-RNN block, random teacher \
      sequences. Stages b and c: a network with a hidden layer, [784, 32, 10] with the backward \
      sweep and a separate backward block; the sequences are the signals real connections of both \
      layers receive on --clone-task episodes, from the float64 teacher network (b), or also from the \
      VSML network itself (c, a share --own-signal-share of each batch). The losses and teachers \
      are documented in docs/CLONING.md. With --verify-episodes N the clone (no further training) \
      and its teacher (linear online SGD for stage a) are meta-tested on the test splits of \
      --verify-tasks with the same Evaluator seed.
      """)

  enum Stage: String, ExpressibleByArgument, CaseIterable {
    case a, b, c
  }

  @Option(help: "Cloning stage: a (single connections), b (hidden layer, teacher's signals), c (hidden layer, own signals).")
  var stage: Stage = .a

  @Option(help: "Stages b and c: share of each batch from the VSML network's own signals (default: 0 for b, 0.5 for c).")
  var ownSignalShare: Double?

  @Option(help: "Stages b and c: dataset whose training split provides the episodes.")
  var cloneTask: String = "mnist"

  @Option(help: "Where to write the cloned parameters (safetensors).")
  var out: String = "backprop.safetensors"

  @Option(help: "Seed of the sequences and of the random initialiser.")
  var seed: UInt64 = 0

  @Option(help: "Adam steps of gradient cloning (0 keeps the starting point).")
  var iterations: Int = 300

  @Option(help: "Starting point: scaffold (hand-wired) or random (the initialiser of docs/METHOD.md §2).")
  var initialization: BackpropCloning.Initialization = .scaffold

  @Option(help: "Start from these parameters (a file written by vsml clone) instead of --initialization.")
  var from: String?

  @Option(help: "Sequences per Adam step.")
  var batchSize: Int = 16

  @Option(help: "Steps per training sequence (2 micro-ticks each).")
  var length: Int = 24

  @Option(help: "Adam learning rate (default: 1e-3 from --initialization random, else 1e-5: larger steps break the scaffolds' saturated gates).")
  var learningRate: Double?

  @Option(help: "Online SGD learning rate η of the teacher.")
  var teacherLearningRate: Double = 0.01

  @Option(help: "Print progress every N iterations.")
  var every: Int = 50

  @Option(help: "Meta-test episodes per dataset (0: no verification; the protocol is 32).")
  var verifyEpisodes: Int = 0

  @Option(help: "Steps per meta-test episode.")
  var verifySteps: Int = 2_000

  @Option(help: "Datasets to meta-test, comma-separated.")
  var verifyTasks: String = "mnist,fashion-mnist"

  @OptionGroup var data: DataOptions

  @Option(help: "Worker threads for the verification (stages b and c also split each batch over them).")
  var threads: Int = 1

  func validate() throws {
    if let share = ownSignalShare, !(0...1).contains(share) { throw ValidationError("--own-signal-share must be in [0, 1]; got \(share)") }
    try requireOption(iterations, in: OptionLimits.iterations, "iterations")
    try requireOption(batchSize, in: OptionLimits.episodes, "batch-size")
    try requireOption(length, in: 2...OptionLimits.steps.upperBound, "length")
    if let learningRate, !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--learning-rate must be finite and > 0") }
    guard teacherLearningRate > 0, teacherLearningRate.isFinite else {
      throw ValidationError("--teacher-learning-rate must be finite and > 0")
    }
    try requireOption(verifyEpisodes, in: 0...OptionLimits.episodes.upperBound, "verify-episodes")
    try requireOption(verifySteps, in: OptionLimits.steps, "verify-steps")
    try requireOption(threads, in: OptionLimits.threads, "threads")
    try requireOption(every, in: OptionLimits.interval, "every")
  }

  func run() throws {
    var pipeline = ClonePipeline()
    pipeline.stage = ClonePipeline.Stage(rawValue: stage.rawValue) ?? .a
    pipeline.ownSignalShare = ownSignalShare
    pipeline.cloneTask = cloneTask
    pipeline.seed = seed
    pipeline.iterations = iterations
    pipeline.initialization = initialization
    pipeline.batchSize = batchSize
    pipeline.length = length
    pipeline.learningRate = learningRate
    pipeline.teacherLearningRate = teacherLearningRate
    pipeline.threads = threads
    let start = try from.map { try LearnedParameters(contentsOf: $0).parameters }
    let outcome = try pipeline.run(
      start: start, startName: from ?? initialization.rawValue, locator: data.locator, progress: progressPrinter(), check: printCheck)
    try outcome.learned.write(to: out, inputSize: outcome.inputSize, classCount: outcome.classCount)
    print("wrote \(out)")
    guard verifyEpisodes > 0 else { return }
    try pipeline.verify(outcome, datasets: DatasetRegistry.splitList(verifyTasks), episodes: verifyEpisodes, steps: verifySteps,
                        locator: data.locator) { v in
      let r = v.result
      print(String(format: "%@ %@: mean online acc %.4f ± %.4f  final acc %.4f  first-100 %.4f  mean loss %.4f  (%ld episodes x %ld steps)",
                   v.dataset, v.learner, r.meanAccuracy, r.ci95, r.finalAccuracy, r.first100Accuracy, r.meanLoss, r.episodes, r.steps))
    }
  }

  /// One line of held-out agreement.
  func printCheck(_ c: ClonePipeline.Check) {
    if let signals = c.signals {
      print(String(format: "%@ (%@): held-out loss %.6g  forward rel err %.4f  backward rel err %.4f  update rel err %.4f",
                   c.name, signals, c.loss, c.forwardRelativeError, c.backwardRelativeError, c.updateRelativeError))
    } else {
      print(String(format: "%@: held-out loss %.6g  forward rel err %.4f  backward rel err %.4f  update rel err %.4f  update corr %.6f",
                   c.name, c.loss, c.forwardRelativeError, c.backwardRelativeError, c.updateRelativeError, c.updateCorrelation ?? .nan))
    }
  }

  /// Prints a progress line every `--every` iterations and at the last.
  func progressPrinter() -> (CloningProgress) -> Void {
    let clock = Date()
    return { p in
      guard p.iteration % every == 0 || p.iteration == iterations else { return }
      print(String(format: "iter %ld/%ld  loss %.6g  |g| %.3g  %.1fs", p.iteration, iterations, p.loss, p.gradientNorm,
                   Date().timeIntervalSince(clock)))
    }
  }
}

extension BackpropCloning.Initialization: ExpressibleByArgument {}
