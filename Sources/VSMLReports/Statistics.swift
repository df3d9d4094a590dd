/// Summary statistics for evaluation over episodes (METHOD.md §7): means, spreads, and 95 % intervals
/// of a mean, both for scalars (one value per episode) and for per-step curves (an episodes × steps
/// matrix). Everything is computed in Double.
public enum Statistics {
  /// The arithmetic mean; NaN for an empty collection.
  public static func mean<C: Collection>(_ values: C) -> Double where C.Element: BinaryFloatingPoint {
    guard !values.isEmpty else { return .nan }
    return values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
  }

  /// The sample standard deviation (divisor n − 1); 0 for fewer than two values (no spread estimate).
  public static func sampleStandardDeviation<C: Collection>(_ values: C) -> Double where C.Element: BinaryFloatingPoint {
    guard values.count >= 2 else { return 0 }
    let m = mean(values)
    let squares = values.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) }
    return (squares / Double(values.count - 1)).squareRoot()
  }

  /// Two-sided 97.5 % quantiles of Student's t for 1…30 degrees of freedom (standard tables).
  static let studentT975Table: [Double] = [
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
    2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
    2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
  ]
  /// The 97.5 % quantile of the standard normal distribution.
  public static let normal975 = 1.959963984540054

  /// The 97.5 % quantile of Student's t with `degreesOfFreedom` ≥ 1: the table above up to 30, then
  /// the Cornish–Fisher expansion around the normal quantile (error below 1e-4 for ν > 30).
  public static func studentT975(degreesOfFreedom nu: Int) -> Double {
    precondition(nu >= 1, "degrees of freedom must be >= 1")
    if nu <= studentT975Table.count { return studentT975Table[nu - 1] }
    let z = normal975, v = Double(nu)
    let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z
    return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v)
      + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v)
  }

  /// A mean with its 95 % confidence interval `mean ± halfWidth`.
  public struct MeanInterval: Codable, Hashable, Sendable {
    public var mean: Double
    public var halfWidth: Double
    public var count: Int
    public var lower: Double { mean - halfWidth }
    public var upper: Double { mean + halfWidth }
  }

  /// The 95 % interval of the mean of `values` (independent samples, e.g. one per episode), using
  /// Student's t with n − 1 degrees of freedom: `mean ± t₀.₉₇₅(n−1) · s / √n`. With one value the
  /// interval collapses to the point (half-width 0); with none, the mean is NaN.
  public static func meanInterval95<C: Collection>(_ values: C) -> MeanInterval where C.Element: BinaryFloatingPoint {
    let n = values.count
    let m = mean(values)
    guard n >= 2 else { return MeanInterval(mean: m, halfWidth: 0, count: n) }
    let halfWidth = studentT975(degreesOfFreedom: n - 1) * sampleStandardDeviation(values) / Double(n).squareRoot()
    return MeanInterval(mean: m, halfWidth: halfWidth, count: n)
  }

  /// Per-step mean curve with its 95 % band, each of length `steps`.
  public struct Curve: Codable, Hashable, Sendable {
    public var mean: [Double]
    public var lower: [Double]
    public var upper: [Double]
  }

  /// For a matrix `episodes × steps` (every row the same length), the mean over episodes at each
  /// step and the 95 % interval of that mean (see `meanInterval95`).
  public static func stepCurve<T: BinaryFloatingPoint>(_ episodes: [[T]]) -> Curve {
    let steps = episodes.first?.count ?? 0
    precondition(episodes.allSatisfy { $0.count == steps }, "every episode must have the same number of steps")
    var curve = Curve(mean: [], lower: [], upper: [])
    curve.mean.reserveCapacity(steps)
    for t in 0..<steps {
      let interval = meanInterval95(episodes.map { $0[t] })
      curve.mean.append(interval.mean)
      curve.lower.append(interval.lower)
      curve.upper.append(interval.upper)
    }
    return curve
  }

  /// Trailing moving average: entry `i` is the mean of the finite values among
  /// `values[i - window + 1 ... i]` (fewer at the start; NaN where none is finite).
  public static func movingAverage(_ values: [Double], window: Int) -> [Double] {
    precondition(window >= 1, "window must be >= 1")
    return values.indices.map { i in
      let finite = values[max(0, i - window + 1)...i].filter(\.isFinite)
      return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
    }
  }
}
