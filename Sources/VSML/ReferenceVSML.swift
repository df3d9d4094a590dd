import VSMLCore

/// A plain, scalar, float64 implementation of the VSML network of METHOD.md §2-4, written for clarity
/// rather than speed, with the exact gradient of an episode's mean loss (METHOD.md §5, gradient
/// route). Tests hold the fast path and the fast meta-gradient to it.
///
/// Every option of `VSMLConfiguration` is supported: hidden layers, the backward sweep, the fed
/// label, LayerNorm, layer-wise and separate backward parameter blocks, and micro-ticks. The
/// gradient flows through everything the parameters touch, including the error fed back at the
/// next step (`softmax(ŷ) − y` depends on the prediction), as automatic differentiation of the
/// same computation would.
public struct ReferenceVSML: Sendable {
  public let configuration: VSMLConfiguration
  public let layout: VSMLParameterLayout
  public let cell: DifferentiableCell

  public init(_ configuration: VSMLConfiguration) {
    self.configuration = configuration
    self.layout = VSMLParameterLayout(configuration)
    self.cell = DifferentiableCell(layout: layout.block)
  }

  /// Output of `run`: per-step predictions (steps x outputs) and losses.
  public struct Output: Sendable {
    public var logits: [[Double]]
    public var losses: [Double]
    public var meanLoss: Double { losses.reduce(0, +) / Double(losses.count) }
  }

  /// Runs an episode (batch 1) from explicit initial cell states.
  ///
  /// - Parameters:
  ///   - inputs: steps x inputSize.
  ///   - labels: one class index per step.
  ///   - parameters: `layout.count` floats.
  ///   - initialCells: per layer, `A x B x S` values of `c` (row-major); `h` and messages start at 0.
  public func run(inputs: [[Float]], labels: [Int], parameters: [Float], initialCells: [[Float]]) -> Output {
    var pass = ReferencePass(self, parameters: parameters.map(Double.init), initialCells: initialCells, recording: false)
    return pass.forward(inputs: inputs, labels: labels)
  }

  /// The episode's output and the gradient of its mean loss with respect to `parameters`
  /// (`layout.count` values), by reverse-mode differentiation through every tick.
  /// Memory grows with the episode (every tick is recorded): for tests and tiny networks.
  public func lossAndGradient(
    inputs: [[Float]], labels: [Int], parameters: [Double], initialCells: [[Float]]
  ) -> (output: Output, gradient: [Double]) {
    var pass = ReferencePass(self, parameters: parameters, initialCells: initialCells, recording: true)
    let output = pass.forward(inputs: inputs, labels: labels)
    return (output, pass.reverse(labels: labels))
  }
}

/// The state and, when recording, the tape of one float64 episode.
struct ReferencePass {
  let model: ReferenceVSML
  let parameters: [Double]
  let recording: Bool
  let sizes: [Int]
  let m: Int, s: Int, layers: Int
  /// Per layer: h and c (A x B x S), incoming forward (A x M) and backward (B x M) messages.
  var h: [[Double]], c: [[Double]]
  var fwdIn: [[Double]], bwdIn: [[Double]]

  /// One layer's part of a sweep: every tick's input and record, and the heads' records.
  struct LayerRecord {
    var layer: Int
    var block: Int
    var inputs: [Double]   // microTicks x A x B x gateInputs
    var ticks: [Double]    // microTicks x A x B x tickRecordWidth
    var heads: [Double]    // A x B x 2 x headRecordWidth
  }
  struct StepRecord {
    var forward: [LayerRecord] = []
    var backward: [LayerRecord] = []
    var logits: [Double] = []
    /// The prediction slot before the soft clip.
    var raw: [Double] = []
  }
  var tape: [StepRecord] = []

  init(_ model: ReferenceVSML, parameters: [Double], initialCells: [[Float]], recording: Bool) {
    let cfg = model.configuration
    precondition(parameters.count == model.layout.count, "expected \(model.layout.count) parameters")
    precondition(initialCells.count == cfg.layerCount, "one initial cell array per layer")
    self.model = model
    self.parameters = parameters
    self.recording = recording
    sizes = cfg.layerSizes
    m = cfg.subRNN.messageSize
    s = cfg.subRNN.stateSize
    layers = cfg.layerCount
    let sizes = sizes, m = m, s = s
    h = (0..<layers).map { [Double](repeating: 0, count: sizes[$0] * sizes[$0 + 1] * s) }
    c = (0..<layers).map { l in
      precondition(initialCells[l].count == sizes[l] * sizes[l + 1] * s, "initial cells of layer \(l) have the wrong size")
      return initialCells[l].map(Double.init)
    }
    fwdIn = (0..<layers).map { [Double](repeating: 0, count: sizes[$0] * m) }
    bwdIn = (0..<layers).map { [Double](repeating: 0, count: sizes[$0 + 1] * m) }
  }

