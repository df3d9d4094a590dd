import Foundation
import XCTest
@testable import VSMLData
#if canImport(Glibc)
import Glibc
#endif

/// Where the tests find the official dataset files: the normal lookup (`VSML_DATA_DIR`, then the
/// cache), as `vsml` itself does.
let realData = DataLocator.standard()

/// The official copy of `dataset/file` by the normal lookup, or an XCTSkip saying why not.
func realDataFile(_ dataset: String, _ file: String) throws -> String {
  guard let path = try? realData.locate(file, of: DatasetRegistry.info(dataset)) else {
    throw XCTSkip("\(dataset)/\(file) not found: set VSML_DATA_DIR to a folder holding it, or run `vsml data fetch \(dataset)`")
  }
  return path
}

/// A fresh temporary directory, removed at the end of the test.
func makeTempDirectory(_ test: XCTestCase) -> String {
  let path = NSTemporaryDirectory() + "vsml-data-test-" + UUID().uuidString
  try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
  return path
}

func write(_ bytes: [UInt8], _ path: String) {
  _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

func write(_ text: String, _ path: String) { write(Array(text.utf8), path) }

/// Runs a program; returns its exit status.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String], directory: String? = nil) throws -> Int32 {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
  try process.run()
  process.waitUntilExit()
  return process.terminationStatus
}

/// gzip-compresses `bytes` with the system `gzip` (skips the test if it is missing).
func gzipped(_ bytes: [UInt8], in directory: String) throws -> [UInt8] {
  guard FileManager.default.isExecutableFile(atPath: "/bin/gzip") || FileManager.default.isExecutableFile(atPath: "/usr/bin/gzip") else {
    throw XCTSkip("gzip is not installed")
  }
  let path = directory + "/gz-\(UUID().uuidString)"
  write(bytes, path)
  let gzip = FileManager.default.isExecutableFile(atPath: "/bin/gzip") ? "/bin/gzip" : "/usr/bin/gzip"
  XCTAssertEqual(try runProcess(gzip, ["-n", "-f", path]), 0)
  let out = [UInt8](FileManager.default.contents(atPath: path + ".gz")!)
  try? FileManager.default.removeItem(atPath: path + ".gz")
  return out
}

/// Big-endian IDX bytes.
func idx(magic: UInt32, dims: [UInt32], data: [UInt8]) -> [UInt8] {
  var out: [UInt8] = []
  for word in [magic] + dims { out += [UInt8(word >> 24), UInt8(word >> 16 & 255), UInt8(word >> 8 & 255), UInt8(word & 255)] }
  return out + data
}

/// A minimal HTTP/1.0 file server on 127.0.0.1 (ephemeral port) serving files under `root`.
/// Paths under `/cut/` announce the full length but send only half the body and close (a
/// connection dropped mid-download).
final class LocalHTTPServer: @unchecked Sendable {
  let root: String
  private(set) var port: UInt16 = 0
  private var listener: Int32 = -1
  private var thread: Thread?

  init(root: String) throws {
    self.root = root
    listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard listener >= 0 else { throw XCTSkip("cannot create a socket") }
    var yes: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, listen(listener, 16) == 0 else { throw XCTSkip("cannot bind 127.0.0.1") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
    }
    port = UInt16(bigEndian: address.sin_port)
    let fd = listener
    let thread = Thread { [root] in
      while true {
        let client = accept(fd, nil, nil)
        if client < 0 { return }
        Self.serve(client, root: root)
        close(client)
      }
    }
    thread.start()
    self.thread = thread
  }

  func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)/\(path)")! }

  func stop() {
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
  }

  private static func serve(_ client: Int32, root: String) {
    var request: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !request.containsHeaderEnd {
      let n = read(client, &buffer, buffer.count)
      if n <= 0 { return }
      request += buffer[0..<n]
    }
    let line = String(decoding: request.prefix { $0 != 13 }, as: UTF8.self).split(separator: " ")
    guard line.count >= 2 else { return }
    var path = String(line[1]).removingPercentEncoding ?? String(line[1])
    var cut = false, stall = false
    if path.hasPrefix("/cut/") { cut = true; path = String(path.dropFirst(4)) }
    if path.hasPrefix("/stall/") { stall = true; path = String(path.dropFirst(6)) }
    guard !path.contains(".."), let body = FileManager.default.contents(atPath: root + path) else {
      send(client, Array("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
      return
    }
    send(client, Array("HTTP/1.0 200 OK\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8))
    let bytes = [UInt8](body)
    send(client, cut || stall ? Array(bytes[0..<(bytes.count / 2)]) : bytes)
    // A stalled server keeps the connection open without sending more.
    if stall { Thread.sleep(forTimeInterval: Self.stallSeconds) }
  }

  /// How long a `/stall/` request holds its connection open after half the body.
  static let stallSeconds = 8.0

  private static func send(_ client: Int32, _ bytes: [UInt8]) {
    var done = 0
    while done < bytes.count {
      let n = bytes[done...].withUnsafeBytes { write(client, $0.baseAddress!, $0.count) }
      if n <= 0 { return }
      done += n
    }
  }
}

private extension Array where Element == UInt8 {
  var containsHeaderEnd: Bool {
    count >= 4 && (0...(count - 4)).contains { self[$0] == 13 && self[$0 + 1] == 10 && self[$0 + 2] == 13 && self[$0 + 3] == 10 }
  }
}
