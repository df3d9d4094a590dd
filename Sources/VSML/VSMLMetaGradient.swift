import CVSMLKernels
import VSMLCore

/// The gradient of an episode's mean online loss with respect to the meta-parameters
/// (METHOD.md §5, gradient route), on the fast path (state size 16, float32).
///
/// It is reverse-mode differentiation through every tick of the episode, as automatic
/// differentiation of the same computation would give, including the error fed back at the next
/// step. Memory stays small by checkpointed recomputation: a first forward pass keeps the state
/// every `segmentLength` steps; then, segment by segment from the end, the segment's steps are
/// run again with their ticks recorded (`GradientTape`) and reversed. Each step runs forward
/// twice and backward once; memory is one segment's records plus T / segmentLength checkpoints
/// instead of T steps' records.
///
/// The reverse of the ticks runs in the C kernels (`dense_tick16_reverse`); the gradient is
/// accumulated in float64, one layer-tick at a time. `ReferenceVSML.lossAndGradient` is the
/// float64 check.
public struct VSMLMetaGradient: Sendable {
  public let network: VSMLNetwork
  /// Steps between checkpoints; nil chooses the length that minimises memory
  /// (about √(T · checkpoint size / step record size)).
  public var segmentLength: Int?
  /// Truncated backpropagation: the gradient flows back at most this many steps (windows of this
  /// length from the episode's start, the state carried across them); nil: the whole episode.
  public var truncation: Int?
  /// Threads that share one episode's ticks, forward and reverse; the gradient does not depend
  /// on it (the reverse splits each layer's connections into `reverseChunks` fixed parts).
  public var threads = 1

  /// Parts of a layer's rows whose reverse runs independently; their weight and column
  /// gradients are added in part order, whatever the thread count.
  static let reverseChunks = 4

  public init(network: VSMLNetwork, segmentLength: Int? = nil) {
    precondition(network.usesFastPath, "the fast meta-gradient needs the fast path (state size 16)")
    precondition(segmentLength.map { $0 >= 1 } ?? true, "segmentLength must be at least 1")
    self.network = network
    self.segmentLength = segmentLength
  }

  /// An episode's result and the gradient of its mean loss.
  public struct Result: Sendable {
    public var episode: EpisodeResult
    /// d(mean loss)/d(parameters), `layout.count` values; empty when the episode was cancelled.
    public var gradient: [Double]
    /// Bytes of the segment records and of the checkpoints this episode used.
    public var tapeBytes: Int
    public var checkpointBytes: Int
  }

  /// Floats of one checkpoint: every layer's cells and incoming messages, error and label.
  var checkpointFloats: Int {
    let c = network.configuration, sizes = c.layerSizes, m = c.subRNN.messageSize
    return (0..<c.layerCount).reduce(2 * c.outputSize) { $0 + sizes[$1] * sizes[$1 + 1] * 32 + (sizes[$1] + sizes[$1 + 1]) * m }
  }

  /// The segment length used for an episode of `steps` steps.
  public func segmentLength(steps: Int) -> Int {
    if let segmentLength { return min(segmentLength, max(steps, 1)) }
    let ratio = Double(checkpointFloats) / Double(GradientTape.floatsPerStep(network.configuration))
    return min(max(1, Int((Double(steps) * ratio).squareRoot().rounded(.up))), max(steps, 1))
  }

  /// Bytes one episode of `steps` steps needs beyond the forward state: one segment's records
  /// and the checkpoints; nil when the product overflows.
  public func memoryBytes(steps: Int) -> Int? {
    let k = segmentLength(steps: steps)
    return MemoryBudget.sum(
      MemoryBudget.product(GradientTape.floatsPerStep(network.configuration), k, MemoryLayout<Float>.stride),
      MemoryBudget.product(checkpointFloats, (steps + k - 1) / k, MemoryLayout<Float>.stride))
  }

  public func lossAndGradient(episode: Episode, parameters: UnsafeBufferPointer<Float>, stateSeed: UInt64) -> Result {
    lossAndGradient(episode: episode, parameters: parameters, initialCells: network.initialCells(stateSeed: stateSeed))
  }

