/// Reader for the CIFAR-10 binary version (Krizhevsky 2009): each record is 1 label byte and
/// 3,072 pixel bytes (1,024 red, then green, then blue, each 32x32 row-major), records back to back.
/// The planar layout is this project's `ExampleShape` layout, so pixels are kept as they are.
public enum CIFAR10Reader {
  /// Image side in pixels.
  public static let side = 32
  /// Colour channels (R, G, B planes).
  public static let channels = 3
  /// Bytes per record: one label byte plus `3 * 32 * 32` pixels.
  public static let recordSize = 1 + channels * side * side
  /// Number of classes.
  public static let classCount = 10

  /// Parses the records of one batch file.
  /// - Returns: pixels (`count x 3 x 32 x 32`) and labels.
  public static func parse(_ bytes: [UInt8], path: String) throws -> (pixels: [UInt8], labels: [Int32]) {
    guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
      let whole = (bytes.count / recordSize + (bytes.count == 0 ? 1 : 0)) * recordSize
      throw DataError.lengthMismatch(path: path, expectedBytes: max(whole, recordSize), actualBytes: bytes.count)
    }
    let count = bytes.count / recordSize
    let pixelCount = recordSize - 1
    var pixels = [UInt8](repeating: 0, count: count * pixelCount)
    var labels = [Int32](repeating: 0, count: count)
    try bytes.withUnsafeBufferPointer { src in
      try pixels.withUnsafeMutableBufferPointer { dst in
        for i in 0..<count {
          let label = Int(src[i * recordSize])
          guard label < classCount else {
            throw DataError.labelOutOfRange(path: path, index: i, label: label, classCount: classCount)
          }
          labels[i] = Int32(label)
          let from = src.baseAddress! + i * recordSize + 1
          (dst.baseAddress! + i * pixelCount).update(from: from, count: pixelCount)
        }
      }
    }
    return (pixels, labels)
  }

  /// Reads and concatenates batch files (raw, or gzip-compressed) into one split.
  public static func readDataset(name: String, split: DataSplit, paths: [String], normalization: Normalization) throws -> Dataset {
    var pixels: [UInt8] = []
    var labels: [Int32] = []
    for path in paths {
      let part = try parse(try IDXReader.loadMaybeGzip(path: path), path: path)
      pixels += part.pixels
      labels += part.labels
    }
    return try Dataset(
      name: name, split: split, kind: .image, shape: ExampleShape(channels: channels, height: side, width: side),
      storage: .bytes(pixels), labels: labels, classCount: classCount, normalization: normalization,
      source: paths.first)
  }
}
