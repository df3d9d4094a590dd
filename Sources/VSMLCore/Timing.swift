import Dispatch

/// Monotonic wall-clock seconds.
public func monotonicSeconds() -> Double {
  Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
}

/// Keeps a computed value observable so that the optimiser cannot remove the work behind it.
@inline(never)
public func blackHole(_ value: Double) {
  blackHoleSink = value
}

nonisolated(unsafe) private var blackHoleSink = 0.0