  private var cfg: VSMLConfiguration { model.configuration }

  /// Runs the episode, recording every tick when `recording`.
  mutating func forward(inputs: [[Float]], labels: [Int]) -> ReferenceVSML.Output {
    let classes = sizes[layers]
    var error = [Double](repeating: 0, count: classes)
    var label = [Double](repeating: 0, count: classes)
    var logits: [[Double]] = []
    var losses: [Double] = []
    for t in 0..<labels.count {
      var step = ReferencePass.StepRecord()
      let (out, raw) = sweep(x: inputs[t], error: error, label: label, reverse: false, record: &step.forward)
      step.logits = out
      step.raw = raw
      logits.append(out)
      let p = softmax(out)
      let top = out.max()!
      losses.append(_log(out.map { _exp($0 - top) }.reduce(0, +)) + top - out[labels[t]])
      let grad = (0..<classes).map { p[$0] - ($0 == labels[t] ? 1 : 0) }
      let labelInput = (0..<classes).map { cfg.feedLabel && $0 == labels[t] ? 1.0 : 0.0 }
      if cfg.backwardPass {
        _ = sweep(x: inputs[t], error: grad, label: labelInput, reverse: true, record: &step.backward)
        error = [Double](repeating: 0, count: classes)
        label = error
      } else {
        error = grad
        label = labelInput
      }
      if recording { tape.append(step) }
    }
    return ReferenceVSML.Output(logits: logits, losses: losses)
  }

  /// One pass over the layers (METHOD.md §4): layer 0 reads the input in slot 0, the last layer the
  /// error and label in slots 0 and 1. Returns the prediction after a forward sweep.
  private mutating func sweep(
    x: [Float], error: [Double], label: [Double], reverse: Bool, record: inout [LayerRecord]
  ) -> (output: [Double], raw: [Double]) {
    let cell = model.cell
    let nIn = cell.layout.gateInputs, rw = cell.tickRecordWidth, hw = cell.headRecordWidth
    fwdIn[0] = [Double](repeating: 0, count: sizes[0] * m)
    for a in 0..<sizes[0] { fwdIn[0][a * m + VSMLConfiguration.valueSlot] = Double(x[a]) }
    bwdIn[layers - 1] = [Double](repeating: 0, count: sizes[layers] * m)
    for b in 0..<sizes[layers] {
      bwdIn[layers - 1][b * m + VSMLConfiguration.valueSlot] = error[b]
      bwdIn[layers - 1][b * m + VSMLConfiguration.labelSlot] = label[b]
    }
    var output: [Double] = [], raw: [Double] = []
    for l in reverse ? Array((0..<layers).reversed()) : Array(0..<layers) {
      let blockIndex = reverse ? model.layout.backwardBlock[l] : model.layout.forwardBlock[l]
      let inSize = sizes[l], outSize = sizes[l + 1], conns = inSize * outSize
      var rec = LayerRecord(
        layer: l, block: blockIndex,
        inputs: recording ? [Double](repeating: 0, count: cfg.microTicks * conns * nIn) : [],
        ticks: [Double](repeating: 0, count: (recording ? cfg.microTicks * conns : 1) * rw),
        heads: [Double](repeating: 0, count: recording ? conns * 2 * hw : 2 * hw))
      var newFwd = [Double](repeating: 0, count: outSize * m)
      var newBwd = [Double](repeating: 0, count: inSize * m)
      var input = [Double](repeating: 0, count: nIn)
      var scratch = [Double](repeating: 0, count: max(cell.scratchWidth, m))
      var message = [Double](repeating: 0, count: m)
      let p0 = model.layout.offset(ofBlock: blockIndex)
      parameters.withUnsafeBufferPointer { pAll in
        let p = pAll.baseAddress! + p0
        for micro in 0..<cfg.microTicks {
          for a in 0..<inSize {
            for b in 0..<outSize {
              let conn = a * outSize + b
              for j in 0..<m {
                input[j] = fwdIn[l][a * m + j]
                input[m + j] = bwdIn[l][b * m + j]
              }
              for j in 0..<s { input[2 * m + j] = h[l][conn * s + j] }
              let slot = recording ? micro * conns + conn : 0
              if recording { rec.inputs.replaceSubrange((slot * nIn)..<(slot * nIn + nIn), with: input) }
              input.withUnsafeBufferPointer { u in
                c[l].withUnsafeMutableBufferPointer { cc in
                  h[l].withUnsafeMutableBufferPointer { hh in
                    rec.ticks.withUnsafeMutableBufferPointer { r in
                      scratch.withUnsafeMutableBufferPointer { z in
                        cell.tick(parameters: p, input: u.baseAddress!, cell: cc.baseAddress! + conn * s,
                                  hidden: hh.baseAddress! + conn * s, record: r.baseAddress! + slot * rw, scratch: z.baseAddress!)
                      }
                    }
                  }
                }
              }
            }
          }
        }
        // Outgoing messages: every connection's heads, averaged (METHOD.md §3).
        for a in 0..<inSize {
          for b in 0..<outSize {
            let conn = a * outSize + b
            let slot = recording ? conn * 2 : 0
            h[l].withUnsafeBufferPointer { hh in
              rec.heads.withUnsafeMutableBufferPointer { hr in
                message.withUnsafeMutableBufferPointer { msg in
                  cell.head(.forward, parameters: p, hidden: hh.baseAddress! + conn * s, out: msg.baseAddress!,
                            record: hw > 0 ? hr.baseAddress! + slot * hw : nil)
                  for j in 0..<m { newFwd[b * m + j] += msg[j] / Double(inSize) }
                  cell.head(.backward, parameters: p, hidden: hh.baseAddress! + conn * s, out: msg.baseAddress!,
                            record: hw > 0 ? hr.baseAddress! + (slot + 1) * hw : nil)
                  for j in 0..<m { newBwd[a * m + j] += msg[j] / Double(outSize) }
                }
              }
            }
          }
        }
      }
      if recording { record.append(rec) }
      if l > 0 { bwdIn[l - 1] = newBwd }
      if l < layers - 1 {
        fwdIn[l + 1] = newFwd
      } else if !reverse {
        raw = (0..<outSize).map { newFwd[$0 * m + cfg.outputIndex] }
        let bound = Double(cfg.tanhBound)
        output = raw.map { bound > 0 ? bound * _tanh($0 / bound) : $0 }
      }
    }
    return (output, raw)
  }

