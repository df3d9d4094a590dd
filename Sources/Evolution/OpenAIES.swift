import VSMLCore

/// OpenAI evolution strategy: T. Salimans, J. Ho, X. Chen, S. Sidor, I. Sutskever (2017),
/// "Evolution Strategies as a Scalable Alternative to Reinforcement Learning", arXiv:1703.03864.
///
/// The meta-training optimiser of METHOD.md §5. With mean θ (length D), σ, and P antithetic pairs, the
/// population at iteration t has N = 2P members
///
///     member 2k   = θ + σ·ε_k,   member 2k+1 = θ − σ·ε_k,   ε_k ~ N(0, I_D),
///
/// where ε_k is regenerated from `SeededGenerator(seed: setup.seed, stream: [t, k])`, so any
/// worker can rebuild any member from (seed, iteration, index) alone. `tell` estimates the gradient
/// of the expected (shaped) fitness s,
///
///     ĝ = (1/P) · Σ_k ε_k · (s_{2k} − s_{2k+1}) / (2σ),
///
/// and takes one optimiser step (Adam by default) on θ, minimising. Fitness is minimised; NaN and
/// ±inf count as the worst finite fitness (see `FitnessShaping`; a pair whose members both failed
/// therefore contributes nothing, one failed member pulls away from it), and an update
/// whose ĝ is not finite is skipped and reported, so the mean can never become NaN.
///
/// ĝ is accumulated in Double over `gradientChunkCount` fixed chunks of pairs summed in chunk order,
/// so the result is bit-identical for every thread count.
public struct OpenAIES: EvolutionStrategy {
  /// What is fixed for a run.
  public struct Setup: Codable, Hashable, Sendable {
    /// Length D of the parameter vector.
    public var dimension: Int
    /// Number P of antithetic pairs; the population has 2P members (METHOD.md §5: 1,024).
    public var pairs: Int
    /// Seed of all noise; noise of pair k at iteration t comes from stream [t, k].
    public var seed: UInt64

    public init(dimension: Int, pairs: Int, seed: UInt64) {
      self.dimension = dimension
      self.pairs = pairs
      self.seed = seed
    }
  }

  /// What may be tuned (and changed between iterations).
  public struct Hyperparameters: Codable, Hashable, Sendable {
    /// METHOD.md §5 reference values.
    public static let defaultSigma: Float = 0.05
    public static let defaultLearningRate: Float = 0.025

    /// Initial noise scale σ; the value at iteration t is `sigmaSchedule.value(initial: sigma, iteration: t)`.
    public var sigma: Float
    public var sigmaSchedule: Schedule
    /// Initial learning rate of the optimiser, and its schedule.
    public var learningRate: Float
    public var learningRateSchedule: Schedule
    /// Optimiser and its constants (Adam β1 0.9, β2 0.999 by default).
    public var optimizer: OptimizerChoice
    /// How fitness values become gradient weights.
    public var fitnessShaping: FitnessShaping

    public init(
      sigma: Float = defaultSigma, sigmaSchedule: Schedule = .constant,
      learningRate: Float = defaultLearningRate, learningRateSchedule: Schedule = .constant,
      optimizer: OptimizerChoice = .defaultAdam, fitnessShaping: FitnessShaping = .raw
    ) {
      self.sigma = sigma
      self.sigmaSchedule = sigmaSchedule
      self.learningRate = learningRate
      self.learningRateSchedule = learningRateSchedule
      self.optimizer = optimizer
      self.fitnessShaping = fitnessShaping
    }

    /// Decoupled weight decay of the optimiser (0 by default).
    public var weightDecay: Float {
      get { optimizer.weightDecay }
      set { optimizer.weightDecay = newValue }
    }

