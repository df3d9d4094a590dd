import Evolution
import VSML
import VSMLBaselines
import VSMLCore
import VSMLData

/// Which learner is meta-trained: VSML or one of the meta-learned baselines (METHOD.md §8).
public enum ModelKind: String, Codable, Hashable, Sendable, CaseIterable {
  case vsml
  case metaRNN = "meta-rnn"
  case hebbian
  case fwMemory = "fw-memory"
  case fwp
  /// Several learned learners side by side, predictions mixed online (`CommitteeLearner`);
  /// the members are in `model.members`.
  case committee
}

/// The learner part of a training configuration. Input and output sizes come from the data.
public struct ModelConfiguration: Codable, Hashable, Sendable {
  public var kind: ModelKind = .vsml
  /// VSML hidden layer sizes (empty: one dense layer from inputs to classes).
  public var hiddenSizes: [Int] = []
  public var microTicks: Int = 2
  public var backwardPass: Bool = false
  public var feedLabel: Bool = false
  /// LayerNorm on messages. Unset: off for ES, on for gradient meta-training (the published
  /// choices); `TrainingConfiguration.resolved()` fills it in.
  public var layerNorm: Bool?
  /// Whether a network built from this configuration normalises its messages (unset: off).
  public var buildsLayerNorm: Bool { layerNorm ?? false }
  public var layerwiseRNNs: Bool = false
  public var separateBackwardRNN: Bool = false
  /// Arithmetic of VSML's recurrent product: fp32 (unset, the default) or bf16 (opt-in, needs
  /// AVX512-BF16). Baselines ignore it.
  public var precision: Precision?
  /// VSML only: the initial gate biases (i, g, f, o) of the meta-parameters, in place of the
  /// published zeros. The gates carry fixed offsets (i - 5, f + 5) that make a fresh cell hold its
  /// state; an input-gate bias near +5 makes fresh cells write from the start. Nil: zeros.
  public var initialGateBias: [Float]?
  /// Committee only: the members, each a model of its own (not itself a committee).
  public var members: [ModelConfiguration]?
  /// Committee only: fraction of the mixing weight spread evenly over the members after each
  /// example, in [0, 1). Nil: `defaultShare`.
  public var share: Double?
  /// A member that was behind gets 1 % of the weight back per example: after a few dozen
  /// examples of predicting better it leads again, while the mixture loses at most about 1 % of
  /// probability to members that predict badly.
  public static let defaultShare = 0.01

  public init() {}

  private enum CodingKeys: String, CodingKey, CaseIterable {
    case kind, hiddenSizes, microTicks, backwardPass, feedLabel, layerNorm, layerwiseRNNs, separateBackwardRNN
    case precision, initialGateBias, members, share
  }

  private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  /// Reads any subset of the fields, the rest at their defaults (so that a committee's members
  /// can be written as briefly as the top-level model); a key the model does not have is an error
  /// that names it.
  public init(from decoder: Decoder) throws {
    let known = Set(CodingKeys.allCases.map(\.rawValue))
    if let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.first(where: { !known.contains($0.stringValue) }) {
      throw DecodingError.dataCorrupted(DecodingError.Context(
        codingPath: decoder.codingPath + [unknown],
        debugDescription: "is not a known setting; known here: \(known.sorted().joined(separator: ", "))"))
    }
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = ModelConfiguration()
    kind = try c.decodeIfPresent(ModelKind.self, forKey: .kind) ?? d.kind
    hiddenSizes = try c.decodeIfPresent([Int].self, forKey: .hiddenSizes) ?? d.hiddenSizes
    microTicks = try c.decodeIfPresent(Int.self, forKey: .microTicks) ?? d.microTicks
    backwardPass = try c.decodeIfPresent(Bool.self, forKey: .backwardPass) ?? d.backwardPass
    feedLabel = try c.decodeIfPresent(Bool.self, forKey: .feedLabel) ?? d.feedLabel
    layerNorm = try c.decodeIfPresent(Bool.self, forKey: .layerNorm)
    layerwiseRNNs = try c.decodeIfPresent(Bool.self, forKey: .layerwiseRNNs) ?? d.layerwiseRNNs
    separateBackwardRNN = try c.decodeIfPresent(Bool.self, forKey: .separateBackwardRNN) ?? d.separateBackwardRNN
    precision = try c.decodeIfPresent(Precision.self, forKey: .precision)
    initialGateBias = try c.decodeIfPresent([Float].self, forKey: .initialGateBias)
    members = try c.decodeIfPresent([ModelConfiguration].self, forKey: .members)
    share = try c.decodeIfPresent(Double.self, forKey: .share)
  }