  /// The episode's result and gradient from explicit initial cell states.
  public func lossAndGradient(episode: Episode, parameters: UnsafeBufferPointer<Float>, initialCells: [[Float]]) -> Result {
    precondition(parameters.count == network.layout.count, "expected \(network.layout.count) parameters, got \(parameters.count)")
    precondition(episode.inputSize == network.inputSize && episode.classCount <= network.classCount, "episode does not fit the network")
    let pass = MetaGradientPass(self, parameters: parameters.baseAddress!, initialCells: initialCells)
    return pass.run(episode: episode)
  }
}

/// One episode's forward pass with checkpoints, and its reverse.
final class MetaGradientPass {
  let configuration: VSMLConfiguration
  let layout: VSMLParameterLayout
  let parameters: UnsafePointer<Float>
  let workspace: VSMLWorkspace
  let checkpointFloats: Int
  let sizes: [Int]
  let m: Int, layers: Int, classes: Int
  /// Per block: the transpose of the gate rows that multiply h (64 x 16, unscaled).
  let recurrentT: [AlignedBuffer]
  /// Adjoints named as the state: cells (A x B x 32: dh, dc), incoming messages.
  let dCells: [AlignedBuffer], dForward: [AlignedBuffer], dBackward: [AlignedBuffer]
  let rowDz: AlignedBuffer, colDz: AlignedBuffer, dw: AlignedBuffer
  /// Per reverse part: its weight-gradient and column accumulators.
  let partDw: [AlignedBuffer], partColDz: [AlignedBuffer]
  var gradient: [Double]
  /// The parameters in float64, for LayerNorm heads (`DifferentiableCell`).
  lazy var parametersDouble: [Double] = (0..<layout.count).map { Double(parameters[$0]) }

  init(_ owner: VSMLMetaGradient, parameters: UnsafePointer<Float>, initialCells: [[Float]]) {
    let network = owner.network
    configuration = network.configuration
    layout = network.layout
    self.parameters = parameters
    workspace = VSMLWorkspace(configuration: configuration, kernel: network.kernel, precision: network.precision)
    workspace.load(initialCells: initialCells)
    workspace.workers = owner.threads > 1 ? SpinningWorkers(threads: owner.threads) : nil
    checkpointFloats = owner.checkpointFloats
    sizes = configuration.layerSizes
    m = configuration.subRNN.messageSize
    layers = configuration.layerCount
    classes = configuration.outputSize
    let layout = network.layout, block = layout.block
    recurrentT = (0..<layout.blockCount).map { k in
      let out = AlignedBuffer(count: 64 * 16)
      let w = parameters + layout.offset(ofBlock: k) + block.gateWeights.lowerBound + 2 * block.messageSize * 64
      for r in 0..<16 { for j in 0..<64 { out.pointer[j * 16 + r] = w[r * 64 + j] } }
      return out
    }
    let sizes = configuration.layerSizes
    dCells = (0..<layers).map { AlignedBuffer(count: sizes[$0] * sizes[$0 + 1] * 32) }
    dForward = (0..<layers).map { AlignedBuffer(count: sizes[$0] * block.messageSize) }
    dBackward = (0..<layers).map { AlignedBuffer(count: sizes[$0 + 1] * block.messageSize) }
    let widest = sizes.max()!
    rowDz = AlignedBuffer(count: widest * 64)
    colDz = AlignedBuffer(count: widest * 64)
    dw = AlignedBuffer(count: 16 * 64)
    partDw = (0..<VSMLMetaGradient.reverseChunks).map { _ in AlignedBuffer(count: 16 * 64) }
    partColDz = (0..<VSMLMetaGradient.reverseChunks).map { _ in AlignedBuffer(count: widest * 64) }
    gradient = [Double](repeating: 0, count: layout.count)
    meta = owner
  }

  private let meta: VSMLMetaGradient

