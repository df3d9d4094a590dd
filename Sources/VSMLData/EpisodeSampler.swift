import VSMLCore

/// A task made ready for sampling: its dataset split loaded, the examples it may use (split part
/// and class subset) listed, its label map and compiled transforms. Immutable and `Sendable`;
/// share one across threads.
public struct PreparedTask: Sendable {
  public let spec: TaskSpec
  /// The underlying split (for `.validation`, the whole training split).
  public let dataset: Dataset
  /// The split the examples come from.
  public let split: DataSplit
  /// Indices into `dataset` of the examples this task draws from, ascending.
  public let indices: [Int32]
  /// Shape of one transformed example.
  public let shape: ExampleShape
  /// Classes the learner sees (after subset and padding).
  public let classCount: Int
  /// `labelMap[original]` = task label, or -1 when the class is not in the subset.
  let labelMap: [Int32]
  let steps: [CompiledTransform]
  /// Largest intermediate size in the pipeline (scratch buffer size).
  let scratchCount: Int

  /// Features per transformed example.
  public var inputSize: Int { shape.featureCount }

  /// Loads the dataset of `spec` and prepares it.
  /// - Parameters:
  ///   - split: `.train` draws from the training split minus the validation part,
  ///     `.validation` from that part (`ValidationSplit`), `.test` from the test split.
  ///   - locator: where dataset files are looked for (nothing is downloaded).
  ///   - prefix: field path of `spec` in a larger config, for error messages.
  public init(spec: TaskSpec, split: DataSplit, locator: DataLocator, prefix: String = "") throws {
    try spec.validate(prefix: prefix)
    let dataset = try DatasetRegistry.load(
      spec.dataset, split: split, locator: locator, syntheticSeed: spec.syntheticSeed, table: spec.table)
    try self.init(spec: spec, dataset: dataset, split: split, prefix: prefix)
  }

  /// Prepares `spec` on an already loaded split (`dataset` must be the training split for
  /// `.train`/`.validation`, the test split for `.test`). `spec.dataset` is not consulted.
  public init(spec: TaskSpec, dataset: Dataset, split: DataSplit, prefix: String = "") throws {
    let resolved = try spec.resolve(shape: dataset.shape, kind: dataset.kind, classCount: dataset.classCount, prefix: prefix)
    var map = [Int32](repeating: -1, count: dataset.classCount)
    if let subset = spec.classSubset {
      for (new, old) in subset.enumerated() { map[old] = Int32(new) }
    } else {
      for c in 0..<dataset.classCount { map[c] = Int32(c) }
    }
    var chosen = split == .test ? (0..<Int32(dataset.count)).map { $0 } : ValidationSplit.indices(count: dataset.count, part: split)
    if spec.classSubset != nil {
      chosen = chosen.filter { map[Int(dataset.labels[Int($0)])] >= 0 }
    }
    guard !chosen.isEmpty else {
      throw DataError.invalidTask(
        field: (prefix.isEmpty ? "" : prefix + ".") + "classSubset",
        reason: "no example of \(dataset.name) (\(split.rawValue) split) has one of these labels")
    }
    var steps: [CompiledTransform] = []
    var shape = dataset.shape, kind = dataset.kind
    var scratch = shape.featureCount
    for transform in spec.transforms {
      let (next, nextKind) = try transform.output(from: shape, kind: kind, field: "transforms")
      steps.append(CompiledTransform(transform, shape: shape, output: next))
      shape = next; kind = nextKind
      scratch = max(scratch, next.featureCount)
    }
    self.spec = spec
    self.split = split
    self.dataset = dataset
    self.indices = chosen
    self.shape = resolved.shape
    self.classCount = resolved.classCount
    self.labelMap = map
    self.steps = steps
    self.scratchCount = scratch
  }

  /// This task on a table of its own for episode `episode` of a sampler seeded `seed`: the same
  /// size, a task drawn from `(syntheticSeed, seed, episode)`. Only for `spec.freshTablePerEpisode`.
  func freshTable(seed: UInt64, episode: Int) -> PreparedTask {
    guard let family = spec.tableFamily else { return self }
    let taskSeed = SeededGenerator.derive(seed: spec.syntheticSeed ^ seed, stream: .episodeTable, episode)
    let table = SyntheticTasks.table(family, spec.table ?? .default, seed: taskSeed, split: dataset.split)
    // Same spec and size as `self`, and validation rejects class subsets on tables, so this does
    // not fail; a task prepared without validation keeps its own table instead.
    return (try? PreparedTask(spec: spec, dataset: table, split: split)) ?? self
  }