  /// The gradient of the mean loss, from the tape of `forward`.
  mutating func reverse(labels: [Int]) -> [Double] {
    precondition(recording && tape.count == labels.count, "reverse needs a recorded forward pass")
    let classes = sizes[layers]
    var gradient = [Double](repeating: 0, count: model.layout.count)
    // Adjoints of the state, named as the state.
    var dh = h.map { [Double](repeating: 0, count: $0.count) }
    var dc = dh
    var dFwd = fwdIn.map { [Double](repeating: 0, count: $0.count) }
    var dBwd = bwdIn.map { [Double](repeating: 0, count: $0.count) }
    var dError = [Double](repeating: 0, count: classes)

    /// Adjoint of the error the sweep's last layer read, and resets the sweep's constant inputs.
    func takeSweepInputs() -> [Double] {
      dFwd[0] = [Double](repeating: 0, count: dFwd[0].count)
      let e = (0..<classes).map { dBwd[layers - 1][$0 * m + VSMLConfiguration.valueSlot] }
      dBwd[layers - 1] = [Double](repeating: 0, count: dBwd[layers - 1].count)
      return e
    }

    for t in stride(from: labels.count - 1, through: 0, by: -1) {
      let step = tape[t]
      if cfg.backwardPass {
        reverseSweep(step.backward, raw: [], dLogits: nil, dh: &dh, dc: &dc, dFwd: &dFwd, dBwd: &dBwd, gradient: &gradient)
        dError = takeSweepInputs()
      }
      // The loss and the fed-back error both read the prediction: error = softmax(ŷ) − y.
      let dLogits = predictionAdjoint(probabilities: softmax(step.logits), label: labels[t], steps: labels.count, errorAdjoint: dError)
      reverseSweep(step.forward, raw: step.raw, dLogits: dLogits, dh: &dh, dc: &dc, dFwd: &dFwd, dBwd: &dBwd, gradient: &gradient)
      let e = takeSweepInputs()
      dError = cfg.backwardPass ? [Double](repeating: 0, count: classes) : e
    }
    return gradient
  }

