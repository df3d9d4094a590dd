/// Flags a meta-training run whose mean fitness (the loss it minimises, or its error rate) has
/// risen above where it started and stayed there: the mean over its last `window` iterations is
/// above the mean over its first `window`. A failed optimisation, not a learner, and a report must
/// say so rather than present the run's results as the model's.
public struct DivergenceCheck: Sendable, Equatable {
  /// Iterations averaged at each end: ES fitness moves a lot from one iteration to the next (each
  /// pair draws its own task), and 50 iterations average that out; a run shorter than two windows
  /// is not judged.
  public static let window = 50

  /// The run's mean fitness, one value per iteration, in order.
  public private(set) var history: [Double]

  public init(history: [Double] = []) { self.history = history }

  /// Adds the next iteration's mean fitness and returns whether the run is diverging now.
  public mutating func add(_ fitness: Double) -> Bool {
    history.append(fitness)
    return isDiverging
  }

  /// Whether the last `window` iterations' mean fitness is above the first `window`'s (non-finite
  /// values count as above anything: a run that produces them has not converged).
  public var isDiverging: Bool {
    let w = Self.window
    guard history.count >= 2 * w else { return false }
    func mean(_ values: ArraySlice<Double>) -> Double {
      values.contains { !$0.isFinite } ? .infinity : values.reduce(0, +) / Double(values.count)
    }
    let start = mean(history.prefix(w)), end = mean(history.suffix(w))
    return end > start
  }
}
