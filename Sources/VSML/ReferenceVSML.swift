import VSMLCore

/// A plain, scalar, float64 implementation of the VSML network of METHOD.md §2-4, written for clarity
/// rather than speed. Tests hold the fast path to it; it is never used for training.
public struct ReferenceVSML: Sendable {
  public let configuration: VSMLConfiguration
  public let layout: VSMLParameterLayout

  public init(_ configuration: VSMLConfiguration) {
    self.configuration = configuration
    self.layout = VSMLParameterLayout(configuration)
  }

  /// Output of `run`: per-step predictions (steps x outputs) and losses.
  public struct Output {
    public var logits: [[Double]]
    public var losses: [Double]
    public var meanLoss: Double { losses.reduce(0, +) / Double(losses.count) }
  }

  /// One sub-RNN's tensors, as Double matrices.
  struct Cell {
    let w: [[Double]]  // (2M + S) x 4S
    let b: [Double]
    let wf: [[Double]], bf: [Double]
    let wb: [[Double]], bb: [Double]
    let lnf: (scale: [Double], offset: [Double])?
    let lnb: (scale: [Double], offset: [Double])?

    init(parameters p: [Float], offset o: Int, layout l: SubRNNParameterLayout) {
      func vec(_ r: Range<Int>) -> [Double] { r.map { Double(p[o + $0]) } }
      func mat(_ r: Range<Int>, cols: Int) -> [[Double]] {
        let v = vec(r)
        return stride(from: 0, to: v.count, by: cols).map { Array(v[$0..<($0 + cols)]) }
      }
      w = mat(l.gateWeights, cols: l.gateWidth)
      b = vec(l.gateBias)
      wf = mat(l.forwardHeadWeights, cols: l.messageSize)
      bf = vec(l.forwardHeadBias)
      wb = mat(l.backwardHeadWeights, cols: l.messageSize)
      bb = vec(l.backwardHeadBias)
      lnf = l.layerNorm ? (vec(l.forwardNormScale), vec(l.forwardNormOffset)) : nil
      lnb = l.layerNorm ? (vec(l.backwardNormScale), vec(l.backwardNormOffset)) : nil
    }

    /// One step of the cell: returns (h', c', forward message, backward message).
    func step(fwd: [Double], bwd: [Double], h: [Double], c: [Double])
      -> ([Double], [Double], [Double], [Double])
    {
      let s = h.count
      let input = fwd + bwd + h
      var z = b
      for k in 0..<input.count { for j in 0..<z.count { z[j] += input[k] * w[k][j] } }
      func sigmoid(_ x: Double) -> Double { 1 / (1 + _exp(-x)) }
      var hNew = [Double](repeating: 0, count: s)
      var cNew = [Double](repeating: 0, count: s)
      for j in 0..<s {
        let i = sigmoid(z[j] + VSMLCell.inputGateOffset)
        let g = _tanh(z[s + j])
        let f = sigmoid(z[2 * s + j] + VSMLCell.forgetGateOffset)
        let o = sigmoid(z[3 * s + j])
        cNew[j] = f * c[j] + i * g
        hNew[j] = o * _tanh(cNew[j])
      }
      func head(_ w: [[Double]], _ b: [Double], _ ln: (scale: [Double], offset: [Double])?) -> [Double] {
        var m = b
        for k in 0..<s { for j in 0..<m.count { m[j] += hNew[k] * w[k][j] } }
        guard let ln else { return m }
        let mean = m.reduce(0, +) / Double(m.count)
        let variance = m.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(m.count)
        let inv = 1 / (variance + Double(VSMLCell.layerNormEpsilon)).squareRoot()
        return (0..<m.count).map { (m[$0] - mean) * inv * ln.scale[$0] + ln.offset[$0] }
      }
      return (hNew, cNew, head(wf, bf, lnf), head(wb, bb, lnb))
    }
  }

