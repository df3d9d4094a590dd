import VSML
import VSMLCore

/// One connection's sub-RNN (METHOD.md §2) run in float64 over a sequence of *phases*, with a
/// hand-derived reverse pass, for cloning losses on any timing: stage (a)'s one phase per
/// example, or the backward-pass timing of stages (b) and (c) (a forward sweep, then a backward
/// sweep run by a separate parameter block).
///
/// A phase holds its incoming forward and backward messages (M each) fixed for `ticks` ticks of
/// parameter block `block`; after its last tick every slot of both outgoing messages and the
/// state lane `weightLane` can be compared with a target. The loss of a sequence is
/// `(1/steps) Σ_phases Σ_readouts (scale · (readout − target))²`; a scale of 0 drops a readout.
/// Parameters are `blocks` sub-RNN blocks back to back (`blocks · layout.count` numbers), in the
/// order of `SubRNNParameterLayout`'s blocks (forward block, then backward block).
package struct PhasedCellGradient: Sendable {
  package let layout: SubRNNParameterLayout
  package let blocks: Int
  /// State lane read as the implied weight.
  package let weightLane: Int

  package init(layout: SubRNNParameterLayout, blocks: Int, weightLane: Int = 0) {
    precondition(!layout.layerNorm, "PhasedCellGradient does not support message LayerNorm")
    precondition(blocks >= 1 && (0..<layout.stateSize).contains(weightLane))
    self.layout = layout
    self.blocks = blocks
    self.weightLane = weightLane
  }

  package var parameterCount: Int { blocks * layout.count }

  /// Fixed inputs of a run of ticks and the targets read after its last tick.
  package struct Phase: Sendable {
    package var block: Int
    package var ticks: Int
    /// Incoming messages, M each.
    package var forwardInput: [Double]
    package var backwardInput: [Double]
    /// Targets and scales of the outgoing messages after the last tick, M each (scale 0: none).
    package var forwardTarget: [Double]
    package var forwardScale: [Double]
    package var backwardTarget: [Double]
    package var backwardScale: [Double]
    /// Target and scale of `c[weightLane]` after the last tick.
    package var weightTarget: Double
    package var weightScale: Double

    /// A phase with no targets.
    package init(block: Int, ticks: Int, forwardInput: [Double], backwardInput: [Double]) {
      let m = forwardInput.count
      precondition(backwardInput.count == m)
      self.block = block
      self.ticks = ticks
      self.forwardInput = forwardInput
      self.backwardInput = backwardInput
      forwardTarget = [Double](repeating: 0, count: m)
      forwardScale = forwardTarget
      backwardTarget = forwardTarget
      backwardScale = forwardTarget
      weightTarget = 0
      weightScale = 0
    }
  }

  package struct Sequence: Sendable {
    /// Initial `c` (S); `h` starts at zero.
    package var initialCell: [Double]
    package var phases: [Phase]
    /// Number of examples the phases cover (the loss is a mean per example).
    package var steps: Int

    package init(initialCell: [Double], phases: [Phase], steps: Int) {
      precondition(steps >= 1)
      self.initialCell = initialCell
      self.phases = phases
      self.steps = steps
    }
  }

  /// Outgoing messages (M each) and the implied weight after each phase.
  package struct Readouts: Sendable {
    package var forward: [[Double]]
    package var backward: [[Double]]
    package var weight: [Double]
  }

  /// Each tick's input and its `DifferentiableCell` record (ticks x width, row-major).
  struct Tape {
    var inputs: [Double] = []   // ticks x (2M + S)
    var records: [Double] = []  // ticks x tickRecordWidth
  }

  private var cell: DifferentiableCell { DifferentiableCell(layout: layout) }

  package func readouts(parameters: [Double], sequence: Sequence) -> Readouts {
    var tape = Tape()
    return run(parameters, sequence, &tape)
  }

  package func loss(parameters: [Double], sequence: Sequence) -> Double {
    Self.loss(readouts(parameters: parameters, sequence: sequence), sequence)
  }

  static func loss(_ r: Readouts, _ s: Sequence) -> Double {
    var total = 0.0
    for (k, phase) in s.phases.enumerated() {
      for j in phase.forwardInput.indices {
        let f = phase.forwardScale[j] * (r.forward[k][j] - phase.forwardTarget[j])
        let b = phase.backwardScale[j] * (r.backward[k][j] - phase.backwardTarget[j])
        total += f * f + b * b
      }
      let w = phase.weightScale * (r.weight[k] - phase.weightTarget)
      total += w * w
    }
    return total / Double(s.steps)
  }

  private func run(_ p: [Double], _ sequence: Sequence, _ tape: inout Tape) -> Readouts {
    precondition(p.count == parameterCount, "expected \(parameterCount) parameters, got \(p.count)")
    precondition(sequence.initialCell.count == layout.stateSize)
    let cell = cell
    let s = layout.stateSize, m = layout.messageSize, nIn = layout.gateInputs, rw = cell.tickRecordWidth
    let ticks = sequence.phases.reduce(0) { $0 + $1.ticks }
    tape.inputs = [Double](repeating: 0, count: ticks * nIn)
    tape.records = [Double](repeating: 0, count: ticks * rw)
    var h = [Double](repeating: 0, count: s)
    var c = sequence.initialCell
    var z = [Double](repeating: 0, count: cell.scratchWidth)
    var out = Readouts(forward: [], backward: [], weight: [])
    var tick = 0
    for phase in sequence.phases {
      precondition(phase.block < blocks && phase.ticks >= 1 && phase.forwardInput.count == m)
      let base = phase.block * layout.count
      for _ in 0..<phase.ticks {
        let u = tick * nIn
        for j in 0..<m {
          tape.inputs[u + j] = phase.forwardInput[j]
          tape.inputs[u + m + j] = phase.backwardInput[j]
        }
        for j in 0..<s { tape.inputs[u + 2 * m + j] = h[j] }
        p.withUnsafeBufferPointer { pp in
          tape.inputs.withUnsafeBufferPointer { inputs in
            tape.records.withUnsafeMutableBufferPointer { records in
              cell.tick(parameters: pp.baseAddress! + base, input: inputs.baseAddress! + u, cell: &c, hidden: &h,
                        record: records.baseAddress! + tick * rw, scratch: &z)
            }
          }
        }
        tick += 1
      }
      let wfOff = base + layout.forwardHeadWeights.lowerBound, bfOff = base + layout.forwardHeadBias.lowerBound
      let wbOff = base + layout.backwardHeadWeights.lowerBound, bbOff = base + layout.backwardHeadBias.lowerBound
      var f = Array(p[bfOff..<(bfOff + m)]), b = Array(p[bbOff..<(bbOff + m)])
      for k in 0..<s where h[k] != 0 {
        for j in 0..<m {
          f[j] += h[k] * p[wfOff + k * m + j]
          b[j] += h[k] * p[wbOff + k * m + j]
        }
      }
      out.forward.append(f)
      out.backward.append(b)
      out.weight.append(c[weightLane])
    }
    return out
  }

  /// Loss of one sequence and its gradient (`parameterCount` numbers).
  package func lossAndGradient(parameters p: [Double], sequence: Sequence) -> (loss: Double, gradient: [Double]) {
    var gradient = [Double](repeating: 0, count: parameterCount)
    let loss = accumulate(parameters: p, sequence: sequence, into: &gradient)
    return (loss, gradient)
  }

  /// Adds the gradient of one sequence's loss to `gradient`; returns the loss.
  package func accumulate(parameters p: [Double], sequence: Sequence, into gradient: inout [Double]) -> Double {
    precondition(gradient.count == parameterCount)
    let cell = cell
    var tape = Tape()
    let r = run(p, sequence, &tape)
    let s = layout.stateSize, m = layout.messageSize, nIn = layout.gateInputs, rw = cell.tickRecordWidth
    let norm = 1 / Double(sequence.steps)
    var dh = [Double](repeating: 0, count: s)
    var dc = [Double](repeating: 0, count: s)
    var dz = [Double](repeating: 0, count: cell.scratchWidth)
    var tick = sequence.phases.reduce(0) { $0 + $1.ticks }
    p.withUnsafeBufferPointer { pp in
      tape.inputs.withUnsafeBufferPointer { inputs in
        tape.records.withUnsafeBufferPointer { records in
          gradient.withUnsafeMutableBufferPointer { g in
            for k in stride(from: sequence.phases.count - 1, through: 0, by: -1) {
              let phase = sequence.phases[k]
              let base = phase.block * layout.count
              // Readouts after the phase's last tick: d loss / d readout = 2 · scale² · residual / steps.
              let last = records.baseAddress! + (tick - 1) * rw
              for j in 0..<m {
                let dF = 2 * norm * phase.forwardScale[j] * phase.forwardScale[j] * (r.forward[k][j] - phase.forwardTarget[j])
                let dB = 2 * norm * phase.backwardScale[j] * phase.backwardScale[j] * (r.backward[k][j] - phase.backwardTarget[j])
                if dF == 0 && dB == 0 { continue }
                layout.accumulateHeadGradient(
                  base: base, forwardSlot: j, backwardSlot: j, dF: dF, dB: dB, parameters: pp, gradient: g, dh: &dh
                ) { cell.hidden(record: last, lane: $0) }
              }
              dc[weightLane] += 2 * norm * phase.weightScale * phase.weightScale * (r.weight[k] - phase.weightTarget)
              for _ in 0..<phase.ticks {
                tick -= 1
                cell.reverseTick(
                  parameters: pp.baseAddress! + base, input: inputs.baseAddress! + tick * nIn,
                  record: records.baseAddress! + tick * rw, dHidden: &dh, dCell: &dc, gradient: g.baseAddress! + base,
                  dMessages: nil, scratch: &dz)
              }
            }
          }
        }
      }
    }
    return Self.loss(r, sequence)
  }
}
