import VSMLCore

/// The softmax of `x` in float64, shifted by its maximum.
func softmax(_ x: [Double]) -> [Double] {
  let top = x.max() ?? 0
  let e = x.map { _exp($0 - top) }
  let sum = e.reduce(0, +)
  return e.map { $0 / sum }
}

/// The adjoint of one step's prediction ŷ (one value per class) in an episode of `steps` steps
/// whose loss is the mean cross-entropy: the loss term `(softmax(ŷ) − y) / steps`, plus the
/// softmax's Jacobian applied to `errorAdjoint`, the adjoint of the error `softmax(ŷ) − y` that
/// the network reads back (METHOD.md §5, gradient route). `probabilities` is `softmax(ŷ)`.
func predictionAdjoint(probabilities p: [Double], label: Int, steps: Int, errorAdjoint dError: [Double]) -> [Double] {
  var pDotD = 0.0
  for k in p.indices { pDotD += p[k] * dError[k] }
  return p.indices.map { k in (p[k] - (k == label ? 1 : 0)) / Double(steps) + p[k] * (dError[k] - pDotD) }
}
