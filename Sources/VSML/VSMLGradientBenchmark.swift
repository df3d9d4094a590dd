import VSMLCore

/// Measures one gradient meta-step: the gradient of the mean loss of `population` episodes of
/// `steps` examples (`VSMLMetaGradient`), across `threads` threads, beside a plain forward pass
/// of the same episodes, in one run.
public struct VSMLGradientBenchmark: Sendable {
  public var configuration: VSMLConfiguration
  public var population: Int
  public var steps: Int
  public var threads: Int
  public var seed: UInt64
  /// Steps between checkpoints; nil: the memory-minimising default.
  public var segmentLength: Int?

  public init(configuration: VSMLConfiguration, population: Int, steps: Int, threads: Int, seed: UInt64 = 0, segmentLength: Int? = nil) {
    self.configuration = configuration
    self.population = population
    self.steps = steps
    self.threads = threads
    self.seed = seed
    self.segmentLength = segmentLength
  }

  public struct Result: Sendable {
    /// Wall time of the meta-step (all episodes' gradients, summed).
    public var gradientSeconds: Double
    /// Wall time of a forward pass over the same episodes.
    public var forwardSeconds: Double
    public var segmentLength: Int
    /// Bytes of one episode's segment records and checkpoints, and of all episodes run at once.
    public var tapeBytesPerEpisode: Int
    public var checkpointBytesPerEpisode: Int
    public var concurrentGradientBytes: Int
    public var gradientNorm: Double
    public var meanLoss: Double
  }

  public func run() throws -> Result {
    let network = try VSMLNetwork(configuration)
    var rng = SeededGenerator(seed: seed)
    let parameters = network.initialParameters(using: &rng)
    let d = configuration.inputSize, classes = configuration.outputSize
    let (seed, steps) = (seed, steps)
    let job: @Sendable (Int) -> PopulationJob = { i in
      PopulationJob(
        parameters: parameters, episode: VSMLBenchmark.randomEpisode(seed: seed, index: i, length: steps, inputSize: d, classCount: classes),
        stateSeed: UInt64(i))
    }
    let meta = VSMLMetaGradient(network: network, segmentLength: segmentLength)
    // Warm-up: page in code and buffers.
    _ = meta.meanLossAndGradient(count: 1, threads: 1) { _ in
      var small = job(0)
      small.episode = Episode(inputs: Array(small.episode.inputs[0..<(2 * d)]), labels: Array(small.episode.labels[0..<2]),
                              inputSize: d, classCount: classes)
      return small
    }
    let forwardStart = monotonicSeconds()
    let forward = evaluatePopulation(network, count: population, threads: threads, job: job)
    let forwardSeconds = monotonicSeconds() - forwardStart
    blackHole(Double(forward.map(\.meanLoss).reduce(0, +)))
    let start = monotonicSeconds()
    guard let step = meta.meanLossAndGradient(count: population, threads: threads, job: job) else { throw CancellationError() }
    let seconds = monotonicSeconds() - start
    let first = step.results[0]
    return Result(
      gradientSeconds: seconds, forwardSeconds: forwardSeconds, segmentLength: meta.segmentLength(steps: steps),
      tapeBytesPerEpisode: first.tapeBytes, checkpointBytesPerEpisode: first.checkpointBytes,
      concurrentGradientBytes: min(threads, population) * (first.tapeBytes + first.checkpointBytes),
      gradientNorm: step.gradient.map { $0 * $0 }.reduce(0, +).squareRoot(), meanLoss: step.meanLoss)
  }
}
