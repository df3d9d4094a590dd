import VSMLCore
import VSML
import Evolution

/// Which evolution strategy meta-training runs (`es.strategy`).
public enum StrategyKind: String, Codable, Hashable, Sendable, CaseIterable {
  /// OpenAI-ES: antithetic pairs and an optimiser step on the mean (METHOD.md §5), the published
  /// choice and the default.
  case openAI = "openai"
  /// Separable NES: a diagonal Gaussian whose per-parameter σ adapts to each parameter's scale.
  case snes

  /// The strategy type that implements this kind.
  public var type: any TrainableStrategy.Type {
    switch self {
    case .openAI: return OpenAIES.self
    case .snes: return SNES.self
    }
  }
}

/// A strategy's checkpointed state, whichever strategy it is. Stored as the strategy's own state
/// object: an OpenAI-ES state holds `optimizer`, an SNES state `sigma`.
public enum StrategyState: Codable, Hashable, Sendable {
  case openAI(OpenAIES.State)
  case snes(SNES.State)

  public init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let state = try? container.decode(OpenAIES.State.self) {
      self = .openAI(state)
    } else {
      self = .snes(try container.decode(SNES.State.self))
    }
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .openAI(let state): try container.encode(state)
    case .snes(let state): try container.encode(state)
    }
  }

  /// The search centre.
  public var mean: [Float] {
    switch self {
    case .openAI(let state): return state.mean
    case .snes(let state): return state.mean
    }
  }

  /// Iterations completed.
  public var iteration: Int {
    switch self {
    case .openAI(let state): return state.iteration
    case .snes(let state): return state.iteration
    }
  }

  /// The optimiser's steps taken (OpenAI-ES; nil for SNES, which has no optimiser state).
  public var optimizerSteps: Int? {
    switch self {
    case .openAI(let state): return state.optimizer.stepCount
    case .snes: return nil
    }
  }

  /// The strategy this state belongs to.
  public var kind: StrategyKind {
    switch self {
    case .openAI: return .openAI
    case .snes: return .snes
    }
  }
}

/// What `MetaTrainer` needs of a strategy beyond ask/tell: to be built from a configuration and
/// to be saved to and restored from a checkpoint. The trainer holds `any TrainableStrategy` and
/// never asks which one it is; a new strategy conforms and adds a `StrategyKind` case.
public protocol TrainableStrategy: EvolutionStrategy {
  /// The strategy of `configuration` (population 2 x `es.pairs`, seed `seed`) centred on
  /// `initialMean`, whose named tensors are `tensors` (what `es.scaleGroups` refers to).
  init(configuration: TrainingConfiguration, initialMean: [Float], tensors: [NamedTensor]) throws
  /// The strategy restored from `state`; throws when `state` is another strategy's or does not fit.
  init(configuration: TrainingConfiguration, state: StrategyState) throws
  /// The state to checkpoint.
  var checkpointState: StrategyState { get }
}

/// Names the strategy field of a strategy error (`es.hyperparameters.sigma`, `es.snes.initialSigma`).
private func configurationError(_ error: EvolutionConfigurationError, under prefix: String) -> ConfigurationError {
  ConfigurationError(field: prefix, message: error.description)
}

extension OpenAIES: TrainableStrategy {
  public init(configuration: TrainingConfiguration, initialMean: [Float], tensors: [NamedTensor]) throws {
    var scale = configuration.es.relativeNoise?.scale(start: initialMean), group: [Int]?
    if let scale, !scale.contains(where: { $0 > 0 }) {
      throw ConfigurationError(field: "es.relativeNoise.floor", message: "every starting parameter is 0, so nothing would move; set a floor > 0")
    }
    if let groups = configuration.es.scaleGroups {
      (scale, group) = try ScaleGroup.searchBasis(groups, start: initialMean, tensors: tensors)
    }
    do {
      try self.init(
        setup: .init(dimension: initialMean.count, pairs: configuration.es.pairs, seed: configuration.seed),
        hyperparameters: configuration.strategyHyperparameters, initialMean: initialMean, noiseScale: scale, noiseGroup: group)
    } catch { throw configurationError(error, under: "es.hyperparameters") }
  }

  public init(configuration: TrainingConfiguration, state: StrategyState) throws {
    guard case .openAI(let saved) = state else {
      throw ConfigurationError(field: "es.strategy", message: "the checkpoint holds a \(state.kind.rawValue) state, not openai; resume with the configuration it was written with")
    }
    do {
      try self.init(
        setup: .init(dimension: saved.mean.count, pairs: configuration.es.pairs, seed: configuration.seed),
        hyperparameters: configuration.strategyHyperparameters, state: saved)
    } catch { throw configurationError(error, under: "checkpoint strategy") }
  }

  public var checkpointState: StrategyState { .openAI(state) }
}

extension SNES: TrainableStrategy {
  public init(configuration: TrainingConfiguration, initialMean: [Float], tensors: [NamedTensor]) throws {
    do {
      try self.init(
        setup: .init(dimension: initialMean.count, populationSize: 2 * configuration.es.pairs, seed: configuration.seed),
        hyperparameters: configuration.es.snesHyperparameters, initialMean: initialMean)
    } catch { throw configurationError(error, under: "es.snes") }
  }

  public init(configuration: TrainingConfiguration, state: StrategyState) throws {
    guard case .snes(let saved) = state else {
      throw ConfigurationError(field: "es.strategy", message: "the checkpoint holds a \(state.kind.rawValue) state, not snes; resume with the configuration it was written with")
    }
    do {
      try self.init(
        setup: .init(dimension: saved.mean.count, populationSize: 2 * configuration.es.pairs, seed: configuration.seed),
        hyperparameters: configuration.es.snesHyperparameters, state: saved)
    } catch { throw configurationError(error, under: "checkpoint strategy") }
  }

  public var checkpointState: StrategyState { .snes(state) }
}
