import Foundation

/// Extraction of the few members a dataset needs from its publisher's archive: ustar `.tar.gz`
/// (CIFAR-10) and zip with stored/deflated members (EMNIST). Members are matched by base name.
enum Archives {
  /// tar block size (POSIX ustar).
  static let tarBlock = 512

  /// Returns the contents of the members of a (gzip-compressed) tar archive whose base names are
  /// in `names`. Throws `missingArchiveMember` if any is absent.
  static func extractTar(path: String, names: Set<String>) throws -> [String: [UInt8]] {
    let bytes = try IDXReader.loadMaybeGzip(path: path)
    var found: [String: [UInt8]] = [:]
    var offset = 0
    while offset + tarBlock <= bytes.count {
      let header = bytes[offset..<(offset + tarBlock)]
      if header.allSatisfy({ $0 == 0 }) { break }  // end-of-archive marker
      let name = cString(header, 0, 100)
      let prefix = cString(header, 345, 155)
      let sizeText = cString(header, 124, 12).trimmingCharacters(in: .whitespaces)
      guard let size = Int(sizeText, radix: 8) else {
        throw DataError.corruptGzip(path: path, reason: "bad tar header at byte \(offset)")
      }
      let type = header[header.startIndex + 156]
      let fullName = prefix.isEmpty ? name : prefix + "/" + name
      let base = (fullName as NSString).lastPathComponent
      let dataStart = offset + tarBlock
      guard dataStart + size <= bytes.count else { throw DataError.truncatedGzip(path: path) }
      if (type == UInt8(ascii: "0") || type == 0) && names.contains(base) {
        found[base] = Array(bytes[dataStart..<(dataStart + size)])
      }
      offset = dataStart + (size + tarBlock - 1) / tarBlock * tarBlock
    }
    for name in names where found[name] == nil { throw DataError.missingArchiveMember(path: path, member: name) }
    return found
  }

  /// Zip signatures and sizes (PKWARE APPNOTE 4.3).
  static let zipEndSignature: UInt32 = 0x0605_4b50
  static let zipCentralSignature: UInt32 = 0x0201_4b50
  static let zipLocalSignature: UInt32 = 0x0403_4b50
  static let zipEndRecordSize = 22
  static let zipCentralHeaderSize = 46
  static let zipLocalHeaderSize = 30
  static let zipMethodStored: UInt16 = 0
  static let zipMethodDeflated: UInt16 = 8

  /// Returns the contents of the members of a zip archive whose base names are in `names`.
  /// Only the members asked for are read and inflated (EMNIST's zip is 562 MB).
  static func extractZip(path: String, names: Set<String>) throws -> [String: [UInt8]] {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw FileIO.isFile(path) ? DataError.unreadable(path: path, reason: "cannot open") : DataError.fileNotFound(path: path)
    }
    defer { try? handle.close() }
    func read(_ offset: UInt64, _ count: Int) throws -> [UInt8] {
      do {
        try handle.seek(toOffset: offset)
        let data = try handle.read(upToCount: count) ?? Data()
        guard data.count == count else { throw DataError.truncatedGzip(path: path) }
        return [UInt8](data)
      } catch let error as DataError {
        throw error
      } catch {
        throw DataError.unreadable(path: path, reason: error.localizedDescription)
      }
    }
    let fileSize: UInt64
    do { fileSize = try handle.seekToEnd() } catch { throw DataError.unreadable(path: path, reason: "\(error)") }
    // The end record sits in the last 22 + 65,535 (maximum comment) bytes.
    let tailCount = Int(min(fileSize, UInt64(zipEndRecordSize + 65_535)))
    let tail = try read(fileSize - UInt64(tailCount), tailCount)
    guard tailCount >= zipEndRecordSize,
      let end = stride(from: tailCount - zipEndRecordSize, through: 0, by: -1).first(where: { le32(tail, $0) == zipEndSignature })
    else { throw DataError.corruptGzip(path: path, reason: "no zip end-of-central-directory record (truncated?)") }
    let entryCount = Int(le16(tail, end + 10))
    let directorySize = Int(le32(tail, end + 12))
    let directoryOffset = UInt64(le32(tail, end + 16))
    guard directoryOffset + UInt64(directorySize) <= fileSize else { throw DataError.truncatedGzip(path: path) }
    let directory = try read(directoryOffset, directorySize)
    var found: [String: [UInt8]] = [:]
    var p = 0
    for _ in 0..<entryCount {
      guard p + zipCentralHeaderSize <= directory.count, le32(directory, p) == zipCentralSignature else {
        throw DataError.corruptGzip(path: path, reason: "bad zip central directory")
      }
      let method = le16(directory, p + 10)
      let compressedSize = Int(le32(directory, p + 20))
      let size = Int(le32(directory, p + 24))
      let nameLength = Int(le16(directory, p + 28))
      let extraLength = Int(le16(directory, p + 30)), commentLength = Int(le16(directory, p + 32))
      let localOffset = UInt64(le32(directory, p + 42))
      guard p + zipCentralHeaderSize + nameLength <= directory.count else {
        throw DataError.corruptGzip(path: path, reason: "bad zip central directory")
      }
      let name = String(decoding: directory[(p + zipCentralHeaderSize)..<(p + zipCentralHeaderSize + nameLength)], as: UTF8.self)
      let base = (name as NSString).lastPathComponent
      p += zipCentralHeaderSize + nameLength + extraLength + commentLength
      guard names.contains(base) else { continue }
      let local = try read(localOffset, zipLocalHeaderSize)
      guard le32(local, 0) == zipLocalSignature else { throw DataError.corruptGzip(path: path, reason: "bad zip local header for \(name)") }
      let dataOffset = localOffset + UInt64(zipLocalHeaderSize + Int(le16(local, 26)) + Int(le16(local, 28)))
      let compressed = try read(dataOffset, compressedSize)
      switch method {
      case zipMethodStored: found[base] = compressed
      case zipMethodDeflated:
        found[base] = try Gzip.decompress(compressed, path: path + ":" + name, raw: true, sizeHint: size)
      default: throw DataError.corruptGzip(path: path, reason: "zip member \(name) uses unsupported method \(method)")
      }
    }
    for name in names where found[name] == nil { throw DataError.missingArchiveMember(path: path, member: name) }
    return found
  }

  private static func cString(_ bytes: ArraySlice<UInt8>, _ offset: Int, _ length: Int) -> String {
    let start = bytes.startIndex + offset
    let field = bytes[start..<(start + length)]
    let end = field.firstIndex(of: 0) ?? field.endIndex
    return String(decoding: field[start..<end], as: UTF8.self)
  }

  private static func le16(_ b: [UInt8], _ o: Int) -> UInt16 { UInt16(b[o]) | UInt16(b[o + 1]) << 8 }
  private static func le32(_ b: [UInt8], _ o: Int) -> UInt32 {
    UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
  }
}
