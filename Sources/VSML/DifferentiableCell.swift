import VSMLCore

/// The sub-RNN of METHOD.md §2 in float64, with the reverse of each of its steps: the single
/// source of the cell's arithmetic for the plain reference network (`ReferenceVSML`), the
/// float64 meta-gradient and backprop cloning.
///
/// One tick reads `input = [fwd (M), bwd (M), h (S)]` (`layout.gateInputs` values), forms
/// `z = b + input · W` (rows with a zero input are skipped), and updates the cell:
/// `c' = σ(z_f + 5) c + σ(z_i − 5) tanh(z_g)`, `h' = σ(z_o) tanh(c')`. A head reads `h'`:
/// `m = h' · W_head + b_head`, then LayerNorm when the layout has it.
///
/// All functions work on raw pointers into flat `[Double]` storage: `parameters` and `gradient`
/// point at the start of one sub-RNN block (`layout.count` values).
public struct DifferentiableCell: Sendable {
  public let layout: SubRNNParameterLayout

  public init(layout: SubRNNParameterLayout) {
    self.layout = layout
  }

  /// Values one tick keeps for its reverse: the gates after their nonlinearities (i, g, f, o;
  /// 4S), `c` before the tick (S) and `tanh(c')` (S).
  public var tickRecordWidth: Int { 6 * layout.stateSize }

  /// Values one head keeps for its reverse with LayerNorm: the normalised message (M) and
  /// 1/σ (1). Zero without LayerNorm.
  public var headRecordWidth: Int { layout.layerNorm ? layout.messageSize + 1 : 0 }

  /// Scratch values the functions need (`z` or `dz`: 4S).
  public var scratchWidth: Int { layout.gateWidth }

  /// One tick: reads `input` (gateInputs), updates `cell` (S) in place, writes `h'` to `hidden`
  /// (S) and the tick's record to `record` (`tickRecordWidth`). `hidden` may alias the `h` part
  /// of `input` only if the caller no longer needs it.
  @inline(__always)
  public func tick(
    parameters p: UnsafePointer<Double>, input: UnsafePointer<Double>, cell c: UnsafeMutablePointer<Double>,
    hidden h: UnsafeMutablePointer<Double>, record: UnsafeMutablePointer<Double>, scratch z: UnsafeMutablePointer<Double>
  ) {
    let s = layout.stateSize, nIn = layout.gateInputs, g4 = layout.gateWidth
    let w = p + layout.gateWeights.lowerBound, bias = p + layout.gateBias.lowerBound
    for j in 0..<g4 { z[j] = bias[j] }
    for r in 0..<nIn {
      let v = input[r]
      if v == 0 { continue }
      let row = w + r * g4
      for j in 0..<g4 { z[j] += v * row[j] }
    }
    for j in 0..<s {
      let i = sigmoid(z[j] + VSMLCell.inputGateOffset)
      let g = _tanh(z[s + j])
      let f = sigmoid(z[2 * s + j] + VSMLCell.forgetGateOffset)
      let o = sigmoid(z[3 * s + j])
      record[j] = i
      record[s + j] = g
      record[2 * s + j] = f
      record[3 * s + j] = o
      record[4 * s + j] = c[j]
      c[j] = f * c[j] + i * g
      let tc = _tanh(c[j])
      record[5 * s + j] = tc
      h[j] = o * tc
    }
  }

  /// `h'` of a recorded tick: `o · tanh(c')`, bit for bit as `tick` wrote it.
  @inline(__always)
  public func hidden(record: UnsafePointer<Double>, lane j: Int) -> Double {
    let s = layout.stateSize
    return record[3 * s + j] * record[5 * s + j]
  }

  /// The reverse of one tick. On entry `dHidden` and `dCell` (S each) hold the adjoints of `h'`
  /// and `c'`; on return those of `h` and `c` before the tick. Adds the tick's parameter gradient
  /// to `gradient`, and, if `dMessages` is not nil, the adjoints of the incoming forward and
  /// backward messages to `dMessages` (2M).
  @inline(__always)
  public func reverseTick(
    parameters p: UnsafePointer<Double>, input: UnsafePointer<Double>, record: UnsafePointer<Double>,
    dHidden dh: UnsafeMutablePointer<Double>, dCell dc: UnsafeMutablePointer<Double>,
    gradient: UnsafeMutablePointer<Double>, dMessages: UnsafeMutablePointer<Double>?, scratch dz: UnsafeMutablePointer<Double>
  ) {
    let s = layout.stateSize, m = layout.messageSize, nIn = layout.gateInputs, g4 = layout.gateWidth
    let w = p + layout.gateWeights.lowerBound
    let gw = gradient + layout.gateWeights.lowerBound, gb = gradient + layout.gateBias.lowerBound
    for j in 0..<s {
      let i = record[j], g = record[s + j], f = record[2 * s + j], o = record[3 * s + j]
      let tc = record[5 * s + j]
      let dcTotal = dc[j] + dh[j] * o * (1 - tc * tc)
      dz[j] = dcTotal * g * i * (1 - i)
      dz[s + j] = dcTotal * i * (1 - g * g)
      dz[2 * s + j] = dcTotal * record[4 * s + j] * f * (1 - f)
      dz[3 * s + j] = dh[j] * tc * o * (1 - o)
      dc[j] = dcTotal * f
    }
    for j in 0..<g4 { gb[j] += dz[j] }
    for r in 0..<nIn {
      let v = input[r]
      let row = w + r * g4
      if v != 0 {
        let gRow = gw + r * g4
        for j in 0..<g4 { gRow[j] += v * dz[j] }
      }
      if r >= 2 * m {
        var acc = 0.0
        for j in 0..<g4 { acc += row[j] * dz[j] }
        dh[r - 2 * m] = acc
      } else if let dMessages {
        var acc = 0.0
        for j in 0..<g4 { acc += row[j] * dz[j] }
        dMessages[r] += acc
      }
    }
  }