    /// Checks every field; the error names the first bad one.
    public func validate() throws(EvolutionConfigurationError) {
      guard sigma.isFinite, sigma > 0 else {
        throw .invalid(field: "sigma", value: "\(sigma)", expected: "finite and > 0 (published default 0.05, docs/METHOD.md §5)")
      }
      guard learningRate.isFinite, learningRate >= 0 else {
        throw .invalid(field: "learningRate", value: "\(learningRate)", expected: "finite and >= 0 (published default 0.025, docs/METHOD.md §5)")
      }
      try sigmaSchedule.validate(field: "sigmaSchedule")
      if case let .linearDecay(final, _) = sigmaSchedule, final <= 0 {
        throw .invalid(field: "sigmaSchedule.final", value: "\(final)", expected: "> 0 (σ must stay positive)")
      }
      if case let .exponentialDecay(_, floor) = sigmaSchedule, floor <= 0 {
        throw .invalid(field: "sigmaSchedule.floor", value: "\(floor)", expected: "> 0 (σ must stay positive)")
      }
      try learningRateSchedule.validate(field: "learningRateSchedule")
      do { try optimizer.validate() } catch {
        throw .invalid(field: "optimizer", value: "\(optimizer)", expected: error.description)
      }
    }
  }

  /// What changes each iteration; everything a checkpoint must hold besides setup and hyperparameters.
  public struct State: Codable, Hashable, Sendable, BestSoFarState {
    /// Search center θ, length D.
    public var mean: [Float]
    /// Optimiser with its moments.
    public var optimizer: AnyOptimizer
    /// Iterations completed.
    public var iteration: Int
    /// Lowest finite fitness seen, and the member that achieved it (nil before any).
    public var bestFitness: Float?
    public var bestParameters: [Float]?
    /// Per-coordinate noise scale s (length D), fixed at the start; nil means 1 everywhere. Kept
    /// with the state so that a resume needs nothing else.
    public var noiseScale: [Float]?
    /// Tied coordinates (length D, fixed at the start): coordinate j moves with search coordinate
    /// `noiseGroup[j]` in 0..<G, or never when it is -1. nil: every coordinate is its own (G = D).
    public var noiseGroup: [Int]?
  }

  /// Number of fixed pair chunks over which ĝ is accumulated (see type docs): enough for 16-way
  /// parallelism, small enough that per-chunk Double buffers stay cheap.
  public static let gradientChunkCount = 16

  public let setup: Setup
  public var hyperparameters: Hyperparameters
  public var state: State

  /// A fresh strategy centered on `initialMean` (length `setup.dimension`).
  ///
  /// `noiseScale` (length D, finite, >= 0, not all 0) searches in scaled coordinates θ = θ₀ + s ⊙ φ:
  /// member 2k is θ + σ·s ⊙ ε_k, ĝ is taken with respect to φ, and the optimiser's step on φ is
  /// multiplied by s. Coordinates with s_j = 0 never move. It cannot be combined with weight decay
  /// (which would act on φ, not θ). Throws when a setup or hyperparameter field is out of range.
  ///
  /// `noiseGroup` (length D, needs `noiseScale`) ties coordinates: the search runs on G =
  /// max + 1 coordinates φ, and θ_j = θ₀_j + s_j·φ_{g(j)}, so ε_k and the optimiser have length G.
  /// With s_j = θ₀_j every member of a group is scaled by one factor 1 + φ_g. Here s may be
  /// negative; a coordinate with group -1 never moves, and every group needs a coordinate with s ≠ 0.
  public init(
    setup: Setup, hyperparameters: Hyperparameters = .init(), initialMean: [Float], noiseScale: [Float]? = nil,
    noiseGroup: [Int]? = nil
  ) throws(EvolutionConfigurationError) {
    guard setup.dimension >= 1 else {
      throw .invalid(field: "dimension", value: "\(setup.dimension)", expected: ">= 1")
    }
    guard setup.pairs >= 1 else {
      throw .invalid(field: "pairs", value: "\(setup.pairs)", expected: ">= 1 (population = 2 x pairs)")
    }
    guard initialMean.count == setup.dimension else {
      throw .invalid(field: "initialMean.count", value: "\(initialMean.count)", expected: "equal to dimension \(setup.dimension)")
    }
    guard initialMean.allSatisfy(\.isFinite) else {
      throw .invalid(field: "initialMean", value: "non-finite entry", expected: "all finite")
    }
    try hyperparameters.validate()
    if let noiseGroup {
      guard let noiseScale else {
        throw .invalid(field: "noiseGroup", value: "set without noiseScale", expected: "a noise scale as well (it says how far each tied coordinate moves)")
      }
      try Self.validate(noiseScale: noiseScale, groups: noiseGroup, dimension: setup.dimension, weightDecay: hyperparameters.weightDecay)
    } else if let noiseScale {
      try Self.validate(noiseScale: noiseScale, dimension: setup.dimension, weightDecay: hyperparameters.weightDecay)
    }
    self.setup = setup
    self.hyperparameters = hyperparameters
    let searchDimension = noiseGroup.map { $0.max()! + 1 } ?? setup.dimension
    self.state = State(
      mean: initialMean, optimizer: hyperparameters.optimizer.makeOptimizer(dimension: searchDimension),
      iteration: 0, bestFitness: nil, bestParameters: nil, noiseScale: noiseScale, noiseGroup: noiseGroup)
  }

