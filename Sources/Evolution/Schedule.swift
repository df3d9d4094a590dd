/// How a hyperparameter (σ, learning rate) changes with the iteration count, relative to its
/// initial value `v0`. `Codable` so that configurations and checkpoints record it.
///
/// - `constant`: `v(t) = v0`.
/// - `linearDecay(final:iterations:)`: straight line from `v0` at `t = 0` to `final` at
///   `t = iterations`, then `final`.
/// - `exponentialDecay(rate:floor:)`: `v(t) = max(floor, v0 · rate^t)` with `rate` in (0, 1].
public enum Schedule: Codable, Hashable, Sendable {
  case constant
  case linearDecay(final: Float, iterations: Int)
  case exponentialDecay(rate: Float, floor: Float)

  /// The value at iteration `t >= 0` for initial value `initial`.
  public func value(initial: Float, iteration t: Int) -> Float {
    precondition(t >= 0, "iteration must be >= 0")
    switch self {
    case .constant:
      return initial
    case let .linearDecay(final, iterations):
      guard iterations > 0, t < iterations else { return final }
      let fraction = Float(Double(t) / Double(iterations))
      return initial + (final - initial) * fraction
    case let .exponentialDecay(rate, floor):
      return max(floor, Float(Double(initial) * _pow(Double(rate), Double(t))))
    }
  }

  /// Checks the schedule's own fields; `field` names it in the error.
  public func validate(field: String) throws(EvolutionConfigurationError) {
    switch self {
    case .constant:
      return
    case let .linearDecay(final, iterations):
      guard final.isFinite, final >= 0 else {
        throw .invalid(field: "\(field).final", value: "\(final)", expected: "finite and >= 0")
      }
      guard iterations >= 0 else {
        throw .invalid(field: "\(field).iterations", value: "\(iterations)", expected: ">= 0")
      }
    case let .exponentialDecay(rate, floor):
      guard rate > 0, rate <= 1 else {
        throw .invalid(field: "\(field).rate", value: "\(rate)", expected: "in (0, 1]")
      }
      guard floor.isFinite, floor >= 0 else {
        throw .invalid(field: "\(field).floor", value: "\(floor)", expected: "finite and >= 0")
      }
    }
  }
}
