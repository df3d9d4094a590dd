import VSML
import VSMLBaselines
import VSMLCloning
import VSMLCore
import VSMLData

/// `vsml clone` as a library type (docs/CLONING.md). Stage a starts from the hand-wired scaffold or
/// the initialiser and refines with BPTT + Adam on random teacher sequences for the default 784 x 10
/// model; stages b and c train the two blocks of a [784, 32, 10] network with a backward sweep on
/// the signals its connections receive (b: the float64 teacher's, c: also the network's own).
/// `run` returns the clone and reports held-out agreement as it goes; `verify` meta-tests it beside
/// its teacher on the same streams. The caller prints.
public struct ClonePipeline: Sendable {
  public enum Stage: String, Codable, CaseIterable, Sendable {
    /// One dense 784 x 10 layer, one shared block, random teacher sequences.
    case a
    /// Hidden layer; the teacher network's signals.
    case b
    /// Hidden layer; also the VSML network's own signals.
    case c
  }

  /// Input and class count of the stage a clone: the default 784 x 10 model.
  public static let inputSize = 784, classCount = 10
  /// Held-out sequences of the reports, and their length.
  public static let reportSequences = 32, reportLength = 200
  /// Episode index of the held-out signals of stages b and c (training uses 1...iterations).
  public static let heldOutEpisode = 1 << 40
  /// Share of own signals in each batch of stage c when not given.
  public static let stageCOwnSignalShare = 0.5

  public var stage: Stage = .a
  /// Stages b and c: share of each batch from the VSML network's own signals (nil: 0 for b, 0.5 for c).
  public var ownSignalShare: Double?
  /// Stages b and c: dataset whose training split provides the episodes.
  public var cloneTask = "mnist"
  public var seed: UInt64 = 0
  /// Adam steps (0 keeps the starting point).
  public var iterations = 300
  public var initialization: BackpropCloning.Initialization = .scaffold
  public var batchSize = 16
  /// Steps per training sequence (2 micro-ticks each).
  public var length = 24
  /// Adam's rate; nil: `defaultLearningRate`.
  public var learningRate: Double?
  /// Online SGD learning rate η of the teacher.
  public var teacherLearningRate = 0.01
  /// Threads of stages b and c and of `verify`.
  public var threads = 1

  public init() {}

  /// Adam's rate when not given: the published 1e-3 (METHOD.md §5) from random parameters; 1e-5
  /// when refining a scaffold or an earlier clone, whose saturated gates larger steps break.
  public static func defaultLearningRate(initialization: BackpropCloning.Initialization, hasStart: Bool) -> Double {
    !hasStart && initialization == .random ? 1e-3 : 1e-5
  }

  /// Held-out agreement of one parameter vector with the teacher.
  public struct Check: Sendable {
    /// `start (scaffold)`, `cloned`, ...
    public var name: String
    /// Stages b and c: whose signals the sequences are (`teacher signals`, `own signals`).
    public var signals: String?
    public var loss: Double
    public var forwardRelativeError: Double
    public var backwardRelativeError: Double
    public var updateRelativeError: Double
    /// Stage a only: correlation of the implied and the teacher's weight update.
    public var updateCorrelation: Double?
  }

  /// The clone and how to meta-test its teacher.
  public struct Outcome: Sendable {
    public var learned: LearnedParameters
    public var inputSize: Int
    public var classCount: Int
    /// The clone's name in verification rows, and its teacher's.
    public var label: String
    public var reference: LearnerSource
  }

  /// Clones from `start` (nil: `initialization`), naming the start `startName` in the checks.
  /// - Parameters:
  ///   - progress: called after every Adam step.
  ///   - check: called with the start's checks before training and the clone's after.
  public func run(
    start: [Float]?, startName: String, locator: DataLocator, progress: (CloningProgress) -> Void = { _ in },
    check: (Check) -> Void = { _ in }
  ) throws -> Outcome {
    stage == .a
      ? try runSingle(start: start, startName: startName, progress: progress, check: check)
      : try runDeep(start: start, startName: startName, locator: locator, progress: progress, check: check)
  }

  /// Sets the settings every stage shares from this pipeline's.
  private func schedule(_ config: inout some CloningSchedule, hasStart: Bool) {
    config.iterations = iterations
    config.batchSize = batchSize
    config.sequenceLength = length
    config.learningRate = learningRate ?? Self.defaultLearningRate(initialization: initialization, hasStart: hasStart)
    config.seed = seed
    config.initialization = initialization
  }

