import VSMLCore

/// Separable natural evolution strategy: T. Schaul, T. Glasmachers, J. Schmidhuber (2011),
/// "High Dimensions and Heavy Tails for Natural Evolution Strategies", GECCO.
///
/// A diagonal Gaussian N(μ, diag(σ²)) over D parameters. Member i of iteration t is
/// `x_i = μ + σ ⊙ z_i` with `z_i ~ N(0, I)` regenerated from
/// `SeededGenerator(seed: setup.seed, stream: [t, i])`. `tell` ranks the members (lowest fitness
/// first; NaN and ±inf last, ties by index), assigns the paper's utilities
/// `u_k = max(0, ln(λ/2 + 1) − ln k) / Σ_j max(0, ln(λ/2 + 1) − ln j) − 1/λ` (k = 1 is the best),
/// and updates
///
///     μ ← μ + η_μ · σ ⊙ Σ u_i z_i,      σ ← σ ⊙ exp(η_σ/2 · Σ u_i (z_i² − 1)).
///
/// `vsml train` uses it with `es.strategy: "snes"`; the published meta-training uses `OpenAIES`
/// (METHOD.md §5).
public struct SNES: EvolutionStrategy {
  public struct Setup: Codable, Hashable, Sendable {
    public var dimension: Int
    /// λ; `SNES.defaultPopulationSize(dimension:)` is the paper's 4 + ⌊3 ln D⌋.
    public var populationSize: Int
    public var seed: UInt64

    public init(dimension: Int, populationSize: Int? = nil, seed: UInt64) {
      self.dimension = dimension
      self.populationSize = populationSize ?? SNES.defaultPopulationSize(dimension: dimension)
      self.seed = seed
    }
  }

  public struct Hyperparameters: Codable, Hashable, Sendable {
    /// σ of every coordinate at the start.
    public var initialSigma: Float
    /// η_μ (paper: 1).
    public var meanLearningRate: Float
    /// η_σ; nil means the paper's (3 + ln D) / (5 √D).
    public var sigmaLearningRate: Float?

    public static let defaultInitialSigma: Float = 0.1
    public static let defaultMeanLearningRate: Float = 1

    private enum CodingKeys: String, CodingKey { case initialSigma, meanLearningRate, sigmaLearningRate }

    /// Reads any subset of the fields; the others keep their defaults.
    public init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      initialSigma = try c.decodeIfPresent(Float.self, forKey: .initialSigma) ?? Self.defaultInitialSigma
      meanLearningRate = try c.decodeIfPresent(Float.self, forKey: .meanLearningRate) ?? Self.defaultMeanLearningRate
      sigmaLearningRate = try c.decodeIfPresent(Float.self, forKey: .sigmaLearningRate)
    }

    /// Checks every field; the error names the first bad one.
    public func validate() throws(EvolutionConfigurationError) {
      guard initialSigma.isFinite, initialSigma > 0 else {
        throw .invalid(field: "initialSigma", value: "\(initialSigma)", expected: "finite and > 0")
      }
      guard meanLearningRate.isFinite, meanLearningRate >= 0 else {
        throw .invalid(field: "meanLearningRate", value: "\(meanLearningRate)", expected: "finite and >= 0")
      }
      if let eta = sigmaLearningRate, !(eta.isFinite && eta >= 0) {
        throw .invalid(field: "sigmaLearningRate", value: "\(eta)", expected: "finite and >= 0, or absent for the default")
      }
    }

