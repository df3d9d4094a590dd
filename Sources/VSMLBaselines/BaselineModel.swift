import VSMLCore

/// The baselines of METHOD.md §8 by name, with their default configurations: what a command line
/// (`vsml bench --model meta-rnn`) or a run configuration selects.
public enum BaselineModel: String, Codable, CaseIterable, Sendable {
  /// `MetaRNN`, LSTM 128.
  case metaRNN = "meta-rnn"
  /// `FastWeightMemory`, LSTM 32 with a 16 x 256 memory.
  case fastWeightMemory = "fw-memory"
  /// `FastWeightProgrammer`, delta rule, keys of 64.
  case fastWeightProgrammer = "fwp"
  /// `HebbianLearner`, Oja's rule.
  case hebbian = "hebbian"
  /// `OnlineMLP`, hidden layer of 160 tanh units, SGD lr 0.01.
  case mlpSGD = "mlp-sgd"
  /// `OnlineMLP`, hidden layer of 160 tanh units, Adam lr 0.001.
  case mlpAdam = "mlp-adam"
  /// `OnlineMLP` without hidden layer, SGD lr 0.01.
  case linearSGD = "linear-sgd"
  /// `OnlineMLP` without hidden layer, Adam lr 0.001.
  case linearAdam = "linear-adam"

  /// Whether the learner has meta-parameters to train (the online MLPs have none).
  public var isMetaLearned: Bool {
    switch self {
    case .mlpSGD, .mlpAdam, .linearSGD, .linearAdam: false
    default: true
    }
  }

  /// Whether the learner is a hand-designed online learner with a learning rate of its own
  /// (`makeLearner(inputSize:classCount:learningRate:)`).
  public var hasLearningRate: Bool { !isMetaLearned }

  /// The online MLP of a hand-designed model at `learningRate` (nil: its default, SGD 0.01,
  /// Adam 0.001); throws for a meta-learned model, whose rate is meta-learned.
  public func makeLearner(inputSize: Int, classCount: Int, learningRate: Float?) throws(BaselineConfigurationError) -> any OnlineLearner {
    let (hidden, optimizer): (Int, OnlineMLP.Optimizer)
    switch self {
    case .mlpSGD: (hidden, optimizer) = (160, .sgd)
    case .mlpAdam: (hidden, optimizer) = (160, .adam)
    case .linearSGD: (hidden, optimizer) = (0, .sgd)
    case .linearAdam: (hidden, optimizer) = (0, .adam)
    default:
      guard learningRate == nil else {
        throw BaselineConfigurationError(field: "learningRate", message: "\(rawValue) meta-learns its learning; only the hand-designed online learners take a rate")
      }
      return try makeLearner(inputSize: inputSize, classCount: classCount)
    }
    return try OnlineMLP(.init(inputSize: inputSize, classCount: classCount, hiddenSize: hidden, optimizer: optimizer, learningRate: learningRate))
  }

  /// The learner with its default configuration at the given sizes (METHOD.md §6: baselines use fixed
  /// sizes, e.g. 784 inputs and 62 classes, with smaller episodes padded).
  public func makeLearner(inputSize: Int, classCount: Int) throws(BaselineConfigurationError) -> any OnlineLearner {
    switch self {
    case .metaRNN: try MetaRNN(.init(inputSize: inputSize, classCount: classCount))
    case .fastWeightMemory: try FastWeightMemory(.init(inputSize: inputSize, classCount: classCount))
    case .fastWeightProgrammer: try FastWeightProgrammer(.init(inputSize: inputSize, classCount: classCount))
    case .hebbian: try HebbianLearner(.init(inputSize: inputSize, classCount: classCount))
    case .mlpSGD: try OnlineMLP(.init(inputSize: inputSize, classCount: classCount, hiddenSize: 160, optimizer: .sgd))
    case .mlpAdam: try OnlineMLP(.init(inputSize: inputSize, classCount: classCount, hiddenSize: 160, optimizer: .adam))
    case .linearSGD: try OnlineMLP(.init(inputSize: inputSize, classCount: classCount, hiddenSize: 0, optimizer: .sgd))
    case .linearAdam: try OnlineMLP(.init(inputSize: inputSize, classCount: classCount, hiddenSize: 0, optimizer: .adam))
    }
  }
}
