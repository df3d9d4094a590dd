import XCTest
import VSMLCore
@testable import VSMLData

/// The downloader against a local HTTP server on 127.0.0.1 serving the shared MNIST files, a
/// corrupted copy and a truncated copy. Never the internet.
final class DownloaderTests: XCTestCase {
  var server: LocalHTTPServer!
  var served: String!

  override func setUpWithError() throws {
    let labels = try realDataFile("mnist", "t10k-labels-idx1-ubyte.gz")
    served = makeTempDirectory(self)
    let bytes = [UInt8](FileManager.default.contents(atPath: labels)!)
    write(bytes, served + "/good.gz")
    var corrupted = bytes
    corrupted[1000] ^= 0xff
    write(corrupted, served + "/corrupted.gz")
    write(Array(bytes.prefix(bytes.count - 100)), served + "/truncated.gz")
    server = try LocalHTTPServer(root: served)
  }

  override func tearDown() { server?.stop() }

  let sum = "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"

  func leftovers(_ dir: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] }

  func testVerifiedDownloadLandsInPlace() throws {
    let cache = makeTempDirectory(self)
    let downloader = Downloader(locator: DataLocator(dataDirectory: nil, cacheDirectory: cache))
    try downloader.download(from: server.url("good.gz"), to: cache + "/labels.gz", sha256: sum)
    XCTAssertEqual(try SHA256.hexDigest(ofFile: cache + "/labels.gz"), sum)
    XCTAssertEqual(leftovers(cache), ["labels.gz"])
    XCTAssertEqual(try IDXReader.readLabels(path: cache + "/labels.gz").count, 10_000)
  }

  func testChecksumMismatchDeletesTempAndNamesBothSums() throws {
    let cache = makeTempDirectory(self)
    let downloader = Downloader(locator: DataLocator(dataDirectory: nil, cacheDirectory: cache))
    for name in ["corrupted.gz", "truncated.gz"] {
      XCTAssertThrowsError(try downloader.download(from: server.url(name), to: cache + "/labels.gz", sha256: sum)) { error in
        guard case .checksumMismatch(_, let expected, let actual)? = error as? DataError else { return XCTFail("\(error)") }
        XCTAssertEqual(expected, sum)
        XCTAssertNotEqual(actual, sum)
        XCTAssertEqual(actual.count, 64)
      }
      XCTAssertEqual(leftovers(cache), [], "nothing half-written may stay in the cache")
    }
  }

  func testMissingFileAndDroppedConnectionFail() throws {
    let cache = makeTempDirectory(self)
    let downloader = Downloader(locator: DataLocator(dataDirectory: nil, cacheDirectory: cache), timeout: 10)
    XCTAssertThrowsError(try downloader.download(from: server.url("absent.gz"), to: cache + "/x", sha256: sum)) { error in
      guard case .downloadFailed(_, let reason)? = error as? DataError else { return XCTFail("\(error)") }
      XCTAssertTrue(reason.contains("404"), reason)
    }
    XCTAssertThrowsError(try downloader.download(from: server.url("cut/good.gz"), to: cache + "/x", sha256: sum))
    XCTAssertEqual(leftovers(cache), [])
  }

  func testAStalledDownloadTimesOutWithoutSpinning() throws {
    let cache = makeTempDirectory(self)
    let timeout = 2.0
    let downloader = Downloader(locator: DataLocator(dataDirectory: nil, cacheDirectory: cache), timeout: timeout)
    let wall = Date(), cpu = processCPUSeconds()
    XCTAssertThrowsError(try downloader.download(from: server.url("stall/good.gz"), to: cache + "/x", sha256: sum)) { error in
      guard case .downloadFailed? = error as? DataError else { return XCTFail("\(error)") }
    }
    let waited = Date().timeIntervalSince(wall), used = processCPUSeconds() - cpu
    XCTAssertLessThan(waited, LocalHTTPServer.stallSeconds - 1, "a stalled read must time out, not wait for the server")
    XCTAssertGreaterThanOrEqual(waited, timeout - 0.5)
    XCTAssertLessThan(used, 0.5 * waited, "waiting on a stalled read must not spin (\(used) s of CPU in \(waited) s)")
    XCTAssertEqual(leftovers(cache), [])
  }

  func testFetchDownloadsMissingFilesIntoCacheFolderAndTriesMirrors() throws {
    let cache = makeTempDirectory(self)
    var info = try DatasetRegistry.info("mnist")
    // Serve only the small test labels; the others are "already present" in a data dir.
    let dataDir = makeTempDirectory(self)
    for file in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"] {
      try FileManager.default.createSymbolicLink(atPath: dataDir + "/" + file, withDestinationPath: try realDataFile("mnist", file))
    }
    info.downloads = info.downloads.map { remote in
      var r = remote
      r.urls = [server.url("absent/" + remote.fileName).absoluteString, server.url("good.gz").absoluteString]
      return r
    }
    let downloader = Downloader(locator: DataLocator(dataDirectory: dataDir, cacheDirectory: cache))
    let paths = try downloader.fetch(info)
    XCTAssertEqual(paths.last, cache + "/mnist/t10k-labels-idx1-ubyte.gz")
    XCTAssertEqual(paths.first, dataDir + "/train-images-idx3-ubyte.gz")
    XCTAssertEqual(leftovers(cache + "/mnist"), ["t10k-labels-idx1-ubyte.gz"])
  }
}

