import VSMLCore

/// A typed, `Codable` description of one meta-learning task: which dataset, which classes, which
/// transforms (METHOD.md §6). Configs embed it; everything random in it is fixed by explicit seeds.
///
/// JSON example (fields other than `dataset` may be omitted):
/// ```json
/// {"dataset": "mnist", "classSubset": [3, 5, 7], "padClasses": 10,
///  "transforms": [{"resize": {"side": 14}}, {"project": {"seed": 7}}]}
/// ```
public struct TaskSpec: Codable, Hashable, Sendable {
  /// A registered dataset name or `csv:PATH[,TESTPATH]`.
  public var dataset: String
  /// Original labels to keep, relabelled `0..<k` in the order listed; nil keeps every class.
  public var classSubset: [Int]?
  /// Steps applied to each example after standardisation, in order.
  public var transforms: [Transform]
  /// Class count reported to the learner (label-space padding, e.g. 62 for the baselines);
  /// nil uses the task's own class count.
  public var padClasses: Int?
  /// Seed of the synthetic tasks' data (`random`, `sum`, `clusters`, `teacher`); ignored by file
  /// datasets.
  public var syntheticSeed: UInt64
  /// Size and sampling of a generated table (`clusters`, `teacher`); nil uses
  /// `GeneratedTable.default`. Rejected for other datasets.
  public var table: GeneratedTable?

  public init(
    dataset: String, classSubset: [Int]? = nil, transforms: [Transform] = [], padClasses: Int? = nil,
    syntheticSeed: UInt64 = 0, table: GeneratedTable? = nil
  ) {
    self.dataset = dataset
    self.classSubset = classSubset
    self.transforms = transforms
    self.padClasses = padClasses
    self.syntheticSeed = syntheticSeed
    self.table = table
  }

  private enum CodingKeys: String, CodingKey { case dataset, classSubset, transforms, padClasses, syntheticSeed, table }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    dataset = try c.decode(String.self, forKey: .dataset)
    classSubset = try c.decodeIfPresent([Int].self, forKey: .classSubset)
    transforms = try c.decodeIfPresent([Transform].self, forKey: .transforms) ?? []
    padClasses = try c.decodeIfPresent(Int.self, forKey: .padClasses)
    syntheticSeed = try c.decodeIfPresent(UInt64.self, forKey: .syntheticSeed) ?? 0
    table = try c.decodeIfPresent(GeneratedTable.self, forKey: .table)
  }

  /// The generated table family this task draws from, if any.
  public var tableFamily: SyntheticTasks.TableFamily? { SyntheticTasks.TableFamily(rawValue: dataset) }

  /// Whether every episode of this task draws a table of its own.
  public var freshTablePerEpisode: Bool { tableFamily != nil && (table ?? .default).freshEachEpisode }

  /// Checks the description against a dataset of `shape`, `kind` and `classCount`.
  /// - Parameter prefix: field path of this spec inside a larger config (e.g. `components[1].task`).
  /// - Returns: the example shape after all transforms and the class count the learner sees.
  /// - Throws: `DataError.invalidTask` naming the offending field.
  public func resolve(
    shape: ExampleShape, kind: Dataset.Kind, classCount: Int, prefix: String = ""
  ) throws -> (shape: ExampleShape, classCount: Int) {
    let dot = prefix.isEmpty ? "" : prefix + "."
    var taskClasses = classCount
    if let subset = classSubset {
      guard !subset.isEmpty else {
        throw DataError.invalidTask(field: dot + "classSubset", reason: "is empty; list the original labels to keep, or omit it")
      }
      if let bad = subset.first(where: { $0 < 0 || $0 >= classCount }) {
        throw DataError.invalidTask(field: dot + "classSubset", reason: "label \(bad) is outside 0..<\(classCount) of \(dataset)")
      }
      guard Set(subset).count == subset.count else {
        throw DataError.invalidTask(field: dot + "classSubset", reason: "lists a label twice")
      }
      taskClasses = subset.count
    }
    if let pad = padClasses, pad < taskClasses {
      throw DataError.invalidTask(field: dot + "padClasses", reason: "\(pad) is fewer than the task's \(taskClasses) classes")
    }
    var current = (shape, kind)
    for (i, transform) in transforms.enumerated() {
      current = try transform.output(from: current.0, kind: current.1, field: dot + "transforms[\(i)].\(transform.key)")
    }
    return (current.0, padClasses ?? taskClasses)
  }

  /// Checks what can be checked without reading data: the dataset name, and for registered
  /// datasets the whole description against their published shape and class count.
  public func validate(prefix: String = "") throws {
    let dot = prefix.isEmpty ? "" : prefix + "."
    if table != nil && tableFamily == nil {
      throw DataError.invalidTask(field: dot + "table", reason: "applies to the generated datasets (clusters, teacher) only; remove it")
    }
    if dataset.hasPrefix(DatasetRegistry.csvPrefix) {
      guard dataset.count > DatasetRegistry.csvPrefix.count else {
        throw DataError.invalidTask(field: dot + "dataset", reason: "'csv:' needs a path: csv:PATH or csv:TRAIN,TEST")
      }
      return
    }
    guard let info = DatasetRegistry.all.first(where: { $0.name == dataset }) else {
      throw DataError.invalidTask(
        field: dot + "dataset",
        reason: "unknown dataset '\(dataset)'\(Suggestion.phrase(for: dataset, among: DatasetRegistry.names)); known: \(DatasetRegistry.names.joined(separator: ", ")), or csv:PATH[,TESTPATH]")
    }
    guard tableFamily != nil else {
      _ = try resolve(shape: info.shape, kind: .image, classCount: info.classCount, prefix: prefix)
      return
    }
    // A generated table's classes are set by its size; a subset could leave a freshly drawn
    // table without examples.
    if classSubset != nil {
      throw DataError.invalidTask(field: dot + "classSubset", reason: "does not apply to generated tables; set table.classes instead")
    }
    let size = table ?? .default
    try size.validate(prefix: dot + "table")
    _ = try resolve(shape: .flat(size.features), kind: .tabular, classCount: size.classes, prefix: prefix)
  }
}

/// A weighted mixture of tasks: each episode draws one component with probability
/// proportional to its weight (METHOD.md §6, "mixtures of datasets"). All components must give the
/// same input size and class count (use `resize`/`padFeatures`/`padClasses` to align them).
public struct TaskMixture: Codable, Hashable, Sendable {
  public struct Component: Codable, Hashable, Sendable {
    public var task: TaskSpec
    /// Relative weight, > 0 (1 when a file leaves it out).
    public var weight: Double
    public init(task: TaskSpec, weight: Double = 1) {
      self.task = task
      self.weight = weight
    }

    private enum CodingKeys: String, CodingKey { case task, weight }

    public init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      task = try c.decode(TaskSpec.self, forKey: .task)
      weight = try c.decodeIfPresent(Double.self, forKey: .weight) ?? 1
    }
  }

  public var components: [Component]

  public init(components: [Component]) { self.components = components }

  /// A single task as a one-component mixture.
  public init(_ task: TaskSpec) { components = [Component(task: task)] }

  /// Checks weights and every component (see `TaskSpec.validate`).
  public func validate() throws {
    guard !components.isEmpty else {
      throw DataError.invalidTask(field: "components", reason: "is empty; give at least one task")
    }
    for (i, component) in components.enumerated() {
      guard component.weight > 0 && component.weight.isFinite else {
        throw DataError.invalidTask(field: "components[\(i)].weight", reason: "must be a positive number, got \(component.weight)")
      }
      try component.task.validate(prefix: "components[\(i)].task")
    }
  }
}