  /// Runs an episode (batch 1) from explicit initial cell states.
  ///
  /// - Parameters:
  ///   - inputs: steps x inputSize.
  ///   - labels: one class index per step.
  ///   - parameters: `layout.count` floats.
  ///   - initialCells: per layer, `A x B x S` values of `c` (row-major); `h` and messages start at 0.
  public func run(inputs: [[Float]], labels: [Int], parameters: [Float], initialCells: [[Float]]) -> Output {
    precondition(parameters.count == layout.count, "expected \(layout.count) parameters")
    let cfg = configuration
    let sizes = cfg.layerSizes
    let m = cfg.subRNN.messageSize, s = cfg.subRNN.stateSize
    let layers = cfg.layerCount
    precondition(initialCells.count == layers)
    let cells = (0..<layout.blockCount).map {
      Cell(parameters: parameters, offset: layout.offset(ofBlock: $0), layout: layout.block)
    }
    // State per layer: h, c [a][b][S]; incoming forward [a][M], backward [b][M].
    var h = (0..<layers).map { l in
      [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: s), count: sizes[l + 1]), count: sizes[l])
    }
    var c = (0..<layers).map { l in
      (0..<sizes[l]).map { a in
        (0..<sizes[l + 1]).map { b in (0..<s).map { Double(initialCells[l][(a * sizes[l + 1] + b) * s + $0]) } }
      }
    }
    var fwdIn = (0..<layers).map { [[Double]](repeating: [Double](repeating: 0, count: m), count: sizes[$0]) }
    var bwdIn = (0..<layers).map { [[Double]](repeating: [Double](repeating: 0, count: m), count: sizes[$0 + 1]) }

    func tick(x: [Float], error: [Double], label: [Double], reverse: Bool) -> [Double] {
      fwdIn[0] = x.map { [Double($0)] + [Double](repeating: 0, count: m - 1) }
      bwdIn[layers - 1] = (0..<error.count).map { [error[$0], label[$0]] + [Double](repeating: 0, count: m - 2) }
      var output: [Double] = []
      for l in reverse ? Array((0..<layers).reversed()) : Array(0..<layers) {
        let cell = cells[reverse ? layout.backwardBlock[l] : layout.forwardBlock[l]]
        let inSize = sizes[l], outSize = sizes[l + 1]
        var newFwd = [[Double]](), newBwd = [[Double]]()
        for _ in 0..<cfg.microTicks {
          newFwd = [[Double]](repeating: [Double](repeating: 0, count: m), count: outSize)
          newBwd = [[Double]](repeating: [Double](repeating: 0, count: m), count: inSize)
          for a in 0..<inSize {
            for b in 0..<outSize {
              let (h2, c2, f, bw) = cell.step(fwd: fwdIn[l][a], bwd: bwdIn[l][b], h: h[l][a][b], c: c[l][a][b])
              h[l][a][b] = h2
              c[l][a][b] = c2
              for j in 0..<m {
                newFwd[b][j] += f[j] / Double(inSize)
                newBwd[a][j] += bw[j] / Double(outSize)
              }
            }
          }
        }
        if l > 0 { bwdIn[l - 1] = newBwd }
        if l < layers - 1 {
          fwdIn[l + 1] = newFwd
        } else {
          output = newFwd.map { msg in
            let y = msg[cfg.outputIndex]
            return cfg.tanhBound > 0 ? Double(cfg.tanhBound) * _tanh(y / Double(cfg.tanhBound)) : y
          }
        }
      }
      return output
    }

    let classes = sizes[layers]
    var error = [Double](repeating: 0, count: classes)
    var label = [Double](repeating: 0, count: classes)
    var logits: [[Double]] = []
    var losses: [Double] = []
    for t in 0..<labels.count {
      let out = tick(x: inputs[t], error: error, label: label, reverse: false)
      logits.append(out)
      let maxOut = out.max()!
      let sum = out.map { _exp($0 - maxOut) }.reduce(0, +)
      losses.append(_log(sum) + maxOut - out[labels[t]])
      let grad = (0..<classes).map { _exp(out[$0] - maxOut) / sum - ($0 == labels[t] ? 1 : 0) }
      let labelInput = (0..<classes).map { cfg.feedLabel && $0 == labels[t] ? 1.0 : 0.0 }
      if cfg.backwardPass {
        _ = tick(x: inputs[t], error: grad, label: labelInput, reverse: true)
        error = [Double](repeating: 0, count: classes)
        label = error
      } else {
        error = grad
        label = labelInput
      }
    }
    return Output(logits: logits, losses: losses)
  }
}
