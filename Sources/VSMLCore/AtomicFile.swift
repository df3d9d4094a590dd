#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file operation: what was attempted, on which path, and the system's reason.
public enum FileIOError: Error, Equatable, CustomStringConvertible {
  case openFailed(path: String, reason: String)
  case readFailed(path: String, reason: String)
  case writeFailed(path: String, reason: String)
  case syncFailed(path: String, reason: String)
  case renameFailed(from: String, to: String, reason: String)
  /// The file holds more than `limit` bytes (or never ends, like a device).
  case tooLarge(path: String, limit: Int)
  /// The path names something other than a regular file (`kind`: a symbolic link, a FIFO, a
  /// device, a folder, a socket), which a write would replace or write through.
  case notRegularFile(path: String, kind: String)

  public var description: String {
    switch self {
    case let .openFailed(path, reason):
      return "cannot open \(path): \(reason); check that the directory exists and is writable/readable."
    case let .readFailed(path, reason):
      return "cannot read \(path): \(reason); check the file and the disk."
    case let .writeFailed(path, reason):
      return "cannot write \(path): \(reason); check free disk space and permissions."
    case let .syncFailed(path, reason):
      return "cannot flush \(path) to disk: \(reason); check the file system."
    case let .renameFailed(from, to, reason):
      return "cannot rename \(from) to \(to): \(reason); both must be on the same file system."
    case let .tooLarge(path, limit):
      return "\(path) holds more than \(limit) bytes, more than any file of its kind should; check that it is the right file."
    case let .notRegularFile(path, kind):
      return "\(path) is \(kind), not a regular file; vsml reads and writes regular files only (save a stream to a file first), so name another file."
    }
  }
}

/// Mode of newly written files: owner read/write, group and others read.
private let newFileMode: mode_t = 0o644

private func systemReason() -> String { String(cString: strerror(errno)) }

/// What `path` is when it exists and is not a regular file ("a symbolic link", "a FIFO", ...);
/// nil when it is a regular file or does not exist. Symbolic links are not followed.
package func nonRegularKind(_ path: String) -> String? {
  var info = stat()
  guard lstat(path, &info) == 0 else { return nil }
  return kindName(info.st_mode)
}

/// What a file of mode `mode` is, when not a regular file.
private func kindName(_ mode: mode_t) -> String? {
  switch mode & S_IFMT {
  case S_IFREG: return nil
  case S_IFLNK: return "a symbolic link"
  case S_IFIFO: return "a FIFO"
  case S_IFCHR, S_IFBLK: return "a device"
  case S_IFDIR: return "a folder"
  case S_IFSOCK: return "a socket"
  default: return "not a regular file"
  }
}

/// Opens `path` for appending, creating it (mode 0644) if needed, without following a symbolic
/// link and never onto something other than a regular file; returns the descriptor.
package func openForAppending(_ path: String) throws(FileIOError) -> Int32 {
  if let kind = nonRegularKind(path) { throw .notRegularFile(path: path, kind: kind) }
  let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, newFileMode)
  guard fd >= 0 else {
    if errno == ELOOP { throw .notRegularFile(path: path, kind: "a symbolic link") }
    throw .openFailed(path: path, reason: systemReason())
  }
  if let kind = nonRegularKind(path) {
    close(fd)
    throw .notRegularFile(path: path, kind: kind)
  }
  return fd
}

/// Writes every byte of `bytes` to `fd` (retrying after interruptions and partial writes).
package func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(FileIOError) {
  let failure: FileIOError? = bytes.withUnsafeBytes { raw in
    var offset = 0
    while offset < raw.count {
      let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
      if written < 0 {
        if errno == EINTR { continue }
        return .writeFailed(path: path, reason: systemReason())
      }
      offset += written
    }
    return nil
  }
  if let failure { throw failure }
}

/// Writes `bytes` to `path` so that a reader (or a crash) sees either the old file or the whole new
/// one, never a torn mix: write to a temporary file in the same directory, `fsync` it, `rename` it
/// over `path` (atomic within one file system), then `fsync` the directory so the rename is durable.
/// On failure the temporary file is removed and `path` is untouched. `path` must be a regular file
/// or new: a symbolic link, FIFO, device or folder there is refused, not replaced.
package func writeAtomically(_ bytes: [UInt8], to path: String) throws(FileIOError) {
  if let kind = nonRegularKind(path) { throw .notRegularFile(path: path, kind: kind) }
  let slash = path.lastIndex(of: "/")
  let directory = slash.map { String(path[..<$0]).isEmpty ? "/" : String(path[..<$0]) } ?? "."
  let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
  var nonceGenerator = SystemRandomNumberGenerator()
  let nonce = String(nonceGenerator.next() & 0xFFFF_FFFF, radix: 16)
  let temporary = "\(directory)/.\(name).tmp-\(getpid())-\(nonce)"

  let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, newFileMode)
  guard fd >= 0 else { throw .openFailed(path: temporary, reason: systemReason()) }
  var closed = false
  defer { if !closed { close(fd) } }
  do throws(FileIOError) {
    try writeAll(bytes, to: fd, path: temporary)
    guard fsync(fd) == 0 else { throw .syncFailed(path: temporary, reason: systemReason()) }
    closed = true
    guard close(fd) == 0 else { throw .writeFailed(path: temporary, reason: systemReason()) }
    guard rename(temporary, path) == 0 else {
      throw .renameFailed(from: temporary, to: path, reason: systemReason())
    }
  } catch {
    unlink(temporary)
    throw error
  }
  // Make the rename itself durable.
  let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
  guard directoryFD >= 0 else { throw .openFailed(path: directory, reason: systemReason()) }
  defer { close(directoryFD) }
  guard fsync(directoryFD) == 0 else { throw .syncFailed(path: directory, reason: systemReason()) }
}

/// Largest files read whole, by kind: far above any valid file, low enough that a wrong path
/// (a device such as /dev/zero, a dataset given as a configuration) fails fast.
package enum FileSizeLimits {
  /// Configurations (JSON or YAML text).
  package static let configuration = 16 << 20
  /// Checkpoint JSON, learned parameters and checkpoint state sidecars (a Meta RNN's state is
  /// about 40 MB).
  package static let parameters = 1 << 30
}

/// Reads the whole regular file at `path` (symbolic links followed), refusing more than `limit`
/// bytes, and refusing a FIFO, device or folder, which could block or never end.
package func readAllBytes(at path: String, limit: Int = FileSizeLimits.parameters) throws(FileIOError) -> [UInt8] {
  // Non-blocking open: opening a FIFO that no one writes returns at once instead of hanging.
  let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
  guard fd >= 0 else { throw .openFailed(path: path, reason: systemReason()) }
  defer { close(fd) }
  var info = stat()
  guard fstat(fd, &info) == 0 else { throw .readFailed(path: path, reason: systemReason()) }
  if let kind = kindName(info.st_mode) { throw .notRegularFile(path: path, kind: kind) }
  var result: [UInt8] = []
  let chunkSize = 1 << 20  // 1 MiB reads: few system calls, modest peak memory
  var chunk = [UInt8](repeating: 0, count: chunkSize)
  while true {
    let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, chunkSize) }
    if count < 0 {
      if errno == EINTR { continue }
      throw .readFailed(path: path, reason: systemReason())
    }
    if count == 0 { break }
    guard result.count + count <= limit else { throw .tooLarge(path: path, limit: limit) }
    result.append(contentsOf: chunk[0..<count])
  }
  return result
}