  func run(episode: Episode) -> VSMLMetaGradient.Result {
    defer { workspace.workers?.finish() }
    let steps = episode.length
    let k = meta.segmentLength(steps: steps)
    let segments = steps == 0 ? 0 : (steps + k - 1) / k
    let d = sizes[0]
    workspace.prepareGates(parameters: parameters, layout: layout)
    var losses = [Float](repeating: 0, count: steps)
    var correct = [Bool](repeating: false, count: steps)
    let checkpoints = AlignedBuffer(count: segments * checkpointFloats)
    workspace.error.zero()
    workspace.label.zero()
    let cancelled: Bool = episode.inputs.withUnsafeBufferPointer { inputs in
      // Forward, keeping the state at the start of every segment.
      for t in 0..<steps {
        if episode.cancellation.isRequested { return true }
        if t % k == 0 { save(into: checkpoints.pointer + (t / k) * checkpointFloats) }
        (losses[t], correct[t]) = workspace.step(
          input: inputs.baseAddress! + t * d, label: Int(episode.labels[t]), parameters: parameters, layout: layout)
      }
      // Reverse, segment by segment from the end.
      let tape = GradientTape(configuration: configuration, steps: k)
      var dError = [Double](repeating: 0, count: classes)
      var logits = [Float](repeating: 0, count: k * classes)
      var stepRecords = [Range<Int>](repeating: 0..<0, count: k)
      for s in stride(from: segments - 1, through: 0, by: -1) {
        if episode.cancellation.isRequested { return true }
        restore(from: checkpoints.pointer + s * checkpointFloats)
        tape.reset()
        workspace.tape = tape
        let first = s * k, end = min(steps, first + k)
        for t in first..<end {
          let start = tape.records.count
          _ = workspace.step(input: inputs.baseAddress! + t * d, label: Int(episode.labels[t]), parameters: parameters, layout: layout)
          stepRecords[t - first] = start..<tape.records.count
          for b in 0..<classes { logits[(t - first) * classes + b] = workspace.logits.pointer[b] }
        }
        workspace.tape = nil
        for t in stride(from: end - 1, through: first, by: -1) {
          let records = tape.records[stepRecords[t - first]]
          let forward = records.filter { !$0.reverse }, backward = records.filter { $0.reverse }
          if configuration.backwardPass {
            reverseSweep(backward, tape: tape, dLogits: nil, logits: [])
            dError = takeSweepInputs()
          }
          // The loss and the fed-back error both read the prediction: error = softmax(ŷ) − y.
          let y = Array(logits[((t - first) * classes)..<((t - first + 1) * classes)])
          let dLogits = predictionAdjoint(
            probabilities: softmax(y.map(Double.init)), label: Int(episode.labels[t]), steps: steps, errorAdjoint: dError)
          reverseSweep(forward, tape: tape, dLogits: dLogits, logits: y)
          let e = takeSweepInputs()
          dError = configuration.backwardPass ? [Double](repeating: 0, count: classes) : e
          if let window = meta.truncation, t % window == 0 {
            // A window's start: nothing earlier receives this window's gradient.
            for l in 0..<layers { dCells[l].zero(); dForward[l].zero(); dBackward[l].zero() }
            dError = [Double](repeating: 0, count: classes)
          }
        }
      }
      return false
    }
    let tapeFloats = GradientTape.floatsPerStep(configuration) * k
    return VSMLMetaGradient.Result(
      episode: EpisodeResult(losses: losses, correct: correct), gradient: cancelled ? [] : gradient,
      tapeBytes: tapeFloats * MemoryLayout<Float>.stride, checkpointBytes: checkpoints.count * MemoryLayout<Float>.stride)
  }

  // MARK: Checkpoints

  private func save(into p: UnsafeMutablePointer<Float>) {
    var o = 0
    for l in 0..<layers {
      for buffer in [workspace.cells[l], workspace.forwardIn[l], workspace.backwardIn[l]] {
        (p + o).update(from: buffer.pointer, count: buffer.count)
        o += buffer.count
      }
    }
    (p + o).update(from: workspace.error.pointer, count: classes)
    (p + o + classes).update(from: workspace.label.pointer, count: classes)
  }

