extension RandomNumberGenerator {
  /// A uniform draw in [0, 1) with 24 random bits (exactly representable as `Float`).
  @inlinable
  public mutating func nextUnitFloat() -> Float {
    Float(next() >> 40) * 0x1p-24
  }

  /// A uniform draw in [0, 1) with 53 random bits.
  @inlinable
  public mutating func nextUnitDouble() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// A standard normal draw (Box-Muller, computed in Double).
  @inlinable
  public mutating func nextNormal() -> Float {
    Float(nextNormalDouble())
  }

  /// A standard normal draw in Double precision (Box-Muller; one of the pair is used).
  @inlinable
  public mutating func nextNormalDouble() -> Double {
    var u1 = nextUnitDouble()
    while u1 <= .leastNormalMagnitude { u1 = nextUnitDouble() }
    let u2 = nextUnitDouble()
    return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
  }

  /// A normal draw with standard deviation `std`, truncated to ±2 std by rejection
  /// (the initialiser of METHOD.md §2 and the initial cell state of METHOD.md §4).
  @inlinable
  public mutating func nextTruncatedNormal(std: Float) -> Float {
    while true {
      let z = nextNormalDouble()
      if abs(z) <= 2 { return Float(z) * std }
    }
  }

  /// A uniform integer in 0..<bound.
  @inlinable
  public mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0, "bound must be positive")
    return Int(next(upperBound: UInt64(bound)))
  }
}

/// Fills `buffer` with independent standard normal draws.
@inlinable
public func fillNormal<G: RandomNumberGenerator>(
  _ buffer: UnsafeMutableBufferPointer<Float>, using generator: inout G
) {
  for i in buffer.indices { buffer[i] = generator.nextNormal() }
}