  /// The description as built: LayerNorm stated whether it was set or defaulted, members alike.
  public var asBuilt: ModelConfiguration {
    var built = self
    if built.kind == .vsml { built.layerNorm = built.buildsLayerNorm }
    built.members = members?.map(\.asBuilt)
    return built
  }

  /// The description with an unset VSML `layerNorm` set to `value`, members alike.
  func withLayerNormDefault(_ value: Bool) -> ModelConfiguration {
    var c = self
    if c.layerNorm == nil && c.kind == .vsml { c.layerNorm = value }
    c.members = members?.map { $0.withLayerNormDefault(value) }
    return c
  }

  /// The starting meta-parameters of `learner` (built by `makeLearner`), drawn from `generator`.
  public func initialParameters(of learner: any OnlineLearner, using generator: inout SeededGenerator) -> [Float] {
    if let network = learner as? VSMLNetwork { return network.initialParameters(using: &generator, gateBias: initialGateBias) }
    if let committee = learner as? CommitteeLearner, let members, members.count == committee.members.count {
      return zip(members, committee.members).flatMap { $0.initialParameters(of: $1, using: &generator) }
    }
    return learner.initialParameters(using: &generator)
  }

  /// The VSML network for data of `inputSize` features and `classCount` classes.
  public func vsml(inputSize: Int, classCount: Int) -> VSMLConfiguration {
    VSMLConfiguration(
      layerSizes: [inputSize] + hiddenSizes + [classCount], subRNN: SubRNNConfiguration(layerNorm: buildsLayerNorm),
      microTicks: microTicks, backwardPass: backwardPass, separateBackwardRNN: separateBackwardRNN,
      feedLabel: feedLabel, layerwiseRNNs: layerwiseRNNs)
  }

  /// Builds the learner for data of the given shape.
  public func makeLearner(inputSize: Int, classCount: Int) throws -> any OnlineLearner {
    switch kind {
    case .vsml:
      var network = try VSMLNetwork(vsml(inputSize: inputSize, classCount: classCount))
      if let precision {
        try precision.checkAvailable()
        network.precision = precision
      }
      return network
    case .metaRNN: return try BaselineModel.metaRNN.makeLearner(inputSize: inputSize, classCount: classCount)
    case .hebbian: return try BaselineModel.hebbian.makeLearner(inputSize: inputSize, classCount: classCount)
    case .fwMemory: return try BaselineModel.fastWeightMemory.makeLearner(inputSize: inputSize, classCount: classCount)
    case .fwp: return try BaselineModel.fastWeightProgrammer.makeLearner(inputSize: inputSize, classCount: classCount)
    case .committee:
      try validateCommittee()
      let learners = try (members ?? []).map { try $0.makeLearner(inputSize: inputSize, classCount: classCount) }
      return try CommitteeLearner(members: learners, share: share ?? Self.defaultShare)
    }
  }

