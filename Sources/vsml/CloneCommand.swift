import ArgumentParser
import Foundation
import VSML
import VSMLBaselines
import VSMLCloning
import VSMLCore
import VSMLData
import VSMLTraining

/// `vsml clone`: backprop cloning (docs/CLONING.md). Stage (a) starts from the hand-wired scaffold
/// or the reference initialiser and refines with BPTT + Adam on random teacher sequences for the
/// default 784 x 10 model; stages (b) and (c) train the two blocks of a [784, 32, 10] network with
/// a backward sweep on the signals its connections receive. Writes `LearnedParameters` safetensors
/// and optionally meta-tests the clone next to its teacher on the same streams.
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

  /// Adam's rate when not given: the published 1e-3 (METHOD.md §5) from random parameters; 1e-5 when refining a
  /// scaffold or earlier clone, whose saturated gates larger steps break.
  static func defaultLearningRate(initialization: BackpropCloning.Initialization, from: String?) -> Double {
    from == nil && initialization == .random ? 1e-3 : 1e-5
  }

  /// Input and class count of the shipped clone: the default 784 x 10 model.
  static let inputSize = 784, classCount = 10
  /// Held-out sequences for the stage (a) report.
  static let reportSequences = 32, reportLength = 200
  /// Episode index of the held-out signals of stages b and c (training uses 1...iterations).
  static let heldOutEpisode = 1 << 40

  func run() throws {
    if stage != .a { return try runDeep() }
    var config = BackpropCloning.Configuration()
    config.iterations = iterations
    config.batchSize = batchSize
    config.sequenceLength = length
    config.learningRate = learningRate ?? Self.defaultLearningRate(initialization: initialization, from: from)
    config.seed = seed
    config.initialization = initialization
    config.teacher = BackpropTeacher(learningRate: teacherLearningRate, forwardGain: Double(Self.inputSize),
                                     backwardGain: Double(Self.classCount))
    config.inputSize = Self.inputSize
    let cloning = BackpropCloning(config)
    let start = try from.map { try LearnedParameters(contentsOf: $0).parameters } ?? cloning.initialParameters()
    guard start.count == cloning.layout.count else {
      throw ValidationError("--from holds \(start.count) parameters; a single 784 x 10 sub-RNN block has \(cloning.layout.count)")
    }
    func report(_ name: String, _ p: [Float]) {
      let r = CloningReport(cloning: cloning, parameters: p.map(Double.init), count: Self.reportSequences,
                            length: Self.reportLength, seed: seed &+ 1)
      print(String(format: "%@: held-out loss %.6g  forward rel err %.4f  backward rel err %.4f  update rel err %.4f  update corr %.6f",
                   name, r.loss, r.forwardRelativeError, r.backwardRelativeError, r.updateRelativeError, r.updateCorrelation))
    }
    report("start (\(from ?? initialization.rawValue))", start)
    let trained = cloning.train(from: start, report: progressPrinter())
    if iterations > 0 { report("cloned", trained) }

    let model = ModelConfiguration()
    let network = try VSMLNetwork(model.vsml(inputSize: Self.inputSize, classCount: Self.classCount))
    precondition(network.parameterCount == trained.count, "the default model has one shared sub-RNN block")
    try LearnedParameters(model: model, parameters: trained).write(to: out, inputSize: Self.inputSize, classCount: Self.classCount)
    print("wrote \(out)")

    try verify(clone: trained, model: model, label: "vsml-clone", reference: "linear-sgd", referenceParameters: nil,
               locator: data.locator) { i, c in
      try BaselineModel.linearSGD.makeLearner(inputSize: i, classCount: c)
    }
  }

  /// Prints a progress line every `--every` iterations and at the last.
  func progressPrinter() -> (CloningProgress) -> Void {
    let clock = Date()
    return { p in
      guard p.iteration % every == 0 || p.iteration == iterations else { return }
      print(String(format: "iter %d/%d  loss %.6g  |g| %.3g  %.1fs", p.iteration, iterations, p.loss, p.gradientNorm,
                   Date().timeIntervalSince(clock)))
      flushOutput()
    }
  }

  /// With --verify-episodes, meta-tests the clone (no further training) and its reference learner
  /// on the test splits of --verify-tasks with the same Evaluator seed; one line per learner.
  func verify(clone parameters: [Float], model: ModelConfiguration, label: String, reference: String, referenceParameters: [Float]?,
              locator: DataLocator, makeReference: (Int, Int) throws -> any OnlineLearner) throws {
    guard verifyEpisodes > 0 else { return }
    let evaluator = Evaluator(episodes: verifyEpisodes, steps: verifySteps, seed: seed, threads: threads)
    for name in DatasetRegistry.splitList(verifyTasks) {
      let task = TaskSpec(dataset: name)
      let clone = try evaluator.evaluate(task: task, locator: locator, parameters: parameters) { i, c in
        try model.makeLearner(inputSize: i, classCount: c)
      }
      let other = try evaluator.evaluate(task: task, locator: locator, parameters: referenceParameters, makeLearner: makeReference)
      for (learner, r) in [(label, clone), (reference, other)] {
        print(String(format: "%@ %@: mean online acc %.4f ± %.4f  final acc %.4f  first-100 %.4f  mean loss %.4f  (%d episodes x %d steps)",
                     name, learner, r.meanAccuracy, r.ci95, r.finalAccuracy, r.first100Accuracy, r.meanLoss, r.episodes, r.steps))
      }
      flushOutput()
    }
  }
}