final class RegistryTests: XCTestCase {
  func testLookupOrderAndBothFolderLayouts() throws {
    let info = try DatasetRegistry.info("mnist")
    let data = makeTempDirectory(self), cache = makeTempDirectory(self)
    let file = "t10k-labels-idx1-ubyte.gz"
    try FileManager.default.createDirectory(atPath: cache + "/mnist", withIntermediateDirectories: true)
    write([1], cache + "/mnist/" + file)
    let locator = DataLocator(dataDirectory: data, cacheDirectory: cache)
    XCTAssertEqual(locator.find(file, of: info), cache + "/mnist/" + file)
    write([2], data + "/" + file)  // directly in the data dir: wins over the cache
    XCTAssertEqual(locator.find(file, of: info), data + "/" + file)
    // The layout ROOT/mnist/FILE.
    try FileManager.default.removeItem(atPath: data + "/" + file)
    try FileManager.default.createDirectory(atPath: data + "/mnist", withIntermediateDirectories: true)
    write([3], data + "/mnist/" + file)
    XCTAssertEqual(locator.find(file, of: info), data + "/mnist/" + file)
  }

  func testStandardLocatorReadsEnvironment() {
    let env = ["VSML_DATA_DIR": "/d", "XDG_CACHE_HOME": "/x", "HOME": "/h"]
    XCTAssertEqual(DataLocator.standard(environment: env).roots, ["/d", "/x/vsml"])
    XCTAssertEqual(DataLocator.standard(dataDirectory: "/cli", environment: env).roots, ["/cli", "/x/vsml"])
    XCTAssertEqual(DataLocator.standard(environment: ["HOME": "/h"]).roots, ["/h/.cache/vsml"])
  }

  func testUnknownNameMissingDirectoryAndAbsentDataset() throws {
    XCTAssertThrowsError(try DatasetRegistry.info("mnsit")) { error in
      guard case .unknownDataset(let name, let known)? = error as? DataError else { return XCTFail("\(error)") }
      XCTAssertEqual(name, "mnsit")
      XCTAssertTrue(known.contains("mnist"))
    }
    let cache = makeTempDirectory(self)
    let missingDir = DataLocator(dataDirectory: cache + "/nope", cacheDirectory: cache)
    XCTAssertThrowsError(try DatasetRegistry.load("kmnist", split: .train, locator: missingDir)) { error in
      XCTAssertEqual(error as? DataError, .unreadable(path: cache + "/nope", reason: "data directory does not exist or is not a directory"))
    }
    let empty = DataLocator(dataDirectory: nil, cacheDirectory: cache)
    XCTAssertThrowsError(try DatasetRegistry.load("kmnist", split: .test, locator: empty)) { error in
      guard case .datasetNotFound(let name, let file, _)? = error as? DataError else { return XCTFail("\(error)") }
      XCTAssertEqual(name, "kmnist")
      XCTAssertEqual(file, "t10k-images-idx3-ubyte.gz")
    }
  }

  func testEveryRealDatasetHasURLsAndWellFormedSums() {
    for info in DatasetRegistry.all where !info.isSynthetic {
      XCTAssertFalse(info.downloads.isEmpty, info.name)
      for remote in info.downloads {
        XCTAssertTrue(remote.urls.allSatisfy { $0.hasPrefix("http") }, info.name)
        if let sum = remote.sha256 {
          XCTAssertEqual(sum.count, 64)
          XCTAssertTrue(sum.allSatisfy { "0123456789abcdef".contains($0) })
        }
      }
    }
  }

  func testVerifierFlagsCorruptedCopyAndPassesOfficialLabels() throws {
    let dir = makeTempDirectory(self)
    for file in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
      var bytes = [UInt8](FileManager.default.contents(atPath: try realDataFile("mnist", file))!)
      if file == "t10k-labels-idx1-ubyte.gz" { bytes[200] ^= 1 }
      write(bytes, dir + "/" + file)
    }
    let result = DatasetVerifier.verify(try DatasetRegistry.info("mnist"), locator: DataLocator(dataDirectory: dir, cacheDirectory: dir + "/c"))
    XCTAssertEqual(result.status, .failed)
    XCTAssertTrue(result.messages.contains { $0.contains("t10k-labels") && $0.contains("mismatch") }, "\(result.messages)")
    // MNIST-family files share names: a flat folder holding MNIST is not taken for KMNIST silently.
    let kmnist = DatasetVerifier.verify(try DatasetRegistry.info("kmnist"), locator: DataLocator(dataDirectory: dir, cacheDirectory: dir + "/c"))
    XCTAssertEqual(kmnist.status, .failed)
    let absent = DatasetVerifier.verify(try DatasetRegistry.info("kmnist"), locator: DataLocator(dataDirectory: nil, cacheDirectory: dir + "/c"))
    XCTAssertEqual(absent.status, .absent)
  }
}
