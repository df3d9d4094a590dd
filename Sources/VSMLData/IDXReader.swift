/// Reader for the IDX format of the MNIST family (LeCun et al.), raw or gzip-compressed.
///
/// Layout (big-endian): a 32-bit magic `0x0000_08NN` (`08` = unsigned bytes, `NN` = number of
/// dimensions), then one 32-bit size per dimension, then the data. Images are `N x rows x cols`
/// (magic `0x0000_0803`), labels `N` (magic `0x0000_0801`). Gzip is detected by content, not name.
public enum IDXReader {
  /// Magic of an unsigned-byte, 3-dimensional IDX file (images).
  public static let imagesMagic: UInt32 = 0x0000_0803
  /// Magic of an unsigned-byte, 1-dimensional IDX file (labels).
  public static let labelsMagic: UInt32 = 0x0000_0801
  /// Bytes before the pixel data of an images file: magic + 3 sizes.
  static let imagesHeaderSize = 16
  /// Bytes before the data of a labels file: magic + 1 size.
  static let labelsHeaderSize = 8

  /// Decoded images: `count x height x width` bytes, row-major.
  public struct Images: Sendable {
    public var count: Int
    public var height: Int
    public var width: Int
    public var pixels: [UInt8]
  }

  /// Reads an IDX images file (raw or gzip).
  public static func readImages(path: String) throws -> Images {
    try parseImages(try loadMaybeGzip(path: path), path: path)
  }

  /// Reads an IDX labels file (raw or gzip).
  public static func readLabels(path: String) throws -> [UInt8] {
    try parseLabels(try loadMaybeGzip(path: path), path: path)
  }

  /// Reads a file and inflates it when it starts with the gzip magic.
  static func loadMaybeGzip(path: String) throws -> [UInt8] {
    try inflatingIfGzip(try FileIO.readAll(path), path: path)
  }

  /// `bytes` inflated when they start with the gzip magic, else unchanged; `path` names them in
  /// errors. An IDX header is inflated first, and the rest no further than the size it declares
  /// (plus `inflationMargin`), so a small compressed file cannot inflate to gigabytes; other
  /// content (a tar archive) is bounded by deflate's maximum ratio and `Gzip.maximumOutputBytes`.
  public static func inflatingIfGzip(_ bytes: [UInt8], path: String) throws -> [UInt8] {
    guard Gzip.isGzip(bytes) else { return bytes }
    let head = try Gzip.decompress(bytes, path: path, prefix: maximumHeaderSize)
    // Not an IDX header (a tar archive, or damage the parser will name): deflate's own bounds apply.
    guard let declared = declaredSize(head) else { return try Gzip.decompress(bytes, path: path) }
    // The hint trusts the header only as far as deflate's ratio allows: a header may lie upward too.
    let hint = min(declared, bytes.count * Gzip.maximumDeflateRatio)
    return try Gzip.decompress(bytes, path: path, sizeHint: hint, maximumOutput: declared + inflationMargin)
  }

  /// Output allowed beyond the declared size: enough to report a longer file as a length
  /// mismatch rather than a decompression error.
  static let inflationMargin = 1
  /// Largest IDX header: the magic and up to 255 dimension sizes.
  static let maximumHeaderSize = 4 + 4 * 255

  /// The whole size an IDX file's header declares (header and data), from its first bytes;
  /// nil when they are not an IDX header of unsigned bytes, or the size overflows.
  static func declaredSize(_ head: [UInt8]) -> Int? {
    guard head.count >= 4, head[0] == 0, head[1] == 0, head[2] == 0x08 else { return nil }
    let dimensions = Int(head[3])
    let headerSize = 4 + 4 * dimensions
    guard head.count >= headerSize else { return nil }
    var total = 1
    for d in 0..<dimensions {
      let (next, overflow) = total.multipliedReportingOverflow(by: Int(word(head, 4 + 4 * d)))
      guard !overflow else { return nil }
      total = next
    }
    let (size, overflow) = total.addingReportingOverflow(headerSize)
    return overflow ? nil : size
  }