  private func restore(from p: UnsafeMutablePointer<Float>) {
    var o = 0
    for l in 0..<layers {
      for buffer in [workspace.cells[l], workspace.forwardIn[l], workspace.backwardIn[l]] {
        buffer.pointer.update(from: p + o, count: buffer.count)
        o += buffer.count
      }
    }
    workspace.error.pointer.update(from: p + o, count: classes)
    workspace.label.pointer.update(from: p + o + classes, count: classes)
  }

  // MARK: Reverse

  /// Adjoint of the error the last layer read at the start of a sweep; the sweep's other inputs
  /// are constants (the example, the label, or zeros).
  private func takeSweepInputs() -> [Double] {
    let last = dBackward[layers - 1]
    let e = (0..<classes).map { Double(last.pointer[$0 * m + VSMLConfiguration.valueSlot]) }
    last.zero()
    dForward[0].zero()
    return e
  }

  private func reverseSweep(_ records: [GradientTape.LayerRecord], tape: GradientTape, dLogits: [Double]?, logits: [Float]) {
    let block = layout.block
    let micro = configuration.microTicks
    for rec in records.reversed() {
      let l = rec.layer
      let a = sizes[l], b = sizes[l + 1], conns = a * b
      let base = layout.offset(ofBlock: rec.block)
      let p = parameters + base
      // Adjoints of the outgoing messages, taken from where they were routed.
      var dNewForward = [Float](repeating: 0, count: b * m)
      var dNewBackward = [Float](repeating: 0, count: a * m)
      if l < layers - 1 {
        for i in 0..<(b * m) { dNewForward[i] = dForward[l + 1].pointer[i] }
        dForward[l + 1].zero()
      } else if let dLogits {
        let bound = configuration.tanhBound
        for j in 0..<b {
          let u = bound > 0 ? logits[j] / bound : 0
          dNewForward[j * m + configuration.outputIndex] = Float(dLogits[j]) * (1 - u * u)
        }
      }
      if l > 0 {
        for i in 0..<(a * m) { dNewBackward[i] = dBackward[l - 1].pointer[i] }
        dBackward[l - 1].zero()
      }
      if block.layerNorm {
        reverseNormalisedHeads(rec, tape: tape, dNewForward: dNewForward, dNewBackward: dNewBackward)
      } else {
        reverseMeanHeads(rec, tape: tape, p: p, base: base, dNewForward: dNewForward, dNewBackward: dNewBackward)
      }
      // The ticks, last first.
      rowDz.pointer.update(repeating: 0, count: a * 64)
      let parts = min(VSMLMetaGradient.reverseChunks, a)
      for part in 0..<parts {
        partDw[part].zero()
        partColDz[part].pointer.update(repeating: 0, count: b * 64)
      }
      let kernels = workspace.kernels, adjoint = dCells[l].pointer, recurrent = recurrentT[rec.block].pointer
      let (partDw, partColDz, rowDz) = (partDw, partColDz, rowDz)
      for tick in stride(from: micro - 1, through: 0, by: -1) {
        let record = tape.pointer(rec.ticks + tick * conns * 96)
        let reversePart = { (part: Int) in
          let a0 = a * part / parts, a1 = a * (part + 1) / parts
          kernels.dense_tick16_reverse(
            record + a0 * b * 96, adjoint + a0 * b * 32, a1 - a0, b, recurrent,
            partDw[part].pointer, rowDz.pointer + a0 * 64, partColDz[part].pointer)
        }
        if let workers = workspace.workers {
          workers.run(count: parts, reversePart)
        } else {
          for part in 0..<parts { reversePart(part) }
        }
      }
      dw.zero()
      colDz.pointer.update(repeating: 0, count: b * 64)
      for part in 0..<parts {
        for i in 0..<(16 * 64) { dw.pointer[i] += partDw[part].pointer[i] }
        for i in 0..<(b * 64) { colDz.pointer[i] += partColDz[part].pointer[i] }
      }
      let gw = base + block.gateWeights.lowerBound, gb = base + block.gateBias.lowerBound
      for i in 0..<(16 * 64) { gradient[gw + 2 * m * 64 + i] += Double(dw.pointer[i]) }
      // Row terms: bias and fwd · W_fwd; column terms: bwd · W_bwd (METHOD.md §3).
      let fwd = tape.pointer(rec.forwardIn), bwd = tape.pointer(rec.backwardIn)
      var bias = [Double](repeating: 0, count: 64)
      for r in 0..<a {
        let dz = rowDz.pointer + r * 64
        for j in 0..<64 { bias[j] += Double(dz[j]) }
        for q in 0..<m where fwd[r * m + q] != 0 {
          let v = Double(fwd[r * m + q])
          for j in 0..<64 { gradient[gw + q * 64 + j] += v * Double(dz[j]) }
        }
      }
      for j in 0..<64 { gradient[gb + j] += bias[j] }
      for c in 0..<b {
        let dz = colDz.pointer + c * 64
        for q in 0..<m where bwd[c * m + q] != 0 {
          let v = Double(bwd[c * m + q])
          for j in 0..<64 { gradient[gw + (m + q) * 64 + j] += v * Double(dz[j]) }
        }
      }
      // Adjoints of the incoming messages (layer 0's forward input is the example: none).
      let w = p + block.gateWeights.lowerBound
      if l > 0 {
        for r in 0..<a {
          let dz = rowDz.pointer + r * 64
          for q in 0..<m {
            var acc: Float = 0
            for j in 0..<64 { acc += w[q * 64 + j] * dz[j] }
            dForward[l].pointer[r * m + q] += acc
          }
        }
      }
      for c in 0..<b {
        let dz = colDz.pointer + c * 64
        for q in 0..<m {
          var acc: Float = 0
          for j in 0..<64 { acc += w[(m + q) * 64 + j] * dz[j] }
          dBackward[l].pointer[c * m + q] += acc
        }
      }
    }
  }

