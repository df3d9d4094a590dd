import VSMLCore

extension Dataset {
  /// A hash of everything that defines the examples: name, split, kind, shape, classes,
  /// normalisation, pixels or features, and labels. Two processes with equal hashes hold the same
  /// data (see `ContentHash` for what "same" guarantees). Reads every stored value once.
  package var contentHash: ContentHash {
    var hash = ContentHash()
    hash.combine(name)
    hash.combine(split.rawValue)
    hash.combine(kind.rawValue)
    for n in [shape.channels, shape.height, shape.width, classCount] { hash.combine(n) }
    hash.combine(floats: [normalization.mean, normalization.std])
    switch storage {
    case .bytes(let b): b.withUnsafeBufferPointer { hash.combine(bytes: $0) }
    case .floats(let f): f.withUnsafeBufferPointer { hash.combine(floats: $0) }
    }
    labels.withUnsafeBufferPointer { hash.combine(int32s: $0) }
    return hash
  }

  /// One line for start-up checks: name, split, size and content hash.
  public var fingerprint: String { "\(name) (\(split.rawValue), \(count) examples of \(shape), hash \(contentHash.hex))" }
}

extension PreparedTask {
  /// The dataset's fingerprint and a hash of the examples this task draws from.
  public var fingerprint: String {
    var hash = ContentHash()
    indices.withUnsafeBufferPointer { hash.combine(int32s: $0) }
    return "\(dataset.fingerprint), \(indices.count) examples used (hash \(hash.hex))"
  }
}
