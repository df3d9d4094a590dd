import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic wall-clock seconds.
package func monotonicSeconds() -> Double {
  Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
}

/// CPU seconds used so far by this process, all threads together.
package func processCPUSeconds() -> Double {
  var spec = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
  return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}

/// The largest resident memory this process has had so far, in bytes (`getrusage`'s maxrss:
/// kilobytes on Linux, bytes on macOS).
package func peakResidentBytes() -> Int {
  var usage = rusage()
  #if canImport(Darwin)
  getrusage(RUSAGE_SELF, &usage)
  return Int(usage.ru_maxrss)
  #else
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Int(usage.ru_maxrss) * 1024
  #endif
}

/// Keeps a computed value observable so that the optimiser cannot remove the work behind it.
@inline(never)
package func blackHole(_ value: Double) {
  blackHoleSink = value
}

nonisolated(unsafe) private var blackHoleSink = 0.0
