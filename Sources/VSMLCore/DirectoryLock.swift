import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on a directory, held while one writer works in it: `flock` on a file in the
/// directory that holds the holder's process id.
///
/// The kernel releases the lock when the holder exits in any way (kill -9 included), so a stale
/// lock file never blocks a later run. The file itself stays; only the lock on it matters.
package final class DirectoryLock: @unchecked Sendable {
  package static let fileName = "train.lock"
  package let path: String
  private let descriptor: Int32

  /// Takes the lock on `directory` (which must exist), or throws naming the holder's pid.
  package init(directory: String) throws(DirectoryLockError) {
    path = (directory as NSString).appendingPathComponent(Self.fileName)
    if let kind = nonRegularKind(path) { throw .unusable(path, "it is \(kind), not a regular file") }
    let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0o644)
    guard fd >= 0 else { throw .unusable(path, errno == ELOOP ? "it is a symbolic link, not a regular file" : String(cString: strerror(errno))) }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      let reason = errno
      let holder = Self.readPID(fd)
      close(fd)
      if reason == EWOULDBLOCK { throw .held(directory: directory, pid: holder) }
      throw .unusable(path, String(cString: strerror(reason)))
    }
    descriptor = fd
    let text = Array("\(getpid())\n".utf8)
    _ = ftruncate(fd, 0)
    _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
  }

  deinit {
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }

  private static func readPID(_ fd: Int32) -> Int32? {
    var buffer = [UInt8](repeating: 0, count: 32)
    let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
    guard n > 0 else { return nil }
    return Int32(String(decoding: buffer.prefix(n), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
  }
}

/// Why a directory could not be locked.
package enum DirectoryLockError: Error, CustomStringConvertible, Equatable {
  /// Another process holds the lock.
  case held(directory: String, pid: Int32?)
  /// The lock file cannot be created or locked.
  case unusable(String, String)

  package var description: String {
    switch self {
    case .held(let directory, let pid):
      let holder = pid.map { "process \($0)" } ?? "another process"
      return "\(directory) is in use by \(holder) (another vsml train writing to it); wait for it to finish or stop it, "
        + "or choose another directory"
    case .unusable(let path, let reason):
      return "cannot lock \(path): \(reason); check that the run directory is writable"
    }
  }
}
