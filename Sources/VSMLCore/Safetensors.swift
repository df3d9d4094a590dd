/// Reading and writing the safetensors format (https://github.com/huggingface/safetensors) for
/// 32-bit float tensors, the checkpoint format of this project.
///
/// Layout: an 8-byte little-endian unsigned header length N; N bytes of UTF-8 JSON
/// `{"__metadata__": {string: string}, name: {"dtype": "F32", "shape": [d0, …],
/// "data_offsets": [begin, end]}, …}` (padded with spaces so the data starts 8-byte aligned);
/// then the data buffer, each tensor's values row-major little-endian at `[begin, end)` relative to
/// the buffer start. Readers require the tensors to tile the buffer exactly: no overlaps, no holes.

/// One F32 tensor: `shape` (row-major, `[]` for a scalar) and `shape.product` values.
public struct FloatTensor: Equatable, Sendable {
  public var shape: [Int]
  public var values: [Float]

  /// `values.count` must equal the product of `shape` (1 for a scalar), every dimension >= 0.
  public init(shape: [Int], values: [Float]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "tensor dimensions must be >= 0")
    precondition(values.count == shape.reduce(1, *), "values.count must equal the product of shape \(shape)")
    self.shape = shape
    self.values = values
  }

  /// A rank-1 tensor holding `values`.
  public init(_ values: [Float]) { self.init(shape: [values.count], values: values) }
}

/// Why a safetensors file could not be read.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
  case truncated(String)
  case badHeader(String)
  case unsupportedDtype(tensor: String, dtype: String)
  case shapeMismatch(tensor: String, shape: [Int], byteCount: Int)
  case offsetsOutOfRange(tensor: String, begin: Int, end: Int, bufferSize: Int)
  case overlapping(tensor: String, other: String)
  case unindexedBytes(begin: Int, end: Int)
  case io(FileIOError)

  public var description: String {
    let advice = "the file is damaged or not a safetensors checkpoint; restore it or re-create it"
    switch self {
    case let .truncated(what): return "safetensors file is truncated: \(what); \(advice)."
    case let .badHeader(what): return "safetensors header is invalid: \(what); \(advice)."
    case let .unsupportedDtype(tensor, dtype):
      return "tensor \(tensor) has dtype \(dtype); only F32 is supported; convert the checkpoint to float32."
    case let .shapeMismatch(tensor, shape, byteCount):
      return "tensor \(tensor) of shape \(shape) needs \(shape.reduce(1, *) * 4) bytes but its offsets span \(byteCount); \(advice)."
    case let .offsetsOutOfRange(tensor, begin, end, bufferSize):
      return "tensor \(tensor) data_offsets [\(begin), \(end)] fall outside the \(bufferSize)-byte data buffer; \(advice)."
    case let .overlapping(tensor, other):
      return "tensors \(other) and \(tensor) overlap in the data buffer; \(advice)."
    case let .unindexedBytes(begin, end):
      return "data bytes [\(begin), \(end)) belong to no tensor; \(advice)."
    case let .io(error): return error.description
    }
  }
}

/// A safetensors file of F32 tensors and string metadata.
public struct SafetensorsFile: Equatable, Sendable {
  /// Largest header accepted (the reference implementation's limit), against hostile lengths.
  public static let maximumHeaderSize = 100_000_000
  /// Size of the length prefix, and the alignment of the data buffer.
  static let prefixSize = 8
  static let metadataKey = "__metadata__"
  static let bytesPerFloat = MemoryLayout<Float>.size

  public var tensors: [String: FloatTensor]
  public var metadata: [String: String]

