import VSML
import VSMLCore

/// One connection's sub-RNN (METHOD.md §2) run over a sequence in float64, with a hand-derived
/// reverse pass (backpropagation through time) for supervised cloning losses.
///
/// A sequence has T steps. Step t feeds the forward message `[x_t, 0, ...]` (slot
/// `VSMLConfiguration.valueSlot`) and the backward message `[e_t, 0, ...]` (the error that
/// arrives with step t), held fixed for `microTicks` ticks (METHOD.md §3-4). After the last tick of a
/// step three readouts are taken:
/// - `forward`: slot `forwardSlot` of the outgoing forward message `h'·Wf + bf`;
/// - `backward`: slot `backwardSlot` of the outgoing backward message `h'·Wb + bb`;
/// - `weight`: lane `weightLane` of the cell state `c'` (the implied weight).
///
/// The loss of a sequence is `(1/T) Σ_t Σ_k (scale_k · (readout_k,t − target_k,t))²` over the three
/// readouts k; a scale of 0 drops a readout. LayerNorm on messages is not supported.
public struct CellGradient: Sendable {
  public let layout: SubRNNParameterLayout
  public let microTicks: Int
  /// Forward-message slot read as the cell's `w·x` (the prediction slot, `outputIndex` = 1).
  public let forwardSlot: Int
  /// Backward-message slot read as the cell's `w·e`.
  public let backwardSlot: Int
  /// State lane read as the implied weight.
  public let weightLane: Int

  public init(layout: SubRNNParameterLayout, microTicks: Int = 2, forwardSlot: Int = 1, backwardSlot: Int = 0, weightLane: Int = 0) {
    precondition(!layout.layerNorm, "CellGradient does not support message LayerNorm")
    precondition(microTicks >= 1 && (0..<layout.messageSize).contains(forwardSlot) && (0..<layout.messageSize).contains(backwardSlot))
    precondition((0..<layout.stateSize).contains(weightLane))
    self.layout = layout
    self.microTicks = microTicks
    self.forwardSlot = forwardSlot
    self.backwardSlot = backwardSlot
    self.weightLane = weightLane
  }

  /// One supervised sequence: inputs, initial state and targets, each of length T (steps).
  public struct Sequence: Sendable {
    /// Forward-message value (input) per step, T.
    public var inputs: [Double]
    /// Backward-message value (error arriving with the step) per step, T.
    public var errors: [Double]
    /// Initial `c` (S); `h` starts at zero.
    public var initialCell: [Double]
    /// Targets per readout, each T.
    public var forwardTargets: [Double]
    public var backwardTargets: [Double]
    public var weightTargets: [Double]

    public init(inputs: [Double], errors: [Double], initialCell: [Double],
                forwardTargets: [Double], backwardTargets: [Double], weightTargets: [Double]) {
      precondition(errors.count == inputs.count && forwardTargets.count == inputs.count
                   && backwardTargets.count == inputs.count && weightTargets.count == inputs.count)
      self.inputs = inputs
      self.errors = errors
      self.initialCell = initialCell
      self.forwardTargets = forwardTargets
      self.backwardTargets = backwardTargets
      self.weightTargets = weightTargets
    }

    public var length: Int { inputs.count }
  }

  /// Multipliers of the three residuals (0 drops a readout from the loss).
  public struct Scales: Hashable, Sendable {
    public var forward: Double
    public var backward: Double
    public var weight: Double
    public init(forward: Double, backward: Double, weight: Double) {
      self.forward = forward
      self.backward = backward
      self.weight = weight
    }
  }

  /// Readouts of a run: per step, T each.
  public struct Readouts: Sendable {
    public var forward: [Double]
    public var backward: [Double]
    public var weight: [Double]
  }

  // MARK: Forward

  /// Runs the cell over `sequence`; `parameters` is one sub-RNN block (`layout.count`).
  public func readouts(parameters: [Double], sequence: Sequence) -> Readouts {
    var tape = Tape(layout: layout, ticks: sequence.length * microTicks)
    return run(parameters: parameters, sequence: sequence, tape: &tape)
  }

  /// Loss of one sequence (see the type's documentation).
  public func loss(parameters: [Double], sequence: Sequence, scales: Scales) -> Double {
    let r = readouts(parameters: parameters, sequence: sequence)
    return Self.loss(r, sequence, scales)
  }

