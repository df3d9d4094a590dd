import CVSMLKernels
import VSMLCore

/// Per-episode state and scratch space of a `VSMLNetwork` with state size 16: every layer's cells
/// and incoming messages, and the buffers one tick needs. Allocated once per episode; nothing is
/// allocated per step.
final class VSMLWorkspace {
  let configuration: VSMLConfiguration
  let sizes: [Int]
  let messageSize: Int
  /// Per layer: A x B x [h (16), c (16)].
  let cells: [AlignedBuffer]
  /// Per layer: incoming forward messages (A x M) and backward messages (B x M).
  let forwardIn: [AlignedBuffer]
  let backwardIn: [AlignedBuffer]
  let rowTerm: AlignedBuffer, colTerm: AlignedBuffer
  let rowSum: AlignedBuffer, colSum: AlignedBuffer
  let newForward: AlignedBuffer, newBackward: AlignedBuffer
  /// LayerNorm at message size 8, per sub-RNN block: both heads packed for the kernel (16 x 16
  /// weights, then bias, scale and offset, 16 each), filled with `scaledGates`.
  var headPacks: [AlignedBuffer] = []
  /// The LayerNorm kernel's scratch: 8 x the widest layer, rounded up to 16.
  let normalisedScratch: AlignedBuffer
  let logits: AlignedBuffer, error: AlignedBuffer, label: AlignedBuffer
  /// Per sub-RNN block: the gate matrix ((2M + 16) x 64) then bias with gate offsets (64), with
  /// every column scaled into the kernel's exp2 domain (see `vsml_kernels.dense_tick16`).
  var scaledGates: [AlignedBuffer] = []
  /// Called once per layer and sweep with the layer's incoming forward (A x M) and backward
  /// (B x M) messages, as the layer's ticks read them (used to record a network's own signals).
  var messageObserver: VSMLNetwork.MessageObserver?
  /// Records what the reverse pass needs of every layer's ticks, when set (`VSMLMetaGradient`).
  var tape: GradientTape?
  /// Threads that share each layer's tick (rows of connections), when set; results do not
  /// depend on it.
  var workers: SpinningWorkers?

  static let stateSize = 16

  /// The C kernels this workspace runs (one instruction-set path).
  let kernels: vsml_kernels

  init(configuration: VSMLConfiguration, kernel: KernelPath, precision: Precision) {
    precondition(configuration.subRNN.stateSize == Self.stateSize, "the fast path needs state size 16")
    self.configuration = configuration
    switch precision {
    case .fp32:
      kernels = kernel.functions.pointee
    case .bf16:
      guard let table = vsml_kernels_get_bf16() else {
        preconditionFailure("\(PrecisionError.unavailable(.bf16)) (check Precision.isAvailable first)")
      }
      kernels = table.pointee
    }
    sizes = configuration.layerSizes
    messageSize = configuration.subRNN.messageSize
    let layers = configuration.layerCount
    let m = messageSize
    cells = (0..<layers).map { AlignedBuffer(count: configuration.layerSizes[$0] * configuration.layerSizes[$0 + 1] * 32) }
    forwardIn = (0..<layers).map { AlignedBuffer(count: configuration.layerSizes[$0] * m) }
    backwardIn = (0..<layers).map { AlignedBuffer(count: configuration.layerSizes[$0 + 1] * m) }
    let widest = configuration.layerSizes.max()!
    rowTerm = AlignedBuffer(count: widest * 64)
    colTerm = AlignedBuffer(count: widest * 64)
    rowSum = AlignedBuffer(count: widest * 16)
    colSum = AlignedBuffer(count: widest * 16)
    newForward = AlignedBuffer(count: widest * m)
    newBackward = AlignedBuffer(count: widest * m)
    let normalised = configuration.subRNN.layerNorm && m == 8  // `usesNormalisedKernel`
    normalisedScratch = AlignedBuffer(count: normalised ? 8 * ((widest + 15) / 16 * 16) : 1)
    let classes = configuration.outputSize
    logits = AlignedBuffer(count: classes)
    error = AlignedBuffer(count: classes)
    label = AlignedBuffer(count: classes)
  }