  /// The task label of dataset example `index`.
  public func label(ofExample index: Int) -> Int32 { labelMap[Int(dataset.labels[index])] }

  /// Writes dataset example `index`, standardised and transformed, to `out` (`inputSize` floats).
  /// `a` and `b` are scratch buffers of at least `scratchCount` floats.
  func write(example index: Int, to out: UnsafeMutableBufferPointer<Float>,
             _ a: UnsafeMutableBufferPointer<Float>, _ b: UnsafeMutableBufferPointer<Float>) {
    if steps.isEmpty {
      dataset.features(of: index, into: out)
      return
    }
    dataset.features(of: index, into: a)
    var x = a, y = b
    for (i, step) in steps.enumerated() {
      let target = i == steps.count - 1 ? out : y
      step.apply(x, target)
      if i < steps.count - 1 { swap(&x, &y) }
    }
  }

  /// One transformed example as an array (for inspection and tests).
  public func transformedExample(_ index: Int) -> [Float] {
    var out = [Float](repeating: 0, count: inputSize)
    var a = [Float](repeating: 0, count: scratchCount), b = a
    out.withUnsafeMutableBufferPointer { o in
      a.withUnsafeMutableBufferPointer { a in b.withUnsafeMutableBufferPointer { b in write(example: index, to: o, a, b) } }
    }
    return out
  }
}

/// Draws online-learning episodes (METHOD.md §5, §7): `length` examples, batch 1, from one split of a
/// task or a weighted mixture of tasks.
///
/// Episode `e` depends only on `(seed, e)`: its generator is `SeededGenerator(seed: seed,
/// stream: [e])`, which picks the mixture component and then walks a shuffled stream of the
/// component's examples that reshuffles and repeats when exhausted (as the reference's
/// shuffle-and-repeat input pipeline). Any thread or machine can build any episode without
/// coordination, and the sampler is immutable (`Sendable`). Transforms are applied per example
/// while the episode is filled; the dataset is never copied.
public struct EpisodeSampler: Sendable {
  /// Examples per episode (T).
  public let length: Int
  public let seed: UInt64
  public let split: DataSplit
  /// The prepared components and their normalised cumulative weights.
  public let tasks: [PreparedTask]
  let cumulativeWeights: [Double]
  /// Whether components may differ in input size and class count (each episode then carries its
  /// own); otherwise every component has the same.
  public let mixedShapes: Bool

  /// Features per example of components[0] (of every component unless `mixedShapes`).
  public var inputSize: Int { tasks[0].inputSize }
  /// Classes the learner sees in components[0] (in every component unless `mixedShapes`).
  public var classCount: Int { tasks[0].classCount }
  /// The largest input size of any component.
  public var largestInputSize: Int { tasks.map(\.inputSize).max() ?? 0 }
  /// Every distinct (input size, class count) of the components, in component order.
  public var shapes: [EpisodeShape] {
    tasks.reduce(into: [EpisodeShape]()) { shapes, task in
      let shape = EpisodeShape(inputSize: task.inputSize, classCount: task.classCount)
      if !shapes.contains(shape) { shapes.append(shape) }
    }
  }

  /// A sampler over one task.
  public init(task: TaskSpec, split: DataSplit, length: Int, seed: UInt64, locator: DataLocator) throws {
    try self.init(mixture: TaskMixture(task), split: split, length: length, seed: seed, locator: locator)
  }

  /// A sampler over a weighted mixture of tasks.
  /// - Throws: `DataError.invalidTask` if the components disagree on input size or class count,
  ///   or any error of loading the datasets.
  ///   With `mixedShapes`, components may differ in size (each episode carries its own).
  public init(mixture: TaskMixture, split: DataSplit, length: Int, seed: UInt64, locator: DataLocator, mixedShapes: Bool = false) throws {
    try mixture.validate()
    let tasks = try mixture.components.enumerated().map { i, component in
      try PreparedTask(spec: component.task, split: split, locator: locator, prefix: "components[\(i)].task")
    }
    try self.init(tasks: tasks, weights: mixture.components.map(\.weight), split: split, length: length, seed: seed, mixedShapes: mixedShapes)
  }