extension BackpropCloning.Initialization: ExpressibleByArgument {}

extension CloneCommand {
  /// Stages b and c: the [784, 32, 10] network with a backward sweep (`DeepBackpropCloning`).
  func runDeep() throws {
    let locator = data.locator
    var config = DeepBackpropCloning.Configuration()
    config.iterations = iterations
    config.batchSize = batchSize
    config.sequenceLength = length
    config.learningRate = learningRate ?? Self.defaultLearningRate(initialization: initialization, from: from)
    config.seed = seed
    config.ownSignalShare = ownSignalShare ?? (stage == .c ? 0.5 : 0)
    config.initialization = initialization
    config.teacher.learningRate = teacherLearningRate
    let sampler: EpisodeSampler
    do {
      sampler = try EpisodeSampler(task: TaskSpec(dataset: cloneTask), split: .train, length: length, seed: seed, locator: locator)
    } catch {
      throw CLIError("\(error)")
    }
    let cloning = try DeepBackpropCloning(config, sampler: sampler)
    var model = ModelConfiguration()
    model.hiddenSizes = Array(config.teacher.layerSizes.dropFirst().dropLast())
    model.backwardPass = true
    model.separateBackwardRNN = true
    let start = try from.map { try LearnedParameters(contentsOf: $0).parameters } ?? cloning.initialParameters()
    guard start.count == cloning.cell.parameterCount else {
      throw ValidationError("--from holds \(start.count) parameters; the deep clone has two sub-RNN blocks, \(cloning.cell.parameterCount)")
    }
    // Held-out sequences of reportLength steps: teacher signals, and own signals of the
    // parameters being judged.
    var reportConfig = config
    reportConfig.sequenceLength = Self.reportLength
    let reporter = try DeepBackpropCloning(reportConfig, sampler: try EpisodeSampler(
      task: TaskSpec(dataset: cloneTask), split: .train, length: Self.reportLength, seed: seed &+ 1, locator: locator))
    // Held-out states: the teacher's sequences at reportSeed, the network's own at reportSeed + 1.
    let reportSeed = seed &+ RandomStream.cloningReport.rawValue
    let heldOut = reporter.teacherSequences(episodeIndex: Self.heldOutEpisode, stateSeed: reportSeed, count: Self.reportSequences)
    func report(_ name: String, _ p: [Float]) {
      let r = reporter.report(parameters: p.map(Double.init), sequences: heldOut)
      let own = reporter.report(parameters: p.map(Double.init), sequences: reporter.ownSequences(
        parameters: p, episodeIndex: Self.heldOutEpisode + 1, stateSeed: reportSeed &+ 1, count: Self.reportSequences))
      for (kind, r) in [("teacher signals", r), ("own signals", own)] {
        print(String(format: "%@ (%@): held-out loss %.6g  forward rel err %.4f  backward rel err %.4f  update rel err %.4f",
                     name, kind, r.loss, r.forwardRelativeError, r.backwardRelativeError, r.updateRelativeError))
      }
      flushOutput()
    }
    report("start (\(from ?? initialization.rawValue))", start)
    let trained = cloning.train(from: start, threads: threads, report: progressPrinter())
    if iterations > 0 { report("cloned", trained) }
    let inputSize = config.teacher.layerSizes.first!, classCount = config.teacher.layerSizes.last!
    try LearnedParameters(model: model, parameters: trained).write(to: out, inputSize: inputSize, classCount: classCount)
    print("wrote \(out)")

    let teacher = config.teacher
    try verify(clone: trained, model: model, label: "vsml-deep-clone", reference: LearnerSource.deepBackpropTeacherName,
               referenceParameters: [], locator: locator) { i, c in
      try DeepBackpropTeacher.Learner(teacher: teacher, inputSize: i, classCount: c)
    }
  }
}