  /// Sets `c` from per-layer `A x B x 16` arrays; `h` and all messages to zero.
  func load(initialCells: [[Float]]) {
    precondition(initialCells.count == cells.count, "one initial cell array per layer")
    for (l, initial) in initialCells.enumerated() {
      precondition(initial.count == sizes[l] * sizes[l + 1] * 16, "initial cells of layer \(l) have the wrong size")
      let p = cells[l].pointer
      for conn in 0..<(sizes[l] * sizes[l + 1]) {
        for lane in 0..<16 {
          p[conn * 32 + lane] = 0
          p[conn * 32 + 16 + lane] = initial[conn * 16 + lane]
        }
      }
      forwardIn[l].zero()
      backwardIn[l].zero()
    }
  }

  /// Column scales of the exp2 domain: gates i, g, f, o.
  static let gateScales: [Float] = [VSML_SIGMOID_SCALE, VSML_TANH_SCALE, VSML_SIGMOID_SCALE, VSML_SIGMOID_SCALE]
  static let gateOffsets: [Float] = [Float(VSMLCell.inputGateOffset), 0, Float(VSMLCell.forgetGateOffset), 0]

  /// Whether the outgoing messages use `normalised_messages8` (LayerNorm at message size 8).
  var usesNormalisedKernel: Bool { configuration.subRNN.layerNorm && messageSize == 8 }

  /// Fills `scaledGates` (and with LayerNorm `headPacks`) from the meta-parameters, once per
  /// episode: 2,112 floats per block.
  func prepareGates(parameters: UnsafePointer<Float>, layout: VSMLParameterLayout) {
    let block = layout.block
    let rows = block.gateInputs
    scaledGates = (0..<layout.blockCount).map { k in
      let p = parameters + layout.offset(ofBlock: k)
      let out = AlignedBuffer(count: (rows + 1) * 64)
      for j in 0..<64 {
        let scale = Self.gateScales[j / 16]
        for r in 0..<rows { out.pointer[r * 64 + j] = p[block.gateWeights.lowerBound + r * 64 + j] * scale }
        out.pointer[rows * 64 + j] = (p[block.gateBias.lowerBound + j] + Self.gateOffsets[j / 16]) * scale
      }
      return out
    }
    if usesNormalisedKernel {
      headPacks = (0..<layout.blockCount).map { Self.packHeads(parameters + layout.offset(ofBlock: $0), block: block) }
    }
  }

  /// One block's two message heads as `normalised_messages8` reads them.
  static func packHeads(_ p: UnsafePointer<Float>, block: SubRNNParameterLayout) -> AlignedBuffer {
    let pack = AlignedBuffer(count: 16 * 16 + 3 * 16)
    let out = pack.pointer
    let fw = block.forwardHeadWeights.lowerBound, bw = block.backwardHeadWeights.lowerBound
    for k in 0..<16 {
      for j in 0..<8 {
        out[k * 16 + j] = p[fw + k * 8 + j]
        out[k * 16 + 8 + j] = p[bw + k * 8 + j]
      }
    }
    let pairs = [(block.forwardHeadBias, block.backwardHeadBias), (block.forwardNormScale, block.backwardNormScale),
                 (block.forwardNormOffset, block.backwardNormOffset)]
    for (n, (forward, backward)) in pairs.enumerated() {
      for j in 0..<8 {
        out[256 + n * 16 + j] = p[forward.lowerBound + j]
        out[256 + n * 16 + 8 + j] = p[backward.lowerBound + j]
      }
    }
    return pack
  }