  /// The two message heads of the cell.
  public enum Head: Sendable {
    case forward, backward
  }

  private func ranges(_ head: Head) -> (weights: Int, bias: Int, scale: Int, offset: Int) {
    switch head {
    case .forward:
      return (layout.forwardHeadWeights.lowerBound, layout.forwardHeadBias.lowerBound,
              layout.forwardNormScale.lowerBound, layout.forwardNormOffset.lowerBound)
    case .backward:
      return (layout.backwardHeadWeights.lowerBound, layout.backwardHeadBias.lowerBound,
              layout.backwardNormScale.lowerBound, layout.backwardNormOffset.lowerBound)
    }
  }

  /// One outgoing message (M) from `hidden` (S) into `out`; with LayerNorm the head's record
  /// (`headRecordWidth`) goes to `record`, which may then not be nil.
  @inline(__always)
  public func head(
    _ which: Head, parameters p: UnsafePointer<Double>, hidden h: UnsafePointer<Double>,
    out: UnsafeMutablePointer<Double>, record: UnsafeMutablePointer<Double>?
  ) {
    let s = layout.stateSize, m = layout.messageSize
    let r = ranges(which)
    for j in 0..<m { out[j] = p[r.bias + j] }
    for k in 0..<s {
      let hk = h[k]
      for j in 0..<m { out[j] += hk * p[r.weights + k * m + j] }
    }
    guard layout.layerNorm else { return }
    var mean = 0.0
    for j in 0..<m { mean += out[j] }
    mean /= Double(m)
    var variance = 0.0
    for j in 0..<m { variance += (out[j] - mean) * (out[j] - mean) }
    variance /= Double(m)
    let inv = 1 / (variance + Double(VSMLCell.layerNormEpsilon)).squareRoot()
    for j in 0..<m {
      let normalised = (out[j] - mean) * inv
      record?[j] = normalised
      out[j] = normalised * p[r.scale + j] + p[r.offset + j]
    }
    record?[m] = inv
  }

  /// The reverse of `head`: given the adjoint `dOut` (M) of the message, adds the head's
  /// parameter gradient to `gradient` and the adjoint of `hidden` to `dHidden` (S). `scratch`
  /// holds at least M values.
  @inline(__always)
  public func reverseHead(
    _ which: Head, parameters p: UnsafePointer<Double>, hidden h: UnsafePointer<Double>, record: UnsafePointer<Double>?,
    dOut: UnsafePointer<Double>, dHidden dh: UnsafeMutablePointer<Double>, gradient: UnsafeMutablePointer<Double>,
    scratch: UnsafeMutablePointer<Double>
  ) {
    let s = layout.stateSize, m = layout.messageSize
    let r = ranges(which)
    let dm = scratch
    if layout.layerNorm, let record {
      // y = x̂ γ + β, x̂ = (m − μ) / σ: dm = (dx̂ − mean(dx̂) − x̂ mean(dx̂ x̂)) / σ.
      let inv = record[m]
      var meanD = 0.0, meanDX = 0.0
      for j in 0..<m {
        gradient[r.scale + j] += dOut[j] * record[j]
        gradient[r.offset + j] += dOut[j]
        let dx = dOut[j] * p[r.scale + j]
        dm[j] = dx
        meanD += dx
        meanDX += dx * record[j]
      }
      meanD /= Double(m)
      meanDX /= Double(m)
      for j in 0..<m { dm[j] = inv * (dm[j] - meanD - record[j] * meanDX) }
    } else {
      for j in 0..<m { dm[j] = dOut[j] }
    }
    for j in 0..<m { gradient[r.bias + j] += dm[j] }
    for k in 0..<s {
      let hk = h[k]
      var acc = 0.0
      for j in 0..<m {
        gradient[r.weights + k * m + j] += hk * dm[j]
        acc += p[r.weights + k * m + j] * dm[j]
      }
      dh[k] += acc
    }
  }
}

@inline(__always) private func sigmoid(_ x: Double) -> Double { 1 / (1 + _exp(-x)) }