  /// Heads without LayerNorm: the mean message is the head applied to the mean `h'`, so the
  /// weight gradients need only the recorded row and column sums, and every connection's `h'`
  /// receives `W_f dNewFwd[b] / A + W_b dNewBwd[a] / B`.
  private func reverseMeanHeads(
    _ rec: GradientTape.LayerRecord, tape: GradientTape, p: UnsafePointer<Float>, base: Int,
    dNewForward: [Float], dNewBackward: [Float]
  ) {
    let block = layout.block
    let l = rec.layer
    let a = sizes[l], b = sizes[l + 1]
    let rowSum = tape.pointer(rec.after), colSum = tape.pointer(rec.after + GradientTape.padded(a * 16))
    let wf = p + block.forwardHeadWeights.lowerBound, wb = p + block.backwardHeadWeights.lowerBound
    let gwf = base + block.forwardHeadWeights.lowerBound, gbf = base + block.forwardHeadBias.lowerBound
    let gwb = base + block.backwardHeadWeights.lowerBound, gbb = base + block.backwardHeadBias.lowerBound
    var viaForward = [Float](repeating: 0, count: b * 16)
    var viaBackward = [Float](repeating: 0, count: a * 16)
    let invA = 1 / Float(a), invB = 1 / Float(b)
    for c in 0..<b {
      for j in 0..<m {
        let d = dNewForward[c * m + j]
        if d == 0 { continue }
        gradient[gbf + j] += Double(d)
        for k in 0..<16 {
          gradient[gwf + k * m + j] += Double(colSum[c * 16 + k] * invA) * Double(d)
          viaForward[c * 16 + k] += wf[k * m + j] * d * invA
        }
      }
    }
    var anyBackward = false
    for r in 0..<a {
      for j in 0..<m {
        let d = dNewBackward[r * m + j]
        if d == 0 { continue }
        anyBackward = true
        gradient[gbb + j] += Double(d)
        for k in 0..<16 {
          gradient[gwb + k * m + j] += Double(rowSum[r * 16 + k] * invB) * Double(d)
          viaBackward[r * 16 + k] += wb[k * m + j] * d * invB
        }
      }
    }
    let dc = dCells[l].pointer
    viaForward.withUnsafeBufferPointer { vf in
      viaBackward.withUnsafeBufferPointer { vb in
        for r in 0..<a {
          for c in 0..<b {
            let dh = dc + (r * b + c) * 32
            let f = SIMD16<Float>(vf[(c * 16)..<(c * 16 + 16)])
            let total = anyBackward ? f + SIMD16<Float>(vb[(r * 16)..<(r * 16 + 16)]) : f
            let current = UnsafeRawPointer(dh).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(dh).storeBytes(of: current + total, as: SIMD16<Float>.self)
          }
        }
      }
    }
  }