  func run(episode: Episode, parameters: UnsafePointer<Float>, layout: VSMLParameterLayout, recordLogits: Bool) -> EpisodeResult {
    prepareGates(parameters: parameters, layout: layout)
    let classes = sizes.last!
    let d = sizes[0]
    var losses = [Float](repeating: 0, count: episode.length)
    var correct = [Bool](repeating: false, count: episode.length)
    var recorded = [Float]()
    if recordLogits { recorded.reserveCapacity(episode.length * classes) }
    error.zero()
    label.zero()
    episode.inputs.withUnsafeBufferPointer { inputs in
      for t in 0..<episode.length {
        if episode.cancellation.isRequested { break }
        (losses[t], correct[t]) = step(input: inputs.baseAddress! + t * d, label: Int(episode.labels[t]), parameters: parameters, layout: layout)
        if recordLogits { recorded.append(contentsOf: UnsafeBufferPointer(start: logits.pointer, count: classes)) }
      }
    }
    return EpisodeResult(logits: recorded, losses: losses, correct: correct)
  }

  /// One online step (METHOD.md §4): predict `input`, score the prediction against `label`, then
  /// hand the error on (the backward sweep, or the next step's forward sweep). Returns the step's
  /// loss and whether its prediction was right; the prediction stays in `logits`.
  func step(input x: UnsafePointer<Float>, label y: Int, parameters: UnsafePointer<Float>, layout: VSMLParameterLayout) -> (Float, Bool) {
    let classes = sizes.last!
    tick(input: x, parameters: parameters, layout: layout, reverse: false)
    let logitBuffer = UnsafeBufferPointer(start: logits.pointer, count: classes)
    let loss = softmaxCrossEntropy(logits: logitBuffer, label: y, error: error.buffer)
    let right = argmax(logitBuffer) == y
    label.zero()
    if configuration.feedLabel { label.pointer[y] = 1 }
    if configuration.backwardPass {
      tick(input: x, parameters: parameters, layout: layout, reverse: true)
      error.zero()
      label.zero()
    }
    return (loss, right)
  }

  /// One pass over the layers (forward order, or reverse for the backward sweep), routing
  /// messages as the reference does (METHOD.md §4). A forward pass leaves the prediction in `logits`.
  func tick(input: UnsafePointer<Float>, parameters: UnsafePointer<Float>, layout: VSMLParameterLayout, reverse: Bool) {
    let m = messageSize
    let layers = sizes.count - 1
    let block = layout.block
    // Layer 0 reads the pixel in slot 0; the last layer reads error and label in slots 0 and 1.
    let f0 = forwardIn[0].pointer
    forwardIn[0].zero()
    for a in 0..<sizes[0] { f0[a * m + VSMLConfiguration.valueSlot] = input[a] }
    let bl = backwardIn[layers - 1].pointer
    backwardIn[layers - 1].zero()
    for b in 0..<sizes[layers] {
      bl[b * m + VSMLConfiguration.valueSlot] = error.pointer[b]
      bl[b * m + VSMLConfiguration.labelSlot] = label.pointer[b]
    }
    for step in 0..<layers {
      let l = reverse ? layers - 1 - step : step
      let blockIndex = reverse ? layout.backwardBlock[l] : layout.forwardBlock[l]
      let p = parameters + layout.offset(ofBlock: blockIndex)
      let gates = UnsafePointer(scaledGates[blockIndex].pointer)
      let inSize = sizes[l], outSize = sizes[l + 1]
      prepareTerms(layer: l, gates: gates)
      messageObserver?(l, reverse, UnsafeBufferPointer(start: forwardIn[l].pointer, count: inSize * m),
                       UnsafeBufferPointer(start: backwardIn[l].pointer, count: outSize * m))
      let layerNorm = block.layerNorm
      let record = tape?.beginLayer(layer: l, block: blockIndex, reverse: reverse, workspace: self)
      for micro in 0..<configuration.microTicks {
        let last = micro == configuration.microTicks - 1
        let recordOut = record?.ticks(micro)
        if let workers, workers.threads > 1, inSize > 1 {
          // Rows of connections on separate threads; the sums after, in the kernel's order.
          let chunks = min(workers.threads, inSize)
          let (cellPointer, rows, cols, recurrent) = (cells[l].pointer, rowTerm.pointer, colTerm.pointer, gates + 2 * m * 64)
          workers.run(count: chunks) { c in
            let a0 = inSize * c / chunks, a1 = inSize * (c + 1) / chunks
            kernels.dense_tick16(
              cellPointer + a0 * outSize * 32, a1 - a0, outSize, rows + a0 * 64, cols, recurrent, nil, nil,
              recordOut.map { $0 + a0 * outSize * 96 })
          }
          if last && !layerNorm { sumHidden(layer: l) }
        } else {
          kernels.dense_tick16(
            cells[l].pointer, inSize, outSize, rowTerm.pointer, colTerm.pointer, gates + 2 * m * 64,
            last && !layerNorm ? rowSum.pointer : nil, last && !layerNorm ? colSum.pointer : nil, recordOut)
        }
      }
      record?.saveAfter(workspace: self)
      if layerNorm {
        normalisedMessages(layer: l, blockIndex: blockIndex, block: block, parameters: p)
      } else {
        meanMessages(inputs: inSize, outputs: outSize, block: block, parameters: p)
      }
      if l > 0 { backwardIn[l - 1].pointer.update(from: newBackward.pointer, count: inSize * m) }
      if l < layers - 1 {
        forwardIn[l + 1].pointer.update(from: newForward.pointer, count: outSize * m)
      } else if !reverse {
        let bound = configuration.tanhBound
        for b in 0..<outSize {
          let y = newForward.pointer[b * m + configuration.outputIndex]
          logits.pointer[b] = bound > 0 ? bound * Float(_tanh(Double(y / bound))) : y
        }
      }
    }
  }

