import VSMLCore

/// How closely a cloned cell follows its teacher on held-out sequences (stage (a)).
///
/// Relative errors are root-mean-square residuals over all steps of all sequences divided by the
/// root-mean-square of the target: 0 is a perfect clone, 1 is as far off as predicting zero.
public struct CloningReport: Codable, Hashable, Sendable {
  /// Cloning loss (docs/CLONING.md) on the held-out sequences.
  public var loss: Double
  /// Forward message against `κ_f·v_t·x_t`.
  public var forwardRelativeError: Double
  /// Backward message against `κ_b·v_t·e_t`.
  public var backwardRelativeError: Double
  /// Implied weight change since the start, `c_0,t − c_0,0`, against the teacher's `v_{t+1} − v_0`:
  /// how well the learned update tracks the accumulated SGD updates.
  public var updateRelativeError: Double
  /// Correlation of the per-step weight change (cell vs teacher).
  public var updateCorrelation: Double

  /// Measures `parameters` (one block, Double) on `count` fresh sequences of `length` steps.
  public init(cloning: BackpropCloning, parameters: [Double], count: Int, length: Int, seed: UInt64) {
    var g = SeededGenerator(seed: seed, stream: .cloningReport)
    var loss = 0.0
    var fwd = (err: 0.0, ref: 0.0), bwd = (err: 0.0, ref: 0.0), upd = (err: 0.0, ref: 0.0)
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for _ in 0..<count {
      let s = cloning.sampler.sequence(length: length, using: &g)
      let r = cloning.cell.readouts(parameters: parameters, sequence: s)
      loss += CellGradient.loss(r, s, cloning.sampler.scales)
      let w0 = s.initialCell[cloning.cell.weightLane]
      var previousCell = w0, previousTeacher = w0
      for t in 0..<length {
        fwd.err += (r.forward[t] - s.forwardTargets[t]) * (r.forward[t] - s.forwardTargets[t])
        fwd.ref += s.forwardTargets[t] * s.forwardTargets[t]
        bwd.err += (r.backward[t] - s.backwardTargets[t]) * (r.backward[t] - s.backwardTargets[t])
        bwd.ref += s.backwardTargets[t] * s.backwardTargets[t]
        let dc = r.weight[t] - w0, dv = s.weightTargets[t] - w0
        upd.err += (dc - dv) * (dc - dv)
        upd.ref += dv * dv
        let stepCell = r.weight[t] - previousCell, stepTeacher = s.weightTargets[t] - previousTeacher
        sxy += stepCell * stepTeacher
        sxx += stepCell * stepCell
        syy += stepTeacher * stepTeacher
        previousCell = r.weight[t]
        previousTeacher = s.weightTargets[t]
      }
    }
    func ratio(_ p: (err: Double, ref: Double)) -> Double { (p.err / max(p.ref, .leastNormalMagnitude)).squareRoot() }
    self.loss = loss / Double(count)
    forwardRelativeError = ratio(fwd)
    backwardRelativeError = ratio(bwd)
    updateRelativeError = ratio(upd)
    updateCorrelation = sxy / max((sxx * syy).squareRoot(), .leastNormalMagnitude)
  }
}