  /// Checks the model and each committee member against `ConfigurationLimits`, so that a
  /// configuration or a learner file cannot ask for a network that does not fit a machine or
  /// for unbounded work; errors name the field (`model...`, `model.members[k]...`).
  public func validate() throws {
    typealias L = ConfigurationLimits
    try validateCommittee()
    let models = [("model", self)] + (members ?? []).enumerated().map { ("model.members[\($0)]", $1) }
    for (name, m) in models {
      if let bad = m.hiddenSizes.first(where: { !(1...L.layerSize).contains($0) }) {
        throw fail("\(name).hiddenSizes", "sizes must be between 1 and \(L.layerSize); got \(bad)")
      }
      try within(m.hiddenSizes.count, 0...L.hiddenLayers, "\(name).hiddenSizes (number of layers)")
      try within(m.microTicks, 1...L.microTicks, "\(name).microTicks")
      if let bias = m.initialGateBias {
        guard m.kind == .vsml else { throw fail("\(name).initialGateBias", "applies to VSML only; remove it for \(m.kind.rawValue)") }
        guard bias.count == 4, bias.allSatisfy({ abs($0) <= L.gateBias }) else {
          throw fail("\(name).initialGateBias", "needs four numbers (gates i, g, f, o) within ±\(L.gateBias); got \(bias)")
        }
      }
      if m.separateBackwardRNN && !m.backwardPass { throw fail("\(name).separateBackwardRNN", "needs \(name).backwardPass = true") }
    }
  }

  /// Checks the committee fields: `members` (two or more, none a committee) and `share` belong
  /// to kind committee only.
  public func validateCommittee() throws {
    guard kind == .committee else {
      if members != nil { throw fail("model.members", "applies to model.kind committee; remove it for \(kind.rawValue)") }
      if share != nil { throw fail("model.share", "applies to model.kind committee; remove it for \(kind.rawValue)") }
      return
    }
    guard let members, members.count >= 2 else {
      throw fail("model.members", "a committee needs at least two members, e.g. [{\"kind\": \"vsml\"}, {\"kind\": \"vsml\"}]")
    }
    guard members.count <= ConfigurationLimits.committeeMembers else {
      throw fail("model.members", "a committee has at most \(ConfigurationLimits.committeeMembers) members; got \(members.count)")
    }
    for (k, member) in members.enumerated() where member.kind == .committee || member.members != nil || member.share != nil {
      throw fail("model.members[\(k)]", "a member cannot itself be a committee; list its members in the outer committee")
    }
    if let share, !(share >= 0 && share < 1) { throw fail("model.share", "must lie in [0, 1); got \(share)") }
  }
}

/// The quick-start recipe that `vsml train` and `vsml demo` default to: what leaves the plateau
/// at chance within a few CPU minutes (docs/RESULTS.md, "A recipe that leaves the plateau").
/// It differs from the published setting (sigma 0.05, Adam 0.025 constant, 64 pairs here, 14x14
/// or 28x28 inputs, 100- to 500-example episodes) in the step size and the problem size only.
public enum QuickStart {
  /// 7x7 MNIST: 490 connections per layer, 16x cheaper per example than 28x28, and the learned
  /// algorithm still runs on 28x28 inputs (its parameters do not depend on the layer's size).
  public static let side = 7
  public static let episodeLength = 50
  public static let pairs = 32
  /// Adam's step starts 4x the published 0.025 (the plateau is crossed by moving far from the
  /// initialiser) and decays linearly to 0.01, so the learner settles once it learns.
  public static let learningRate: Float = 0.1
  public static let finalLearningRate: Float = 0.01
  public static let iterations = 600

  /// ES hyperparameters: the published sigma, Adam with the step above, decayed over `iterations`.
  public static func hyperparameters(iterations: Int = iterations) -> OpenAIES.Hyperparameters {
    OpenAIES.Hyperparameters(
      learningRate: learningRate, learningRateSchedule: .linearDecay(final: finalLearningRate, iterations: iterations))
  }
}