  /// Row and column sums of every connection's `h'` (A x 16, B x 16), added in the order the
  /// tick kernel adds them, so that the result does not depend on how the tick was split.
  private func sumHidden(layer l: Int) {
    let inSize = sizes[l], outSize = sizes[l + 1]
    let c = UnsafeRawPointer(cells[l].pointer)
    let rs = UnsafeMutableRawPointer(rowSum.pointer), cs = UnsafeMutableRawPointer(colSum.pointer)
    rowSum.pointer.update(repeating: 0, count: inSize * 16)
    colSum.pointer.update(repeating: 0, count: outSize * 16)
    let stride = MemoryLayout<SIMD16<Float>>.stride
    for a in 0..<inSize {
      for b in 0..<outSize {
        let h = c.loadUnaligned(fromByteOffset: (a * outSize + b) * 32 * 4, as: SIMD16<Float>.self)
        rs.storeBytes(of: rs.loadUnaligned(fromByteOffset: a * stride, as: SIMD16<Float>.self) + h, toByteOffset: a * stride, as: SIMD16<Float>.self)
        cs.storeBytes(of: cs.loadUnaligned(fromByteOffset: b * stride, as: SIMD16<Float>.self) + h, toByteOffset: b * stride, as: SIMD16<Float>.self)
      }
    }
  }

  /// Row terms (bias, gate offsets, fwd · W_fwd) and column terms (bwd · W_bwd) of METHOD.md §3, in
  /// the exp2 domain of the scaled gate matrix `gates`.
  private func prepareTerms(layer l: Int, gates w: UnsafePointer<Float>) {
    let m = messageSize
    let bias = w + (2 * m + 16) * 64
    kernels.message_terms(forwardIn[l].pointer, sizes[l], m, w, bias, rowTerm.pointer)
    kernels.message_terms(backwardIn[l].pointer, sizes[l + 1], m, w + m * 64, nil, colTerm.pointer)
  }

