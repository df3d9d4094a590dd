import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body(i)` for every `i` in `0..<count` on up to `threads` threads.
///
/// Work is handed out one index at a time from a shared counter, so long and short items balance.
/// Each index runs exactly once; results must be written to per-index slots, which makes the
/// outcome independent of scheduling. With `threads <= 1` everything runs on the calling thread,
/// in order. Dispatch wakes extra threads ~20 µs late (see docs/PERFORMANCE.md): give each index
/// at least a millisecond of work.
public func parallelFor(count: Int, threads: Int, _ body: (Int) -> Void) {
  precondition(count >= 0 && threads >= 1, "count must be >= 0 and threads >= 1")
  let workers = min(threads, count)
  if workers <= 1 {
    for i in 0..<count { body(i) }
    return
  }
  let next = Atomic<Int>(0)
  withoutActuallyEscaping(body) { body in
    // The contract above (each index once, results in per-index slots) is what makes sharing
    // `body` across threads safe; the compiler cannot check it.
    let shared = UncheckedSendable(body)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      while true {
        let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
        if i >= count { break }
        shared.value(i)
      }
    }
  }
}

/// A value shared across threads under a contract the compiler cannot check (stated where used).
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

/// The number of CPU cores available to this process.
public var availableCores: Int {
  max(1, ProcessInfoLite.activeProcessorCount)
}

enum ProcessInfoLite {
  static var activeProcessorCount: Int {
    #if canImport(Glibc)
    return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    #elseif canImport(Darwin)
    return Int(sysconf(_SC_NPROCESSORS_ONLN))
    #else
    return 1
    #endif
  }
}
