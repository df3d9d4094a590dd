/// A gradient scaled down to a maximum global norm, as gradient meta-training applies it.
///
/// A gradient with a non-finite entry or norm becomes all NaN, which `OpenAIES.applyGradient`
/// refuses: such an update is skipped, never applied.
public struct ClippedGradient: Sendable {
  /// The gradient to apply (length of the input).
  public let values: [Float]
  /// The global norm before clipping (may be NaN or infinite).
  public let norm: Double
  /// Whether the norm was above the clip and the gradient was scaled down.
  public let clipped: Bool

  /// `clipNorm` 0 disables clipping.
  public init(_ gradient: [Double], clipNorm: Double) {
    precondition(clipNorm >= 0, "clipNorm must be >= 0")
    let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
    self.norm = norm
    guard norm.isFinite else {
      clipped = false
      values = [Float](repeating: .nan, count: gradient.count)
      return
    }
    clipped = clipNorm > 0 && norm > clipNorm
    let scale = clipped ? clipNorm / norm : 1
    values = gradient.map { Float($0 * scale) }
  }

  /// Whether the update can be applied.
  public var isFinite: Bool { norm.isFinite }
}