  /// Heads with LayerNorm, per connection, through the float64 `DifferentiableCell` heads.
  private func reverseNormalisedHeads(
    _ rec: GradientTape.LayerRecord, tape: GradientTape, dNewForward: [Float], dNewBackward: [Float]
  ) {
    if m == 8 && layout.block.stateSize == 16 {
      return reverseNormalisedHeads8(rec, tape: tape, dNewForward: dNewForward, dNewBackward: dNewBackward)
    }
    let cell = DifferentiableCell(layout: layout.block)
    let l = rec.layer
    let a = sizes[l], b = sizes[l + 1]
    let base = layout.offset(ofBlock: rec.block)
    let after = tape.pointer(rec.after)
    let dc = dCells[l].pointer
    // Scratch for one connection's heads, allocated once per layer.
    let work = UnsafeMutablePointer<Double>.allocate(capacity: 16 + m + cell.headRecordWidth + m + 16 + m)
    defer { work.deallocate() }
    let hidden = work, message = hidden + 16, record = message + m, dOut = record + cell.headRecordWidth
    let dHidden = dOut + m, scratch = dHidden + 16
    let pd = parametersDouble
    pd.withUnsafeBufferPointer { pAll in
      gradient.withUnsafeMutableBufferPointer { gAll in
        let p = pAll.baseAddress! + base, g = gAll.baseAddress! + base
        for r in 0..<a {
          for c in 0..<b {
            let conn = r * b + c
            for k in 0..<16 { hidden[k] = Double(after[conn * 32 + k]) }
            for k in 0..<16 { dHidden[k] = 0 }
            // The forward head's message was averaged over the A inputs, the backward one over the B outputs.
            for which in 0..<2 {
              let (head, adjoints, row, scale): (DifferentiableCell.Head, [Float], Int, Double) =
                which == 0 ? (.forward, dNewForward, c, 1 / Double(a)) : (.backward, dNewBackward, r, 1 / Double(b))
              var any = false
              for j in 0..<m {
                dOut[j] = Double(adjoints[row * m + j]) * scale
                any = any || dOut[j] != 0
              }
              if !any { continue }
              cell.head(head, parameters: p, hidden: hidden, out: message, record: record)
              cell.reverseHead(head, parameters: p, hidden: hidden, record: record, dOut: dOut, dHidden: dHidden,
                               gradient: g, scratch: scratch)
            }
            for k in 0..<16 { dc[conn * 32 + k] += Float(dHidden[k]) }
          }
        }
      }
    }
  }

