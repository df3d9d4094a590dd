import VSMLCore

/// The validation split: a fixed, seeded 10 % of a training split, so that model selection never
/// touches test data. The same examples are chosen on every machine for a given training-set size.
/// Sets smaller than `minimumCount` (the 20-example `random` task) are not carved: all their splits
/// are the whole set.
public enum ValidationSplit {
  /// Fraction of the training split held out for validation.
  public static let fraction = 0.1
  /// Fixed seed of the hold-out choice ("VALIDATE"); not a user setting, so that every run agrees.
  public static let seed: UInt64 = 0x5641_4C49_4441_5445
  /// Smallest training set that is carved.
  public static let minimumCount = 100

  /// Sorted indices into a training split of `count` examples: the validation part for
  /// `.validation`, the remaining part for `.train` (and everything for `.test`).
  public static func indices(count: Int, part: DataSplit) -> [Int32] {
    guard count >= minimumCount, part != .test else { return (0..<Int32(count)).map { $0 } }
    var rng = SeededGenerator(seed: seed, stream: [UInt64(count)])
    var order = (0..<Int32(count)).map { $0 }
    for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
    let held = Int((Double(count) * fraction).rounded())
    let chosen = part == .validation ? order[(count - held)...] : order[..<(count - held)]
    return chosen.sorted()
  }
}
