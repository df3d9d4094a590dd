import VSML
import VSMLCore
import VSMLData

/// Backprop cloning, stages (b) and (c) (Kirsch & Schmidhuber 2021, §3.1): gradient descent on the
/// two sub-RNN blocks of a network with a hidden layer (`DeepBackpropTeacher.networkConfiguration`:
/// forward block, backward block) so that every connection follows the `DeepBackpropTeacher`.
///
/// - Stage (b), teacher's signals: the sequences are the signals real connections of both layers
///   receive when the float64 teacher network learns real episodes: inputs, and the teacher's own
///   backprop errors for the hidden layer.
/// - Stage (c), own signals: a share of each batch comes from running the VSML network itself with
///   the current parameters: each connection sees the messages its own network sends it (the
///   previous layer's forward messages, the next layer's backward messages, all M slots), and the
///   targets are the teacher's response to those signals. Mixing in teacher-signal sequences keeps
///   the clone anchored.
///
/// Each iteration draws one episode, takes `batchSize` connections (half from each layer), averages
/// the loss and BPTT gradient (`PhasedCellGradient`), clips the norm and takes one Adam step.
public struct DeepBackpropCloning: Sendable {
  public struct Configuration: Codable, Hashable, Sendable {
    public var iterations: Int = 2_000
    public var batchSize: Int = 16
    public var sequenceLength: Int = 24
    /// Adam learning rate (METHOD.md §5, gradient-based alternative: 1e-3).
    public var learningRate: Double = 1e-3
    /// Gradient-norm clip (METHOD.md §5: 25).
    public var gradientClip: Double = 25
    public var seed: UInt64 = 0
    /// Share of each batch taken from the VSML network's own signals: 0 is stage (b).
    public var ownSignalShare: Double = 0
    /// Starting point: the hand-wired `DeepBackpropScaffold` or the METHOD.md §2 initialiser.
    public var initialization: BackpropCloning.Initialization = .scaffold
    public var teacher = DeepBackpropTeacher()
    public init() {}
  }

  public let configuration: Configuration
  public let networkConfiguration: VSMLConfiguration
  public let network: VSMLNetwork
  package let cell: PhasedCellGradient
  /// Episodes the signals come from (training split of the cloning dataset).
  public let sampler: EpisodeSampler
  public let microTicks: Int

  public init(_ configuration: Configuration, sampler: EpisodeSampler) throws {
    self.configuration = configuration
    var net = configuration.teacher.networkConfiguration
    net.layerSizes[0] = sampler.inputSize
    net.layerSizes[net.layerSizes.count - 1] = max(sampler.classCount, net.layerSizes.last!)
    networkConfiguration = net
    network = try VSMLNetwork(net)
    precondition(network.layout.blockCount == 2, "the deep clone has a forward and a backward block")
    cell = PhasedCellGradient(layout: network.layout.block, blocks: 2)
    self.sampler = sampler
    microTicks = net.microTicks
  }

  /// The starting parameters: the scaffold, or the METHOD.md §2 initialiser for both blocks.
  public func initialParameters() -> [Float] {
    switch configuration.initialization {
    case .scaffold:
      return DeepBackpropScaffold.parameters(layout: network.layout.block, teacher: configuration.teacher)
    case .random:
      var g = SeededGenerator(seed: configuration.seed, stream: .deepCloningInitialiser)
      return network.initialParameters(using: &g)
    }
  }

  var sizes: [Int] { networkConfiguration.layerSizes }
  var messageSize: Int { networkConfiguration.subRNN.messageSize }

  /// Connections sampled for a batch: (layer, a, b), half from each layer (layer 1 first).
  func connections(count: Int, using g: inout SeededGenerator) -> [(layer: Int, a: Int, b: Int)] {
    let layers = sizes.count - 1
    return (0..<count).map { k in
      let l = layers - 1 - (k % layers)
      return (l, Int(g.next() % UInt64(sizes[l])), Int(g.next() % UInt64(sizes[l + 1])))
    }
  }

