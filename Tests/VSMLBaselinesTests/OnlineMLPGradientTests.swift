import VSMLBaselines
import VSMLCore
import XCTest

/// The hand-written backpropagation of `OnlineMLP` against central finite differences (in Float,
/// step 1e-2: truncation ~1e-4, rounding ~1e-5 relative to the loss), and the SGD and Adam steps
/// against their formulas.
final class OnlineMLPGradientTests: XCTestCase {
  private func randomWeights(_ mlp: OnlineMLP, scale: Float, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<mlp.weightCount).map { _ in scale * generator.nextNormal() }
  }

  private func checkGradient(hiddenSize: Int, weightScale: Float, tolerance: Float) throws {
    let mlp = try OnlineMLP(.init(inputSize: 7, classCount: 4, hiddenSize: hiddenSize, optimizer: .sgd))
    let weights = randomWeights(mlp, scale: weightScale, seed: 3)
    var generator = SeededGenerator(seed: 4)
    let input = (0..<7).map { _ in generator.nextNormal() }
    // The least likely class as label keeps the softmax error O(1) even when the logits are large.
    let logits = mlp.lossAndGradient(weights: weights, input: input, label: 0).logits
    let label = logits.indices.min { logits[$0] < logits[$1] }!
    let (loss, _, gradient) = mlp.lossAndGradient(weights: weights, input: input, label: label)
    XCTAssertTrue(loss.isFinite)
    XCTAssertGreaterThan(gradient.map(abs).max()!, 0.1, "the check needs a non-trivial gradient")
    let h: Float = 1e-2
    var numeric = [Float](repeating: 0, count: weights.count)
    for k in weights.indices {
      var plus = weights, minus = weights
      plus[k] += h
      minus[k] -= h
      let lp = mlp.lossAndGradient(weights: plus, input: input, label: label).loss
      let lm = mlp.lossAndGradient(weights: minus, input: input, label: label).loss
      numeric[k] = (lp - lm) / (2 * h)
    }
    assertClose(gradient, numeric, relative: 2e-2, absolute: tolerance, "hidden \(hiddenSize), scale \(weightScale)")
  }

  func testLinearGradientMatchesFiniteDifferences() throws {
    try checkGradient(hiddenSize: 0, weightScale: 0.5, tolerance: 1e-3)
  }

  func testHiddenLayerGradientMatchesFiniteDifferences() throws {
    try checkGradient(hiddenSize: 5, weightScale: 0.5, tolerance: 1e-3)
  }

  /// Logits near the clip bound: the gradient must include the soft clip's derivative.
  func testGradientThroughSoftClip() throws {
    try checkGradient(hiddenSize: 5, weightScale: 20, tolerance: 2e-2)
    try checkGradient(hiddenSize: 0, weightScale: 20, tolerance: 2e-2)
  }

  func testSGDAndAdamSteps() throws {
    for optimizer in OnlineMLP.Optimizer.allCases {
      let mlp = try OnlineMLP(.init(inputSize: 7, classCount: 4, hiddenSize: 5, optimizer: optimizer))
      let weights = randomWeights(mlp, scale: 0.5, seed: 5)
      let input: [Float] = [0.3, -1, 2, 0.5, 0, -0.2, 1]
      let gradient = mlp.lossAndGradient(weights: weights, input: input, label: 1).gradient
      var updated = weights
      var state = OnlineMLP.OptimizerState(weightCount: mlp.weightCount)
      mlp.applyUpdate(weights: &updated, gradient: gradient, state: &state)
      let lr = optimizer.defaultLearningRate
      let expected: [Float] = zip(weights, gradient).map { w, g in
        switch optimizer {
        case .sgd: w - lr * g
        // First Adam step: bias-corrected moments are g and g², so the step is lr · g / (|g| + ε).
        case .adam: w - lr * g / (abs(g) + OnlineMLP.adamEpsilon)
        }
      }
      assertClose(updated, expected, relative: 1e-5, absolute: 1e-7, "\(optimizer)")
      XCTAssertEqual(state.step, 1)
    }
  }

  /// `run` is predict → score → the same gradient step, example after example.
  func testRunEqualsManualOnlineLoop() throws {
    for optimizer in OnlineMLP.Optimizer.allCases {
      let mlp = try OnlineMLP(.init(inputSize: 6, classCount: 3, hiddenSize: 4, optimizer: optimizer))
      let episode = randomEpisode(length: 12, inputSize: 6, classCount: 3, seed: 2)
      let result = mlp.run(episode: episode, parameters: [], stateSeed: 7, recordLogits: true)
      var weights = mlp.initialWeights(stateSeed: 7)
      var state = OnlineMLP.OptimizerState(weightCount: mlp.weightCount)
      var losses: [Float] = []
      var logits: [Float] = []
      for t in 0..<episode.length {
        let x = Array(episode.inputs[(t * 6)..<((t + 1) * 6)])
        let step = mlp.lossAndGradient(weights: weights, input: x, label: Int(episode.labels[t]))
        losses.append(step.loss)
        logits += step.logits
        mlp.applyUpdate(weights: &weights, gradient: step.gradient, state: &state)
      }
      assertClose(result.losses, losses, relative: 1e-5, absolute: 1e-6, "\(optimizer) losses")
      assertClose(result.logits, logits, relative: 1e-5, absolute: 1e-6, "\(optimizer) logits")
    }
  }
}
