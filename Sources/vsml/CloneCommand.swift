import ArgumentParser
import Foundation
import VSML
import VSMLBaselines
import VSMLCore
import VSMLData
import VSMLTraining

/// `vsml clone`: backprop cloning, stage (a) (docs/CLONING.md). Starts from the hand-wired scaffold
/// or the reference initialiser, refines with BPTT + Adam on random teacher sequences, writes the
/// parameters as a `LearnedParameters` safetensors file for the default 784 x 10 model, and
/// optionally meta-tests the clone next to online SGD on the same streams.
struct CloneCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "clone",
    abstract: "Clone online backpropagation into the shared VSML sub-RNN (stage a) and verify it.",
    discussion: """
      The cloning loss and the teacher are documented in docs/CLONING.md. With --verify-episodes N \
      the clone (no further training) and linear online SGD are meta-tested on MNIST and \
      Fashion-MNIST test splits with the same Evaluator seed.
      """)

  @Option(help: "Where to write the cloned parameters (safetensors).")
  var out: String = "backprop.safetensors"

  @Option(help: "Seed of the sequences and of the random initialiser.")
  var seed: UInt64 = 0

  @Option(help: "Adam steps of gradient cloning (0 keeps the starting point).")
  var iterations: Int = 300

  @Option(help: "Starting point: scaffold (hand-wired) or random (spec §2 initialiser).")
  var initialization: BackpropCloning.Initialization = .scaffold

  @Option(help: "Start from these parameters (a file written by vsml clone) instead of --initialization.")
  var from: String?

  @Option(help: "Sequences per Adam step.")
  var batchSize: Int = 16

  @Option(help: "Steps per training sequence (2 micro-ticks each).")
  var length: Int = 24

  @Option(help: "Adam learning rate.")
  var learningRate: Double = 1e-5

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

  @Option(help: "Data directory (default: VSML_DATA_DIR or the download cache).")
  var dataDir: String?

  @Option(help: "Worker threads for the verification.")
  var threads: Int = 1

  func validate() throws {
    guard iterations >= 0 else { throw ValidationError("--iterations must be >= 0; got \(iterations)") }
    guard batchSize >= 1, length >= 2 else { throw ValidationError("--batch-size must be >= 1 and --length >= 2") }
    guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be finite and > 0") }
    guard teacherLearningRate > 0, teacherLearningRate.isFinite else {
      throw ValidationError("--teacher-learning-rate must be finite and > 0")
    }
    guard verifyEpisodes >= 0, verifySteps >= 1, threads >= 1, every >= 1 else {
      throw ValidationError("--verify-episodes >= 0, --verify-steps >= 1, --threads >= 1, --every >= 1")
    }
  }

  /// Input and class count of the shipped clone: the default 784 x 10 model.
  static let inputSize = 784, classCount = 10
  /// Held-out sequences for the stage (a) report.
  static let reportSequences = 32, reportLength = 200

  func run() throws {
    var config = BackpropCloning.Configuration()
    config.iterations = iterations
    config.batchSize = batchSize
    config.sequenceLength = length
    config.learningRate = learningRate
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
    let clock = Date()
    let trained = cloning.train(from: start) { p in
      if p.iteration % every == 0 || p.iteration == iterations {
        print(String(format: "iter %d/%d  loss %.6g  |g| %.3g  %.1fs", p.iteration, iterations, p.loss, p.gradientNorm,
                     Date().timeIntervalSince(clock)))
        fflush(stdout)
      }
    }
    if iterations > 0 { report("cloned", trained) }

    let model = ModelConfiguration()
    let network = try VSMLNetwork(model.vsml(inputSize: Self.inputSize, classCount: Self.classCount))
    precondition(network.parameterCount == trained.count, "the default model has one shared sub-RNN block")
    try LearnedParameters(model: model, parameters: trained).write(to: out, inputSize: Self.inputSize, classCount: Self.classCount)
    print("wrote \(out)")

    guard verifyEpisodes > 0 else { return }
    let locator = DataLocator.standard(dataDirectory: dataDir)
    let evaluator = Evaluator(episodes: verifyEpisodes, steps: verifySteps, seed: seed, threads: threads)
    for name in verifyTasks.split(separator: ",").map(String.init) {
      let task = TaskSpec(dataset: name)
      let clone = try evaluator.evaluate(task: task, locator: locator, parameters: trained) { i, c in
        try model.makeLearner(inputSize: i, classCount: c)
      }
      let sgd = try evaluator.evaluate(task: task, locator: locator, parameters: nil) { i, c in
        try BaselineModel.linearSGD.makeLearner(inputSize: i, classCount: c)
      }
      for (label, r) in [("vsml-clone", clone), ("linear-sgd", sgd)] {
        print(String(format: "%@ %@: mean online acc %.4f ± %.4f  final acc %.4f  first-100 %.4f  mean loss %.4f  (%d episodes x %d steps)",
                     name, label, r.meanAccuracy, r.ci95, r.finalAccuracy, r.first100Accuracy, r.meanLoss, r.episodes, r.steps))
      }
      fflush(stdout)
    }
  }
}

extension BackpropCloning.Initialization: ExpressibleByArgument {}
