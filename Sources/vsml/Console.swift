import Foundation
import Synchronization

/// The process's standard streams, written without traps and with failures counted.
///
/// - Descriptors 0, 1 and 2 that the caller closed are occupied at start by `/dev/null` opened
///   read-only, so that no lock or data file lands on them (a file opened while fd 1 is closed
///   would receive the progress lines) and writes there fail (EBADF) instead of vanishing.
/// - SIGPIPE is ignored: a write to a closed pipe returns EPIPE instead of killing the process.
/// - A failed write to standard output is remembered (`outputError`); training treats it as a
///   stop request (checkpoint, then exit), and every command then exits with `outputLostStatus`,
///   since the output that was asked for was not delivered.
/// - Standard error is written best effort: a message nobody can read is dropped, never a trap.
enum Console {
  /// Exit status when requested output could not be written: sysexits' EX_IOERR.
  static let outputLostStatus: Int32 = 74

  /// The errno of the first failed write to standard output; 0 while every write succeeded.
  static let outputError = Atomic<Int32>(0)

  /// Occupies closed standard descriptors and ignores SIGPIPE; call first thing in `main`.
  static func prepare() {
    signal(SIGPIPE, SIG_IGN)
    for fd in Int32(0)...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
      // open returns the lowest free descriptor, which is `fd` since those below are open.
      let opened = open("/dev/null", O_RDONLY)
      if opened != fd && opened >= 0 { close(opened) }
    }
  }

  /// Writes `text` to standard output; on failure records the errno and returns false.
  @discardableResult
  static func output(_ text: String) -> Bool {
    let failure = writeAll(text, to: STDOUT_FILENO)
    guard failure == 0 else {
      _ = outputError.compareExchange(expected: 0, desired: failure, ordering: .relaxed)
      return false
    }
    return true
  }

  /// Writes `text` to standard error, best effort.
  static func error(_ text: String) { _ = writeAll(text, to: STDERR_FILENO) }

  /// Whether a write to standard output has failed.
  static var outputLost: Bool { outputError.load(ordering: .relaxed) != 0 }

  /// Why output was lost, for the closing message.
  static var outputLossReason: String {
    let code = outputError.load(ordering: .relaxed)
    switch code {
    case EPIPE: return "the reader of standard output went away (broken pipe)"
    case EBADF: return "standard output is closed"
    case ENOSPC: return "the device of standard output is full"
    default: return "writing standard output failed (\(String(cString: strerror(code))))"
    }
  }

  /// Ends the process after its work when standard output lost something: a message on standard
  /// error, then `outputLostStatus`. Returns when nothing was lost.
  static func exitIfOutputLost() {
    guard outputLost else { return }
    error("vsml: error: \(outputLossReason); the requested output was not (fully) written\n")
    exit(outputLostStatus)
  }

  /// Writes every byte of `text` to `fd`, retrying after interruptions and partial writes;
  /// returns 0 or the errno of the failure.
  private static func writeAll(_ text: String, to fd: Int32) -> Int32 {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
      if written < 0 {
        if errno == EINTR { continue }
        return errno
      }
      offset += written
    }
    return 0
  }
}

/// The command-line tool's `print`: standard output through `Console`, unbuffered, so that a
/// closed or broken output is noticed at the line that failed (it shadows the standard library's
/// `print` in this module).
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
  Console.output(items.map { "\($0)" }.joined(separator: separator) + terminator)
}
