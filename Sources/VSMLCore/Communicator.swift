/// The processes that share one run: `size` ranks, of which this process is `rank`.
///
/// Collectives must be called by every rank, in the same order, from one thread per rank. A
/// single process is `SingleProcess`; the MPI-enabled build of `vsml` provides Open MPI ranks.
/// Invariant: `0 <= rank < size`.
public protocol Communicator: AnyObject, Sendable {
  var rank: Int { get }
  var size: Int { get }

  /// Every rank's `local` values concatenated in rank order. `counts[r]` is rank r's length and
  /// must be the same array on every rank; `local.count == counts[rank]`.
  func allGather(_ local: [Double], counts: [Int]) throws -> [Double]

  /// Every rank's bytes, in rank order (lengths may differ).
  func allGather(bytes local: [UInt8]) throws -> [[UInt8]]

  /// Waits until every rank has called it.
  func barrier() throws
}

extension Communicator {
  /// Whether this rank writes files and prints progress: rank 0 only.
  public var isLeader: Bool { rank == 0 }

  /// True on every rank when `flag` is true on any rank.
  public func any(_ flag: Bool) throws -> Bool {
    try allGather([flag ? 1 : 0], counts: Array(repeating: 1, count: size)).contains { $0 != 0 }
  }

  /// The largest of every rank's `value`, the same on every rank.
  public func maximum(_ value: Double) throws -> Double {
    try allGather([value], counts: Array(repeating: 1, count: size)).max() ?? value
  }

  /// Every rank's `local` values, where each rank holds `perItem` values for each of its items
  /// of a `WorkPartition` of `items`; returns them in item order (`items * perItem` values).
  public func allGather(_ local: [Double], perItem: Int, of partition: WorkPartition) throws -> [Double] {
    try allGather(local, counts: (0..<size).map { partition.range(of: $0).count * perItem })
  }
}

/// How a launcher (`mpirun`, `srun`) started this process, read from the environment it sets:
/// Open MPI's `mpirun` sets `OMPI_COMM_WORLD_SIZE`; Slurm's `srun` sets `PMIX_RANK` (PMIx) or
/// `PMI_RANK` and `PMI_SIZE` (PMI-2), and `SLURM_NTASKS`.
public struct MPILaunch: Sendable, Equatable {
  /// Whether a launcher started this process as an MPI rank.
  public var launched: Bool
  /// The number of ranks, where the environment says it.
  public var size: Int?

  public init(environment: [String: String]) {
    launched = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"].contains { environment[$0] != nil }
    size = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"].lazy.compactMap { environment[$0].flatMap(Int.init) }.first
  }
}

/// One process alone: every collective returns this rank's own contribution.
public final class SingleProcess: Communicator {
  public let rank = 0
  public let size = 1
  public init() {}
  public func allGather(_ local: [Double], counts: [Int]) throws -> [Double] { local }
  public func allGather(bytes local: [UInt8]) throws -> [[UInt8]] { [local] }
  public func barrier() throws {}
}

/// Contiguous blocks of `count` items over `ranks` ranks: rank r gets
/// `[r * count / ranks, (r + 1) * count / ranks)`, so block sizes differ by at most one and the
/// split depends only on (count, ranks).
public struct WorkPartition: Sendable, Equatable {
  public let count: Int
  public let ranks: Int

  public init(count: Int, ranks: Int) {
    precondition(count >= 0 && ranks >= 1, "count must be >= 0 and ranks >= 1")
    self.count = count
    self.ranks = ranks
  }

  /// The items of `rank`.
  public func range(of rank: Int) -> Range<Int> {
    precondition(rank >= 0 && rank < ranks, "rank out of range")
    return (rank * count / ranks)..<((rank + 1) * count / ranks)
  }
}
