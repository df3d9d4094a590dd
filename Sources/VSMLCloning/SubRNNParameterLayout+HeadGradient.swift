import VSML

extension SubRNNParameterLayout {
  /// Reverse of the readout heads at one slot each, shared by the cloning gradients: given the
  /// adjoint `dF` of forward readout `forwardSlot` and `dB` of backward readout `backwardSlot`,
  /// which read the hidden state `hidden(q)` (`q < stateSize`), adds their gradient to the heads'
  /// biases and weights of the block that starts at `base` in `g`, and their adjoint to `dh`
  /// (`stateSize` values). `p` holds the parameters, laid out as `g`.
  @inline(__always)
  func accumulateHeadGradient(
    base: Int, forwardSlot: Int, backwardSlot: Int, dF: Double, dB: Double, parameters p: UnsafeBufferPointer<Double>,
    gradient g: UnsafeMutableBufferPointer<Double>, dh: inout [Double], hidden: (Int) -> Double
  ) {
    let m = messageSize
    let wf = base + forwardHeadWeights.lowerBound + forwardSlot, wb = base + backwardHeadWeights.lowerBound + backwardSlot
    g[base + forwardHeadBias.lowerBound + forwardSlot] += dF
    g[base + backwardHeadBias.lowerBound + backwardSlot] += dB
    for q in 0..<stateSize {
      let hq = hidden(q)
      g[wf + q * m] += dF * hq
      g[wb + q * m] += dB * hq
      dh[q] += dF * p[wf + q * m] + dB * p[wb + q * m]
    }
  }
}
