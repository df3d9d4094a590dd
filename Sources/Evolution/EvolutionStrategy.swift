/// The ask/tell shape shared by every strategy (after evosax): a value type holding a fixed setup,
/// tunable hyperparameters and the state that changes, all `Codable`.
///
/// One iteration: `ask()` (or `member(_:into:)` per worker) gives `populationSize` candidate
/// parameter vectors of length `dimension`; the caller evaluates each and calls `tell(fitness:)`
/// once with the N fitness values in member order. Fitness is **minimised**; NaN and ±inf count as
/// worst. Candidates are a pure function of the state, so any worker holding a copy of the strategy
/// can regenerate any member; only fitness values have to travel back.
public protocol EvolutionStrategy: Sendable {
  associatedtype State: Codable & Sendable

  /// Length D of every parameter vector.
  var dimension: Int { get }
  /// Number N of members per iteration.
  var populationSize: Int { get }
  /// The state that changes (mean, optimiser state, iteration, best so far).
  var state: State { get set }
  /// The current estimate of the best parameters (the search distribution's center), length D.
  var mean: [Float] { get }
  /// Iterations completed (number of `tell` calls).
  var iteration: Int { get }
  /// The lowest finite fitness seen so far and the member that achieved it; nil before the first
  /// finite fitness.
  var best: (fitness: Float, parameters: [Float])? { get }

  /// Writes member `i` (0 ≤ i < N) of the current iteration into `buffer` (length D).
  func member(_ i: Int, into buffer: UnsafeMutableBufferPointer<Float>)
  /// Materialises all N members of the current iteration (N × D floats).
  func ask() -> [[Float]]
  /// Consumes the N fitness values of the current iteration and advances the state.
  mutating func tell(fitness: [Float]) -> ESReport
  /// `tell(fitness:)` with its work spread over up to `threads` threads; the result must not
  /// depend on `threads`. The default runs `tell(fitness:)` on the calling thread.
  mutating func tell(fitness: [Float], threads: Int) -> ESReport
}

/// The best-so-far record that a strategy's state keeps: the lowest finite fitness and the member
/// that reached it. Strategies whose state conforms get `best` and `recordBest(fitness:)`.
public protocol BestSoFarState {
  /// Lowest finite fitness seen, nil before any.
  var bestFitness: Float? { get set }
  /// The member that reached `bestFitness` (length D), nil before any.
  var bestParameters: [Float]? { get set }
}

extension EvolutionStrategy where State: BestSoFarState {
  public var best: (fitness: Float, parameters: [Float])? {
    guard let f = state.bestFitness, let p = state.bestParameters else { return nil }
    return (f, p)
  }

  /// Records the best finite member of this iteration's `fitness` if it beats the best so far.
  /// Call in `tell`, before the state advances (members are regenerated from the state).
  public mutating func recordBest(fitness: [Float]) {
    guard let index = FitnessShaping.bestFiniteIndex(fitness) else { return }
    if let current = state.bestFitness, current <= fitness[index] { return }
    let parameters = member(index)
    state.bestFitness = fitness[index]
    state.bestParameters = parameters
  }
}

extension EvolutionStrategy {
  public mutating func tell(fitness: [Float], threads: Int) -> ESReport { tell(fitness: fitness) }

  public func ask() -> [[Float]] {
    (0..<populationSize).map { i in
      [Float](unsafeUninitializedCapacity: dimension) { buffer, count in
        member(i, into: buffer)
        count = dimension
      }
    }
  }

  /// Member `i` as a new array.
  public func member(_ i: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: dimension) { buffer, count in
      member(i, into: buffer)
      count = dimension
    }
  }
}
