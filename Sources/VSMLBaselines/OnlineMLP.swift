// Human-engineered baseline (METHOD.md §8): a multilayer perceptron trained online, batch 1, by
// backpropagation with SGD (Robbins & Monro 1951; lr 0.01) or Adam (Kingma & Ba, "Adam: A Method
// for Stochastic Optimization", ICLR 2015; lr 0.001). Nothing is meta-learned: it is the
// hand-written learning algorithm VSML is compared against.

import VSMLCore

/// An MLP with zero or one hidden tanh layer, trained online inside each episode.
///
/// Per example (METHOD.md §4): predict `ŷ = 100 · tanh(z / 100)` with
/// `z = tanh(x · W1 + b1) · W2 + b2` (hidden layer of `hiddenSize` units) or `z = x · W + b`
/// (`hiddenSize == 0`), score it, then take one optimiser step on that example's cross-entropy
/// gradient (backpropagated through the soft clip). Because the update uses only the example just
/// predicted, this is the same as updating when its error arrives at the next step.
///
/// `parameterCount` is 0: there are no meta-parameters. The initial weights are drawn per episode
/// from `stateSeed`: truncated normal (±2 std) with std `1/√fan_in` (LeCun normal, Haiku's default
/// `Linear` initialiser, which the reference code uses), biases zero.
///
/// Weight vector layout (`weightLayout`): `w1` I x H, `b1` H, `w2` H x C, `b2` C; with no hidden
/// layer `w` I x C, `b` C. Default size (784 → 160 → 10): 127,210 weights.
public struct OnlineMLP: OnlineLearner, Sendable {
  /// The update rule.
  public enum Optimizer: String, Codable, Hashable, Sendable, CaseIterable {
    case sgd
    case adam

    /// METHOD.md §8: SGD 0.01, Adam 0.001.
    public var defaultLearningRate: Float {
      switch self {
      case .sgd: 0.01
      case .adam: 0.001
      }
    }
  }

  public struct Configuration: Codable, Hashable, Sendable {
    public var inputSize: Int
    public var classCount: Int
    /// Hidden tanh units; 0 for a linear classifier (METHOD.md §8: 0 or 160).
    public var hiddenSize: Int
    public var optimizer: Optimizer
    /// nil: the optimiser's default (`Optimizer.defaultLearningRate`).
    public var learningRate: Float?
    /// Soft-clip bound of the predictions (METHOD.md §4: 100).
    public var logitBound: Float

    public init(
      inputSize: Int = 784, classCount: Int = 10, hiddenSize: Int = 160, optimizer: Optimizer = .adam,
      learningRate: Float? = nil, logitBound: Float = baselineLogitBound
    ) {
      self.inputSize = inputSize
      self.classCount = classCount
      self.hiddenSize = hiddenSize
      self.optimizer = optimizer
      self.learningRate = learningRate
      self.logitBound = logitBound
    }

    public var effectiveLearningRate: Float { learningRate ?? optimizer.defaultLearningRate }

    public func validate() throws(BaselineConfigurationError) {
      try requireAtLeast(inputSize, 1, field: "inputSize")
      try requireAtLeast(classCount, 2, field: "classCount")
      try requireAtLeast(hiddenSize, 0, field: "hiddenSize")
      try requirePositive(effectiveLearningRate, field: "learningRate")
      try requirePositive(logitBound, field: "logitBound")
    }
  }

  /// Adam's decay rates and denominator guard (the paper's defaults).
  public static let adamBeta1: Float = 0.9
  public static let adamBeta2: Float = 0.999
  public static let adamEpsilon: Float = 1e-8

  /// Adam's moment estimates and step count (unused by SGD).
  public struct OptimizerState: Sendable {
    public var firstMoment: [Float]
    public var secondMoment: [Float]
    public var step: Int

    public init(weightCount: Int) {
      firstMoment = [Float](repeating: 0, count: weightCount)
      secondMoment = [Float](repeating: 0, count: weightCount)
      step = 0
    }
  }

  public let configuration: Configuration
  /// Names, shapes and offsets of the blocks of the (per-episode) weight vector.
  public let weightLayout: [BaselineParameterSlice]

