import Foundation

/// Ranks that are threads of one process: the distributed protocol without MPI, for tests.
///
/// `communicator(rank:)` gives each thread its rank; every rank must call the same collectives in
/// the same order, as with MPI.
package final class InProcessGroup: @unchecked Sendable {
  package let size: Int
  private let condition = NSCondition()
  private var slots: [Any?]
  private var arrived = 0
  private var read = 0
  private var reading = false

  package init(size: Int) {
    precondition(size >= 1, "a group needs at least one rank")
    self.size = size
    slots = Array(repeating: nil, count: size)
  }

  package func communicator(rank: Int) -> some Communicator {
    precondition(rank >= 0 && rank < size, "rank out of range")
    return Member(group: self, rank: rank)
  }

  /// Deposits `value` for `rank`, waits for every rank's, and returns them in rank order.
  func exchange(_ value: Any, rank: Int) -> [Any] {
    condition.lock()
    defer { condition.unlock() }
    while reading { condition.wait() }  // the previous exchange is still being read
    slots[rank] = value
    arrived += 1
    if arrived == size {
      reading = true
      condition.broadcast()
    } else {
      while !reading { condition.wait() }
    }
    let all = slots.map { $0! }
    read += 1
    if read == size {
      read = 0
      arrived = 0
      reading = false
      slots = Array(repeating: nil, count: size)
      condition.broadcast()
    }
    return all
  }

  private final class Member: Communicator, @unchecked Sendable {
    let group: InProcessGroup
    let rank: Int
    var size: Int { group.size }

    init(group: InProcessGroup, rank: Int) {
      self.group = group
      self.rank = rank
    }

    func allGather(_ local: [Double], counts: [Int]) throws -> [Double] {
      precondition(counts.count == size && local.count == counts[rank], "counts do not match this rank's values")
      return group.exchange(local, rank: rank).flatMap { $0 as! [Double] }
    }

    func allGather(bytes local: [UInt8]) throws -> [[UInt8]] {
      group.exchange(local, rank: rank).map { $0 as! [UInt8] }
    }

    func barrier() throws { _ = group.exchange(0, rank: rank) }
  }
}
