#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Double-precision libm entry points, named so that generic code in this module does not need
// Foundation. They are used by reference paths and by statistics, never in hot loops; they are
// internals of this package (`package`), not API.
@inlinable package func _log(_ x: Double) -> Double { log(x) }
@inlinable package func _exp(_ x: Double) -> Double { exp(x) }
@inlinable package func _cos(_ x: Double) -> Double { cos(x) }
@inlinable package func _tanh(_ x: Double) -> Double { tanh(x) }
