import Foundation
import VSML
import VSMLCore

/// The teacher of backprop cloning, stages (b) and (c): every connection of a multi-layer VSML
/// network behaves like one weight of a network trained by online backpropagation.
///
/// Timing: the network runs with `backwardPass` and `separateBackwardRNN` (METHOD.md §4 options). Each
/// example is a forward sweep (forward block, the error input of the last layer is zero) and then a
/// backward sweep (backward block) that carries the error of the *same* example down the layers,
/// so every layer pairs its input with its own error, whatever its depth. A shared cell cannot tell
/// its layer, and on the default timing the error reaches a layer one example later per layer
/// above it; the backward sweep removes that mismatch.
///
/// One connection with weight `v`, forward input `x` (slot 0) and, on the backward sweep, error
/// `e` (slot 0), with `φ = tanh`:
///
///     forward sweep    fwd_out = [κ_f·v·φ(x), κ_f·v·φ(x), 0, …]   v unchanged
///     backward sweep   bwd_out = [κ_b·v·φ'(x)·e, 0, …]             v ← v − η·φ(x)·e
///
/// Slot 0 of the forward message is the next layer's input, slot 1 the prediction slot of the
/// last layer (`outputIndex`); slot 0 of the backward message is the previous layer's error. The
/// layers' means (METHOD.md §3) turn this into the network
///
///     z_{l+1}[b] = (κ_f / A_l) Σ_a v_l[a,b] φ(z_l[a]),   z_0 = x,   ŷ = z_L (soft-clipped)
///
/// whose backprop error is `δ_l[a] = φ'(z_l[a]) (κ_f / A_l) Σ_b v_l[a,b] δ_{l+1}[b]`; the backward
/// mean gives `(κ_b / B_l)` in place of `(κ_f / A_l)`, so the two agree for the layer with
/// `κ_b / B = κ_f / A` (the last layer of the default [784, 32, 10] with κ_b = κ_f·10/32). Each
/// weight moves against its gradient with the per-layer rate `η·A_l/κ_f`: online backprop with
/// per-layer learning rates. `Network` runs this teacher exactly.
public struct DeepBackpropTeacher: Codable, Hashable, Sendable {
  /// η: the step of a connection's weight per unit of `φ(x)·e`.
  public var learningRate: Double = 0.01
  /// κ_f: gain of the forward message. The default (784/8) with η = 0.01 learned best among
  /// κ_f ∈ {49, 98, 196, 392}, η ∈ {0.002 … 0.3} for the teacher itself on MNIST (docs/CLONING.md).
  public var forwardGain: Double = 98
  /// κ_b: gain of the backward message; κ_f · 10 / 32 makes the hidden layer's error exact.
  public var backwardGain: Double = 30.625
  /// The layer sizes the gains are chosen for.
  public var layerSizes: [Int] = [784, 32, 10]

  public init() {}

  @inline(__always) static func activation(_ x: Double) -> Double { _tanh(x) }
  @inline(__always) static func derivative(_ x: Double) -> Double { let t = _tanh(x); return 1 - t * t }

  /// The VSML network this teacher is cloned into.
  public var networkConfiguration: VSMLConfiguration {
    var c = VSMLConfiguration(layerSizes: layerSizes)
    c.backwardPass = true
    c.separateBackwardRNN = true
    return c
  }

  // MARK: One connection

  /// The incoming messages of one connection at one example: forward sweep, then backward sweep
  /// (M floats each).
  public struct ConnectionSignals: Sendable {
    public var forwardSweep: (forward: [Double], backward: [Double])
    public var backwardSweep: (forward: [Double], backward: [Double])
  }

  /// The cloning sequence of one connection: two phases per example (forward block, then backward
  /// block, `microTicks` ticks each) with the teacher's targets computed from the signals the
  /// connection receives. Residuals are in units of a typical weight (`weightScale`, the std of
  /// the initial weight) for messages after undoing the gains, and of η for the weight.
  package func sequence(signals: [ConnectionSignals], initialCell: [Double], weightLane: Int = 0,
                       weightScale: Double, microTicks: Int = 2) -> PhasedCellGradient.Sequence {
    var v = initialCell[weightLane]
    var phases: [PhasedCellGradient.Phase] = []
    phases.reserveCapacity(2 * signals.count)
    for step in signals {
      var forward = PhasedCellGradient.Phase(block: 0, ticks: microTicks, forwardInput: step.forwardSweep.forward,
                                            backwardInput: step.forwardSweep.backward)
      let m = step.forwardSweep.forward.count
      let x = step.forwardSweep.forward[VSMLConfiguration.valueSlot]
      let message = forwardGain * v * Self.activation(x)
      forward.forwardTarget[0] = message
      forward.forwardTarget[1] = message
      forward.forwardScale = [Double](repeating: 1 / (forwardGain * weightScale), count: m)
      forward.weightTarget = v
      forward.weightScale = 1 / learningRate
      phases.append(forward)

      var backward = PhasedCellGradient.Phase(block: 1, ticks: microTicks, forwardInput: step.backwardSweep.forward,
                                             backwardInput: step.backwardSweep.backward)
      let xb = step.backwardSweep.forward[VSMLConfiguration.valueSlot]
      let e = step.backwardSweep.backward[VSMLConfiguration.valueSlot]
      backward.backwardTarget[0] = backwardGain * v * Self.derivative(xb) * e
      backward.backwardScale = [Double](repeating: 1 / (backwardGain * weightScale), count: m)
      v -= learningRate * Self.activation(xb) * e
      backward.weightTarget = v
      backward.weightScale = 1 / learningRate
      phases.append(backward)
    }
    return PhasedCellGradient.Sequence(initialCell: initialCell, phases: phases, steps: signals.count)
  }

