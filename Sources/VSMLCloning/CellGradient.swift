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
package struct CellGradient: Sendable {
  package let layout: SubRNNParameterLayout
  package let microTicks: Int
  /// Forward-message slot read as the cell's `w·x` (the prediction slot, `outputIndex` = 1).
  package let forwardSlot: Int
  /// Backward-message slot read as the cell's `w·e`.
  package let backwardSlot: Int
  /// State lane read as the implied weight.
  package let weightLane: Int

  package init(layout: SubRNNParameterLayout, microTicks: Int = 2, forwardSlot: Int = 1, backwardSlot: Int = 0, weightLane: Int = 0) {
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
  package struct Sequence: Sendable {
    /// Forward-message value (input) per step, T.
    package var inputs: [Double]
    /// Backward-message value (error arriving with the step) per step, T.
    package var errors: [Double]
    /// Initial `c` (S); `h` starts at zero.
    package var initialCell: [Double]
    /// Targets per readout, each T.
    package var forwardTargets: [Double]
    package var backwardTargets: [Double]
    package var weightTargets: [Double]

    package init(inputs: [Double], errors: [Double], initialCell: [Double],
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

    package var length: Int { inputs.count }
  }

  /// Multipliers of the three residuals (0 drops a readout from the loss).
  package struct Scales: Hashable, Sendable {
    package var forward: Double
    package var backward: Double
    package var weight: Double
    package init(forward: Double, backward: Double, weight: Double) {
      self.forward = forward
      self.backward = backward
      self.weight = weight
    }
  }

  /// Readouts of a run: per step, T each.
  package struct Readouts: Sendable {
    package var forward: [Double]
    package var backward: [Double]
    package var weight: [Double]
  }

  // MARK: Forward

  /// Runs the cell over `sequence`; `parameters` is one sub-RNN block (`layout.count`).
  package func readouts(parameters: [Double], sequence: Sequence) -> Readouts {
    var tape = Tape(cell: cell, ticks: sequence.length * microTicks)
    return run(parameters: parameters, sequence: sequence, tape: &tape)
  }

  /// Loss of one sequence (see the type's documentation).
  package func loss(parameters: [Double], sequence: Sequence, scales: Scales) -> Double {
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

  /// Per-tick values kept for the reverse pass (ticks x width, row-major): each tick's input and
  /// its `DifferentiableCell` record.
  struct Tape {
    var inputs: [Double]   // ticks x (2M + S)
    var records: [Double]  // ticks x tickRecordWidth

    init(cell: DifferentiableCell, ticks: Int) {
      inputs = [Double](repeating: 0, count: ticks * cell.layout.gateInputs)
      records = [Double](repeating: 0, count: ticks * cell.tickRecordWidth)
    }
  }

  private var cell: DifferentiableCell { DifferentiableCell(layout: layout) }

  private func run(parameters p: [Double], sequence: Sequence, tape: inout Tape) -> Readouts {
    precondition(p.count == layout.count, "expected \(layout.count) parameters, got \(p.count)")
    precondition(sequence.initialCell.count == layout.stateSize)
    let cell = cell
    let s = layout.stateSize, m = layout.messageSize, nIn = layout.gateInputs, rw = cell.tickRecordWidth
    let wfOff = layout.forwardHeadWeights.lowerBound, bfOff = layout.forwardHeadBias.lowerBound
    let wbOff = layout.backwardHeadWeights.lowerBound, bbOff = layout.backwardHeadBias.lowerBound
    let steps = sequence.length
    var h = [Double](repeating: 0, count: s)
    var c = sequence.initialCell
    var z = [Double](repeating: 0, count: cell.scratchWidth)
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
        p.withUnsafeBufferPointer { pp in
          tape.inputs.withUnsafeBufferPointer { inputs in
            tape.records.withUnsafeMutableBufferPointer { records in
              cell.tick(parameters: pp.baseAddress!, input: inputs.baseAddress! + u, cell: &c, hidden: &h,
                        record: records.baseAddress! + tick * rw, scratch: &z)
            }
          }
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
  package func lossAndGradient(parameters p: [Double], sequence: Sequence, scales: Scales) -> (loss: Double, gradient: [Double]) {
    var gradient = [Double](repeating: 0, count: layout.count)
    let loss = accumulate(parameters: p, sequence: sequence, scales: scales, into: &gradient)
    return (loss, gradient)
  }

  /// Adds the gradient of one sequence's loss to `gradient`; returns the loss.
  package func accumulate(parameters p: [Double], sequence: Sequence, scales: Scales, into gradient: inout [Double]) -> Double {
    precondition(gradient.count == layout.count)
    let cell = cell
    let ticks = sequence.length * microTicks
    var tape = Tape(cell: cell, ticks: ticks)
    let r = run(parameters: p, sequence: sequence, tape: &tape)
    let steps = sequence.length
    let s = layout.stateSize, nIn = layout.gateInputs, rw = cell.tickRecordWidth
    let norm = 1 / Double(steps)
    var dh = [Double](repeating: 0, count: s)
    var dc = [Double](repeating: 0, count: s)
    var dz = [Double](repeating: 0, count: cell.scratchWidth)
    p.withUnsafeBufferPointer { pp in
      tape.inputs.withUnsafeBufferPointer { inputs in
        tape.records.withUnsafeBufferPointer { records in
          gradient.withUnsafeMutableBufferPointer { g in
            for t in stride(from: steps - 1, through: 0, by: -1) {
              // Readouts after the step's last tick: d loss / d readout = 2 · scale² · residual / T.
              let dF = 2 * norm * scales.forward * scales.forward * (r.forward[t] - sequence.forwardTargets[t])
              let dB = 2 * norm * scales.backward * scales.backward * (r.backward[t] - sequence.backwardTargets[t])
              let dW = 2 * norm * scales.weight * scales.weight * (r.weight[t] - sequence.weightTargets[t])
              let last = records.baseAddress! + (t * microTicks + microTicks - 1) * rw
              layout.accumulateHeadGradient(
                base: 0, forwardSlot: forwardSlot, backwardSlot: backwardSlot, dF: dF, dB: dB, parameters: pp, gradient: g, dh: &dh
              ) { cell.hidden(record: last, lane: $0) }
              dc[weightLane] += dW
              for k in stride(from: microTicks - 1, through: 0, by: -1) {
                let tick = t * microTicks + k
                cell.reverseTick(
                  parameters: pp.baseAddress!, input: inputs.baseAddress! + tick * nIn, record: records.baseAddress! + tick * rw,
                  dHidden: &dh, dCell: &dc, gradient: g.baseAddress!, dMessages: nil, scratch: &dz)
              }
            }
          }
        }
      }
    }
    return Self.loss(r, sequence, scales)
  }
}