  /// Checks a tied noise scale (see `init`): groups 0..<G with none empty, scales finite.
  static func validate(noiseScale: [Float], groups: [Int], dimension: Int, weightDecay: Float) throws(EvolutionConfigurationError) {
    guard noiseScale.count == dimension, noiseScale.allSatisfy(\.isFinite) else {
      throw .invalid(field: "noiseScale", value: "\(noiseScale.count) values", expected: "\(dimension) finite values")
    }
    guard groups.count == dimension, let top = groups.max(), top >= 0, groups.allSatisfy({ $0 >= -1 }) else {
      throw .invalid(field: "noiseGroup", value: "\(groups.count) values", expected: "\(dimension) values in -1..<G, at least one >= 0")
    }
    var moves = [Bool](repeating: false, count: top + 1)
    for (g, s) in zip(groups, noiseScale) where g >= 0 && s != 0 { moves[g] = true }
    if let empty = moves.firstIndex(of: false) {
      throw .invalid(field: "noiseGroup", value: "group \(empty) has no coordinate with a non-zero scale", expected: "every group in 0..<\(top + 1) to move something")
    }
    guard weightDecay == 0 else {
      throw .invalid(field: "optimizer.weightDecay", value: "\(weightDecay)", expected: "0 with a noise scale (decay would act on the scaled coordinates)")
    }
  }