  public init(_ configuration: Configuration) throws(BaselineConfigurationError) {
    try configuration.validate()
    self.configuration = configuration
    let c = configuration
    if c.hiddenSize > 0 {
      weightLayout = packSlices([
        ("w1", [c.inputSize, c.hiddenSize]), ("b1", [c.hiddenSize]),
        ("w2", [c.hiddenSize, c.classCount]), ("b2", [c.classCount]),
      ])
    } else {
      weightLayout = packSlices([("w", [c.inputSize, c.classCount]), ("b", [c.classCount])])
    }
  }

  public var inputSize: Int { configuration.inputSize }
  public var classCount: Int { configuration.classCount }
  public var parameterCount: Int { 0 }
  public var weightCount: Int { weightLayout.last!.range.upperBound }

  public func initialParameters(using generator: inout SeededGenerator) -> [Float] { [] }

  /// The episode's initial weights, drawn from `stateSeed`.
  public func initialWeights(stateSeed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: stateSeed, stream: .mlpState)
    var w = [Float](repeating: 0, count: weightCount)
    for slice in weightLayout where slice.shape.count == 2 {
      fillTruncatedNormal(&w[slice.range], std: 1 / Float(slice.shape[0]).squareRoot(), using: &generator)
    }
    return w
  }

  /// Loss, clipped logits (C) and gradient (`weightCount`) of one example. `input` has `inputSize`
  /// floats. The building block of `run`, public for gradient checks.
  public func lossAndGradient(weights: [Float], input: [Float], label: Int) -> (
    loss: Float, logits: [Float], gradient: [Float]
  ) {
    precondition(weights.count == weightCount && input.count == inputSize && (0..<classCount).contains(label))
    var gradient = [Float](repeating: 0, count: weightCount)
    var logits = [Float](repeating: 0, count: classCount)
    var error = [Float](repeating: 0, count: classCount)
    var hidden = [Float](repeating: 0, count: max(configuration.hiddenSize, 1) * 2)
    let loss = weights.withUnsafeBufferPointer { w in
      input.withUnsafeBufferPointer { x in
        gradient.withUnsafeMutableBufferPointer { g in
          logits.withUnsafeMutableBufferPointer { z in
            error.withUnsafeMutableBufferPointer { e in
              hidden.withUnsafeMutableBufferPointer { a in
                forward(x.baseAddress!, features: inputSize, weights: w.baseAddress!, hidden: a.baseAddress!, logits: z.baseAddress!)
                let loss = softmaxCrossEntropy(logits: UnsafeBufferPointer(z), label: label, error: e)
                backward(
                  x.baseAddress!, features: inputSize, weights: w.baseAddress!, hidden: a.baseAddress!,
                  logits: z.baseAddress!, error: e.baseAddress!, gradient: g.baseAddress!)
                return loss
              }
            }
          }
        }
      }
    }
    return (loss, logits, gradient)
  }

  /// Applies one optimiser step with `gradient` to `weights`.
  public func applyUpdate(weights: inout [Float], gradient: [Float], state: inout OptimizerState) {
    precondition(weights.count == weightCount && gradient.count == weightCount)
    weights.withUnsafeMutableBufferPointer { w in
      gradient.withUnsafeBufferPointer { g in
        state.firstMoment.withUnsafeMutableBufferPointer { m in
          state.secondMoment.withUnsafeMutableBufferPointer { v in
            update(w.baseAddress!, g.baseAddress!, m.baseAddress!, v.baseAddress!, step: &state.step)
          }
        }
      }
    }
  }

  public func run(
    episode: Episode, parameters: UnsafeBufferPointer<Float>, stateSeed: UInt64, recordLogits: Bool
  ) -> EpisodeResult {
    checkEpisodeFits(episode, inputSize: inputSize, classCount: classCount)
    let n = weightCount, classes = classCount, units = configuration.hiddenSize
    let scratchCount = 4 * n + inputSize + 2 * max(units, 1) + 2 * classes
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
    defer { scratch.deallocate() }
    scratch.initialize(repeating: 0, count: scratchCount)
    let weights = scratch, gradient = weights + n, m = gradient + n, v = m + n
    let x = v + n, hidden = x + inputSize, logits = hidden + 2 * max(units, 1), error = logits + classes
    let initial = initialWeights(stateSeed: stateSeed)
    initial.withUnsafeBufferPointer { weights.update(from: $0.baseAddress!, count: n) }

    var recorder = EpisodeRecorder(length: episode.length, classCount: classes, recordLogits: recordLogits)
    var step = 0
    episode.inputs.withUnsafeBufferPointer { xs in
      for t in 0..<episode.length {
        if episode.cancellation.isRequested { break }
        // Zero-pad the example to the learner's input size.
        x.update(from: xs.baseAddress! + t * episode.inputSize, count: episode.inputSize)
        let label = Int(episode.labels[t])
        forward(x, features: episode.inputSize, weights: weights, hidden: hidden, logits: logits)
        recorder.score(prediction: logits, label: label, error: error)
        if configuration.optimizer == .sgd {
          fusedSGDStep(x, features: episode.inputSize, weights: weights, hidden: hidden, logits: logits, error: error)
        } else {
          backward(
            x, features: episode.inputSize, weights: weights, hidden: hidden, logits: logits, error: error,
            gradient: gradient)
          update(weights, gradient, m, v, step: &step)
        }
      }
    }
    return recorder.result
  }

  // MARK: Kernels

  /// Forward pass. `hidden` holds `2H` floats: activations `a`, then scratch; `logits` receives `C`
  /// clipped logits. Only the first `features` inputs are read (the rest are the zero padding).
  private func forward(
    _ x: UnsafePointer<Float>, features: Int, weights: UnsafePointer<Float>,
    hidden: UnsafeMutablePointer<Float>, logits: UnsafeMutablePointer<Float>
  ) {
    let classes = classCount, units = configuration.hiddenSize, bound = configuration.logitBound
    if units > 0 {
      let w1 = weights, b1 = w1 + inputSize * units, w2 = b1 + units, b2 = w2 + units * classes
      hidden.update(from: b1, count: units)
      accumulateRows(input: x, rows: features, weights: w1, rowStride: units, columns: units, into: hidden)
      var j = 0
      while j + 16 <= units {
        storeVector(vectorTanh(loadVector(hidden + j)), hidden + j)
        j += 16
      }
      while j < units {
        hidden[j] = scalarTanh(hidden[j])
        j += 1
      }
      logits.update(from: b2, count: classes)
      accumulateRows(input: hidden, rows: units, weights: w2, rowStride: classes, columns: classes, into: logits)
    } else {
      let w = weights, b = w + inputSize * classes
      logits.update(from: b, count: classes)
      accumulateRows(input: x, rows: features, weights: w, rowStride: classes, columns: classes, into: logits)
    }
    for k in 0..<classes { logits[k] = softClip(logits[k], bound: bound) }
  }

  /// Backward pass from `error = softmax(ŷ) − onehot(y)` (overwritten with `∂L/∂z`); writes the
  /// full gradient (rows of padded inputs get zeros).
  private func backward(
    _ x: UnsafePointer<Float>, features: Int, weights: UnsafePointer<Float>,
    hidden: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, error: UnsafeMutablePointer<Float>,
    gradient: UnsafeMutablePointer<Float>
  ) {
    let classes = classCount, units = configuration.hiddenSize, bound = configuration.logitBound
    // Through the soft clip: d(B tanh(z/B))/dz = 1 − (ŷ/B)².
    for k in 0..<classes {
      let r = logits[k] / bound
      error[k] *= 1 - r * r
    }
    if units > 0 {
      let w2 = weights + inputSize * units + units
      let g1 = gradient, gb1 = g1 + inputSize * units, g2 = gb1 + units, gb2 = g2 + units * classes
      let delta = hidden + units
      for r in 0..<units {
        var s: Float = 0
        for k in 0..<classes {
          g2[r * classes + k] = hidden[r] * error[k]
          s += w2[r * classes + k] * error[k]
        }
        delta[r] = s * (1 - hidden[r] * hidden[r])
      }
      gb2.update(from: error, count: classes)
      gb1.update(from: delta, count: units)
      outerProduct(x, rows: features, delta, columns: units, into: g1)
      (g1 + features * units).update(repeating: 0, count: (inputSize - features) * units)
    } else {
      let g = gradient, gb = g + inputSize * classes
      outerProduct(x, rows: features, error, columns: classes, into: g)
      (g + features * classes).update(repeating: 0, count: (inputSize - features) * classes)
      gb.update(from: error, count: classes)
    }
  }

  /// One SGD step fused with backpropagation: the step `backward` + `update` take, without forming
  /// the gradient (one pass over the weights instead of three; equal up to rounding).
  private func fusedSGDStep(
    _ x: UnsafePointer<Float>, features: Int, weights: UnsafeMutablePointer<Float>,
    hidden: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, error: UnsafeMutablePointer<Float>
  ) {
    let classes = classCount, units = configuration.hiddenSize, bound = configuration.logitBound
    let lr = configuration.effectiveLearningRate
    for k in 0..<classes {
      let r = logits[k] / bound
      error[k] *= 1 - r * r
    }
    if units > 0 {
      let w1 = weights, b1 = w1 + inputSize * units, w2 = b1 + units, b2 = w2 + units * classes
      let delta = hidden + units
      for r in 0..<units {
        let row = w2 + r * classes
        var s: Float = 0
        for k in 0..<classes { s += row[k] * error[k] }  // with the weights before this step
        delta[r] = s * (1 - hidden[r] * hidden[r])
        let a = hidden[r]
        for k in 0..<classes { row[k] -= lr * (a * error[k]) }
      }
      for k in 0..<classes { b2[k] -= lr * error[k] }
      for r in 0..<units { b1[r] -= lr * delta[r] }
      descendOuterProduct(x, rows: features, delta, columns: units, rate: lr, into: w1)
    } else {
      let w = weights, b = w + inputSize * classes
      descendOuterProduct(x, rows: features, error, columns: classes, rate: lr, into: w)
      for k in 0..<classes { b[k] -= lr * error[k] }
    }
  }

  /// `out[r · columns + j] −= rate · (a[r] · b[j])`.
  private func descendOuterProduct(
    _ a: UnsafePointer<Float>, rows: Int, _ b: UnsafePointer<Float>, columns: Int, rate: Float,
    into out: UnsafeMutablePointer<Float>
  ) {
    let negativeRate = SIMD16<Float>(repeating: -rate)
    for r in 0..<rows {
      let s = a[r]
      let o = out + r * columns
      var j = 0
      while j + 16 <= columns {
        storeVector(loadVector(o + j) + negativeRate * (SIMD16(repeating: s) * loadVector(b + j)), o + j)
        j += 16
      }
      while j < columns {
        o[j] -= rate * (s * b[j])
        j += 1
      }
    }
  }

  /// `out[r · columns + j] = a[r] · b[j]`.
  private func outerProduct(
    _ a: UnsafePointer<Float>, rows: Int, _ b: UnsafePointer<Float>, columns: Int,
    into out: UnsafeMutablePointer<Float>
  ) {
    for r in 0..<rows {
      let s = a[r]
      let o = out + r * columns
      var j = 0
      while j + 16 <= columns {
        storeVector(SIMD16(repeating: s) * loadVector(b + j), o + j)
        j += 16
      }
      while j < columns {
        o[j] = s * b[j]
        j += 1
      }
    }
  }

  /// One SGD or Adam step over all weights.
  private func update(
    _ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
    _ v: UnsafeMutablePointer<Float>, step: inout Int
  ) {
    let n = weightCount, lr = configuration.effectiveLearningRate
    step += 1
    switch configuration.optimizer {
    case .sgd:
      let rate = SIMD16<Float>(repeating: -lr)
      var i = 0
      while i + 16 <= n {
        storeVector(loadVector(w + i) + rate * loadVector(g + i), w + i)
        i += 16
      }
      while i < n {
        w[i] -= lr * g[i]
        i += 1
      }
    case .adam:
      let b1 = Self.adamBeta1, b2 = Self.adamBeta2, eps = Self.adamEpsilon
      // Bias corrections, folded into the step size and the denominator (computed in Double).
      let c1 = Float(1 - _exp(Double(step) * _log(Double(b1))))
      let c2 = Float(1 - _exp(Double(step) * _log(Double(b2))))
      let stepSize = lr / c1, inverseC2 = 1 / c2
      baselineKernels.adam_step(w, g, m, v, n, b1, b2, stepSize, inverseC2, eps)
    }
  }
}
