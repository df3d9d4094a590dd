/// Where a population's independent items (antithetic pairs, episodes) run: split into contiguous
/// blocks over the ranks of `communicator` (`WorkPartition`), and within a rank over `threads`
/// threads. Each item yields the same number of numbers; every rank gets every item's, in item
/// order, so what follows does not depend on the number of ranks or threads. With `SingleProcess`
/// it is this process's threads alone; under MPI the ranks of a launch. `gather` and `map` are
/// collective: every rank calls them with the same `count` and `perItem`.
public struct PopulationExecutor: Sendable {
  public let communicator: any Communicator
  /// Threads of this rank.
  public let threads: Int

  public init(communicator: any Communicator = SingleProcess(), threads: Int) {
    self.communicator = communicator
    self.threads = max(1, threads)
  }

  /// What a collective step gathered, and how long this rank waited for the others and then
  /// exchanged the numbers.
  public struct Gathered: Sendable {
    /// `count x perItem` numbers, item-major.
    public var values: [Double]
    public var waitSeconds: Double
    public var commSeconds: Double

    /// Item `i`'s numbers.
    public func item(_ i: Int, perItem: Int) -> ArraySlice<Double> { values[(i * perItem)..<((i + 1) * perItem)] }
  }

  /// This rank's items of `count`.
  public func range(of count: Int) -> Range<Int> {
    WorkPartition(count: count, ranks: communicator.size).range(of: communicator.rank)
  }

  /// Runs `local` on this rank's items (it spreads them over `threads` as it likes and returns
  /// `perItem` numbers per item, or nil when it was cut short), then gathers every rank's.
  /// - Throws: `CancellationError` on every rank when any rank was cut short or saw a stop
  ///   request in `cancellation`, before anything is gathered.
  public func gather(
    count: Int, perItem: Int, cancellation: Cancellation = .never, local: (Range<Int>) throws -> [Double]?
  ) throws -> Gathered {
    let partition = WorkPartition(count: count, ranks: communicator.size)
    let mine = partition.range(of: communicator.rank)
    let values = try local(mine)
    if try communicator.any(cancellation.isRequested || values == nil) { throw CancellationError() }
    let mineValues = values ?? []
    precondition(mineValues.count == mine.count * perItem, "each item must yield \(perItem) numbers")
    let waitStart = monotonicSeconds()
    try communicator.barrier()
    let commStart = monotonicSeconds()
    let all = try communicator.allGather(mineValues, perItem: perItem, of: partition)
    return Gathered(values: all, waitSeconds: commStart - waitStart, commSeconds: monotonicSeconds() - commStart)
  }

  /// `gather` with each of this rank's items run by `item` on one of `threads` threads; `item`
  /// must depend only on its index.
  public func map(
    count: Int, perItem: Int, cancellation: Cancellation = .never, item: @escaping @Sendable (Int) -> [Double]
  ) throws -> Gathered {
    try gather(count: count, perItem: perItem, cancellation: cancellation) { mine in
      let slots = ResultSlots<[Double]>(count: mine.count)
      parallelFor(count: mine.count, threads: threads) { k in slots[k] = item(mine.lowerBound + k) }
      return slots.values.flatMap { $0 }
    }
  }
}
