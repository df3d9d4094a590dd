import Foundation

/// JSON text for reports (`--json`, `summary.json`) that never fails on non-finite numbers.
///
/// JSON has no NaN or infinity. Every non-finite `Double` or `Float` in the object becomes `null`,
/// and the top-level object gets `"non_finite"`: how many were replaced, so a reader can tell a
/// missing value from a diverged one. Keys are sorted.
package enum ReportJSON {
  /// The encoded object, pretty-printed with sorted keys.
  /// - Throws: only for values JSON cannot hold at all (not numbers, strings, booleans, arrays,
  ///   dictionaries or `NSNull`): a programming error, reported rather than trapped.
  package static func encode(_ object: [String: Any]) throws -> [UInt8] {
    var count = 0
    guard var clean = sanitized(object, count: &count) as? [String: Any] else { return Array("{}".utf8) }
    clean["non_finite"] = count
    return Array(try JSONSerialization.data(withJSONObject: clean, options: [.sortedKeys, .prettyPrinted]))
  }

  /// `value` with every non-finite number replaced by `NSNull`; `count` grows by their number.
  static func sanitized(_ value: Any, count: inout Int) -> Any {
    switch value {
    case let d as Double:
      if d.isFinite { return d }
      count += 1
      return NSNull()
    case let f as Float:
      if f.isFinite { return f }
      count += 1
      return NSNull()
    case let dictionary as [String: Any]:
      return dictionary.mapValues { sanitized($0, count: &count) }
    case let array as [Any]:
      return array.map { sanitized($0, count: &count) }
    default:
      return value
    }
  }
}
