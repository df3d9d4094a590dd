/// One member of a population to evaluate: its meta-parameters, its episode, its state seed.
public struct PopulationJob: Sendable {
  public var parameters: [Float]
  public var episode: Episode
  public var stateSeed: UInt64

  public init(parameters: [Float], episode: Episode, stateSeed: UInt64) {
    self.parameters = parameters
    self.episode = episode
    self.stateSeed = stateSeed
  }
}

/// Runs `count` independent episodes of `learner` across `threads` threads and returns their
/// results in index order. `job(i)` builds member `i`'s work on the thread that runs it (so
/// parameter vectors and episodes are generated in parallel, not up front); it must be
/// thread-safe and depend only on `i`, which makes the result independent of scheduling.
public func evaluatePopulation<Learner: OnlineLearner>(
  _ learner: Learner, count: Int, threads: Int, recordLogits: Bool = false,
  job: @escaping @Sendable (Int) -> PopulationJob
) -> [EpisodeResult] {
  let results = ResultSlots<EpisodeResult>(count: count)
  parallelFor(count: count, threads: threads) { i in
    let work = job(i)
    results[i] = learner.run(episode: work.episode, parameters: work.parameters, stateSeed: work.stateSeed, recordLogits: recordLogits)
  }
  return results.values
}

/// Fixed slots written by different threads, each slot by exactly one.
public final class ResultSlots<Value>: @unchecked Sendable {
  private let storage: UnsafeMutablePointer<Value?>
  public let count: Int

  public init(count: Int) {
    self.count = count
    storage = .allocate(capacity: max(count, 1))
    storage.initialize(repeating: nil, count: count)
  }

  deinit {
    storage.deinitialize(count: count)
    storage.deallocate()
  }

  public subscript(i: Int) -> Value {
    get { storage[i]! }
    set {
      precondition(i >= 0 && i < count, "slot out of range")
      storage[i] = newValue
    }
  }

  /// All values, in index order; every slot must have been written.
  public var values: [Value] { (0..<count).map { storage[$0]! } }
}