  /// `reverseNormalisedHeads` at message size 8 and state size 16, with each message one 8-lane
  /// float64 vector and the adjoint of h one 16-lane vector (over k, from the head's transposed
  /// weights). Every element sees the operations of `DifferentiableCell.head` and `reverseHead`
  /// in their order, and the sums over the 8 entries run in index order, so the gradient keeps
  /// its bits.
  private func reverseNormalisedHeads8(
    _ rec: GradientTape.LayerRecord, tape: GradientTape, dNewForward: [Float], dNewBackward: [Float]
  ) {
    typealias V = SIMD8<Double>
    typealias H = SIMD16<Double>
    let block = layout.block
    let l = rec.layer
    let a = sizes[l], b = sizes[l + 1]
    let base = layout.offset(ofBlock: rec.block)
    let after = tape.pointer(rec.after)
    let dc = dCells[l].pointer
    let epsilon = Double(VSMLCell.layerNormEpsilon)
    /// Both heads' parameter offsets: weights (16 x 8), bias, LayerNorm gain and offset.
    let heads = [
      (block.forwardHeadWeights.lowerBound, block.forwardHeadBias.lowerBound, block.forwardNormScale.lowerBound, block.forwardNormOffset.lowerBound),
      (block.backwardHeadWeights.lowerBound, block.backwardHeadBias.lowerBound, block.backwardNormScale.lowerBound, block.backwardNormOffset.lowerBound),
    ]
    func sum(_ v: V) -> Double {
      var total = 0.0
      for j in 0..<8 { total += v[j] }
      return total
    }
    let pd = parametersDouble
    // Per head: its weight rows (16 of 8), and its weight columns (8 of 16) for the adjoint of h.
    let rows = UnsafeMutableBufferPointer<V>.allocate(capacity: 2 * 16)
    let columns = UnsafeMutableBufferPointer<H>.allocate(capacity: 2 * 8)
    defer { rows.deallocate(); columns.deallocate() }
    for (n, head) in heads.enumerated() {
      for k in 0..<16 { rows[n * 16 + k] = V(pd[(base + head.0 + k * 8)..<(base + head.0 + k * 8 + 8)]) }
      for j in 0..<8 { columns[n * 8 + j] = H((0..<16).map { rows[n * 16 + $0][j] }) }
    }
    pd.withUnsafeBufferPointer { pAll in
      gradient.withUnsafeMutableBufferPointer { gAll in
        let p = UnsafeRawPointer(pAll.baseAddress! + base), g = UnsafeMutableRawPointer(gAll.baseAddress! + base)
        func load(_ index: Int) -> V { p.loadUnaligned(fromByteOffset: index * 8, as: V.self) }
        func add(_ value: V, at index: Int) {
          g.storeBytes(of: g.loadUnaligned(fromByteOffset: index * 8, as: V.self) + value, toByteOffset: index * 8, as: V.self)
        }
        for r in 0..<a {
          for c in 0..<b {
            let conn = r * b + c
            var hidden = H(), dHidden = H()
            for k in 0..<16 { hidden[k] = Double(after[conn * 32 + k]) }
            // The forward head's message was averaged over the A inputs, the backward one over the B outputs.
            for which in 0..<2 {
              var dOut = V()
              if which == 0 {
                for j in 0..<8 { dOut[j] = Double(dNewForward[c * 8 + j]) * (1 / Double(a)) }
              } else {
                for j in 0..<8 { dOut[j] = Double(dNewBackward[r * 8 + j]) * (1 / Double(b)) }
              }
              if !any(dOut .!= 0) { continue }
              let (weights, bias, gain, offset) = heads[which]
              var out = load(bias)
              for k in 0..<16 { out += hidden[k] * rows[which * 16 + k] }
              let mean = sum(out) / 8
              let centred = out - mean
              let variance = sum(centred * centred) / 8
              let inv = 1 / (variance + epsilon).squareRoot()
              let normalised = centred * inv
              add(dOut * normalised, at: gain)
              add(dOut, at: offset)
              let dx = dOut * load(gain)
              let meanD = sum(dx) / 8, meanDX = sum(dx * normalised) / 8
              let dm = inv * (dx - meanD - normalised * meanDX)
              add(dm, at: bias)
              for k in 0..<16 { add(hidden[k] * dm, at: weights + k * 8) }
              var acc = H()
              for j in 0..<8 { acc += columns[which * 8 + j] * dm[j] }
              dHidden += acc
            }
            for k in 0..<16 { dc[conn * 32 + k] += Float(dHidden[k]) }
          }
        }
      }
    }
  }
}