    public init(initialSigma: Float = defaultInitialSigma, meanLearningRate: Float = defaultMeanLearningRate,
                sigmaLearningRate: Float? = nil) {
      self.initialSigma = initialSigma
      self.meanLearningRate = meanLearningRate
      self.sigmaLearningRate = sigmaLearningRate
    }
  }

  public struct State: Codable, Hashable, Sendable, BestSoFarState {
    /// μ, length D.
    public var mean: [Float]
    /// σ, length D, every entry > 0.
    public var sigma: [Float]
    public var iteration: Int
    public var bestFitness: Float?
    public var bestParameters: [Float]?
  }

  public let setup: Setup
  public var hyperparameters: Hyperparameters
  public var state: State

  /// The paper's default population size, 4 + ⌊3 ln D⌋.
  public static func defaultPopulationSize(dimension: Int) -> Int {
    4 + Int((3 * _log(Double(max(1, dimension)))).rounded(.down))
  }

  public init(setup: Setup, hyperparameters: Hyperparameters = .init(), initialMean: [Float]) throws(EvolutionConfigurationError) {
    guard setup.dimension >= 1 else { throw .invalid(field: "dimension", value: "\(setup.dimension)", expected: ">= 1") }
    guard setup.populationSize >= 2 else {
      throw .invalid(field: "populationSize", value: "\(setup.populationSize)", expected: ">= 2")
    }
    guard initialMean.count == setup.dimension, initialMean.allSatisfy(\.isFinite) else {
      throw .invalid(field: "initialMean", value: "\(initialMean.count) values", expected: "\(setup.dimension) finite values")
    }
    try hyperparameters.validate()
    self.setup = setup
    self.hyperparameters = hyperparameters
    state = State(mean: initialMean, sigma: [Float](repeating: hyperparameters.initialSigma, count: setup.dimension),
                  iteration: 0, bestFitness: nil, bestParameters: nil)
  }

  /// Resumes from a checkpointed state; throws if it does not fit `setup`.
  public init(setup: Setup, hyperparameters: Hyperparameters, state: State) throws(EvolutionConfigurationError) {
    try self.init(setup: setup, hyperparameters: hyperparameters, initialMean: state.mean)
    guard state.sigma.count == setup.dimension, state.sigma.allSatisfy({ $0.isFinite && $0 > 0 }), state.iteration >= 0 else {
      throw .invalid(field: "state", value: "\(state.sigma.count) sigmas, iteration \(state.iteration)",
                     expected: "\(setup.dimension) finite positive sigmas and iteration >= 0 (is the checkpoint from another run?)")
    }
    self.state = state
  }

  public var dimension: Int { setup.dimension }
  public var populationSize: Int { setup.populationSize }
  public var mean: [Float] { state.mean }
  public var iteration: Int { state.iteration }

  /// η_σ in effect.
  public var sigmaLearningRate: Float {
    hyperparameters.sigmaLearningRate
      ?? Float((3 + _log(Double(dimension))) / (5 * Double(dimension).squareRoot()))
  }

  /// The rank-based utilities u_1 … u_λ (best first); they sum to 0.
  public static func utilities(populationSize lambda: Int) -> [Float] {
    let raw = (1...lambda).map { k in max(0, _log(Double(lambda) / 2 + 1) - _log(Double(k))) }
    let total = raw.reduce(0, +)
    return raw.map { Float($0 / total - 1 / Double(lambda)) }
  }

  /// z_i (length D) of the current iteration.
  private func standardNoise(_ i: Int, into buffer: UnsafeMutableBufferPointer<Float>) {
    var generator = SeededGenerator(seed: setup.seed, stream: [UInt64(state.iteration), UInt64(i)])
    for j in 0..<dimension { buffer[j] = generator.nextNormal() }
  }

  public func member(_ i: Int, into buffer: UnsafeMutableBufferPointer<Float>) {
    precondition(i >= 0 && i < populationSize, "member index must lie in 0..<\(populationSize)")
    precondition(buffer.count >= dimension, "buffer must hold \(dimension) floats")
    standardNoise(i, into: buffer)
    for j in 0..<dimension { buffer[j] = state.mean[j] + state.sigma[j] * buffer[j] }
  }

  public mutating func tell(fitness: [Float]) -> ESReport {
    precondition(fitness.count == populationSize, "fitness must hold one value per member (\(populationSize))")
    let stats = ESReport.statistics(fitness)
    var rankOf = [Int](repeating: 0, count: populationSize)
    for (rank, index) in FitnessShaping.bestFirstOrder(fitness).enumerated() { rankOf[index] = rank }
    let lambda = populationSize
    let table = SNES.utilities(populationSize: lambda)
    var meanGradient = [Double](repeating: 0, count: dimension)
    var sigmaGradient = [Double](repeating: 0, count: dimension)
    var z = [Float](repeating: 0, count: dimension)
    for i in 0..<lambda {
      let u = Double(table[rankOf[i]])
      z.withUnsafeMutableBufferPointer { standardNoise(i, into: $0) }
      for j in 0..<dimension {
        let zj = Double(z[j])
        meanGradient[j] += u * zj
        sigmaGradient[j] += u * (zj * zj - 1)
      }
    }
    recordBest(fitness: fitness)
    let etaMean = Double(hyperparameters.meanLearningRate), etaSigma = Double(sigmaLearningRate)
    var newMean = state.mean, newSigma = state.sigma
    for j in 0..<dimension {
      newMean[j] = Float(Double(state.mean[j]) + etaMean * Double(state.sigma[j]) * meanGradient[j])
      newSigma[j] = Float(Double(state.sigma[j]) * _exp(etaSigma / 2 * sigmaGradient[j]))
    }
    let applied = newMean.allSatisfy(\.isFinite) && newSigma.allSatisfy { $0.isFinite && $0 > 0 }
    if applied {
      state.mean = newMean
      state.sigma = newSigma
    }
    let reportSigma = Float(meanOf(state.sigma))
    let gradientNorm = meanGradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let iteration = state.iteration
    state.iteration += 1
    return ESReport(
      iteration: iteration, meanFitness: stats.mean, minFitness: stats.min, maxFitness: stats.max,
      nonFiniteCount: stats.nonFinite, gradientNorm: Float(gradientNorm), sigma: reportSigma,
      learningRate: hyperparameters.meanLearningRate, updateSkipped: !applied)
  }
}

/// Mean of a Float vector in Double (σ summary for reports).
private func meanOf(_ values: [Float]) -> Double {
  values.isEmpty ? 0 : values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
}
