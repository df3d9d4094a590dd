import CVSMLKernels
import VSMLCore

/// Measures a VSML network's fast path across a population of episodes, and the float64
/// reference path on the same kind of data, in one run (so that their ratio is meaningful).
public struct VSMLBenchmark: Sendable {
  public var configuration: VSMLConfiguration
  public var population: Int
  public var steps: Int
  public var threads: Int
  public var seed: UInt64
  /// Example-steps given to the slow reference path.
  public var referenceSteps: Int

  /// Arithmetic of the fast path's recurrent product.
  public var precision: Precision = .fp32

  public init(configuration: VSMLConfiguration, population: Int, steps: Int, threads: Int, seed: UInt64 = 0, referenceSteps: Int = 3) {
    self.configuration = configuration
    self.population = population
    self.steps = steps
    self.threads = threads
    self.seed = seed
    self.referenceSteps = referenceSteps
  }

  public struct Result: Sendable {
    public var exampleStepsPerSecond: Double
    public var connectionTicksPerSecond: Double
    public var referenceExampleStepsPerSecond: Double
    public var speedupVsReference: Double
    /// Matrix-product FLOP/s of the fast path (2,048 flops per connection-tick).
    public var matrixFlopsPerSecond: Double
    public var wallSeconds: Double
    public var connectionTicksPerExample: Int
  }

  /// Connection-ticks one example costs: every connection, every micro tick, and again in the
  /// reverse sweep when the backward pass is on.
  public var connectionTicksPerExample: Int {
    let s = configuration.layerSizes
    let connections = (0..<configuration.layerCount).reduce(0) { $0 + s[$1] * s[$1 + 1] }
    return connections * configuration.microTicks * (configuration.backwardPass ? 2 : 1)
  }

  /// Flops of the recurrent matrix product per connection-tick (S x 4S multiply-adds).
  public var matrixFlopsPerConnectionTick: Int { 2 * configuration.subRNN.stateSize * 4 * configuration.subRNN.stateSize }

  public func run() throws -> Result {
    var net = try VSMLNetwork(configuration)
    net.precision = precision
    var rng = SeededGenerator(seed: seed)
    let parameters = net.initialParameters(using: &rng)
    let d = configuration.inputSize, classes = configuration.outputSize
    func makeEpisode(_ i: Int, length: Int) -> Episode {
      Self.randomEpisode(seed: seed, index: i, length: length, inputSize: d, classCount: classes)
    }
    let episodes = (0..<population).map { makeEpisode($0, length: steps) }
    // Warm-up: page in code and buffers.
    _ = net.run(episode: makeEpisode(0, length: 2), parameters: parameters, stateSeed: 0)

    let start = monotonicSeconds()
    let results = evaluatePopulation(net, count: population, threads: threads) { i in
      PopulationJob(parameters: parameters, episode: episodes[i], stateSeed: UInt64(i))
    }
    let wall = monotonicSeconds() - start
    blackHole(Double(results.map(\.meanLoss).reduce(0, +)))
    let exampleSteps = Double(population * steps) / wall

    let reference = ReferenceVSML(configuration)
    let refEpisode = makeEpisode(0, length: referenceSteps)
    let refInputs = (0..<referenceSteps).map { Array(refEpisode.inputs[($0 * d)..<($0 * d + d)]) }
    let refStart = monotonicSeconds()
    let refOut = reference.run(
      inputs: refInputs, labels: refEpisode.labels.map(Int.init), parameters: parameters,
      initialCells: net.initialCells(stateSeed: 0))
    let refWall = monotonicSeconds() - refStart
    blackHole(refOut.meanLoss)
    let referenceSteps = Double(referenceSteps) / refWall

    let ticks = exampleSteps * Double(connectionTicksPerExample)
    return Result(
      exampleStepsPerSecond: exampleSteps, connectionTicksPerSecond: ticks,
      referenceExampleStepsPerSecond: referenceSteps, speedupVsReference: exampleSteps / referenceSteps,
      matrixFlopsPerSecond: ticks * Double(matrixFlopsPerConnectionTick), wallSeconds: wall,
      connectionTicksPerExample: connectionTicksPerExample)
  }
}

extension VSMLBenchmark {
  /// Episode `index` of a benchmark: N(0, 1) inputs and uniform labels from
  /// `SeededGenerator(seed: seed, stream: 1, index)`.
  static func randomEpisode(seed: UInt64, index: Int, length: Int, inputSize d: Int, classCount classes: Int) -> Episode {
    var g = SeededGenerator(seed: seed, stream: 1, index)
    return Episode(
      inputs: (0..<(length * d)).map { _ in g.nextNormal() },
      labels: (0..<length).map { _ in Int32(g.nextInt(below: classes)) }, inputSize: d, classCount: classes)
  }
}

/// This thread's peak fused multiply-add rate in FLOP/s on the selected kernel path's vectors,
/// measured for about `seconds` (16 independent FMA chains).
public func measureFMAPeak(seconds: Double = 0.3) -> Double { KernelPath.selected.fmaPeak(seconds: seconds) }
