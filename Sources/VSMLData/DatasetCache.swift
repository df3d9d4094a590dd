import Synchronization

/// Datasets already loaded, shared by every task that names the same file split: a mixture that
/// lists MNIST a thousand times (with different transforms) holds one copy, not a thousand.
/// A `DataLocator` carries one (its copies share it); the cache keeps what it holds for its own
/// lifetime. Thread-safe.
public final class DatasetCache: Sendable {
  private let stored = Mutex<[String: Dataset]>([:])

  public init() {}

  /// The dataset stored under `key`, or the one `load` returns, which is then stored.
  func dataset(_ key: String, load: () throws -> Dataset) rethrows -> Dataset {
    if let hit = stored.withLock({ $0[key] }) { return hit }
    let loaded = try load()
    return stored.withLock { table in
      if let other = table[key] { return other }  // another thread loaded it meanwhile: keep one
      table[key] = loaded
      return loaded
    }
  }

  /// Distinct datasets held.
  public var count: Int { stored.withLock { $0.count } }

  /// Bytes of the datasets held (examples and labels).
  public var byteCount: Int { stored.withLock { $0.values.reduce(0) { $0 + $1.byteCount } } }
}

extension Dataset {
  /// Bytes of the examples and labels.
  public var byteCount: Int {
    let examples: Int
    switch storage {
    case .bytes(let b): examples = b.count
    case .floats(let f): examples = f.count * MemoryLayout<Float>.stride
    }
    return examples + labels.count * MemoryLayout<Int32>.stride
  }
}