  func initialCell(_ cells: [[Float]], _ c: (layer: Int, a: Int, b: Int)) -> [Double] {
    let s = networkConfiguration.subRNN.stateSize
    let start = (c.a * sizes[c.layer + 1] + c.b) * s
    return cells[c.layer][start..<(start + s)].map(Double.init)
  }

  func sequence(_ signals: [DeepBackpropTeacher.ConnectionSignals], _ cells: [[Float]], _ c: (layer: Int, a: Int, b: Int)) -> PhasedCellGradient.Sequence {
    configuration.teacher.sequence(signals: signals, initialCell: initialCell(cells, c),
                                   weightScale: 1 / Double(sizes[c.layer]).squareRoot(), microTicks: microTicks)
  }

  /// Stage (b): `count` connection sequences from the float64 teacher network learning episode
  /// `episodeIndex` from the initial state `stateSeed`.
  package func teacherSequences(episodeIndex: Int, stateSeed: UInt64, count: Int) -> [PhasedCellGradient.Sequence] {
    let m = messageSize, layers = sizes.count - 1
    let episode = sampler.episode(episodeIndex)
    let cells = network.initialCells(stateSeed: stateSeed)
    var teacherNet = DeepBackpropTeacher.Network(teacher: configuration.teacher, sizes: sizes, initialCells: cells)
    var g = SeededGenerator(seed: stateSeed, stream: .cloningConnections)
    let chosen = connections(count: count, using: &g)
    var signals = [[DeepBackpropTeacher.ConnectionSignals]](repeating: [], count: count)
    var stale = [Double](repeating: 0, count: count)
    let d = episode.inputSize
    for t in 0..<episode.length {
      if episode.cancellation.isRequested { break }
      let x = (0..<d).map { Double(episode.inputs[t * d + $0]) }
      let out = teacherNet.step(x, label: Int(episode.labels[t]))
      for (k, c) in chosen.enumerated() {
        var forward = [Double](repeating: 0, count: m)
        forward[0] = out.inputs[c.layer][c.a]
        if c.layer > 0 { forward[1] = forward[0] }  // the layer below sends its value in slots 0 and 1
        var staleMessage = [Double](repeating: 0, count: m)
        if c.layer < layers - 1 { staleMessage[0] = stale[k] }  // hidden layers see the last backward sweep's error
        var error = [Double](repeating: 0, count: m)
        error[0] = out.errors[c.layer][c.b]
        stale[k] = error[0]
        signals[k].append(.init(forwardSweep: (forward, staleMessage), backwardSweep: (forward, error)))
      }
    }
    return zip(signals, chosen).map { sequence($0, cells, $1) }
  }

  /// Stage (c): `count` connection sequences from the VSML network itself, with `parameters`,
  /// learning episode `episodeIndex` from the initial state `stateSeed`: the messages each
  /// connection receives from its own network.
  package func ownSequences(parameters: [Float], episodeIndex: Int, stateSeed: UInt64, count: Int) -> [PhasedCellGradient.Sequence] {
    let m = messageSize
    let episode = sampler.episode(episodeIndex)
    let cells = network.initialCells(stateSeed: stateSeed)
    var g = SeededGenerator(seed: stateSeed, stream: .cloningConnections)
    let chosen = connections(count: count, using: &g)
    final class Recorder: @unchecked Sendable {
      var signals: [[DeepBackpropTeacher.ConnectionSignals]]
      var pending: [([Double], [Double])?]
      init(_ n: Int) {
        signals = [[DeepBackpropTeacher.ConnectionSignals]](repeating: [], count: n)
        pending = [([Double], [Double])?](repeating: nil, count: n)
      }
    }
    let recorder = Recorder(count)
    _ = parameters.withUnsafeBufferPointer { p in
      network.run(episode: episode, parameters: p, initialCells: cells) { layer, reverse, forwardIn, backwardIn in
        for (k, c) in chosen.enumerated() where c.layer == layer {
          let f = (0..<m).map { Double(forwardIn[c.a * m + $0]) }
          let b = (0..<m).map { Double(backwardIn[c.b * m + $0]) }
          if !reverse {
            recorder.pending[k] = (f, b)
          } else if let fs = recorder.pending[k] {
            recorder.signals[k].append(.init(forwardSweep: fs, backwardSweep: (f, b)))
            recorder.pending[k] = nil
          }
        }
      }
    }
    return zip(recorder.signals, chosen).map { sequence($0, cells, $1) }
  }

