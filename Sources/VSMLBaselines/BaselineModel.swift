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
