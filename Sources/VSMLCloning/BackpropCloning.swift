import VSML
import VSMLCore

/// Backprop cloning, stage (a) (Kirsch & Schmidhuber 2021, §3.1 "VSML RNNs can implement
/// backpropagation"): gradient descent on the shared sub-RNN parameters so that one connection's
/// messages and implied weight follow a `BackpropTeacher` on random sequences.
///
/// Each iteration draws `batchSize` sequences of `sequenceLength` steps, averages the cloning loss
/// and its BPTT gradient (`CellGradient`), clips the gradient norm and takes one Adam step.
public struct BackpropCloning: Sendable {
  /// How the parameters start.
  public enum Initialization: String, Codable, Sendable, CaseIterable {
    /// The hand-wired `BackpropScaffold`.
    case scaffold
    /// The reference initialiser (METHOD.md §2), as meta-training starts.
    case random
  }

  public struct Configuration: Codable, Hashable, Sendable {
    public var iterations: Int = 300
    public var batchSize: Int = 16
    public var sequenceLength: Int = 24
    /// Adam learning rate (METHOD.md §5, gradient-based alternative: 1e-3).
    public var learningRate: Double = 1e-3
    /// Gradient-norm clip (METHOD.md §5: 25).
    public var gradientClip: Double = 25
    public var seed: UInt64 = 0
    public var initialization: Initialization = .scaffold
    public var teacher = BackpropTeacher()
    /// Input size A of the layer the clone is for (sets the initial-state scale 1/√A).
    public var inputSize: Int = 784
    public init() {}
  }

  public let configuration: Configuration
  public let layout: SubRNNParameterLayout
  package let cell: CellGradient
  package let sampler: CloningSequenceSampler

  public init(_ configuration: Configuration, subRNN: SubRNNConfiguration = .init(), microTicks: Int = 2) {
    self.configuration = configuration
    layout = SubRNNParameterLayout(subRNN)
    cell = CellGradient(layout: layout, microTicks: microTicks, weightLane: BackpropScaffold.weightLane)
    sampler = CloningSequenceSampler(teacher: configuration.teacher, stateSize: subRNN.stateSize,
                                     randomLanes: subRNN.randomStateLanes, inputSize: configuration.inputSize,
                                     weightLane: BackpropScaffold.weightLane)
  }

  /// The starting parameters (one block).
  public func initialParameters() throws -> [Float] {
    switch configuration.initialization {
    case .scaffold:
      return BackpropScaffold.parameters(layout: layout, teacher: configuration.teacher)
    case .random:
      let net = try VSMLNetwork(VSMLConfiguration(layerSizes: [1, 1]))
      var g = SeededGenerator(seed: configuration.seed, stream: .cloningInitialiser)
      return net.initialParameters(using: &g)
    }
  }

  /// Mean loss and gradient over a batch of sequences.
  package func lossAndGradient(parameters: [Double], batch: [CellGradient.Sequence]) -> (loss: Double, gradient: [Double]) {
    var gradient = [Double](repeating: 0, count: layout.count)
    var loss = 0.0
    for s in batch { loss += cell.accumulate(parameters: parameters, sequence: s, scales: sampler.scales, into: &gradient) }
    let n = Double(batch.count)
    return (loss / n, gradient.map { $0 / n })
  }

  /// A batch for iteration `iteration` (deterministic in the seed).
  package func batch(iteration: Int, count: Int, length: Int) -> [CellGradient.Sequence] {
    var g = SeededGenerator(seed: configuration.seed, stream: .cloningBatches, iteration)
    return (0..<count).map { _ in sampler.sequence(length: length, using: &g) }
  }

  public typealias Progress = CloningProgress

  /// Runs `configuration.iterations` Adam steps from `parameters`; returns the final parameters.
  public func train(from parameters: [Float], report: (Progress) -> Void = { _ in }) -> [Float] {
    CloningOptimizer.train(
      from: parameters, iterations: configuration.iterations, learningRate: configuration.learningRate,
      gradientClip: configuration.gradientClip,
      lossAndGradient: { it, theta in
        lossAndGradient(parameters: theta.map(Double.init),
                        batch: batch(iteration: it, count: configuration.batchSize, length: configuration.sequenceLength))
      },
      report: report)
  }
}
