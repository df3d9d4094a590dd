/// Softmax cross-entropy of `logits` against `label`, writing `softmax(logits) - onehot(label)`
/// (the gradient with respect to the logits: the error VSML feeds back, METHOD.md §4) into `error`.
///
/// Computed in Float with the maximum subtracted first, as the reference does.
/// - Returns: the loss, `logsumexp(logits) - logits[label]`.
@inlinable
public func softmaxCrossEntropy(
  logits: UnsafeBufferPointer<Float>, label: Int, error: UnsafeMutableBufferPointer<Float>
) -> Float {
  precondition(logits.count == error.count && label >= 0 && label < logits.count, "shape mismatch")
  var maxLogit = -Float.infinity
  for v in logits where v > maxLogit { maxLogit = v }
  var sum: Float = 0
  for i in 0..<logits.count {
    let e = Float(_exp(Double(logits[i] - maxLogit)))
    error[i] = e
    sum += e
  }
  let inv = 1 / sum
  for i in 0..<logits.count { error[i] *= inv }
  error[label] -= 1
  return Float(_log(Double(sum))) + maxLogit - logits[label]
}

/// Index of the largest element (the first on ties); `-1` for an empty buffer or all NaN.
@inlinable
public func argmax(_ values: UnsafeBufferPointer<Float>) -> Int {
  var best = -1
  var bestValue = -Float.infinity
  for i in values.indices where values[i] > bestValue || (best < 0 && values[i] == bestValue) {
    best = i
    bestValue = values[i]
  }
  return best
}
