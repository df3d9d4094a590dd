/// Vectorised activations for the inner loop, accurate to at most 2e-7 absolute error against
/// Double (checked on a dense grid by `FastMathTests`).
///
/// Both are built on one `exp` of a non-positive argument: `tanh(x) = sign(x)(1 - E)/(1 + E)` with
/// `E = exp(-2|x|)`, and `sigmoid(x) = 1/(1 + E)` or `E/(1 + E)` with `E = exp(-|x|)`, so no
/// intermediate overflows and the absolute error stays at a few float roundings everywhere.
/// Multiply-adds are written unfused (`a + b * c`): the package is built without a target CPU, where
/// a fused `addingProduct` would become sixteen libm `fmaf` calls.
package enum FastMath {
  package typealias Vector = SIMD16<Float>

  /// Arguments below this give `exp` results under the smallest normal float; clamping there only
  /// changes results by less than 1e-37.
  @usableFromInline static let expLowerClamp: Float = -87
  /// Adding then subtracting 1.5 * 2^23 rounds a float of magnitude < 2^22 to the nearest integer
  /// and leaves that integer in the low mantissa bits.
  @usableFromInline static let roundingShift: Float = 12_582_912
  @usableFromInline static let log2e: Float = 1.442_695_04
  /// ln 2 split in a part exact in float (9 significant bits) and the rest (Cody-Waite reduction).
  @usableFromInline static let ln2High: Float = 0.693_359_375
  @usableFromInline static let ln2Low: Float = -2.121_944_4e-4

  /// `exp(x)` for `x <= 0` (positive inputs are not supported; results below 1e-37 are approximate).
  ///
  /// Range reduction `x = n ln2 + r`, |r| <= ln2/2, then a degree-7 Taylor polynomial for `e^r`
  /// (truncation error < 6e-9 relative) and the exponent `n` put in directly.
  @_transparent
  package static func expNonPositive(_ x: Vector) -> Vector {
    let xc = x.replacing(with: expLowerClamp, where: x .< expLowerClamp)
    let shifted = Vector(repeating: roundingShift) + xc * log2e
    let n = shifted - roundingShift
    var r = xc + n * -ln2High
    r = r + n * -ln2Low
    // Horner form of 1 + r + r^2/2! + ... + r^7/7!.
    var p = Vector(repeating: 1.0 / 720) + r * (1.0 / 5040)
    p = Vector(repeating: 1.0 / 120) + p * r
    p = Vector(repeating: 1.0 / 24) + p * r
    p = Vector(repeating: 1.0 / 6) + p * r
    p = Vector(repeating: 0.5) + p * r
    p = Vector(repeating: 1) + p * r
    p = Vector(repeating: 1) + p * r
    // 2^n: the integer n sits in the low bits of `shifted`; move it into the exponent field.
    let nBits = shifted.bitPattern(as: UInt32.self) &- roundingShift.bitPattern
    let scaleBits = (nBits &+ 127) &<< 23
    return p * Vector(bitPattern: scaleBits)
  }

  /// Hyperbolic tangent, |error| <= 2e-7.
  @_transparent
  package static func tanh(_ x: Vector) -> Vector {
    let signMask = SIMD16<UInt32>(repeating: 0x8000_0000)
    let bits = x.bitPattern(as: UInt32.self)
    let magnitude = Vector(bitPattern: bits & ~signMask)
    let e = expNonPositive(magnitude * -2)
    let t = (1 - e) / (1 + e)
    return Vector(bitPattern: t.bitPattern(as: UInt32.self) | (bits & signMask))
  }

  /// Logistic sigmoid `1 / (1 + exp(-x))`, |error| <= 2e-7.
  @_transparent
  package static func sigmoid(_ x: Vector) -> Vector {
    let signMask = SIMD16<UInt32>(repeating: 0x8000_0000)
    let bits = x.bitPattern(as: UInt32.self)
    let negativeMagnitude = Vector(bitPattern: bits | signMask)
    let e = expNonPositive(negativeMagnitude)
    let s = 1 / (1 + e)
    return s.replacing(with: e * s, where: x .< 0)
  }
}

extension SIMD16 where Scalar == Float {
  /// Reinterprets the lanes' bits.
  @_transparent
  package init(bitPattern: SIMD16<UInt32>) {
    self = unsafeBitCast(bitPattern, to: SIMD16<Float>.self)
  }

  /// The lanes' bits.
  @_transparent
  package func bitPattern(as: UInt32.Type) -> SIMD16<UInt32> {
    unsafeBitCast(self, to: SIMD16<UInt32>.self)
  }
}