  /// A sampler over already prepared tasks (e.g. sharing loaded datasets between samplers).
  public init(tasks: [PreparedTask], weights: [Double]? = nil, split: DataSplit, length: Int, seed: UInt64, mixedShapes: Bool = false) throws {
    guard length >= 1 else { throw DataError.invalidTask(field: "length", reason: "episode length must be at least 1, got \(length)") }
    guard !tasks.isEmpty else { throw DataError.invalidTask(field: "components", reason: "is empty; give at least one task") }
    let weights = weights ?? Array(repeating: 1, count: tasks.count)
    guard weights.count == tasks.count, weights.allSatisfy({ $0 > 0 && $0.isFinite }) else {
      throw DataError.invalidTask(field: "weights", reason: "need one positive weight per task")
    }
    for (i, task) in tasks.enumerated().dropFirst() where !mixedShapes {
      guard task.inputSize == tasks[0].inputSize else {
        throw DataError.invalidTask(
          field: "components[\(i)].task",
          reason: "gives \(task.inputSize) input features but components[0] gives \(tasks[0].inputSize); add resize/padImage/padFeatures transforms")
      }
      guard task.classCount == tasks[0].classCount else {
        throw DataError.invalidTask(
          field: "components[\(i)].task.padClasses",
          reason: "gives \(task.classCount) classes but components[0] gives \(tasks[0].classCount); set padClasses on both")
      }
    }
    let total = weights.reduce(0, +)
    var running = 0.0
    cumulativeWeights = weights.map { running += $0 / total; return running }
    self.tasks = tasks
    self.mixedShapes = mixedShapes
    self.length = length
    self.seed = seed
    self.split = split
  }

  /// Episode `index`: `length x inputSize` inputs and `length` labels, reproducible from
  /// `(seed, index)` alone.
  public func episode(_ index: Int) -> Episode {
    var rng = SeededGenerator(seed: seed, stream: [UInt64(bitPattern: Int64(index))])
    let component = tasks.count == 1 ? 0 : pickComponent(&rng)
    let task = tasks[component].spec.freshTablePerEpisode ? tasks[component].freshTable(seed: seed, episode: index) : tasks[component]
    let d = task.inputSize
    var inputs = [Float](repeating: 0, count: length * d)
    var labels = [Int32](repeating: 0, count: length)
    var order = task.indices
    let n = order.count
    var position = 0
    var a = [Float](repeating: 0, count: task.scratchCount), b = a
    inputs.withUnsafeMutableBufferPointer { inputs in
      a.withUnsafeMutableBufferPointer { a in
        b.withUnsafeMutableBufferPointer { b in
          for t in 0..<length {
            if position == n { position = 0 }  // stream exhausted: keep shuffling the same pool
            // Incremental Fisher-Yates: each pass over the pool is a fresh uniform permutation.
            order.swapAt(position, position + rng.nextInt(below: n - position))
            let example = Int(order[position])
            position += 1
            labels[t] = task.label(ofExample: example)
            let row = UnsafeMutableBufferPointer(rebasing: inputs[(t * d)..<((t + 1) * d)])
            task.write(example: example, to: row, a, b)
          }
        }
      }
    }
    return Episode(inputs: inputs, labels: labels, inputSize: d, classCount: task.classCount)
  }

  /// Which component episode generator `rng` picks (weighted).
  private func pickComponent(_ rng: inout SeededGenerator) -> Int {
    let u = rng.nextUnitDouble()
    return cumulativeWeights.firstIndex(where: { u < $0 }) ?? (cumulativeWeights.count - 1)
  }
}

/// The size of an episode: features per example and classes the learner sees.
public struct EpisodeShape: Hashable, Sendable {
  public var inputSize: Int
  public var classCount: Int
  public init(inputSize: Int, classCount: Int) {
    self.inputSize = inputSize
    self.classCount = classCount
  }
}
