import Foundation
import Synchronization

/// Helper threads that wait for work by spinning, for fork-join sections of a few hundred
/// microseconds, where waking a parked thread (Dispatch, see `parallelFor`) takes longer than
/// the section itself and the caller ends up doing all the work.
///
/// The helpers occupy their cores while the object lives, working or not: make one for a
/// stretch of work that owns the machine (one episode's gradient on all threads), and call
/// `finish()` when done. `run` must be called from one thread at a time.
package final class SpinningWorkers: @unchecked Sendable {
  /// Threads that take part in `run`, the caller included.
  package let threads: Int
  private let generation = Atomic<Int>(0)
  private let next = Atomic<Int>(0)
  private let pending = Atomic<Int>(0)
  private let stopped = Atomic<Bool>(false)
  private let finishedHelpers = Atomic<Int>(0)
  /// Helpers between announcing themselves and leaving `work()`: the caller rewrites `body`
  /// only when this is zero.
  private let active = Atomic<Int>(0)
  // Written by the caller before `generation` is bumped (release), read by helpers only after
  // they announce themselves in `active` and then see the new generation (acquire).
  private var body: ((Int) -> Void)?
  private var count = 0

  /// Starts `threads - 1` helper threads (at most one per core beyond the caller's: spinning
  /// threads that share a core only slow each other down).
  package init(threads: Int) {
    precondition(threads >= 1, "threads must be at least 1")
    self.threads = min(threads, availableCores)
    for _ in 1..<max(self.threads, 1) {
      let thread = Thread { [self] in helperLoop() }
      thread.stackSize = 1 << 20
      thread.start()
    }
  }

  /// Runs `body(i)` for every `i` in `0..<count`, on the caller and the helpers; returns when all
  /// have finished. Each index runs exactly once; results go to per-index places.
  package func run(count: Int, _ body: (Int) -> Void) {
    precondition(!stopped.load(ordering: .relaxed), "run after finish")
    if threads == 1 || count <= 1 {
      for i in 0..<count { body(i) }
      return
    }
    withoutActuallyEscaping(body) { body in
      var spins = 0
      while active.load(ordering: .acquiring) > 0 { spinHint(&spins) }
      self.body = body
      self.count = count
      next.store(0, ordering: .relaxed)
      pending.store(count, ordering: .relaxed)
      generation.wrappingAdd(1, ordering: .releasing)
      work()
      while pending.load(ordering: .acquiring) > 0 { spinHint(&spins) }
      // No helper may hold the closure past this call (withoutActuallyEscaping checks it).
      while active.load(ordering: .acquiring) > 0 { spinHint(&spins) }
      self.body = nil
    }
  }

  /// Stops the helpers and waits until they have left; the object is then spent.
  package func finish() {
    guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
    var spins = 0
    while finishedHelpers.load(ordering: .acquiring) < threads - 1 { spinHint(&spins) }
  }

  deinit { finish() }

  private func work() {
    guard let body else { return }
    while true {
      let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
      if i >= count { return }
      body(i)
      pending.wrappingSubtract(1, ordering: .releasing)
    }
  }

  private func helperLoop() {
    var seen = 0, spins = 0
    while !stopped.load(ordering: .acquiring) {
      active.wrappingAdd(1, ordering: .acquiringAndReleasing)
      let g = generation.load(ordering: .acquiring)
      let fresh = g != seen
      if fresh {
        seen = g
        work()
        spins = 0
      }
      active.wrappingSubtract(1, ordering: .releasing)
      if !fresh { spinHint(&spins) }
    }
    finishedHelpers.wrappingAdd(1, ordering: .releasing)
  }

  /// Spins that pass before a waiting thread starts to yield its core on every further spin:
  /// tens of microseconds, longer than a section's usual wait, so yielding only happens when the machine
  /// is oversubscribed or the caller is between sections for long.
  static let spinsBeforeYield = 4096

  @inline(__always) private func spinHint(_ spins: inout Int) {
    spins += 1
    if spins > Self.spinsBeforeYield {
      sched_yield()
    } else {
      busyPause()
    }
  }
}

/// A short busy pause the optimiser keeps (a spinning core leaves the memory system alone).
@inline(__always) private func busyPause() {
  var x = 0
  for i in 0..<8 { x &+= i }
  blackHole(Double(x))
}
