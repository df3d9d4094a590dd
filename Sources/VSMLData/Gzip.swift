import CZlib

/// Decompression through zlib: gzip files (IDX, tar.gz) and raw deflate (zip members).
enum Gzip {
  /// zlib `windowBits` for a 32 KiB window with automatic gzip/zlib header detection (15 + 32).
  static let autoHeaderWindowBits: Int32 = 15 + 32
  /// zlib `windowBits` for raw deflate without header (zip members).
  static let rawDeflateWindowBits: Int32 = -15
  /// deflate cannot compress better than about 1032:1 (zlib technical details).
  static let maximumDeflateRatio = 1032
  /// Largest output inflated: far above any dataset file this package reads (CIFAR-10's batches
  /// are 180 MB), so a decompression bomb fails instead of filling the memory.
  static let maximumOutputBytes = 4 << 30
  /// The two bytes every gzip member starts with (RFC 1952).
  static let magic: (UInt8, UInt8) = (0x1f, 0x8b)

  /// Whether `bytes` start with the gzip magic.
  static func isGzip(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == magic.0 && bytes[1] == magic.1
  }

  /// Inflates a gzip stream (one or more concatenated members) or, with `raw`, a raw deflate
  /// stream. `sizeHint` preallocates the output; `path` names the file in errors.
  /// - `maximumOutput`: more output than this is an error, found before it is allocated (a
  ///   format whose header declares its size passes that size, so a bomb inflates no further).
  /// - `prefix`: stop once this many bytes are out and return them (or fewer, if the stream ends
  ///   first), e.g. to read a header without inflating the rest.
  static func decompress(
    _ input: [UInt8], path: String, raw: Bool = false, sizeHint: Int? = nil, maximumOutput: Int? = nil, prefix: Int? = nil
  ) throws -> [UInt8] {
    let ceiling = min(maximumOutput ?? maximumOutputBytes, prefix ?? maximumOutputBytes, maximumOutputBytes)
    var capacity = sizeHint ?? 0
    if capacity <= 0 {
      // gzip's trailer holds the uncompressed size modulo 2^32 (ISIZE, little-endian).
      // A damaged or truncated file has a random trailer: trust it only up to deflate's maximum
      // compression ratio, so a bad file cannot make us allocate gigabytes.
      if !raw && input.count >= 18 {
        let n = input.count
        let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        if isize <= input.count * maximumDeflateRatio { capacity = isize }
      }
      capacity = max(capacity, min(input.count * 4, 1 << 26), 1024)
    }
    capacity = min(capacity, ceiling + 1)
    var output = [UInt8](repeating: 0, count: capacity)
    var produced = 0
    var stream = z_stream()
    let windowBits = raw ? rawDeflateWindowBits : autoHeaderWindowBits
    guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw DataError.corruptGzip(path: path, reason: "zlib could not be initialised")
    }
    defer { inflateEnd(&stream) }

    try input.withUnsafeBufferPointer { inBuffer in
      stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
      stream.avail_in = UInt32(inBuffer.count)
      if inBuffer.count == 0 { throw DataError.truncatedGzip(path: path) }
      while true {
        if produced == output.count {
          // More output than deflate can make from this input, or than any dataset holds: damage
          // or a decompression bomb, refused before it fills the memory.
          let limit = min(inBuffer.count * maximumDeflateRatio + 1024, ceiling + 1)
          guard output.count < limit else {
            let declared = maximumOutput.map { $0 == limit - 1 ? ", more than its header declares" : "" } ?? ""
            throw DataError.corruptGzip(path: path, reason: "inflates to more than \(limit - 1) bytes\(declared)")
          }
          output.append(contentsOf: repeatElement(0, count: min(output.count, limit - output.count)))
        }
        let status: Int32 = output.withUnsafeMutableBufferPointer { out in
          let room = min(out.count - produced, Int(UInt32.max))
          stream.next_out = out.baseAddress! + produced
          stream.avail_out = UInt32(room)
          let status = inflate(&stream, Z_NO_FLUSH)
          produced += room - Int(stream.avail_out)
          return status
        }
        if let prefix, produced >= prefix { return }
        switch status {
        case Z_STREAM_END:
          let remaining = Int(stream.avail_in)
          if remaining == 0 || raw { return }
          let next = inBuffer.count - remaining
          // Another gzip member may follow (RFC 1952 allows concatenation); anything else is damage.
          guard remaining >= 2, inBuffer[next] == magic.0, inBuffer[next + 1] == magic.1 else {
            throw DataError.corruptGzip(path: path, reason: "\(remaining) unexpected bytes after the gzip stream")
          }
          inflateReset(&stream)
        case Z_OK:
          if stream.avail_in == 0 && stream.avail_out > 0 { throw DataError.truncatedGzip(path: path) }
        case Z_BUF_ERROR:
          if stream.avail_in == 0 { throw DataError.truncatedGzip(path: path) }
        case Z_DATA_ERROR:
          let message = stream.msg.map { String(cString: $0) } ?? "invalid deflate data"
          throw DataError.corruptGzip(path: path, reason: message)
        case Z_MEM_ERROR:
          throw DataError.corruptGzip(path: path, reason: "out of memory")
        default:
          throw DataError.corruptGzip(path: path, reason: "zlib status \(status)")
        }
      }
    }
    output.removeSubrange(min(produced, prefix ?? produced)...)
    return output
  }
}