  /// Checks a per-coordinate noise scale (see `init`).
  static func validate(noiseScale: [Float], dimension: Int, weightDecay: Float) throws(EvolutionConfigurationError) {
    guard noiseScale.count == dimension, noiseScale.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
      throw .invalid(field: "noiseScale", value: "\(noiseScale.count) values", expected: "\(dimension) finite values >= 0")
    }
    guard noiseScale.contains(where: { $0 > 0 }) else {
      throw .invalid(field: "noiseScale", value: "all 0", expected: "at least one coordinate > 0 (else nothing moves)")
    }
    guard weightDecay == 0 else {
      throw .invalid(field: "optimizer.weightDecay", value: "\(weightDecay)", expected: "0 with a noise scale (decay would act on the scaled coordinates)")
    }
  }

  /// Resumes from a checkpointed state; throws if it does not fit `setup`.
  public init(setup: Setup, hyperparameters: Hyperparameters, state: State) throws(EvolutionConfigurationError) {
    try self.init(setup: setup, hyperparameters: hyperparameters, initialMean: state.mean, noiseScale: state.noiseScale,
                  noiseGroup: state.noiseGroup)
    guard state.optimizer.dimension == searchDimension, state.iteration >= 0 else {
      throw .invalid(field: "state", value: "optimizer dimension \(state.optimizer.dimension), iteration \(state.iteration)",
                     expected: "optimizer dimension \(searchDimension) and iteration >= 0 (is the checkpoint from another run?)")
    }
    self.state = state
  }

  public var dimension: Int { setup.dimension }
  public var populationSize: Int { 2 * setup.pairs }
  public var mean: [Float] { state.mean }
  public var iteration: Int { state.iteration }
  /// Length G of the noise and of the optimiser: the number of groups when coordinates are tied, else D.
  public var searchDimension: Int { state.optimizer.dimension }

  /// σ at the current iteration.
  public var sigma: Float { hyperparameters.sigmaSchedule.value(initial: hyperparameters.sigma, iteration: state.iteration) }
  /// Learning rate at the current iteration.
  public var learningRate: Float {
    hyperparameters.learningRateSchedule.value(initial: hyperparameters.learningRate, iteration: state.iteration)
  }

  /// Writes ε_pair (length `searchDimension`) of iteration `iteration` into `buffer`.
  public func noise(pair: Int, iteration: Int, into buffer: UnsafeMutableBufferPointer<Float>) {
    precondition(pair >= 0 && pair < setup.pairs, "pair must lie in 0..<\(setup.pairs)")
    precondition(buffer.count >= searchDimension, "buffer must hold \(searchDimension) floats")
    var generator = SeededGenerator(seed: setup.seed, stream: [UInt64(iteration), UInt64(pair)])
    for j in 0..<searchDimension { buffer[j] = generator.nextNormal() }
  }

  public func member(_ i: Int, into buffer: UnsafeMutableBufferPointer<Float>) {
    precondition(i >= 0 && i < populationSize, "member index must lie in 0..<\(populationSize)")
    let signedSigma = i % 2 == 0 ? sigma : -sigma
    if let groups = state.noiseGroup, let scale = state.noiseScale {
      var eps = [Float](repeating: 0, count: searchDimension)
      eps.withUnsafeMutableBufferPointer { noise(pair: i / 2, iteration: state.iteration, into: $0) }
      for j in 0..<setup.dimension {
        buffer[j] = groups[j] < 0 ? state.mean[j] : state.mean[j] + signedSigma * scale[j] * eps[groups[j]]
      }
      return
    }
    noise(pair: i / 2, iteration: state.iteration, into: buffer)
    state.mean.withUnsafeBufferPointer { mean in
      if let scale = state.noiseScale {
        for j in 0..<setup.dimension { buffer[j] = mean[j] + signedSigma * scale[j] * buffer[j] }
      } else {
        for j in 0..<setup.dimension { buffer[j] = mean[j] + signedSigma * buffer[j] }
      }
    }
  }

  public mutating func tell(fitness: [Float]) -> ESReport { tell(fitness: fitness, threads: 1) }

  /// `tell` with ĝ accumulated on up to `threads` threads; the result does not depend on `threads`.
  public mutating func tell(fitness: [Float], threads: Int) -> ESReport {
    precondition(fitness.count == populationSize, "fitness must hold one value per member (\(populationSize))")
    let sigma = self.sigma
    let learningRate = self.learningRate
    let stats = ESReport.statistics(fitness)
    let shaped = hyperparameters.fitnessShaping(fitness)
    let pairs = setup.pairs, dimension = searchDimension

    // Weight of ε_k in ĝ: (s_{2k} − s_{2k+1}) / (2σP), computed in Double.
    let weights = (0..<pairs).map { k in
      (Double(shaped[2 * k]) - Double(shaped[2 * k + 1])) / (2 * Double(sigma) * Double(pairs))
    }
    let chunks = min(OpenAIES.gradientChunkCount, pairs)
    var partial = [[Double]](repeating: [], count: chunks)
    let iteration = state.iteration
    partial.withUnsafeMutableBufferPointer { partial in
      parallelFor(count: chunks, threads: max(1, threads)) { c in
        var sum = [Double](repeating: 0, count: dimension)
        var eps = [Float](repeating: 0, count: dimension)
        for k in stride(from: c, to: pairs, by: chunks) where weights[k] != 0 {
          eps.withUnsafeMutableBufferPointer { noise(pair: k, iteration: iteration, into: $0) }
          let w = weights[k]
          for j in 0..<dimension { sum[j] += w * Double(eps[j]) }
        }
        partial[c] = sum
      }
    }
    var gradient = [Float](repeating: 0, count: dimension)
    var squaredNorm = 0.0
    // A frozen coordinate's ĝ is noise (every group moves something, so none is frozen).
    for j in 0..<dimension where state.noiseGroup != nil || state.noiseScale?[j] != 0 {
      var g = 0.0
      for c in 0..<chunks { g += partial[c][j] }
      gradient[j] = Float(g)
      squaredNorm += Double(gradient[j]) * Double(gradient[j])
    }
    let finite = squaredNorm.isFinite && gradient.allSatisfy(\.isFinite)

    recordBest(fitness: fitness)
    let skipped = !(finite && step(gradient: gradient, learningRate: learningRate))
    state.iteration += 1
    return ESReport(
      iteration: iteration, meanFitness: stats.mean, minFitness: stats.min, maxFitness: stats.max,
      nonFiniteCount: stats.nonFinite, gradientNorm: finite ? Float(squaredNorm.squareRoot()) : 0,
      sigma: sigma, learningRate: learningRate, updateSkipped: skipped)
  }

  /// Steps the mean along an externally computed `gradient` (length D) with the strategy's
  /// optimiser and learning rate, and counts the iteration: gradient meta-training shares the
  /// strategy's state, and so its checkpoints and resume. A non-finite gradient or result is not
  /// applied; returns whether the step was applied.
  public mutating func applyGradient(_ gradient: [Float]) -> Bool {
    precondition(gradient.count == dimension, "gradient must hold \(dimension) values")
    // With a noise scale the optimiser works on φ, where ∂L/∂φ_g = Σ_{j in g} s_j ∂L/∂θ_j.
    var scaled = gradient
    if let scale = state.noiseScale {
      if let groups = state.noiseGroup {
        scaled = [Float](repeating: 0, count: searchDimension)
        for j in 0..<dimension where groups[j] >= 0 { scaled[groups[j]] += scale[j] * gradient[j] }
      } else {
        scaled = zip(gradient, scale).map { $0 * $1 }
      }
    }
    let applied = scaled.allSatisfy(\.isFinite) && step(gradient: scaled, learningRate: learningRate)
    state.iteration += 1
    return applied
  }

  /// One optimiser step of the mean along a finite `gradient` (with respect to φ when there is a
  /// noise scale); kept only if the new mean is finite. Returns whether it was kept.
  private mutating func step(gradient: [Float], learningRate: Float) -> Bool {
    state.optimizer.apply(hyperparameters.optimizer)
    var candidate = state.mean
    var optimizer = state.optimizer
    if let scale = state.noiseScale {
      var phi = [Float](repeating: 0, count: searchDimension)  // φ measured from the current mean
      optimizer.step(parameters: &phi, gradient: gradient, learningRate: learningRate)
      if let groups = state.noiseGroup {
        for j in 0..<dimension where groups[j] >= 0 { candidate[j] += scale[j] * phi[groups[j]] }
      } else {
        for j in 0..<dimension { candidate[j] += scale[j] * phi[j] }
      }
    } else {
      optimizer.step(parameters: &candidate, gradient: gradient, learningRate: learningRate)
    }
    guard candidate.allSatisfy(\.isFinite) else { return false }
    state.mean = candidate
    state.optimizer = optimizer
    return true
  }
}