  public init(tensors: [String: FloatTensor] = [:], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// The file's bytes. Deterministic: metadata keys and tensor names sorted, data in name order.
  /// A tensor may not be named `__metadata__`.
  public func encoded() -> [UInt8] {
    precondition(tensors[SafetensorsFile.metadataKey] == nil, "a tensor may not be named __metadata__")
    let names = tensors.keys.sorted()
    var entries: [String] = []
    if !metadata.isEmpty {
      let pairs = metadata.keys.sorted().map { "\(JSONValue.quoted($0)):\(JSONValue.quoted(metadata[$0]!))" }
      entries.append("\(JSONValue.quoted(SafetensorsFile.metadataKey)):{\(pairs.joined(separator: ","))}")
    }
    var offset = 0
    for name in names {
      let tensor = tensors[name]!
      let end = offset + tensor.values.count * SafetensorsFile.bytesPerFloat
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      entries.append("\(JSONValue.quoted(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
      offset = end
    }
    var header = Array("{\(entries.joined(separator: ","))}".utf8)
    let alignment = SafetensorsFile.prefixSize
    while header.count % alignment != 0 { header.append(UInt8(ascii: " ")) }

    var bytes: [UInt8] = []
    bytes.reserveCapacity(SafetensorsFile.prefixSize + header.count + offset)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: header)
    for name in names {
      for value in tensors[name]!.values {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
      }
    }
    return bytes
  }

  /// Parses and strictly validates a whole file.
  public init(bytes: [UInt8]) throws(SafetensorsError) {
    guard bytes.count >= SafetensorsFile.prefixSize else {
      throw .truncated("\(bytes.count) bytes, fewer than the 8-byte header length")
    }
    var length: UInt64 = 0
    for i in 0..<SafetensorsFile.prefixSize { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    guard length <= UInt64(SafetensorsFile.maximumHeaderSize) else {
      throw .badHeader("header length \(length) exceeds the limit \(SafetensorsFile.maximumHeaderSize)")
    }
    let headerEnd = SafetensorsFile.prefixSize + Int(length)
    guard headerEnd <= bytes.count else {
      throw .truncated("header claims \(length) bytes but only \(bytes.count - SafetensorsFile.prefixSize) follow")
    }
    let json: JSONValue
    do {
      json = try JSONValue(parsing: Array(bytes[SafetensorsFile.prefixSize..<headerEnd]))
    } catch {
      throw .badHeader(error.description)
    }
    guard case let .object(members) = json else { throw .badHeader("the header is not a JSON object") }

    let bufferSize = bytes.count - headerEnd
    var tensors: [String: FloatTensor] = [:]
    var metadata: [String: String] = [:]
    var spans: [(name: String, begin: Int, end: Int)] = []
    for (name, value) in members {
      if name == SafetensorsFile.metadataKey {
        guard case let .object(pairs) = value else { throw .badHeader("__metadata__ is not an object") }
        for (key, item) in pairs {
          guard case let .string(text) = item else { throw .badHeader("__metadata__ value for \(key) is not a string") }
          metadata[key] = text
        }
        continue
      }
      guard case let .object(fields) = value else { throw .badHeader("entry \(name) is not an object") }
      func field(_ key: String) -> JSONValue? { fields.first { $0.key == key }?.value }
      guard case let .string(dtype) = field("dtype") else { throw .badHeader("tensor \(name) has no string dtype") }
      guard case let .array(shapeValues) = field("shape") else { throw .badHeader("tensor \(name) has no shape array") }
      guard case let .array(offsetValues) = field("data_offsets"), offsetValues.count == 2,
            case let .integer(begin) = offsetValues[0], case let .integer(end) = offsetValues[1]
      else { throw .badHeader("tensor \(name) needs data_offsets [begin, end] of two integers") }
      var shape: [Int] = []
      var count = 1
      for dimension in shapeValues {
        guard case let .integer(d) = dimension, d >= 0 else {
          throw .badHeader("tensor \(name) shape must hold non-negative integers")
        }
        let (product, overflow) = count.multipliedReportingOverflow(by: d)
        guard !overflow else { throw .badHeader("tensor \(name) shape \(JSONValue.array(shapeValues).jsonText) overflows") }
        shape.append(d)
        count = product
      }
      guard dtype == "F32" else { throw .unsupportedDtype(tensor: name, dtype: dtype) }
      guard begin >= 0, begin <= end, end <= bufferSize else {
        throw .offsetsOutOfRange(tensor: name, begin: begin, end: end, bufferSize: bufferSize)
      }
      let (byteCount, overflow) = count.multipliedReportingOverflow(by: SafetensorsFile.bytesPerFloat)
      guard !overflow, byteCount == end - begin else {
        throw .shapeMismatch(tensor: name, shape: shape, byteCount: end - begin)
      }
      var values = [Float](repeating: 0, count: count)
      for i in 0..<count {
        let base = headerEnd + begin + i * SafetensorsFile.bytesPerFloat
        var pattern: UInt32 = 0
        for b in 0..<SafetensorsFile.bytesPerFloat { pattern |= UInt32(bytes[base + b]) << (8 * UInt32(b)) }
        values[i] = Float(bitPattern: pattern)
      }
      tensors[name] = FloatTensor(shape: shape, values: values)
      spans.append((name, begin, end))
    }

    // The tensors must tile the data buffer exactly.
    spans.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    var covered = 0
    var previous = ""
    for span in spans {
      if span.begin < covered { throw .overlapping(tensor: span.name, other: previous) }
      if span.begin > covered { throw .unindexedBytes(begin: covered, end: span.begin) }
      covered = span.end
      previous = span.name
    }
    if covered != bufferSize { throw .unindexedBytes(begin: covered, end: bufferSize) }
    self.tensors = tensors
    self.metadata = metadata
  }

  /// Reads and validates the file at `path`.
  public init(contentsOf path: String) throws(SafetensorsError) {
    let bytes: [UInt8]
    do { bytes = try readAllBytes(at: path) } catch { throw .io(error) }
    try self.init(bytes: bytes)
  }

  /// Writes the file atomically (see `writeAtomically`).
  public func write(to path: String) throws(SafetensorsError) {
    do { try writeAtomically(encoded(), to: path) } catch { throw .io(error) }
  }
}
