import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Small file helpers that throw `DataError` naming the path.
enum FileIO {
  /// Reads a whole regular file into memory.
  static func readAll(_ path: String) throws -> [UInt8] {
    var info = stat()
    guard stat(path, &info) == 0 else {
      if errno == ENOENT { throw DataError.fileNotFound(path: path) }
      throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw DataError.unreadable(path: path, reason: "not a regular file")
    }
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw DataError.unreadable(path: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    let size = Int(info.st_size)
    var bytes = [UInt8](repeating: 0, count: size)
    var done = 0
    var failure: String?
    bytes.withUnsafeMutableBytes { buffer in
      while done < size {
        let n = read(fd, buffer.baseAddress! + done, size - done)
        if n < 0 {
          if errno == EINTR { continue }
          failure = String(cString: strerror(errno)); return
        }
        if n == 0 { break }
        done += n
      }
    }
    if let failure { throw DataError.unreadable(path: path, reason: failure) }
    if done < size { bytes.removeSubrange(done...) }
    return bytes
  }

  /// Whether `path` is an existing regular file.
  static func isFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
  }

  /// Whether `path` is an existing directory.
  static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// Creates `path` and its parents if needed.
  static func makeDirectory(_ path: String) throws {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw DataError.unreadable(path: path, reason: "cannot create directory: \(error.localizedDescription)")
    }
  }

  /// Writes `bytes` to a temporary file beside `path`, then renames it into place, so that a
  /// reader never sees a half-written file.
  static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let temp = path + ".partial-\(getpid())"
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw DataError.unreadable(path: temp, reason: String(cString: strerror(errno))) }
    var failure: String?
    bytes.withUnsafeBytes { buffer in
      var done = 0
      while done < buffer.count {
        let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
        if n < 0 {
          if errno == EINTR { continue }
          failure = String(cString: strerror(errno)); return
        }
        done += n
      }
    }
    close(fd)
    if let failure {
      unlink(temp)
      throw DataError.unreadable(path: temp, reason: "write failed: \(failure)")
    }
    guard rename(temp, path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temp)
      throw DataError.unreadable(path: path, reason: "rename failed: \(reason)")
    }
  }

  /// `directory/name`, without doubling slashes.
  static func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }
}