/// Evolution strategy settings (the quick-start recipe by default; `QuickStart`).
public struct ESConfiguration: Codable, Hashable, Sendable {
  /// Antithetic pairs per iteration; each pair sees its own episode unless `sharedEpisode`.
  public var pairs: Int = QuickStart.pairs
  /// Whether every pair sees the same episode and initial state in an iteration (common random
  /// numbers): fitness ranks then compare members on one task rather than tasks of different
  /// difficulty. Unset: false.
  public var sharedEpisode: Bool?
  public var hyperparameters: OpenAIES.Hyperparameters = QuickStart.hyperparameters()
  /// The strategy: nil or `openai` runs OpenAI-ES with `hyperparameters`; `snes` runs separable
  /// NES with `snes`, on a population of 2 x `pairs` (members 2k and 2k+1 share an episode).
  public var strategy: StrategyKind?
  /// SNES settings (`es.strategy: "snes"`); nil uses `SNES.Hyperparameters()`.
  public var snes: SNES.Hyperparameters?
  /// OpenAI-ES noise relative to the starting parameters; nil perturbs every coordinate by σ.
  public var relativeNoise: RelativeNoise?
  /// OpenAI-ES over a few tied scale factors of named entries, every other entry fixed; nil
  /// searches every coordinate.
  public var scaleGroups: [ScaleGroup]?
  /// What a member's fitness measures; nil: `loss`.
  public var objective: FitnessObjective?
  public init() {}

  /// The objective in effect.
  public var fitnessObjective: FitnessObjective { objective ?? .loss }

  /// The strategy in effect.
  public var strategyKind: StrategyKind { strategy ?? .openAI }
  /// The SNES settings in effect.
  public var snesHyperparameters: SNES.Hyperparameters { snes ?? SNES.Hyperparameters() }
}

/// Noise relative to the starting parameters θ₀ (`es.relativeNoise`): OpenAI-ES perturbs coordinate
/// j by σ · max(|θ₀_j|, floor) and scales its optimiser step alike (`OpenAIES` noise scale). A
/// hand-wired learner whose constants range from 0.1 to 300, and which breaks when its exact zeros
/// move, is then searched at one relative precision; with floor 0 its zeros stay fixed.
public struct RelativeNoise: Codable, Hashable, Sendable {
  /// The smallest scale; 0 keeps coordinates that start at exactly 0 fixed.
  public var floor: Float = 0

  public init(floor: Float = 0) { self.floor = floor }

  private enum CodingKeys: String, CodingKey { case floor }

  /// Reads `{}` or `{"floor": F}`.
  public init(from decoder: Decoder) throws {
    floor = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Float.self, forKey: .floor) ?? 0
  }

  /// The per-coordinate noise scale for a run starting at `start`.
  public func scale(start: [Float]) -> [Float] { start.map { max(abs($0), floor) } }
}

/// How the meta-parameters are trained (METHOD.md §5).
public enum MetaOptimizer: String, Codable, Hashable, Sendable, CaseIterable {
  /// Evolution strategies: antithetic pairs, settings in `es`.
  case es
  /// Gradient descent on the mean loss, differentiated through the whole episode; settings in
  /// `meta.gradient`. VSML only.
  case gradient
}

/// Settings of gradient meta-training; the defaults are the published ones except the episodes
/// per update (128 published; fewer keep an update within seconds on a CPU).
public struct GradientMetaConfiguration: Codable, Hashable, Sendable {
  /// Episodes whose mean gradient makes one update; each its own episode and initial state.
  public var episodes: Int = 16
  /// Adam's learning rate.
  public var learningRate: Float = 1e-3
  /// The gradient is scaled down to this global norm when it is longer; 0 disables clipping.
  public var clipNorm: Float = 25
  /// Truncated backpropagation: the gradient flows back at most this many steps (windows of
  /// this length, the state carried across them); nil: through the whole episode.
  public var truncation: Int?
  public init() {}
}

/// The meta-optimiser and its settings.
public struct MetaConfiguration: Codable, Hashable, Sendable {
  public var optimizer: MetaOptimizer = .es
  public var gradient = GradientMetaConfiguration()
  public init() {}
}

/// One phase of a curriculum: from iteration `start` on, these tasks and this episode length.
public struct CurriculumStage: Codable, Hashable, Sendable {
  public var start: Int
  public var tasks: [TaskMixture.Component]
  public var episodeLength: Int
  public init(start: Int, tasks: [TaskMixture.Component], episodeLength: Int) {
    self.start = start
    self.tasks = tasks
    self.episodeLength = episodeLength
  }
}

