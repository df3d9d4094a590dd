import VSML

/// A hand-wired starting point for stages (b) and (c): the two sub-RNN blocks (forward sweep,
/// backward sweep) of `DeepBackpropTeacher`, built from the same gate tricks as `BackpropScaffold`.
///
/// The product of a stored value and an input is formed by an output gate: a lane whose `c`
/// holds `q` and whose output gates are `σ(±k·u)` gives `h_a − h_b = tanh(k·u/2)·tanh(q)`.
/// Lanes (both blocks share the weight and phase lanes):
/// - `weight` (0): `c` is the weight v, kept (forget gate saturated open), `h_0 = tanh(v)`. Only the
///   backward block opens its input gate, on the second micro-tick, with candidate
///   `tanh(u·(h_9 − h_10)) ≈ −η·tanh(x)·e`.
/// - `phase` (8): the micro-tick toggle of `BackpropScaffold`; the four ticks of an example
///   (2 forward, 2 backward) alternate first, second, first, second.
/// - forward block, `forwardPair` (11, 12): `c = tanh(α·h_0) ≈ α·v` every tick, output gates
///   `σ(±2x)`: `h_11 − h_12 ≈ tanh(x)·α·v`; the forward head reads it into slots 0 and 1.
/// - backward block, `updatePair` (9, 10): `c = tanh(a_u·e)` every tick, output gates `σ(±2x)`:
///   `h_9 − h_10 ≈ tanh(x)·a_u·e`, which the weight lane adds on the second tick.
/// - backward block, `backwardQuad` (13, 14, 15, 1): `c = tanh(α·h_0) ≈ α·v`, output gates
///   `σ(±γ·e ± 2x)`; with signs (+,+), (−,+), (+,−), (−,−) and head weights +, −, +, −, the sum is
///   `≈ γ·e·sech²(x)·α·v = γα·v·φ'(x)·e` for small γ·e.
/// Everything else is zero, so the other lanes decay and feed nothing.
package enum DeepBackpropScaffold {
  package static let weightLane = BackpropScaffold.weightLane
  package static let phaseLane = BackpropScaffold.phaseLane
  package static let updatePair = (9, 10)
  package static let forwardPair = (11, 12)
  package static let backwardQuad = [13, 14, 15, 1]

  /// α: v enters the product lanes as `tanh(α·tanh(v))`, near linear for weights up to ~0.5.
  package static let weightCopyGain = 0.5
  /// Output-gate gain on x: `σ(2x) − σ(−2x) = tanh(x)` and `σ'(2x)` terms give `sech²(x)`.
  package static let inputGateGain = 2.0
  /// a_u: e enters the update product as `tanh(a_u·e)`, near linear for |e| <= 1.
  package static let updateErrorGain = 0.1
  /// γ: e enters the backward product through `σ(±γ·e …)`, near linear for |e| <= 1.
  package static let backwardErrorGain = 0.2

  /// The two blocks for `teacher` (state 16, message >= 2, no LayerNorm), forward block first.
  package static func parameters(layout l: SubRNNParameterLayout, teacher: DeepBackpropTeacher) -> [Float] {
    precondition(l.stateSize == 16 && l.messageSize >= 2 && !l.layerNorm, "the scaffold is wired for S = 16, M >= 2")
    let s = l.stateSize, m = l.messageSize, width = l.gateWidth
    let inputRow = VSMLConfiguration.valueSlot, errorRow = m + VSMLConfiguration.valueSlot
    func hRow(_ lane: Int) -> Int { 2 * m + lane }
    enum Gate: Int { case input = 0, candidate, forget, output }
    let saturation = BackpropScaffold.saturation
    let inputOffset = -VSMLCell.inputGateOffset, forgetOffset = -VSMLCell.forgetGateOffset

    func block(backward: Bool) -> [Double] {
      var p = [Double](repeating: 0, count: l.count)
      func w(_ row: Int, _ gate: Gate, _ lane: Int) -> Int { l.gateWeights.lowerBound + row * width + gate.rawValue * s + lane }
      func b(_ gate: Gate, _ lane: Int) -> Int { l.gateBias.lowerBound + gate.rawValue * s + lane }
      func overwrite(_ lane: Int) {
        p[b(.input, lane)] = saturation + inputOffset
        p[b(.forget, lane)] = -saturation + forgetOffset
      }
      // Phase toggle (as in BackpropScaffold).
      overwrite(phaseLane)
      p[w(hRow(phaseLane), .candidate, phaseLane)] = BackpropScaffold.phaseFeedback
      p[b(.candidate, phaseLane)] = BackpropScaffold.phaseBias
      p[b(.output, phaseLane)] = saturation
      // Weight lane: kept; h_0 = tanh(v).
      p[b(.forget, weightLane)] = BackpropScaffold.weightForgetBias
      p[b(.output, weightLane)] = saturation
      // Copies of v for the product lanes.
      func holdWeight(_ lane: Int) {
        overwrite(lane)
        p[w(hRow(weightLane), .candidate, lane)] = weightCopyGain
      }
      if !backward {
        p[b(.input, weightLane)] = -saturation + inputOffset  // never written on the forward sweep
        for (lane, sign) in [(forwardPair.0, 1.0), (forwardPair.1, -1.0)] {
          holdWeight(lane)
          p[w(inputRow, .output, lane)] = sign * inputGateGain
        }
        let k = teacher.forwardGain / weightCopyGain
        for slot in [VSMLConfiguration.valueSlot, 1] {
          p[l.forwardHeadWeights.lowerBound + forwardPair.0 * m + slot] = k
          p[l.forwardHeadWeights.lowerBound + forwardPair.1 * m + slot] = -k
        }
      } else {
        // Update pair: tanh(x)·tanh(a_u e) on every tick; the weight adds it on the second tick.
        for (lane, sign) in [(updatePair.0, 1.0), (updatePair.1, -1.0)] {
          overwrite(lane)
          p[w(errorRow, .candidate, lane)] = updateErrorGain
          p[w(inputRow, .output, lane)] = sign * inputGateGain
        }
        p[w(hRow(phaseLane), .input, weightLane)] = BackpropScaffold.phaseGain  // open on the second tick
        let u = -teacher.learningRate / updateErrorGain
        p[w(hRow(updatePair.0), .candidate, weightLane)] = u
        p[w(hRow(updatePair.1), .candidate, weightLane)] = -u
        // Backward quad: γα·v·sech²(x)·e.
        let k = teacher.backwardGain / (backwardErrorGain * weightCopyGain)
        for (lane, (eSign, xSign, headSign)) in zip(backwardQuad, [(1.0, 1.0, 1.0), (-1.0, 1.0, -1.0), (1.0, -1.0, 1.0), (-1.0, -1.0, -1.0)]) {
          holdWeight(lane)
          p[w(errorRow, .output, lane)] = eSign * backwardErrorGain
          p[w(inputRow, .output, lane)] = xSign * inputGateGain
          p[l.backwardHeadWeights.lowerBound + lane * m + VSMLConfiguration.valueSlot] = headSign * k
        }
      }
      return p
    }
    return (block(backward: false) + block(backward: true)).map(Float.init)
  }
}