  /// Outgoing messages without LayerNorm: the heads are affine, so the mean of the messages is
  /// the head applied to the mean of h' (METHOD.md §3).
  private func meanMessages(inputs A: Int, outputs B: Int, block: SubRNNParameterLayout, parameters p: UnsafePointer<Float>) {
    let m = messageSize
    func head(_ sums: UnsafePointer<Float>, count: Int, scale: Float, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
      if m == 8 {
        // The default message size, one 8-lane vector per row held in registers. Same operations
        // in the same order as the loop below (Swift does not fuse them), so the same bits.
        let raw = UnsafeRawPointer(weights)
        let start = UnsafeRawPointer(bias).loadUnaligned(as: SIMD8<Float>.self)
        for r in 0..<count {
          var acc = start
          for k in 0..<16 { acc += (sums[r * 16 + k] * scale) * raw.loadUnaligned(fromByteOffset: k * 32, as: SIMD8<Float>.self) }
          UnsafeMutableRawPointer(out + r * m).storeBytes(of: acc, as: SIMD8<Float>.self)
        }
        return
      }
      for r in 0..<count {
        for j in 0..<m { out[r * m + j] = bias[j] }
        for k in 0..<16 {
          let hk = sums[r * 16 + k] * scale
          for j in 0..<m { out[r * m + j] += hk * weights[k * m + j] }
        }
      }
    }
    head(colSum.pointer, count: B, scale: 1 / Float(A), weights: p + block.forwardHeadWeights.lowerBound,
         bias: p + block.forwardHeadBias.lowerBound, into: newForward.pointer)
    head(rowSum.pointer, count: A, scale: 1 / Float(B), weights: p + block.backwardHeadWeights.lowerBound,
         bias: p + block.backwardHeadBias.lowerBound, into: newBackward.pointer)
  }

  /// Outgoing messages with LayerNorm: per connection, head then LayerNorm, then the mean.
  private func normalisedMessages(layer l: Int, blockIndex: Int, block: SubRNNParameterLayout, parameters p: UnsafePointer<Float>) {
    let m = messageSize
    let A = sizes[l], B = sizes[l + 1]
    if usesNormalisedKernel {
      let pack = UnsafePointer(headPacks[blockIndex].pointer)
      kernels.normalised_messages8(
        cells[l].pointer, A, B, pack, pack + 256, pack + 272, pack + 288, VSMLCell.layerNormEpsilon,
        normalisedScratch.pointer, newForward.pointer, newBackward.pointer)
      return
    }
    let nf = newForward.pointer, nb = newBackward.pointer
    nf.update(repeating: 0, count: B * m)
    nb.update(repeating: 0, count: A * m)
    var message = [Float](repeating: 0, count: m)
    message.withUnsafeMutableBufferPointer { msg in
      func normalisedHead(_ h: UnsafePointer<Float>, weights: Range<Int>, bias: Range<Int>, scale: Range<Int>, offset: Range<Int>) {
        for j in 0..<m { msg[j] = p[bias.lowerBound + j] }
        for k in 0..<16 { for j in 0..<m { msg[j] += h[k] * p[weights.lowerBound + k * m + j] } }
        var mean: Float = 0
        for j in 0..<m { mean += msg[j] }
        mean /= Float(m)
        var variance: Float = 0
        for j in 0..<m { variance += (msg[j] - mean) * (msg[j] - mean) }
        variance /= Float(m)
        let inv = 1 / (variance + VSMLCell.layerNormEpsilon).squareRoot()
        for j in 0..<m { msg[j] = (msg[j] - mean) * inv * p[scale.lowerBound + j] + p[offset.lowerBound + j] }
      }
      let c = cells[l].pointer
      for a in 0..<A {
        for b in 0..<B {
          let h = UnsafePointer(c + (a * B + b) * 32)
          normalisedHead(h, weights: block.forwardHeadWeights, bias: block.forwardHeadBias, scale: block.forwardNormScale, offset: block.forwardNormOffset)
          for j in 0..<m { nf[b * m + j] += msg[j] / Float(A) }
          normalisedHead(h, weights: block.backwardHeadWeights, bias: block.backwardHeadBias, scale: block.backwardNormScale, offset: block.backwardNormOffset)
          for j in 0..<m { nb[a * m + j] += msg[j] / Float(B) }
        }
      }
    }
  }
}