/// Meta-training data: a task mixture and an episode length, optionally replaced stage by stage.
public struct DataConfiguration: Codable, Hashable, Sendable {
  public var tasks: [TaskMixture.Component] = [.init(task: TaskSpec(dataset: "mnist", transforms: [.resize(side: QuickStart.side)]))]
  public var episodeLength: Int = QuickStart.episodeLength
  /// Later stages (ordered by `start`, all > 0) replace `tasks` and `episodeLength`.
  public var curriculum: [CurriculumStage] = []
  /// Whether mixture components may differ in input size and class count; VSML with ES only
  /// (its meta-parameters do not depend on the layer sizes): each episode runs a network of its
  /// own size. Nil or false: every component must give the same size.
  public var mixedSizes: Bool?
  public init() {}
}

/// Iteration count, optional time budgets, and how often to checkpoint and meta-test.
public struct ScheduleConfiguration: Codable, Hashable, Sendable {
  public var iterations: Int = QuickStart.iterations
  /// Stop once the ES iterations have used this many minutes of wall-clock time (summed over
  /// resumes; validation not counted). Nil: no limit.
  public var maxWallMinutes: Double?
  /// Stop once the ES iterations have used this many minutes of process CPU time, all threads
  /// together (summed over resumes; validation not counted): a compute budget that does not
  /// depend on what else the machine runs. Nil: no limit.
  public var maxCPUMinutes: Double?
  public var checkpointEvery: Int = 50
  public var evaluateEvery: Int = 100
  public init() {}
}

/// Periodic meta-tests during training: on the validation split, never the test split.
public struct ValidationConfiguration: Codable, Hashable, Sendable {
  public var tasks: [TaskSpec] = [TaskSpec(dataset: "mnist")]
  public var episodes: Int = 8
  public var steps: Int = 500
  public init() {}
}

/// Upper bounds of a configuration's sizes. Each is far above any run that fits one machine and
/// low enough that products of sizes stay below `Int.max`; what a run needs in memory is checked
/// separately against the machine (`MemoryBudget`) once the data's shape is known.
public enum ConfigurationLimits {
  /// Antithetic pairs per iteration (the published runs used 1,024).
  public static let pairs = 1 << 24
  /// Examples per episode, training and validation (published: 500).
  public static let episodeLength = 1 << 24
  /// Units of one hidden layer.
  public static let layerSize = 1 << 20
  /// Hidden layers.
  public static let hiddenLayers = 64
  /// Ticks per example (published: 2): each is a full pass over every connection, so large values
  /// only multiply the work.
  public static let microTicks = 64
  /// Episodes of a validation meta-test.
  public static let validationEpisodes = 1 << 20
  /// Initial gate bias: beyond ±20 a sigmoid gate is saturated to float precision.
  public static let gateBias: Float = 20
  /// ES iterations (published: 10,001).
  public static let iterations = 1 << 40
  /// Scale groups (`es.scaleGroups`): each is one search coordinate, and a few are the point.
  public static let scaleGroups = 1 << 16
  /// Members of a committee: each runs the whole episode, so its cost is the sum of theirs; a
  /// handful is the point, and the bound keeps a file from making us build thousands.
  public static let committeeMembers = 64
  /// Tasks of one mixture (`data.tasks`, a curriculum stage's, `validation.tasks`): each holds
  /// its own example list and transforms, and a broad family is a few dozen.
  public static let tasks = 1024
  /// Stages of a curriculum.
  public static let curriculumStages = 256
}

/// Everything a meta-training run depends on. Stored in the run directory and in checkpoints.
public struct TrainingConfiguration: Codable, Hashable, Sendable {
  public var model = ModelConfiguration()
  public var meta = MetaConfiguration()
  public var es = ESConfiguration()
  public var data = DataConfiguration()
  public var schedule = ScheduleConfiguration()
  public var validation = ValidationConfiguration()
  /// Seed of every random draw of the run.
  public var seed: UInt64 = 0
  /// Start the ES mean from these learned parameters (a .safetensors file, a run directory or a
  /// shipped learner name) instead of the model's initialiser: to continue or improve a learner.
  public var initialParameters: String?

