#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Double-precision libm entry points, named so that generic code in this module does not need
// Foundation. They are used by reference paths and by statistics, never in hot loops.
@inlinable public func _log(_ x: Double) -> Double { log(x) }
@inlinable public func _exp(_ x: Double) -> Double { exp(x) }
@inlinable public func _cos(_ x: Double) -> Double { cos(x) }
@inlinable public func _tanh(_ x: Double) -> Double { tanh(x) }
