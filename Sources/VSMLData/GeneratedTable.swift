/// The size and sampling of a generated tabular task (`clusters` or `teacher`, METHOD.md §6):
/// a small table of standardised features, drawn from a seed.
///
/// JSON form inside a task (every field may be left out):
/// `{"dataset": "clusters", "table": {"features": 16, "classes": 4, "rows": 500}}`.
public struct GeneratedTable: Codable, Hashable, Sendable {
  /// Features per row, `1...maxFeatures`.
  public var features: Int
  /// Classes, `2...maxClasses`.
  public var classes: Int
  /// Rows of the training pool; the test pool has as many. Small pools repeat within long
  /// episodes, as small real tables do.
  public var rows: Int
  /// Whether every episode draws a task of its own (centres or teacher network) from the
  /// episode's seed; false keeps the one task fixed by the task's `syntheticSeed`.
  public var freshEachEpisode: Bool

  /// Size used when a task names a generated dataset without `table` (as `vsml evaluate` does).
  public static let `default` = GeneratedTable(features: 16, classes: 4)
  /// Largest feature count: a generated table is a stand-in for small real tables.
  public static let maxFeatures = 4096
  /// Largest class count, as for CSV files.
  public static let maxClasses = 1000
  /// Largest row count per pool (bounds memory before anything is allocated: 4096 x 100,000
  /// floats is 1.6 GB, so the product is checked too).
  public static let maxRows = 100_000
  /// Largest `features x rows` of one pool: 64 MB of floats.
  public static let maxCells = 16 << 20

  public init(features: Int, classes: Int, rows: Int = 500, freshEachEpisode: Bool = true) {
    self.features = features
    self.classes = classes
    self.rows = rows
    self.freshEachEpisode = freshEachEpisode
  }

  private enum CodingKeys: String, CodingKey { case features, classes, rows, freshEachEpisode }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = Self.default
    features = try c.decodeIfPresent(Int.self, forKey: .features) ?? d.features
    classes = try c.decodeIfPresent(Int.self, forKey: .classes) ?? d.classes
    rows = try c.decodeIfPresent(Int.self, forKey: .rows) ?? d.rows
    freshEachEpisode = try c.decodeIfPresent(Bool.self, forKey: .freshEachEpisode) ?? d.freshEachEpisode
  }

  /// Checks every bound, naming the field under `prefix` (e.g. `components[2].task.table`).
  public func validate(prefix: String) throws {
    func fail(_ field: String, _ reason: String) -> DataError { .invalidTask(field: prefix + "." + field, reason: reason) }
    guard (1...Self.maxFeatures).contains(features) else { throw fail("features", "must be in 1...\(Self.maxFeatures), got \(features)") }
    guard (2...Self.maxClasses).contains(classes) else { throw fail("classes", "must be in 2...\(Self.maxClasses), got \(classes)") }
    guard (1...Self.maxRows).contains(rows) else { throw fail("rows", "must be in 1...\(Self.maxRows), got \(rows)") }
    guard features * rows <= Self.maxCells else {
      throw fail("rows", "\(rows) rows of \(features) features exceed \(Self.maxCells) values; use fewer rows")
    }
  }
}
