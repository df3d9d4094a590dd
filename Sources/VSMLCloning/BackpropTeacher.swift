import VSMLCore

/// The teacher of backprop cloning, stage (a): one weight of a network trained by online gradient
/// descent, on the VSML timing (METHOD.md §4: the error of example t arrives with example t+1).
///
/// Step t (0-based) receives input `x_t` and error `e_t` (the error of example t−1; `e_0 = 0`).
/// With `v_0` the initial weight and `x_{−1} = 0`:
///
///     forward message   F_t = κ_f · v_t · x_t          (slot `outputIndex`)
///     backward message  B_t = κ_b · v_t · e_t          (slot 0)
///     weight after t    v_{t+1} = v_t − η · x_{t−1} · e_t
///
/// so `v_t` is the weight at the start of step t: it holds the updates of examples 0..t−2. The
/// prediction of example t therefore lags plain online SGD by one update (the update of example
/// t−1 lands during step t, after the forward message has been formed); see docs/CLONING.md.
/// `κ_f` absorbs the mean over the A inputs of a VSML layer (METHOD.md §3): with `κ_f = A` the layer's
/// prediction is exactly `Σ_a v_ab x_a`; `κ_b = B` likewise for the backward mean.
public struct BackpropTeacher: Codable, Hashable, Sendable {
  /// η: the online SGD learning rate (METHOD.md §8: 0.01).
  public var learningRate: Double
  /// κ_f: gain of the forward message (the layer's input size A to undo the mean).
  public var forwardGain: Double
  /// κ_b: gain of the backward message (the layer's output size B to undo the mean).
  public var backwardGain: Double

  /// The default: the 784 x 10 layer of the verification network, SGD learning rate 0.01.
  public init(learningRate: Double = 0.01, forwardGain: Double = 784, backwardGain: Double = 10) {
    self.learningRate = learningRate
    self.forwardGain = forwardGain
    self.backwardGain = backwardGain
  }

  /// Targets for a sequence: forward, backward and weight, each of length T.
  public func targets(inputs x: [Double], errors e: [Double], initialWeight: Double)
    -> (forward: [Double], backward: [Double], weight: [Double])
  {
    precondition(x.count == e.count)
    var v = initialWeight
    var previousInput = 0.0
    var forward: [Double] = [], backward: [Double] = [], weight: [Double] = []
    for t in 0..<x.count {
      forward.append(forwardGain * v * x[t])
      backward.append(backwardGain * v * e[t])
      v -= learningRate * previousInput * e[t]
      weight.append(v)
      previousInput = x[t]
    }
    return (forward, backward, weight)
  }
}
