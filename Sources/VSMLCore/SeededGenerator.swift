/// A seeded pseudo-random generator (xoshiro256**), the only source of randomness in the project.
///
/// Every random draw comes from one of these, created from an explicit seed and, where work is
/// spread over threads or machines, from a tuple of stream indices
/// (`SeededGenerator(seed: s, stream: [iteration, member])`), so that any worker can regenerate
/// any draw without coordination. The state is 32 bytes and `Codable`, so a checkpoint can store
/// a generator's exact position.
public struct SeededGenerator: RandomNumberGenerator, Codable, Hashable, Sendable {
  @usableFromInline internal var s0: UInt64
  @usableFromInline internal var s1: UInt64
  @usableFromInline internal var s2: UInt64
  @usableFromInline internal var s3: UInt64

  /// Seeds the generator from `seed` and an optional list of stream indices.
  /// Different `(seed, stream)` pairs give statistically independent sequences.
  public init(seed: UInt64, stream: [UInt64] = []) {
    var mix = SplitMix64(state: seed ^ 0x5851_F42D_4C95_7F2D)
    var key = mix.next()
    for index in stream {
      var m = SplitMix64(state: key ^ (index &* 0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
      key = m.next() ^ m.next()
    }
    var s = SplitMix64(state: key)
    s0 = s.next(); s1 = s.next(); s2 = s.next(); s3 = s.next()
    if s0 | s1 | s2 | s3 == 0 { s0 = 1 }  // xoshiro must not start at all zeros
  }

  /// Convenience for stream indices given as `Int`.
  public init(seed: UInt64, stream: Int...) {
    self.init(seed: seed, stream: stream.map { UInt64(bitPattern: Int64($0)) })
  }

  @inlinable
  public mutating func next() -> UInt64 {
    let result = rotl(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotl(s3, 45)
    return result
  }

  @inlinable
  internal func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// SplitMix64, used only to expand seeds into generator states.
@usableFromInline
struct SplitMix64 {
  @usableFromInline var state: UInt64
  @usableFromInline init(state: UInt64) { self.state = state }
  @inlinable mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension SeededGenerator {
  /// A 64-bit value derived from `seed` and stream indices: the first draw of that stream.
  /// Used for per-episode state seeds and similar one-off derived seeds.
  public static func derive(seed: UInt64, stream: Int...) -> UInt64 {
    var g = SeededGenerator(seed: seed, stream: stream.map { UInt64(bitPattern: Int64($0)) })
    return g.next()
  }
}