  public init() {}

  /// The configuration with the meta-optimiser's defaults filled in (`model.layerNorm`): what a
  /// run stores and runs.
  public func resolved() -> TrainingConfiguration {
    var c = self
    c.model = c.model.withLayerNormDefault(meta.optimizer == .gradient)
    return c
  }

  /// The settings of the strategy object that holds the mean and the optimiser state: the ES
  /// settings, or for gradient meta-training Adam at `meta.gradient.learningRate`.
  public var strategyHyperparameters: OpenAIES.Hyperparameters {
    switch meta.optimizer {
    case .es: return es.hyperparameters
    case .gradient: return OpenAIES.Hyperparameters(learningRate: meta.gradient.learningRate, learningRateSchedule: .constant)
    }
  }

  /// Checks every field; errors name the field and say what is allowed.
  public func validate() throws {
    typealias L = ConfigurationLimits
    try model.validate()
    try within(es.pairs, 1...L.pairs, "es.pairs")
    if meta.optimizer == .gradient {
      guard model.kind == .vsml else {
        throw fail("meta.optimizer", "gradient meta-training is implemented for VSML; use es for \(model.kind.rawValue)")
      }
      try within(meta.gradient.episodes, 1...L.pairs, "meta.gradient.episodes")
      guard meta.gradient.learningRate > 0, meta.gradient.learningRate.isFinite else {
        throw fail("meta.gradient.learningRate", "must be a positive number; got \(meta.gradient.learningRate)")
      }
      guard meta.gradient.clipNorm >= 0, meta.gradient.clipNorm.isFinite else {
        throw fail("meta.gradient.clipNorm", "must be >= 0 (0 disables clipping); got \(meta.gradient.clipNorm)")
      }
      if let k = meta.gradient.truncation { try within(k, 1...L.episodeLength, "meta.gradient.truncation") }
    }
    try within(data.episodeLength, 1...L.episodeLength, "data.episodeLength")
    try within(schedule.iterations, 0...L.iterations, "schedule.iterations")
    try within(validation.episodes, 1...L.validationEpisodes, "validation.episodes")
    try within(validation.steps, 1...L.episodeLength, "validation.steps")
    for (i, stage) in data.curriculum.enumerated() { try within(stage.episodeLength, 1...L.episodeLength, "data.curriculum[\(i)].episodeLength") }
    try within(data.tasks.count, 0...L.tasks, "data.tasks (number of tasks)")
    try within(validation.tasks.count, 0...L.tasks, "validation.tasks (number of tasks)")
    try within(data.curriculum.count, 0...L.curriculumStages, "data.curriculum (number of stages)")
    for (i, stage) in data.curriculum.enumerated() { try within(stage.tasks.count, 0...L.tasks, "data.curriculum[\(i)].tasks (number of tasks)") }
    do { try es.hyperparameters.validate() } catch { throw fail("es.hyperparameters", "\(error)") }
    if es.strategyKind == .snes {
      guard meta.optimizer == .es else {
        throw fail("es.strategy", "snes applies to meta.optimizer es; gradient meta-training steps with Adam (meta.gradient)")
      }
      do { try es.snesHyperparameters.validate() } catch { throw fail("es.snes", "\(error)") }
    } else if es.snes != nil {
      throw fail("es.snes", "applies to es.strategy \"snes\"; set it or remove es.snes")
    }
    if let objective = es.objective, objective != .loss, meta.optimizer != .es {
      throw fail("es.objective", "\(objective.rawValue) applies to meta.optimizer es (gradient descent needs the differentiable loss); remove it")
    }
    if es.sharedEpisode != nil, meta.optimizer != .es {
      throw fail("es.sharedEpisode", "applies to meta.optimizer es (gradient meta-training draws its own episodes, meta.gradient.episodes); remove it")
    }
    if let relative = es.relativeNoise {
      guard es.strategyKind == .openAI, meta.optimizer == .es else {
        throw fail("es.relativeNoise", "applies to OpenAI-ES (es.strategy openai, meta.optimizer es); remove it")
      }
      guard relative.floor.isFinite, relative.floor >= 0 else {
        throw fail("es.relativeNoise.floor", "must be a finite number >= 0; got \(relative.floor)")
      }
      guard es.hyperparameters.weightDecay == 0 else {
        throw fail("es.relativeNoise", "cannot be combined with weight decay (es.hyperparameters.optimizer); remove one")
      }
    }
    if let groups = es.scaleGroups {
      guard es.strategyKind == .openAI, meta.optimizer == .es else {
        throw fail("es.scaleGroups", "applies to OpenAI-ES (es.strategy openai, meta.optimizer es); remove it")
      }
      guard es.relativeNoise == nil else { throw fail("es.scaleGroups", "cannot be combined with es.relativeNoise (groups are relative already); remove one") }
      guard es.hyperparameters.weightDecay == 0 else {
        throw fail("es.scaleGroups", "cannot be combined with weight decay (es.hyperparameters.optimizer); remove one")
      }
      try within(groups.count, 1...L.scaleGroups, "es.scaleGroups (number of groups)")
      for (g, group) in groups.enumerated() {
        guard !group.name.isEmpty else { throw fail("es.scaleGroups[\(g)].name", "must name the group, for example \"learning rate\"") }
        guard !group.entries.isEmpty else { throw fail("es.scaleGroups[\(g)].entries", "needs at least one {\"tensor\": NAME}") }
      }
    }
    if data.mixedSizes == true {
      guard model.kind == .vsml else {
        throw fail("data.mixedSizes", "applies to VSML (its meta-parameters do not depend on the layer sizes); remove it")
      }
    }
    guard !data.tasks.isEmpty else { throw fail("data.tasks", "needs at least one task, e.g. {\"task\": {\"dataset\": \"mnist\"}}") }
    do { try TaskMixture(components: data.tasks).validate() } catch { throw fail("data.tasks", "\(error)") }
    var previous = 0
    for (i, stage) in data.curriculum.enumerated() {
      guard stage.start > previous else {
        throw fail("data.curriculum[\(i)].start", "stages must start after iteration \(previous), in increasing order; got \(stage.start)")
      }
      previous = stage.start
      do { try TaskMixture(components: stage.tasks).validate() } catch { throw fail("data.curriculum[\(i)].tasks", "\(error)") }
    }
    for (name, value) in [("schedule.maxWallMinutes", schedule.maxWallMinutes), ("schedule.maxCPUMinutes", schedule.maxCPUMinutes)] {
      if let value, !(value > 0 && value.isFinite) { throw fail(name, "must be a positive number of minutes; got \(value)") }
    }
    guard schedule.checkpointEvery >= 1 else { throw fail("schedule.checkpointEvery", "must be >= 1") }
    guard schedule.evaluateEvery >= 0 else { throw fail("schedule.evaluateEvery", "must be >= 0 (0 disables)") }
  }

  /// The tasks and episode length in force at `iteration`.
  public func stage(at iteration: Int) -> (index: Int, tasks: [TaskMixture.Component], episodeLength: Int) {
    var result = (0, data.tasks, data.episodeLength)
    for (i, stage) in data.curriculum.enumerated() where iteration >= stage.start {
      result = (i + 1, stage.tasks, stage.episodeLength)
    }
    return result
  }
}

/// The error of a configuration field: `field` names it, `message` says what is allowed.
private func fail(_ field: String, _ message: String) -> ConfigurationError { ConfigurationError(field: field, message: message) }

/// Refuses `value` outside `range`, naming `field`: the one message of every size bound.
private func within(_ value: Int, _ range: ClosedRange<Int>, _ field: String) throws {
  guard range.contains(value) else { throw fail(field, "must be between \(range.lowerBound) and \(range.upperBound); got \(value)") }
}
