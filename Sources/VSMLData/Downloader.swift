import CHTTP
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Fetches registered datasets into the cache.
///
/// Each file is streamed by the system's libcurl (loaded at run time; `URLSession` where it cannot
/// be loaded) into a temporary file beside its destination, its SHA-256 is checked against the
/// published sum, and only then is it renamed into place. libcurl waits in poll(), so a stalled
/// server costs no CPU until `timeout` ends the transfer; Linux's `URLSession` spins a core while
/// it waits. On a mismatch or
/// any failure the temporary file is deleted, so the cache never holds a half-written or
/// unverified file under a real name. Archives (CIFAR-10 tar.gz, EMNIST zip) are kept after
/// extraction so that `verify` can re-check them; extracted members are written atomically.
public struct Downloader: Sendable {
  /// Where files are looked for and where downloads go.
  public var locator: DataLocator
  /// Seconds without progress (no connection, or no byte received) before a request fails.
  public var timeout: TimeInterval
  /// Largest file a download may write: above every registered file (CIFAR-10's archive is
  /// 170 MB), so that a misbehaving server cannot fill the disk.
  public static let maximumDownloadBytes: Int64 = 4 << 30
  /// Progress and warning messages (e.g. "checksum unverified").
  public var log: @Sendable (String) -> Void

  public init(locator: DataLocator, timeout: TimeInterval = 60, log: @escaping @Sendable (String) -> Void = { _ in }) {
    self.locator = locator
    self.timeout = timeout
    self.log = log
  }

  /// Makes every local file of `info` present, downloading what is missing into the cache.
  /// - Returns: the local files' paths, in `info.format.localFiles` order.
  @discardableResult
  public func fetch(_ info: DatasetInfo) throws -> [String] {
    let missing = locator.presence(of: info).filter { $0.path == nil }.map(\.file)
    if !missing.isEmpty {
      let folder = locator.cacheFolder(for: info)
      try FileIO.makeDirectory(folder)
      switch info.packaging {
      case .plain:
        for remote in info.downloads where missing.contains(remote.fileName) {
          try download(remote, to: FileIO.join(folder, remote.fileName))
        }
      case .tar, .zip:
        guard let remote = info.downloads.first else { break }
        let archive = try locator.find(remote.fileName, of: info) ?? {
          let path = FileIO.join(folder, remote.fileName)
          try download(remote, to: path)
          return path
        }()
        log("extracting \(missing.joined(separator: ", ")) from \(archive)")
        let members = info.packaging == .tar
          ? try Archives.extractTar(path: archive, names: Set(missing))
          : try Archives.extractZip(path: archive, names: Set(missing))
        for name in missing { try FileIO.writeAtomically(members[name]!, to: FileIO.join(folder, name)) }
      }
    }
    return try info.format.localFiles.map { try locator.locate($0, of: info) }
  }

  /// Downloads `remote` (trying its URLs in order) to `destination`, verifying its checksum.
  public func download(_ remote: RemoteFile, to destination: String) throws {
    var lastError: DataError?
    for (i, string) in remote.urls.enumerated() {
      guard let url = URL(string: string) else {
        lastError = .downloadFailed(url: string, reason: "not a valid URL")
        continue
      }
      do {
        log("downloading \(string)")
        try download(from: url, to: destination, sha256: remote.sha256)
        return
      } catch let error as DataError {
        lastError = error
        // A checksum mismatch means the server answered with the wrong bytes; a mirror may not.
        if i + 1 < remote.urls.count { log("\(error); trying the next mirror") }
      }
    }
    throw lastError ?? DataError.downloadFailed(url: remote.fileName, reason: "no URL to download from")
  }

  /// Downloads `url` to `destination`. With `sha256` the file must match it; without, a warning
  /// is logged. Nothing is left at `destination` (or beside it) unless the download succeeded.
  public func download(from url: URL, to destination: String, sha256: String?) throws {
    let temp = destination + ".partial-\(getpid())"
    unlink(temp)
    defer { unlink(temp) }  // no-op after the rename
    try fetchToFile(url: url, path: temp)
    let actual = try SHA256.hexDigest(ofFile: temp)
    if let expected = sha256?.lowercased() {
      guard actual == expected else {
        throw DataError.checksumMismatch(path: url.absoluteString, expected: expected, actual: actual)
      }
    } else {
      log("warning: no published SHA-256 for \(url.lastPathComponent); accepted unverified (sha256 \(actual))")
    }
    guard rename(temp, destination) == 0 else {
      throw DataError.unreadable(path: destination, reason: "rename failed: \(String(cString: strerror(errno)))")
    }
  }

  /// Streams the body of `url` into a new file at `path`: libcurl if the system has it, else
  /// `URLSession`.
  private func fetchToFile(url: URL, path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw DataError.unreadable(path: path, reason: "cannot create: \(String(cString: strerror(errno)))") }
    var status = 0
    var message = [CChar](repeating: 0, count: 512)
    let seconds = max(1, Int(timeout.rounded(.up)))
    let result = chttp_download(url.absoluteString, fd, seconds, seconds, Self.maximumDownloadBytes, &status, &message, message.count)
    close(fd)
    switch result {
    case CHTTP_OK: return
    case CHTTP_FAILED:
      throw DataError.downloadFailed(url: url.absoluteString, reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    default:
      unlink(path)
      try streamToFile(url: url, path: path)
    }
  }

  /// Streams the body of `url` into a new file at `path` (URLSession download task).
  private func streamToFile(url: URL, path: String) throws {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = timeout
    configuration.urlCache = nil
    let session = URLSession(configuration: configuration)
    defer { session.finishTasksAndInvalidate() }
    let outcome = DownloadOutcome()
    let done = DispatchSemaphore(value: 0)
    let task = session.downloadTask(with: url) { location, response, error in
      defer { done.signal() }
      if let error {
        outcome.set(.downloadFailed(url: url.absoluteString, reason: error.localizedDescription))
        return
      }
      if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
        outcome.set(.downloadFailed(url: url.absoluteString, reason: "HTTP status \(http.statusCode)"))
        return
      }
      guard let location else {
        outcome.set(.downloadFailed(url: url.absoluteString, reason: "no data received"))
        return
      }
      // The session deletes `location` when this handler returns: move it now.
      do {
        try FileManager.default.moveItem(atPath: location.path, toPath: path)
      } catch {
        outcome.set(.unreadable(path: path, reason: "cannot store download: \(error.localizedDescription)"))
      }
    }
    task.resume()
    done.wait()
    if let error = outcome.error { throw error }
  }
}

/// The error (if any) a download's completion handler reports to the waiting thread.
private final class DownloadOutcome: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: DataError?
  func set(_ error: DataError) { lock.lock(); stored = error; lock.unlock() }
  var error: DataError? { lock.lock(); defer { lock.unlock() }; return stored }
}