  static func loss(_ r: Readouts, _ s: Sequence, _ k: Scales) -> Double {
    var total = 0.0
    for t in 0..<s.length {
      let f = k.forward * (r.forward[t] - s.forwardTargets[t])
      let b = k.backward * (r.backward[t] - s.backwardTargets[t])
      let w = k.weight * (r.weight[t] - s.weightTargets[t])
      total += f * f + b * b + w * w
    }
    return total / Double(s.length)
  }

  /// Per-tick values kept for the reverse pass (ticks x width, row-major).
  struct Tape {
    var inputs: [Double]   // ticks x (2M + S)
    var gates: [Double]    // ticks x 4S, after the nonlinearities (i, g, f, o)
    var cellBefore: [Double]  // ticks x S
    var tanhCell: [Double]    // ticks x S, tanh(c')
    var hidden: [Double]      // ticks x S, h'

    init(layout: SubRNNParameterLayout, ticks: Int) {
      inputs = [Double](repeating: 0, count: ticks * layout.gateInputs)
      gates = [Double](repeating: 0, count: ticks * layout.gateWidth)
      cellBefore = [Double](repeating: 0, count: ticks * layout.stateSize)
      tanhCell = [Double](repeating: 0, count: ticks * layout.stateSize)
      hidden = [Double](repeating: 0, count: ticks * layout.stateSize)
    }
  }

  private func run(parameters p: [Double], sequence: Sequence, tape: inout Tape) -> Readouts {
    precondition(p.count == layout.count, "expected \(layout.count) parameters, got \(p.count)")
    precondition(sequence.initialCell.count == layout.stateSize)
    let s = layout.stateSize, m = layout.messageSize, nIn = layout.gateInputs, g4 = layout.gateWidth
    let wOff = layout.gateWeights.lowerBound, bOff = layout.gateBias.lowerBound
    let wfOff = layout.forwardHeadWeights.lowerBound, bfOff = layout.forwardHeadBias.lowerBound
    let wbOff = layout.backwardHeadWeights.lowerBound, bbOff = layout.backwardHeadBias.lowerBound
    let steps = sequence.length
    var h = [Double](repeating: 0, count: s)
    var c = sequence.initialCell
    var z = [Double](repeating: 0, count: g4)
    var out = Readouts(forward: [Double](repeating: 0, count: steps), backward: [Double](repeating: 0, count: steps),
                       weight: [Double](repeating: 0, count: steps))
    for t in 0..<steps {
      for k in 0..<microTicks {
        let tick = t * microTicks + k
        let u = tick * nIn
        for j in 0..<nIn { tape.inputs[u + j] = 0 }
        tape.inputs[u + VSMLConfiguration.valueSlot] = sequence.inputs[t]
        tape.inputs[u + m + VSMLConfiguration.valueSlot] = sequence.errors[t]
        for j in 0..<s { tape.inputs[u + 2 * m + j] = h[j] }
        for j in 0..<g4 { z[j] = p[bOff + j] }
        for r in 0..<nIn {
          let v = tape.inputs[u + r]
          if v == 0 { continue }
          let row = wOff + r * g4
          for j in 0..<g4 { z[j] += v * p[row + j] }
        }
        let gOff = tick * g4, sOff = tick * s
        for j in 0..<s {
          let i = sigmoid(z[j] + VSMLCell.inputGateOffset)
          let g = _tanh(z[s + j])
          let f = sigmoid(z[2 * s + j] + VSMLCell.forgetGateOffset)
          let o = sigmoid(z[3 * s + j])
          tape.gates[gOff + j] = i
          tape.gates[gOff + s + j] = g
          tape.gates[gOff + 2 * s + j] = f
          tape.gates[gOff + 3 * s + j] = o
          tape.cellBefore[sOff + j] = c[j]
          c[j] = f * c[j] + i * g
          let tc = _tanh(c[j])
          tape.tanhCell[sOff + j] = tc
          h[j] = o * tc
          tape.hidden[sOff + j] = h[j]
        }
      }
      var f = p[bfOff + forwardSlot], b = p[bbOff + backwardSlot]
      for j in 0..<s {
        f += h[j] * p[wfOff + j * m + forwardSlot]
        b += h[j] * p[wbOff + j * m + backwardSlot]
      }
      out.forward[t] = f
      out.backward[t] = b
      out.weight[t] = c[weightLane]
    }
    return out
  }