  /// The batch of iteration `iteration`: teacher-signal and own-signal sequences (deterministic
  /// in the seed and the parameters).
  package func batch(iteration: Int, parameters: [Float]) -> [PhasedCellGradient.Sequence] {
    let n = configuration.batchSize
    let own = Int((Double(n) * configuration.ownSignalShare).rounded())
    let stateSeed = SeededGenerator.derive(seed: configuration.seed, stream: .deepCloningStates, iteration)
    var batch = teacherSequences(episodeIndex: iteration, stateSeed: stateSeed, count: n - own)
    if own > 0 {
      batch += ownSequences(parameters: parameters, episodeIndex: iteration, stateSeed: stateSeed, count: own)
    }
    return batch
  }

  /// Mean loss and gradient over a batch.
  package func lossAndGradient(parameters: [Double], batch: [PhasedCellGradient.Sequence], threads: Int = 1) -> (loss: Double, gradient: [Double]) {
    let parts = ResultSlots<(Double, [Double])>(count: batch.count)
    parallelFor(count: batch.count, threads: threads) { k in
      parts[k] = cell.lossAndGradient(parameters: parameters, sequence: batch[k])
    }
    var gradient = [Double](repeating: 0, count: cell.parameterCount)
    var loss = 0.0
    for k in 0..<batch.count {
      let (l, g) = parts[k]
      loss += l
      for j in gradient.indices { gradient[j] += g[j] }
    }
    let n = Double(batch.count)
    return (loss / n, gradient.map { $0 / n })
  }

  public typealias Progress = CloningProgress

  /// Runs `configuration.iterations` Adam steps from `parameters`; returns the final parameters.
  public func train(from parameters: [Float], threads: Int = 1, report: (Progress) -> Void = { _ in }) -> [Float] {
    CloningOptimizer.train(
      from: parameters, iterations: configuration.iterations, learningRate: configuration.learningRate,
      gradientClip: configuration.gradientClip,
      lossAndGradient: { it, theta in
        lossAndGradient(parameters: theta.map(Double.init), batch: batch(iteration: it, parameters: theta), threads: threads)
      },
      report: report)
  }

  /// Held-out agreement with the teacher on `sequences`: mean loss, and relative RMS errors of
  /// the forward message (slot 0), the backward message (slot 0) and the accumulated weight change.
  public struct Report: Sendable {
    public var loss: Double
    public var forwardRelativeError: Double
    public var backwardRelativeError: Double
    public var updateRelativeError: Double
  }

  package func report(parameters: [Double], sequences: [PhasedCellGradient.Sequence]) -> Report {
    var loss = 0.0
    var fErr = 0.0, fRef = 0.0, bErr = 0.0, bRef = 0.0, uErr = 0.0, uRef = 0.0
    for s in sequences {
      let r = cell.readouts(parameters: parameters, sequence: s)
      loss += PhasedCellGradient.loss(r, s)
      let v0 = s.initialCell[cell.weightLane]
      for (k, phase) in s.phases.enumerated() {
        if phase.block == 0 {
          fErr += pow2(r.forward[k][0] - phase.forwardTarget[0]); fRef += pow2(phase.forwardTarget[0])
        } else {
          bErr += pow2(r.backward[k][0] - phase.backwardTarget[0]); bRef += pow2(phase.backwardTarget[0])
          uErr += pow2((r.weight[k] - v0) - (phase.weightTarget - v0)); uRef += pow2(phase.weightTarget - v0)
        }
      }
    }
    func rel(_ e: Double, _ r: Double) -> Double { r > 0 ? (e / r).squareRoot() : .nan }
    return Report(loss: loss / Double(max(sequences.count, 1)), forwardRelativeError: rel(fErr, fRef),
                  backwardRelativeError: rel(bErr, bRef), updateRelativeError: rel(uErr, uRef))
  }
}

@inline(__always) private func pow2(_ x: Double) -> Double { x * x }
