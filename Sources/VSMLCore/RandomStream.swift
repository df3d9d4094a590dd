/// Every named random stream of the package, in one place: the tag that keeps one purpose's draws
/// independent of every other's (`SeededGenerator(seed:stream:)`, `SeededGenerator.derive`).
///
/// The values are fixed for good: a changed value changes every result drawn from it, so a new
/// purpose gets a new case, never an old value.
public enum RandomStream: UInt64, CaseIterable, Sendable {
  /// A run's initial meta-parameters (`MetaTrainer`), and the Evaluator's initialiser draw.
  case initialParameters = 0x1217
  /// Per-episode initial cell states: indexed by (iteration, pair) in training and by episode in
  /// meta-tests.
  case episodeState = 0x57A7E
  /// Training episodes of each curriculum stage (indexed by stage).
  case trainingEpisodes = 0xDA7A
  /// Episodes of the validation meta-tests during training.
  case validationEpisodes = 0x7A11D
  /// The fixed permutation of a `permute` transform.
  case permutation = 0x7065_726D
  /// The fixed matrix of a `project` transform.
  case projection = 0x7072_6F6A
  /// The 20 fixed examples of the synthetic `random` task.
  case syntheticRandom = 0x7261_6E64
  /// The examples of the synthetic `sum` task (indexed by split: 0 train, 1 test).
  case syntheticSum = 0x0073_756D
  /// A generated table (`clusters`, `teacher`; indexed by family, then 0 for the task, 1 and 2 for
  /// the train and test pools).
  case syntheticTable = 0x7461_626C
  /// The task of each episode of a generated table drawn fresh per episode (indexed by episode).
  case episodeTable = 0x6570_7462
  /// The transforms of the invariance study.
  case invarianceTransforms = 0x1A7A
  /// Initial fast weights of the Hebbian baseline (per episode).
  case hebbianState = 0x4845_4242
  /// Initial weights of the online MLP baselines (per episode).
  case mlpState = 0x4D4C50
  /// Cloning from the random initialiser (stage a).
  case cloningInitialiser = 0xC10E
  /// Cloning stage a's training batches (indexed by iteration).
  case cloningBatches = 0xBA7C
  /// Deep cloning from the random initialiser (stages b and c).
  case deepCloningInitialiser = 0xDEE9
  /// Deep cloning's per-iteration initial states (indexed by iteration).
  case deepCloningStates = 0x57A7
  /// The connections whose signals deep cloning records.
  case cloningConnections = 0xC0
  /// Held-out sequences of the cloning reports.
  case cloningReport = 0xE7A1
}

extension SeededGenerator {
  /// A generator for `stream`, optionally indexed further (`iteration`, `pair`, ...).
  public init(seed: UInt64, stream: RandomStream, _ indices: Int...) {
    self.init(seed: seed, stream: [stream.rawValue] + indices.map { UInt64(bitPattern: Int64($0)) })
  }
}

extension SeededGenerator {
  /// The first draw of `stream` (indexed further by `indices`): a seed for a sub-task.
  public static func derive(seed: UInt64, stream: RandomStream, _ indices: Int...) -> UInt64 {
    var g = SeededGenerator(seed: seed, stream: [stream.rawValue] + indices.map { UInt64(bitPattern: Int64($0)) })
    return g.next()
  }
}
