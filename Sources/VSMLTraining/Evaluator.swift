import VSMLCore
import VSMLData
import VSMLReports

/// The meta-test of METHOD.md §7: a learner learns `episodes` fresh episodes of `steps` examples from
/// one split (test by default); its online accuracy is reported per step, as a mean, and at the end.
///
/// The episodes are split over the ranks of `communicator` and, within a rank, over threads; every
/// rank returns the same result, which does not depend on the split. `evaluate` is collective.
public struct Evaluator: Sendable {
  public var episodes: Int
  public var steps: Int
  public var seed: UInt64
  public var threads: Int
  public var split: DataSplit
  public var communicator: any Communicator
  /// A stop request honoured within about one example; `evaluate` then throws `CancellationError`.
  public var cancellation: Cancellation = .never

  /// Fraction of the final steps whose accuracy is reported as "final accuracy".
  public static let finalFraction = 0.1

  public init(
    episodes: Int = 32, steps: Int = 2_000, seed: UInt64 = 0, threads: Int = availableCores, split: DataSplit = .test,
    communicator: any Communicator = SingleProcess()
  ) {
    self.episodes = episodes
    self.steps = steps
    self.seed = seed
    self.threads = threads
    self.split = split
    self.communicator = communicator
  }

  /// Per-dataset outcome of a meta-test.
  public struct Result: Codable, Sendable {
    public var task: String
    public var split: String
    public var episodes: Int
    public var steps: Int
    /// Mean over episodes of each episode's online accuracy, with the 95 % interval half-width.
    public var meanAccuracy: Double
    public var ci95: Double
    /// Online accuracy over the last 10 % of steps, averaged over episodes, with its interval.
    public var finalAccuracy: Double
    public var finalCI95: Double
    /// Accuracy over the first 100 steps (or all steps if fewer), averaged over episodes.
    public var first100Accuracy: Double
    public var meanLoss: Double
    /// Per-step accuracy over episodes: mean and 95 % band (clipped to [0, 1]).
    public var curve: Statistics.Curve
    /// Number of episodes whose loss was not finite.
    public var nonFiniteEpisodes: Int
    /// Each episode's online accuracy, in episode order (for intervals pooled over runs).
    public var episodeAccuracies: [Double]
  }

  /// Runs the meta-test of `parameters` (nil: the learner's own seeded initialisation, the
  /// no-meta-learning control) on `task`, building the learner for the task's shape with `makeLearner`.
  public func evaluate(
    task: TaskSpec, locator: DataLocator, parameters: [Float]?,
    makeLearner: (_ inputSize: Int, _ classCount: Int) throws -> any OnlineLearner
  ) throws -> Result {
    let prepared = Swift.Result { try EpisodeSampler(task: task, split: split, length: steps, seed: seed, locator: locator) }
    // Every rank must draw from the same data: a rank that cannot load it, or holds other data,
    // stops all of them here.
    let sampler = try communicator.agree(prepared) { ["data: \(task.dataset)": $0.tasks[0].fingerprint] }
    let learner = try makeLearner(sampler.inputSize, sampler.classCount)
    return try evaluate(learner, sampler: sampler, parameters: parameters, name: task.dataset)
  }

  /// Runs the meta-test of a learner on episodes from `sampler`.
  public func evaluate(_ learner: some OnlineLearner, sampler: EpisodeSampler, parameters: [Float]?, name: String) throws -> Result {
    var generator = SeededGenerator(seed: seed, stream: .initialParameters)
    let theta = parameters ?? learner.initialParameters(using: &generator)
    precondition(theta.count == learner.parameterCount, "parameter count does not match the learner")
    let seed = self.seed
    let executor = PopulationExecutor(communicator: communicator, threads: threads)
    let mine = executor.range(of: episodes)
    try MemoryBudget.require(
      learner.episodeMemory(concurrent: min(threads, mine.count), retained: episodes, length: sampler.length),
      for: "a meta-test of \(episodes) episodes x \(sampler.length) steps of \(sampler.inputSize) inputs on \(threads) threads")
    let cancellation = self.cancellation
    // Per episode: its mean loss, then one 0/1 per step. The mean loss stands in for the losses,
    // which is all `summarise` reads of them. A stop on any rank throws before the gather.
    let length = sampler.length
    let gathered = try executor.map(count: episodes, perItem: length + 1, cancellation: cancellation) { e in
      var episode = sampler.episode(e)
      episode.cancellation = cancellation
      let r = learner.run(episode: episode, parameters: theta, stateSeed: SeededGenerator.derive(seed: seed, stream: .episodeState, e), recordLogits: false)
      precondition(r.correct.count == length, "an episode result does not cover the episode")
      return [Double(r.meanLoss)] + r.correct.map { $0 ? 1 : 0 }
    }
    let all = (0..<episodes).map { e in
      let row = gathered.item(e, perItem: length + 1)
      return EpisodeResult(losses: [Float(row.first!)], correct: row.dropFirst().map { $0 != 0 })
    }
    return Self.summarise(all, name: name, split: split.rawValue)
  }

  /// Statistics of a set of episode results (all of the same length).
  public static func summarise(_ results: [EpisodeResult], name: String, split: String) -> Result {
    let steps = results.first?.correct.count ?? 0
    let correct = results.map { $0.correct.map { $0 ? 1.0 : 0.0 } }
    let perEpisode = correct.map { Statistics.mean($0) }
    let tail = max(1, Int(Double(steps) * finalFraction))
    let finals = correct.map { Statistics.mean($0.suffix(tail)) }
    let firsts = correct.map { Statistics.mean($0.prefix(100)) }
    let mean = Statistics.meanInterval95(perEpisode)
    let final = Statistics.meanInterval95(finals)
    let losses = results.map { Double($0.meanLoss) }
    var curve = Statistics.stepCurve(correct)
    // Accuracies lie in [0, 1]; so does their interval.
    curve.lower = curve.lower.map { min(max($0, 0), 1) }
    curve.upper = curve.upper.map { min(max($0, 0), 1) }
    return Result(
      task: name, split: split, episodes: results.count, steps: steps,
      meanAccuracy: mean.mean, ci95: mean.halfWidth, finalAccuracy: final.mean, finalCI95: final.halfWidth,
      first100Accuracy: Statistics.mean(firsts), meanLoss: Statistics.mean(losses.filter(\.isFinite)),
      curve: curve, nonFiniteEpisodes: losses.filter { !$0.isFinite }.count, episodeAccuracies: perEpisode)
  }
}
