import VSMLCore

/// The synthetic meta-test tasks of METHOD.md §6, generated from a seed. Both are Float datasets of
/// 28x28 single-channel images, already standardised (normalization 0 / 1).
public enum SyntheticTasks {
  /// Image side of both tasks.
  public static let side = 28
  /// Examples in a `random` task: 20 fixed images to memorise.
  public static let randomExampleCount = 20
  /// Classes of the `random` task.
  public static let randomClassCount = 10
  /// Classes of the `sum` task (pixel sum < 0, pixel sum >= 0).
  public static let sumClassCount = 2
  /// Examples generated for `sum`'s training split (i.i.d., so any finite pool is a sample).
  public static let sumTrainCount = 10_000
  /// Examples generated for `sum`'s test split (one 2,000-step meta-test episode's worth).
  public static let sumTestCount = 2_000

  /// `random`: 20 images of i.i.d. N(0, 1) pixels with labels uniform over 10 classes, fixed by
  /// `seed`. Pure memorisation: the same 20 examples form every split.
  public static func random(seed: UInt64, split: DataSplit) -> Dataset {
    var rng = SeededGenerator(seed: seed, stream: .syntheticRandom)
    let n = side * side
    var pixels = [Float](repeating: 0, count: randomExampleCount * n)
    for i in pixels.indices { pixels[i] = rng.nextNormal() }
    let labels = (0..<randomExampleCount).map { _ in Int32(rng.nextInt(below: randomClassCount)) }
    // Sizes and labels are constructed in range: `try!` cannot fail.
    return try! Dataset(
      name: "random", split: split, kind: .image, shape: ExampleShape(channels: 1, height: side, width: side),
      storage: .floats(pixels), labels: labels, classCount: randomClassCount, normalization: .identity)
  }

  /// `sum`: each image's pixels are truncated-normal (std 1, ±2 std) around a mean drawn from
  /// U(-1, 1); the label is 1 when the pixel sum is >= 0, else 0. Train (10,000 examples) and test
  /// (2,000) come from separate streams of `seed`; validation is carved from train.
  public static func sum(seed: UInt64, split: DataSplit) -> Dataset {
    let isTest = split == .test
    var rng = SeededGenerator(seed: seed, stream: .syntheticSum, isTest ? 1 : 0)
    let count = isTest ? sumTestCount : sumTrainCount
    let n = side * side
    var pixels = [Float](repeating: 0, count: count * n)
    var labels = [Int32](repeating: 0, count: count)
    for k in 0..<count {
      let mean = rng.nextUnitFloat() * 2 - 1
      var total: Double = 0
      for i in 0..<n {
        let v = mean + rng.nextTruncatedNormal(std: 1)
        pixels[k * n + i] = v
        total += Double(v)
      }
      labels[k] = total >= 0 ? 1 : 0
    }
    return try! Dataset(
      name: "sum", split: split, kind: .image, shape: ExampleShape(channels: 1, height: side, width: side),
      storage: .floats(pixels), labels: labels, classCount: sumClassCount, normalization: .identity)
  }
}
