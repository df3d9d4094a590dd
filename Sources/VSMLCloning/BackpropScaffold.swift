import VSML

/// A hand-wired starting point for backprop cloning: sub-RNN parameters (one block, METHOD.md §2) that
/// already implement `BackpropTeacher` approximately, which gradient cloning then refines.
///
/// Lanes of the state (S = 16; lanes 0..7 of `c` start random, METHOD.md §4):
/// - `weight` (0): `c` is the weight v. Forget gate saturated open; its input gate opens only on the
///   second micro-tick; its candidate is `tanh(u·(h_9 − h_10))`, the product `x_{t−1}·e_t` below.
/// - `phase` (8): a toggle, `c ← tanh(−10·h_8 + 2)`: h_8 ≈ +0.76 after tick 1, −0.76 after tick 2,
///   so gates reading h_8 know which micro-tick comes next.
/// - `updatePair` (9, 10): both store `tanh(a_u·x)` on tick 2 only (kept through tick 1 of the next
///   step), with output gates `σ(±γ_u·e)`: `h_9 − h_10 = tanh(γ_u e/2)·tanh(tanh(a_u x_{t−1}))` on tick 1.
/// - `forwardPair` (11, 12): store `tanh(a_f·x)` every tick, output gates `σ(±γ_f·h_0)`; the forward
///   head reads `K_f·(h_11 − h_12) ≈ κ_f·v·x`.
/// - `backwardPair` (13, 14): store `tanh(a_b·e)` every tick, output gates `σ(±γ_b·h_0)`; the backward
///   head reads `K_b·(h_13 − h_14) ≈ κ_b·v·e`.
/// All other parameters are zero, so lanes 1..7 and 15 decay and feed nothing.
package enum BackpropScaffold {
  package static let weightLane = 0
  package static let phaseLane = 8
  package static let updatePair = (9, 10)
  package static let forwardPair = (11, 12)
  package static let backwardPair = (13, 14)

  /// A pre-activation that saturates a gate: σ(20) = 1 − 2·10⁻⁹.
  package static let saturation = 20.0
  /// Gain on the phase lane's h (≈ ±0.75): ±19 at the gates it drives.
  package static let phaseGain = 25.0
  /// Toggle of the phase lane: candidate `tanh(phaseFeedback·h_8 + phaseBias)`.
  package static let phaseFeedback = -10.0
  package static let phaseBias = 2.0
  /// Forget bias of the weight lane: σ(15 + 5) keeps v for 10⁵ ticks within 10⁻⁴.
  package static let weightForgetBias = 15.0
  /// Small-signal gains: inputs enter the update product through `tanh(a_u·x)` and `σ(±γ_u·e)`,
  /// the forward product through `tanh(a_f·x)` and `σ(±γ_f·h_0)`, the backward product through
  /// `tanh(a_b·e)` and `σ(±γ_b·h_0)`; small enough for the tanh and sigmoid to be near linear.
  package static let updateInputGain = 0.05, updateErrorGain = 0.2
  package static let forwardInputGain = 0.05, forwardWeightGain = 1.0
  package static let backwardErrorGain = 0.1, backwardWeightGain = 1.0

  /// The scaffold for `teacher`, one sub-RNN block of `layout` (state 16, message >= 2, no LayerNorm).
  package static func parameters(layout l: SubRNNParameterLayout, teacher: BackpropTeacher, forwardSlot: Int = 1) -> [Float] {
    precondition(l.stateSize == 16 && l.messageSize >= 2 && !l.layerNorm, "the scaffold is wired for S = 16, M >= 2")
    var p = [Double](repeating: 0, count: l.count)
    let s = l.stateSize, m = l.messageSize, width = l.gateWidth
    let inputRow = VSMLConfiguration.valueSlot, errorRow = m + VSMLConfiguration.valueSlot
    func hRow(_ lane: Int) -> Int { 2 * m + lane }
    enum Gate: Int { case input = 0, candidate, forget, output }
    func w(_ row: Int, _ gate: Gate, _ lane: Int) -> Int { l.gateWeights.lowerBound + row * width + gate.rawValue * s + lane }
    func b(_ gate: Gate, _ lane: Int) -> Int { l.gateBias.lowerBound + gate.rawValue * s + lane }
    let inputOffset = -VSMLCell.inputGateOffset, forgetOffset = -VSMLCell.forgetGateOffset
    // Gate that opens on tick 2 only (z − 5 = ρ·h_8 − 5 for the input gate).
    func openOnSecondTick(_ lane: Int) { p[w(hRow(phaseLane), .input, lane)] = phaseGain }
    // Overwrite every tick: input gate saturated open, forget gate saturated shut.
    func overwrite(_ lane: Int) {
      p[b(.input, lane)] = saturation + inputOffset
      p[b(.forget, lane)] = -saturation + forgetOffset
    }

    // Phase toggle.
    overwrite(phaseLane)
    p[w(hRow(phaseLane), .candidate, phaseLane)] = phaseFeedback
    p[b(.candidate, phaseLane)] = phaseBias
    p[b(.output, phaseLane)] = saturation

    // Update pair: written on tick 2 (input open, forget shut), kept on tick 1.
    for (lane, sign) in [(updatePair.0, 1.0), (updatePair.1, -1.0)] {
      openOnSecondTick(lane)
      p[w(hRow(phaseLane), .forget, lane)] = -phaseGain
      p[b(.forget, lane)] = forgetOffset  // z_f + 5 = −ρ·h_8
      p[w(inputRow, .candidate, lane)] = updateInputGain
      p[w(errorRow, .output, lane)] = sign * updateErrorGain
    }

    // Weight lane: Δv = tanh(u·(h_9 − h_10)) ≈ u·(γ_u e/2)·(a_u x) on tick 2 → u = −2η/(γ_u a_u).
    let u = -2 * teacher.learningRate / (updateErrorGain * updateInputGain)
    openOnSecondTick(weightLane)
    p[b(.forget, weightLane)] = weightForgetBias
    p[w(hRow(updatePair.0), .candidate, weightLane)] = u
    p[w(hRow(updatePair.1), .candidate, weightLane)] = -u
    p[b(.output, weightLane)] = saturation

    // Forward and backward pairs: products of the previous tick's h_0 ≈ v with x or e.
    for (pair, row, inGain, vGain) in [(forwardPair, inputRow, forwardInputGain, forwardWeightGain),
                                       (backwardPair, errorRow, backwardErrorGain, backwardWeightGain)] {
      for (lane, sign) in [(pair.0, 1.0), (pair.1, -1.0)] {
        overwrite(lane)
        p[w(row, .candidate, lane)] = inGain
        p[w(hRow(weightLane), .output, lane)] = sign * vGain
      }
    }
    // Heads: K·(h_a − h_b) ≈ K·(γ v/2)·(a·input) = κ·v·input.
    let kf = 2 * teacher.forwardGain / (forwardWeightGain * forwardInputGain)
    p[l.forwardHeadWeights.lowerBound + forwardPair.0 * m + forwardSlot] = kf
    p[l.forwardHeadWeights.lowerBound + forwardPair.1 * m + forwardSlot] = -kf
    let kb = 2 * teacher.backwardGain / (backwardWeightGain * backwardErrorGain)
    p[l.backwardHeadWeights.lowerBound + backwardPair.0 * m + VSMLConfiguration.valueSlot] = kb
    p[l.backwardHeadWeights.lowerBound + backwardPair.1 * m + VSMLConfiguration.valueSlot] = -kb
    return p.map(Float.init)
  }
}
