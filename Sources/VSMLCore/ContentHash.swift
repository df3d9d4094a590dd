/// A fast 64-bit hash of numbers and bytes, to tell whether two processes hold the same data.
///
/// Not cryptographic: it detects accidental differences (another file, another version of a
/// dataset, another configuration), not deliberate collisions. The value depends only on the
/// sequence of values fed in, never on the machine's byte order or word size of `Int`.
package struct ContentHash: Sendable, Equatable {
  /// Multipliers of the 64-bit finaliser of MurmurHash3 and an odd golden-ratio constant: they
  /// spread every input bit over the whole state.
  private static let mix1: UInt64 = 0xff51_afd7_ed55_8ccd
  private static let mix2: UInt64 = 0xc4ce_b9fe_1a85_ec53
  private static let golden: UInt64 = 0x9e37_79b9_7f4a_7c15

  package private(set) var state: UInt64 = 0x243f_6a88_85a3_08d3  // pi's fraction: any fixed start works

  package init() {}

  /// Feeds one 64-bit word.
  package mutating func combine(_ word: UInt64) {
    var k = word &* Self.mix1
    k = (k << 31) | (k >> 33)
    state = ((state ^ (k &* Self.mix2)) &* Self.golden) &+ 0x52dc_e729
  }

  package mutating func combine(_ value: Int) { combine(UInt64(bitPattern: Int64(value))) }

  /// Feeds a string's UTF-8 bytes and its length.
  package mutating func combine(_ string: String) { combine(bytes: Array(string.utf8)) }

  /// Feeds bytes, eight at a time little-endian, then the count.
  package mutating func combine(bytes: some Collection<UInt8>) {
    var word: UInt64 = 0
    var shift: UInt64 = 0
    for b in bytes {
      word |= UInt64(b) << shift
      shift += 8
      if shift == 64 {
        combine(word)
        word = 0
        shift = 0
      }
    }
    if shift > 0 { combine(word) }
    combine(bytes.count)
  }

  /// Feeds floats by bit pattern (so -0 and 0 differ, and NaNs hash by payload), then the count.
  package mutating func combine(floats: some Collection<Float>) {
    var pending: UInt64?
    for f in floats {
      let bits = UInt64(f.bitPattern)
      if let low = pending {
        combine(low | bits << 32)
        pending = nil
      } else {
        pending = bits
      }
    }
    if let low = pending { combine(low) }
    combine(floats.count)
  }

  /// Feeds 32-bit integers, then the count.
  package mutating func combine(int32s values: some Collection<Int32>) {
    combine(floats: values.lazy.map { Float(bitPattern: UInt32(bitPattern: $0)) })
  }

  /// The hash, finalised (does not change the state).
  package var value: UInt64 {
    var h = state
    h ^= h >> 33
    h &*= Self.mix1
    h ^= h >> 33
    h &*= Self.mix2
    h ^= h >> 33
    return h
  }

  /// The hash as 16 hexadecimal digits.
  package var hex: String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}
