/// Constants of the sub-RNN step (METHOD.md §2), named where the reference uses bare numbers.
public enum VSMLCell {
  /// Added to the input gate's pre-activation: a fresh cell barely writes (σ(-5) ≈ 0.007).
  public static let inputGateOffset = -5.0
  /// Added to the forget gate's pre-activation: a fresh cell keeps its state (σ(5) ≈ 0.993).
  public static let forgetGateOffset = 5.0
  /// LayerNorm epsilon of the reference (Haiku default).
  public static let layerNormEpsilon: Float = 1e-5
}