  private func runSingle(start: [Float]?, startName: String, progress: (CloningProgress) -> Void, check: (Check) -> Void) throws -> Outcome {
    var config = BackpropCloning.Configuration()
    schedule(&config, hasStart: start != nil)
    config.teacher = BackpropTeacher(learningRate: teacherLearningRate, forwardGain: Double(Self.inputSize), backwardGain: Double(Self.classCount))
    config.inputSize = Self.inputSize
    let cloning = BackpropCloning(config)
    let first = try start ?? cloning.initialParameters()
    guard first.count == cloning.layout.count else {
      throw ConfigurationError(field: "from", message: "holds \(first.count) parameters; a single 784 x 10 sub-RNN block has \(cloning.layout.count)")
    }
    func checked(_ name: String, _ p: [Float]) -> Check {
      let r = CloningReport(cloning: cloning, parameters: p.map(Double.init), count: Self.reportSequences, length: Self.reportLength, seed: seed &+ 1)
      return Check(name: name, loss: r.loss, forwardRelativeError: r.forwardRelativeError, backwardRelativeError: r.backwardRelativeError,
                   updateRelativeError: r.updateRelativeError, updateCorrelation: r.updateCorrelation)
    }
    check(checked("start (\(startName))", first))
    let trained = cloning.train(from: first, report: progress)
    if iterations > 0 { check(checked("cloned", trained)) }
    let model = ModelConfiguration()
    return Outcome(
      learned: LearnedParameters(model: model, parameters: trained), inputSize: Self.inputSize, classCount: Self.classCount,
      label: "vsml-clone", reference: try LearnerSource.handDesigned("linear-sgd"))
  }

  private func runDeep(
    start: [Float]?, startName: String, locator: DataLocator, progress: (CloningProgress) -> Void, check: (Check) -> Void
  ) throws -> Outcome {
    var config = DeepBackpropCloning.Configuration()
    schedule(&config, hasStart: start != nil)
    config.ownSignalShare = ownSignalShare ?? (stage == .c ? Self.stageCOwnSignalShare : 0)
    config.teacher.learningRate = teacherLearningRate
    let sampler = try EpisodeSampler(task: TaskSpec(dataset: cloneTask), split: .train, length: length, seed: seed, locator: locator)
    let cloning = try DeepBackpropCloning(config, sampler: sampler)
    var model = ModelConfiguration()
    model.hiddenSizes = Array(config.teacher.layerSizes.dropFirst().dropLast())
    model.backwardPass = true
    model.separateBackwardRNN = true
    let first = start ?? cloning.initialParameters()
    guard first.count == cloning.cell.parameterCount else {
      throw ConfigurationError(field: "from", message: "holds \(first.count) parameters; the deep clone has two sub-RNN blocks, \(cloning.cell.parameterCount)")
    }
    // Held-out sequences of reportLength steps: the teacher's signals at reportSeed, and the
    // network's own signals (of the parameters being judged) at reportSeed + 1.
    var reportConfig = config
    reportConfig.sequenceLength = Self.reportLength
    let reporter = try DeepBackpropCloning(reportConfig, sampler: try EpisodeSampler(
      task: TaskSpec(dataset: cloneTask), split: .train, length: Self.reportLength, seed: seed &+ 1, locator: locator))
    let reportSeed = seed &+ RandomStream.cloningReport.rawValue
    let heldOut = reporter.teacherSequences(episodeIndex: Self.heldOutEpisode, stateSeed: reportSeed, count: Self.reportSequences)
    func report(_ name: String, _ p: [Float]) {
      let own = reporter.ownSequences(parameters: p, episodeIndex: Self.heldOutEpisode + 1, stateSeed: reportSeed &+ 1, count: Self.reportSequences)
      for (signals, sequences) in [("teacher signals", heldOut), ("own signals", own)] {
        let r = reporter.report(parameters: p.map(Double.init), sequences: sequences)
        check(Check(name: name, signals: signals, loss: r.loss, forwardRelativeError: r.forwardRelativeError,
                    backwardRelativeError: r.backwardRelativeError, updateRelativeError: r.updateRelativeError))
      }
    }
    report("start (\(startName))", first)
    let trained = cloning.train(from: first, threads: threads, report: progress)
    if iterations > 0 { report("cloned", trained) }
    let teacher = config.teacher
    let reference = LearnerSource(name: LearnerSource.deepBackpropTeacherName, makeLearner: { i, c in
      try DeepBackpropTeacher.Learner(teacher: teacher, inputSize: i, classCount: c)
    }, parameters: [])
    return Outcome(
      learned: LearnedParameters(model: model, parameters: trained), inputSize: teacher.layerSizes.first ?? Self.inputSize,
      classCount: teacher.layerSizes.last ?? Self.classCount, label: "vsml-deep-clone", reference: reference)
  }

  /// One learner's meta-test on one dataset.
  public struct Verification: Sendable {
    public var dataset: String
    public var learner: String
    public var result: Evaluator.Result
  }

  /// Meta-tests the clone (no further training) and its teacher on the test split of each of
  /// `datasets` with the same Evaluator seed: the clone's row, then the teacher's, per dataset,
  /// handed to `row` as they finish.
  public func verify(_ outcome: Outcome, datasets: [String], episodes: Int, steps: Int, locator: DataLocator,
                     row: (Verification) -> Void) throws {
    let evaluator = Evaluator(episodes: episodes, steps: steps, seed: seed, threads: threads)
    let clone = LearnerSource.learned(outcome.learned, name: outcome.label)
    for name in datasets {
      let task = TaskSpec(dataset: name)
      for learner in [clone, outcome.reference] {
        let r = try evaluator.evaluate(task: task, locator: locator, parameters: learner.parameters, makeLearner: learner.makeLearner)
        row(Verification(dataset: name, learner: learner.name, result: r))
      }
    }
  }
}
