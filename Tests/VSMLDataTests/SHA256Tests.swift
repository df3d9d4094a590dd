import XCTest
@testable import VSMLData

final class SHA256Tests: XCTestCase {
  func testKnownVectors() {
    // FIPS 180-4 / NIST CSRC examples.
    XCTAssertEqual(SHA256.hexDigest([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    XCTAssertEqual(SHA256.hexDigest(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    XCTAssertEqual(
      SHA256.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    XCTAssertEqual(
      SHA256.hexDigest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  func testStreamingInOddChunksMatchesOneShot() {
    var rng = SystemRandomNumberGenerator()
    let message = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
    let expected = SHA256.hexDigest(message)
    for chunk in [1, 3, 63, 64, 65, 1000] {
      var hasher = SHA256()
      var i = 0
      while i < message.count {
        hasher.update(Array(message[i..<min(i + chunk, message.count)]))
        i += chunk
      }
      XCTAssertEqual(hasher.finalizeHex(), expected, "chunk \(chunk)")
    }
  }

  func testFileDigestMatchesSha256sum() throws {
    let dir = makeTempDirectory(self)
    let path = dir + "/blob"
    write((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }, path)
    let tool = "/usr/bin/sha256sum"
    guard FileManager.default.isExecutableFile(atPath: tool) else { throw XCTSkip("sha256sum not installed") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    process.waitUntilExit()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    XCTAssertEqual(try SHA256.hexDigest(ofFile: path), String(output.prefix(64)))
  }

  func testOfficialLabelFileMatchesPublishedSum() throws {
    let path = try realDataFile("mnist", "t10k-labels-idx1-ubyte.gz")
    XCTAssertEqual(try SHA256.hexDigest(ofFile: path), "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6")
  }

  func testMissingFileIsTypedError() {
    XCTAssertThrowsError(try SHA256.hexDigest(ofFile: "/nonexistent/x")) { error in
      XCTAssertEqual(error as? DataError, .fileNotFound(path: "/nonexistent/x"))
    }
  }
}