  /// Parses decoded IDX image bytes.
  public static func parseImages(_ bytes: [UInt8], path: String) throws -> Images {
    if bytes.count >= 4, word(bytes, 0) != imagesMagic {
      throw DataError.wrongMagic(path: path, expected: imagesMagic, found: word(bytes, 0))
    }
    guard bytes.count >= imagesHeaderSize else {
      throw DataError.lengthMismatch(path: path, expectedBytes: imagesHeaderSize, actualBytes: bytes.count)
    }
    let count = Int(word(bytes, 4)), height = Int(word(bytes, 8)), width = Int(word(bytes, 12))
    guard height > 0, width > 0 else {
      throw DataError.dimensionMismatch(path: path, detail: "images of \(height)x\(width) pixels")
    }
    let (perImage, o1) = height.multipliedReportingOverflow(by: width)
    let (total, o2) = count.multipliedReportingOverflow(by: perImage)
    guard !o1, !o2 else { throw DataError.dimensionMismatch(path: path, detail: "\(count)x\(height)x\(width) is too large") }
    let actual = bytes.count - imagesHeaderSize
    guard actual == total else { throw DataError.lengthMismatch(path: path, expectedBytes: total, actualBytes: actual) }
    return Images(count: count, height: height, width: width, pixels: Array(bytes[imagesHeaderSize...]))
  }

  /// Parses decoded IDX label bytes.
  public static func parseLabels(_ bytes: [UInt8], path: String) throws -> [UInt8] {
    if bytes.count >= 4, word(bytes, 0) != labelsMagic {
      throw DataError.wrongMagic(path: path, expected: labelsMagic, found: word(bytes, 0))
    }
    guard bytes.count >= labelsHeaderSize else {
      throw DataError.lengthMismatch(path: path, expectedBytes: labelsHeaderSize, actualBytes: bytes.count)
    }
    let count = Int(word(bytes, 4))
    let actual = bytes.count - labelsHeaderSize
    guard actual == count else { throw DataError.lengthMismatch(path: path, expectedBytes: count, actualBytes: actual) }
    return Array(bytes[labelsHeaderSize...])
  }

  /// Reads a pair of IDX files into a `Dataset`.
  /// - Parameters:
  ///   - expectedSide: required image side (28 for the MNIST family), or nil for any.
  ///   - labelOffset: added to every stored label (EMNIST letters store 1...26: offset -1).
  ///   - transposed: images are stored column-major (EMNIST) and are transposed on load.
  public static func readDataset(
    name: String, split: DataSplit, imagesPath: String, labelsPath: String, classCount: Int,
    normalization: Normalization, expectedSide: Int? = nil, labelOffset: Int = 0, transposed: Bool = false
  ) throws -> Dataset {
    var images = try readImages(path: imagesPath)
    let rawLabels = try readLabels(path: labelsPath)
    if let side = expectedSide, images.height != side || images.width != side {
      throw DataError.dimensionMismatch(
        path: imagesPath, detail: "images are \(images.height)x\(images.width), \(name) needs \(side)x\(side)")
    }
    guard images.count == rawLabels.count else {
      throw DataError.countMismatch(
        imagesPath: imagesPath, imageCount: images.count, labelsPath: labelsPath, labelCount: rawLabels.count)
    }
    if transposed { images.pixels = transpose(images) }
    var labels = [Int32](repeating: 0, count: rawLabels.count)
    for i in rawLabels.indices {
      let label = Int(rawLabels[i]) + labelOffset
      guard label >= 0 && label < classCount else {
        throw DataError.labelOutOfRange(path: labelsPath, index: i, label: Int(rawLabels[i]), classCount: classCount)
      }
      labels[i] = Int32(label)
    }
    return try Dataset(
      name: name, split: split, kind: .image, shape: ExampleShape(channels: 1, height: images.height, width: images.width),
      storage: .bytes(images.pixels), labels: labels, classCount: classCount, normalization: normalization,
      source: imagesPath)
  }

  private static func transpose(_ images: Images) -> [UInt8] {
    let h = images.height, w = images.width, n = h * w
    var out = [UInt8](repeating: 0, count: images.pixels.count)
    images.pixels.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for k in 0..<images.count {
          let base = k * n
          // Stored column-major: src[x * h + y] is pixel (y, x); output is row-major, w x h swapped.
          for x in 0..<w { for y in 0..<h { dst[base + y * w + x] = src[base + x * h + y] } }
        }
      }
    }
    return out
  }

  @inline(__always)
  static func word(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
  }
}
