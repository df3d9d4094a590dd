import VSMLCore

extension VSMLMetaGradient {
  /// The results of `count` episodes, each with its own gradient, run across `threads` threads,
  /// in episode order; nil when an episode was cancelled.
  ///
  /// `job(i)` builds episode `i`'s work on the thread that runs it and must depend only on `i`.
  public func lossesAndGradients(count: Int, threads: Int, job: @escaping @Sendable (Int) -> PopulationJob) -> [Result]? {
    precondition(count >= 1, "at least one episode")
    let slots = ResultSlots<Result>(count: count)
    // Fewer episodes than threads: the spare threads share each episode's ticks.
    var perEpisode = self
    perEpisode.threads = count >= threads ? 1 : threads / count
    parallelFor(count: count, threads: threads) { i in
      let work = job(i)
      slots[i] = work.parameters.withUnsafeBufferPointer {
        perEpisode.lossAndGradient(episode: work.episode, parameters: $0, stateSeed: work.stateSeed)
      }
    }
    let results = slots.values
    return results.allSatisfy({ !$0.gradient.isEmpty }) ? results : nil
  }

  /// The mean loss and mean gradient of `count` episodes (`lossesAndGradients`). Gradients are
  /// summed in episode order after all episodes finish, so the result is the same for any thread
  /// count. Returns nil when an episode was cancelled.
  public func meanLossAndGradient(
    count: Int, threads: Int, job: @escaping @Sendable (Int) -> PopulationJob
  ) -> (results: [Result], meanLoss: Double, gradient: [Double])? {
    guard let results = lossesAndGradients(count: count, threads: threads, job: job) else { return nil }
    var gradient = [Double](repeating: 0, count: network.layout.count)
    var loss = 0.0
    for r in results {
      for k in gradient.indices { gradient[k] += r.gradient[k] }
      loss += Double(r.episode.meanLoss)
    }
    let scale = 1 / Double(count)
    return (results, loss * scale, gradient.map { $0 * scale })
  }
}
