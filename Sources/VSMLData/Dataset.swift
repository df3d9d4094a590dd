/// Which part of a dataset: the publisher's training or test split, or the validation part
/// carved from the training split (see `ValidationSplit`).
public enum DataSplit: String, Codable, CaseIterable, Sendable {
  case train, validation, test
}

/// The shape of one example: `channels x height x width`, stored planar (channel-major, then
/// row-major), so a grey image is `1 x H x W` and tabular data is `1 x 1 x F`.
public struct ExampleShape: Codable, Hashable, Sendable, CustomStringConvertible {
  public var channels: Int
  public var height: Int
  public var width: Int

  public init(channels: Int, height: Int, width: Int) {
    self.channels = channels
    self.height = height
    self.width = width
  }

  /// A flat vector of `features` numbers (`1 x 1 x F`).
  public static func flat(_ features: Int) -> ExampleShape { ExampleShape(channels: 1, height: 1, width: features) }

  /// `C * H * W`.
  public var featureCount: Int { channels * height * width }

  public var description: String { "\(channels)x\(height)x\(width)" }
}

/// Scalar standardisation `(x - mean) / std` applied after scaling to [0, 1] (METHOD.md §6).
public struct Normalization: Codable, Hashable, Sendable {
  public var mean: Float
  public var std: Float
  public init(mean: Float, std: Float) {
    precondition(std > 0, "std must be positive")
    self.mean = mean
    self.std = std
  }
  /// The identity, used for synthetic sets (METHOD.md §6: 0 / 1) and already-standardised CSV data.
  public static let identity = Normalization(mean: 0, std: 1)
}

/// One split of a dataset, in memory: `count` examples of one `shape`, integer labels in
/// `0..<classCount`.
///
/// Image pixels are kept as the publisher's `UInt8` (MNIST train: 47 MB) and converted on use:
/// `features(of:into:)` writes `((p / 255) - mean) / std` per pixel. Float data (synthetic sets,
/// CSV) is stored as is and standardised with `normalization` likewise (identity for both).
/// The type is a value with copy-on-write storage: copies are cheap and share pixels.
public struct Dataset: Sendable {
  /// Pixel or feature storage, `count x shape.featureCount`, row-major.
  public enum Storage: Sendable {
    case bytes([UInt8])
    case floats([Float])
  }

  /// Whether examples are images (so resizing and image padding make sense) or flat features.
  public enum Kind: String, Codable, Sendable { case image, tabular }

  /// Registry name (`mnist`, `csv:/path/file.csv`, ...).
  public let name: String
  public let split: DataSplit
  public let kind: Kind
  public let shape: ExampleShape
  public let storage: Storage
  /// `count` labels in `0..<classCount`.
  public let labels: [Int32]
  public let classCount: Int
  public let normalization: Normalization
  /// `byteTable[p]` = standardised value of pixel byte `p` (empty for float storage).
  private let byteTable: [Float]

  /// Number of examples.
  public var count: Int { labels.count }

  /// Builds a dataset, checking sizes and label range.
  /// - Parameters:
  ///   - source: file name used in errors when labels are out of range.
  /// - Throws: `DataError.lengthMismatch`, `DataError.labelOutOfRange`.
  public init(
    name: String, split: DataSplit, kind: Kind, shape: ExampleShape, storage: Storage, labels: [Int32],
    classCount: Int, normalization: Normalization, source: String? = nil
  ) throws {
    precondition(shape.featureCount > 0 && classCount > 0, "shape and classCount must be positive")
    let stored: Int
    switch storage {
    case .bytes(let b): stored = b.count
    case .floats(let f): stored = f.count
    }
    let expected = labels.count * shape.featureCount
    guard stored == expected else {
      throw DataError.lengthMismatch(path: source ?? name, expectedBytes: expected, actualBytes: stored)
    }
    if let bad = labels.firstIndex(where: { $0 < 0 || Int($0) >= classCount }) {
      throw DataError.labelOutOfRange(path: source ?? name, index: bad, label: Int(labels[bad]), classCount: classCount)
    }
    self.name = name
    self.split = split
    self.kind = kind
    self.shape = shape
    self.storage = storage
    self.labels = labels
    self.classCount = classCount
    self.normalization = normalization
    if case .bytes = storage {
      byteTable = (0..<256).map { (Float($0) / 255 - normalization.mean) / normalization.std }
    } else {
      byteTable = []
    }
  }

  /// The label of example `index`.
  @inlinable
  public func label(at index: Int) -> Int { Int(labels[index]) }

  /// Writes example `index`'s `shape.featureCount` standardised features to `out`.
  public func features(of index: Int, into out: UnsafeMutableBufferPointer<Float>) {
    let n = shape.featureCount
    precondition(index >= 0 && index < count, "example index out of range")
    precondition(out.count >= n, "output buffer too small")
    switch storage {
    case .bytes(let bytes):
      bytes.withUnsafeBufferPointer { b in
        byteTable.withUnsafeBufferPointer { table in
          let base = index * n
          for i in 0..<n { out[i] = table[Int(b[base + i])] }
        }
      }
    case .floats(let floats):
      let mean = normalization.mean, inv = 1 / normalization.std
      floats.withUnsafeBufferPointer { f in
        let base = index * n
        for i in 0..<n { out[i] = (f[base + i] - mean) * inv }
      }
    }
  }

  /// Example `index`'s standardised features as a new array (convenience; allocates).
  public func features(of index: Int) -> [Float] {
    var out = [Float](repeating: 0, count: shape.featureCount)
    out.withUnsafeMutableBufferPointer { features(of: index, into: $0) }
    return out
  }

  /// Example `index`'s values scaled to [0, 1] for display (bytes / 255; floats min-max scaled
  /// over the example).
  public func displayValues(of index: Int) -> [Float] {
    let n = shape.featureCount
    switch storage {
    case .bytes(let bytes):
      return (0..<n).map { Float(bytes[index * n + $0]) / 255 }
    case .floats(let floats):
      let values = Array(floats[(index * n)..<((index + 1) * n)])
      let lo = values.min() ?? 0, hi = values.max() ?? 1
      let range = hi > lo ? hi - lo : 1
      return values.map { ($0 - lo) / range }
    }
  }
}
