import VSMLCore

/// Throughput of one learner on random data: what `vsml bench --model <baseline>` reports.
public struct LearnerBenchmarkResult: Codable, Hashable, Sendable {
  /// Aggregate example-steps per second over the whole population (all threads together).
  public var exampleStepsPerSecond: Double
  /// Wall-clock seconds of the timed run (after one untimed warm-up episode).
  public var seconds: Double
  public var population: Int
  public var steps: Int
  public var threads: Int
  /// Mean online loss over the population (a sanity value: ~ln(classCount) on random data).
  public var meanLoss: Float
}

/// Runs `population` independent episodes of `steps` random examples (standard normal features,
/// uniform labels over the learner's classes), each with its own meta-parameters drawn by
/// `initialParameters`, spread over `threads` threads with `parallelFor`, and times them.
///
/// Episodes and parameters are generated before timing; one short warm-up episode runs untimed.
/// Member `i` uses `SeededGenerator(seed: seed, stream: [i])` and state seed `seed &+ i`.
public func benchmarkLearner(
  _ learner: some OnlineLearner, population: Int, steps: Int, threads: Int, seed: UInt64
) -> LearnerBenchmarkResult {
  precondition(population >= 1 && steps >= 1 && threads >= 1, "population, steps and threads must be positive")
  var episodes: [Episode] = []
  var parameters: [[Float]] = []
  for member in 0..<population {
    var generator = SeededGenerator(seed: seed, stream: [UInt64(member)])
    var inputs = [Float](repeating: 0, count: steps * learner.inputSize)
    inputs.withUnsafeMutableBufferPointer { fillNormal($0, using: &generator) }
    let labels = (0..<steps).map { _ in Int32(generator.nextInt(below: learner.classCount)) }
    episodes.append(
      Episode(inputs: inputs, labels: labels, inputSize: learner.inputSize, classCount: learner.classCount))
    parameters.append(learner.initialParameters(using: &generator))
  }
  // Warm-up: touch code and the first member's parameters once.
  let warmLength = min(steps, 8)
  let warm = Episode(
    inputs: Array(episodes[0].inputs[0..<(warmLength * learner.inputSize)]),
    labels: Array(episodes[0].labels[0..<warmLength]), inputSize: learner.inputSize,
    classCount: learner.classCount)
  _ = learner.run(episode: warm, parameters: parameters[0], stateSeed: seed)

  let losses = UnsafeMutableBufferPointer<Float>.allocate(capacity: population)
  defer { losses.deallocate() }
  losses.initialize(repeating: 0)
  let clock = ContinuousClock()
  let start = clock.now
  parallelFor(count: population, threads: threads) { member in
    let result = learner.run(episode: episodes[member], parameters: parameters[member], stateSeed: seed &+ UInt64(member))
    losses[member] = result.meanLoss
  }
  let elapsed = clock.now - start
  let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
  var lossSum: Float = 0
  for l in losses { lossSum += l }
  return LearnerBenchmarkResult(
    exampleStepsPerSecond: Double(population * steps) / seconds, seconds: seconds,
    population: population, steps: steps, threads: threads, meanLoss: lossSum / Float(population))
}