  private func reverseSweep(
    _ sweep: [LayerRecord], raw: [Double], dLogits: [Double]?, dh: inout [[Double]], dc: inout [[Double]],
    dFwd: inout [[Double]], dBwd: inout [[Double]], gradient: inout [Double]
  ) {
    let cell = model.cell
    let nIn = cell.layout.gateInputs, rw = cell.tickRecordWidth, hw = cell.headRecordWidth
    for rec in sweep.reversed() {
      let l = rec.layer
      let inSize = sizes[l], outSize = sizes[l + 1], conns = inSize * outSize
      // Adjoints of the layer's outgoing messages, taken from where they were routed.
      var dNewFwd = [Double](repeating: 0, count: outSize * m)
      var dNewBwd = [Double](repeating: 0, count: inSize * m)
      if l < layers - 1 {
        dNewFwd = dFwd[l + 1]
        dFwd[l + 1] = [Double](repeating: 0, count: dNewFwd.count)
      } else if let dLogits {
        for b in 0..<outSize {
          let bound = Double(cfg.tanhBound)
          let slope: Double
          if bound > 0 {
            let u = _tanh(raw[b] / bound)
            slope = 1 - u * u
          } else {
            slope = 1
          }
          dNewFwd[b * m + cfg.outputIndex] = dLogits[b] * slope
        }
      }
      if l > 0 {
        dNewBwd = dBwd[l - 1]
        dBwd[l - 1] = [Double](repeating: 0, count: dNewBwd.count)
      }
      let p0 = model.layout.offset(ofBlock: rec.block)
      var scratch = [Double](repeating: 0, count: max(cell.scratchWidth, m))
      var dMsg = [Double](repeating: 0, count: m)
      var dMessages = [Double](repeating: 0, count: 2 * m)
      var hidden = [Double](repeating: 0, count: s)
      let lastTick = cfg.microTicks - 1
      parameters.withUnsafeBufferPointer { pAll in
        gradient.withUnsafeMutableBufferPointer { gAll in
          let p = pAll.baseAddress! + p0, g = gAll.baseAddress! + p0
          rec.ticks.withUnsafeBufferPointer { ticks in
            rec.inputs.withUnsafeBufferPointer { inputs in
              rec.heads.withUnsafeBufferPointer { heads in
                dh[l].withUnsafeMutableBufferPointer { dH in
                  dc[l].withUnsafeMutableBufferPointer { dC in
                    scratch.withUnsafeMutableBufferPointer { z in
                      for conn in 0..<conns {
                        let a = conn / outSize, b = conn % outSize
                        let last = ticks.baseAddress! + (lastTick * conns + conn) * rw
                        for j in 0..<s { hidden[j] = cell.hidden(record: last, lane: j) }
                        hidden.withUnsafeBufferPointer { hv in
                          for j in 0..<m { dMsg[j] = dNewFwd[b * m + j] / Double(inSize) }
                          dMsg.withUnsafeBufferPointer { d in
                            cell.reverseHead(.forward, parameters: p, hidden: hv.baseAddress!,
                                             record: hw > 0 ? heads.baseAddress! + conn * 2 * hw : nil, dOut: d.baseAddress!,
                                             dHidden: dH.baseAddress! + conn * s, gradient: g, scratch: z.baseAddress!)
                          }
                          for j in 0..<m { dMsg[j] = dNewBwd[a * m + j] / Double(outSize) }
                          dMsg.withUnsafeBufferPointer { d in
                            cell.reverseHead(.backward, parameters: p, hidden: hv.baseAddress!,
                                             record: hw > 0 ? heads.baseAddress! + (conn * 2 + 1) * hw : nil, dOut: d.baseAddress!,
                                             dHidden: dH.baseAddress! + conn * s, gradient: g, scratch: z.baseAddress!)
                          }
                        }
                      }
                      for micro in stride(from: lastTick, through: 0, by: -1) {
                        for conn in 0..<conns {
                          let a = conn / outSize, b = conn % outSize
                          let slot = micro * conns + conn
                          for j in 0..<(2 * m) { dMessages[j] = 0 }
                          dMessages.withUnsafeMutableBufferPointer { dm in
                            cell.reverseTick(
                              parameters: p, input: inputs.baseAddress! + slot * nIn, record: ticks.baseAddress! + slot * rw,
                              dHidden: dH.baseAddress! + conn * s, dCell: dC.baseAddress! + conn * s, gradient: g,
                              dMessages: dm.baseAddress!, scratch: z.baseAddress!)
                          }
                          for j in 0..<m {
                            dFwd[l][a * m + j] += dMessages[j]
                            dBwd[l][b * m + j] += dMessages[m + j]
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