  // MARK: The whole network

  /// The network the clone should implement, run exactly in float64 (no clone involved).
  public struct Network: Sendable {
    public let teacher: DeepBackpropTeacher
    public let sizes: [Int]
    /// Per layer: A x B weights, row-major.
    public var weights: [[Double]]
    /// Soft clip of the prediction (METHOD.md §4: 100).
    public var tanhBound: Double = 100

    /// Weights from `c[weightLane]` of VSML initial cells (`VSMLNetwork.initialCells`).
    public init(teacher: DeepBackpropTeacher, sizes: [Int], initialCells: [[Float]], stateSize: Int = 16, weightLane: Int = 0) {
      precondition(sizes.count >= 2 && initialCells.count == sizes.count - 1)
      self.teacher = teacher
      self.sizes = sizes
      weights = (0..<(sizes.count - 1)).map { l in
        (0..<(sizes[l] * sizes[l + 1])).map { Double(initialCells[l][$0 * stateSize + weightLane]) }
      }
    }

    /// Pre-activations of every layer's input (`z_0 = x`, …, `z_{L−1}`) and the logits.
    public func forward(_ x: [Double]) -> (inputs: [[Double]], logits: [Double]) {
      var z = x
      var inputs: [[Double]] = []
      for l in 0..<(sizes.count - 1) {
        inputs.append(z)
        let a = sizes[l], b = sizes[l + 1]
        var next = [Double](repeating: 0, count: b)
        let gain = teacher.forwardGain / Double(a)
        for i in 0..<a {
          let phi = DeepBackpropTeacher.activation(z[i])
          if phi == 0 { continue }
          for j in 0..<b { next[j] += gain * weights[l][i * b + j] * phi }
        }
        z = next
      }
      let logits = tanhBound > 0 ? z.map { tanhBound * _tanh($0 / tanhBound) } : z
      return (inputs, logits)
    }

    /// One online step: predict `x`, then learn from its label. Returns the logits, the loss,
    /// every layer's input and the error each layer received on the backward sweep (`errors[l]`
    /// has `sizes[l + 1]` entries).
    @discardableResult
    public mutating func step(_ x: [Double], label: Int) -> (logits: [Double], loss: Double, inputs: [[Double]], errors: [[Double]]) {
      let (inputs, logits) = forward(x)
      let top = logits.max()!
      let exps = logits.map { _exp($0 - top) }
      let sum = exps.reduce(0, +)
      let loss = _log(sum) + top - logits[label]
      var delta = (0..<logits.count).map { exps[$0] / sum - ($0 == label ? 1 : 0) }
      let layers = sizes.count - 1
      var errors = [[Double]](repeating: [], count: layers)
      for l in stride(from: layers - 1, through: 0, by: -1) {
        errors[l] = delta
        let a = sizes[l], b = sizes[l + 1]
        var below = [Double](repeating: 0, count: a)
        let gain = teacher.backwardGain / Double(b)
        for i in 0..<a {
          let phi = DeepBackpropTeacher.activation(inputs[l][i])
          let dphi = DeepBackpropTeacher.derivative(inputs[l][i])
          var acc = 0.0
          for j in 0..<b {
            acc += weights[l][i * b + j] * delta[j]
            weights[l][i * b + j] -= teacher.learningRate * phi * delta[j]
          }
          below[i] = gain * dphi * acc
        }
        delta = below
      }
      return (logits, loss, inputs, errors)
    }
  }
}

extension DeepBackpropTeacher {
  /// The teacher network as an online learner (no meta-parameters), starting each episode from
  /// the weights in `c[0]` of the VSML initial state drawn from the same state seed, so that a
  /// clone and its teacher can be compared on the same episodes from the same initial weights.
  public struct Learner: OnlineLearner {
    public let teacher: DeepBackpropTeacher
    public let network: VSMLNetwork
    public var parameterCount: Int { 0 }
    public var inputSize: Int { network.inputSize }
    public var classCount: Int { network.classCount }

    public init(teacher: DeepBackpropTeacher, inputSize: Int, classCount: Int) throws {
      var sizes = teacher.layerSizes
      sizes[0] = inputSize
      sizes[sizes.count - 1] = classCount
      var configuration = teacher.networkConfiguration
      configuration.layerSizes = sizes
      self.teacher = teacher
      network = try VSMLNetwork(configuration)
    }

    public func initialParameters(using generator: inout SeededGenerator) -> [Float] { [] }

    public func run(episode: Episode, parameters: UnsafeBufferPointer<Float>, stateSeed: UInt64, recordLogits: Bool) -> EpisodeResult {
      var net = Network(teacher: teacher, sizes: network.configuration.layerSizes, initialCells: network.initialCells(stateSeed: stateSeed))
      let d = episode.inputSize
      var losses = [Float](), correct = [Bool](), logits = [Float]()
      for t in 0..<episode.length {
        if episode.cancellation.isRequested { break }
        let x = (0..<d).map { Double(episode.inputs[t * d + $0]) }
        let label = Int(episode.labels[t])
        let out = net.step(x, label: label)
        losses.append(Float(out.loss))
        correct.append(out.logits.indices.max(by: { out.logits[$0] < out.logits[$1] }) == label)
        if recordLogits { logits += out.logits.map(Float.init) }
      }
      return EpisodeResult(logits: logits, losses: losses, correct: correct)
    }
  }
}
