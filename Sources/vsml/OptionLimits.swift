import ArgumentParser
import VSMLTraining

/// Ranges of the numeric command-line options. Each bound is far above any sensible run and low
/// enough that products of sizes stay below `Int.max`; whether a run fits in memory is checked
/// once the data's shape is known (`MemoryBudget`).
enum OptionLimits {
  /// Worker threads: more than any machine's cores.
  static let threads = 1...1024
  /// Episodes (a meta-test's, or `bench`'s population).
  static let episodes = 1...(1 << 20)
  /// Examples per episode.
  static let steps = 1...ConfigurationLimits.episodeLength
  /// Units of one layer (`--layers`).
  static let layerSize = 1...ConfigurationLimits.layerSize
  /// Iterations of a run.
  static let iterations = 0...ConfigurationLimits.iterations
  /// Iterations between log lines, examples in a moving average, and similar counts.
  static let interval = 1...(1 << 40)
}

/// Throws a `ValidationError` naming `--option` unless `value` lies in `range`.
func requireOption(_ value: Int, in range: ClosedRange<Int>, _ option: String) throws {
  guard range.contains(value) else {
    throw ValidationError("--\(option) must be between \(range.lowerBound) and \(range.upperBound); got \(value)")
  }
}
