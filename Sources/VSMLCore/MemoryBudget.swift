import Foundation

/// Refuses work whose memory would not fit in this machine, before anything is allocated.
///
/// Estimates are products of sizes from users and files, computed with overflow checks: a product
/// that overflows `Int` is "too large" like one that exceeds the memory.
package enum MemoryBudget {
  /// The machine's physical memory in bytes.
  package static var physicalBytes: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory) }

  /// The product of `factors`, or nil when it overflows `Int` or a factor is negative.
  package static func product(_ factors: Int...) -> Int? { product(factors) }

  package static func product(_ factors: [Int]) -> Int? {
    var result = 1
    for f in factors {
      guard f >= 0 else { return nil }
      let (p, overflow) = result.multipliedReportingOverflow(by: f)
      if overflow { return nil }
      result = p
    }
    return result
  }

  /// The sum of `terms`, or nil when a term is nil or the sum overflows.
  package static func sum(_ terms: Int?...) -> Int? {
    var result = 0
    for t in terms {
      guard let t else { return nil }
      let (s, overflow) = result.addingReportingOverflow(t)
      if overflow { return nil }
      result = s
    }
    return result
  }

  /// Throws unless `bytes` (nil: overflowed) fits in the physical memory.
  /// - Parameters:
  ///   - what: the sizes that set the need, named as the user gives them (`--steps`, `es.pairs`).
  package static func require(_ bytes: Int?, for what: String, limit: Int = physicalBytes) throws(MemoryBudgetError) {
    guard let bytes, bytes <= limit else { throw MemoryBudgetError(what: what, bytes: bytes, available: limit) }
  }
}

/// A run that would need more memory than the machine has.
package struct MemoryBudgetError: Error, CustomStringConvertible, Equatable {
  package var what: String
  /// Estimated need in bytes; nil when the estimate itself overflows.
  package var bytes: Int?
  package var available: Int

  package var description: String {
    let need = bytes.map { Self.format($0) } ?? "more than 2^63 bytes"
    return "\(what) would need about \(need) of memory; this machine has \(Self.format(available)). Choose smaller sizes."
  }

  static func format(_ bytes: Int) -> String {
    let gib = Double(bytes) / Double(1 << 30)
    return gib >= 1 ? String(format: "%.1f GiB", gib) : String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
  }
}