  // MARK: Reverse

  /// Loss of one sequence and its gradient with respect to `parameters` (same length), by
  /// backpropagation through all `T · microTicks` ticks.
  public func lossAndGradient(parameters p: [Double], sequence: Sequence, scales: Scales) -> (loss: Double, gradient: [Double]) {
    var gradient = [Double](repeating: 0, count: layout.count)
    let loss = accumulate(parameters: p, sequence: sequence, scales: scales, into: &gradient)
    return (loss, gradient)
  }

  /// Adds the gradient of one sequence's loss to `gradient`; returns the loss.
  public func accumulate(parameters p: [Double], sequence: Sequence, scales: Scales, into gradient: inout [Double]) -> Double {
    precondition(gradient.count == layout.count)
    let ticks = sequence.length * microTicks
    var tape = Tape(layout: layout, ticks: ticks)
    let r = run(parameters: p, sequence: sequence, tape: &tape)
    let steps = sequence.length
    let s = layout.stateSize, m = layout.messageSize, nIn = layout.gateInputs, g4 = layout.gateWidth
    let wOff = layout.gateWeights.lowerBound, bOff = layout.gateBias.lowerBound
    let wfOff = layout.forwardHeadWeights.lowerBound, bfOff = layout.forwardHeadBias.lowerBound
    let wbOff = layout.backwardHeadWeights.lowerBound, bbOff = layout.backwardHeadBias.lowerBound
    let norm = 1 / Double(steps)
    var dh = [Double](repeating: 0, count: s)
    var dc = [Double](repeating: 0, count: s)
    var dz = [Double](repeating: 0, count: g4)
    for t in stride(from: steps - 1, through: 0, by: -1) {
      // Readouts after the step's last tick: d loss / d readout = 2 · scale² · residual / T.
      let dF = 2 * norm * scales.forward * scales.forward * (r.forward[t] - sequence.forwardTargets[t])
      let dB = 2 * norm * scales.backward * scales.backward * (r.backward[t] - sequence.backwardTargets[t])
      let dW = 2 * norm * scales.weight * scales.weight * (r.weight[t] - sequence.weightTargets[t])
      let last = (t * microTicks + microTicks - 1) * s
      gradient[bfOff + forwardSlot] += dF
      gradient[bbOff + backwardSlot] += dB
      for j in 0..<s {
        let hj = tape.hidden[last + j]
        gradient[wfOff + j * m + forwardSlot] += dF * hj
        gradient[wbOff + j * m + backwardSlot] += dB * hj
        dh[j] += dF * p[wfOff + j * m + forwardSlot] + dB * p[wbOff + j * m + backwardSlot]
      }
      dc[weightLane] += dW
      for k in stride(from: microTicks - 1, through: 0, by: -1) {
        let tick = t * microTicks + k
        let gOff = tick * g4, sOff = tick * s, u = tick * nIn
        for j in 0..<s {
          let i = tape.gates[gOff + j], g = tape.gates[gOff + s + j]
          let f = tape.gates[gOff + 2 * s + j], o = tape.gates[gOff + 3 * s + j]
          let tc = tape.tanhCell[sOff + j]
          let dcTotal = dc[j] + dh[j] * o * (1 - tc * tc)
          dz[j] = dcTotal * g * i * (1 - i)
          dz[s + j] = dcTotal * i * (1 - g * g)
          dz[2 * s + j] = dcTotal * tape.cellBefore[sOff + j] * f * (1 - f)
          dz[3 * s + j] = dh[j] * tc * o * (1 - o)
          dc[j] = dcTotal * f
        }
        for j in 0..<g4 { gradient[bOff + j] += dz[j] }
        for rIn in 0..<nIn {
          let v = tape.inputs[u + rIn]
          let row = wOff + rIn * g4
          if v != 0 { for j in 0..<g4 { gradient[row + j] += v * dz[j] } }
          if rIn >= 2 * m {
            var acc = 0.0
            for j in 0..<g4 { acc += p[row + j] * dz[j] }
            dh[rIn - 2 * m] = acc
          }
        }
      }
    }
    return Self.loss(r, sequence, scales)
  }
}

@inline(__always) private func sigmoid(_ x: Double) -> Double { 1 / (1 + _exp(-x)) }
