import XCTest
@testable import VSMLData

final class IDXTests: XCTestCase {
  func testOfficialMNISTTestSplitDecodes() throws {
    let images = try realDataFile("mnist", "t10k-images-idx3-ubyte.gz")
    let labels = try realDataFile("mnist", "t10k-labels-idx1-ubyte.gz")
    let data = try IDXReader.readDataset(
      name: "mnist", split: .test, imagesPath: images, labelsPath: labels, classCount: 10,
      normalization: Normalization(mean: 0.1307, std: 0.3081), expectedSide: 28)
    XCTAssertEqual(data.count, 10_000)
    XCTAssertEqual(data.shape, ExampleShape(channels: 1, height: 28, width: 28))
    XCTAssertEqual(Array(data.labels.prefix(5)), [7, 2, 1, 0, 4])  // the well-known first test labels
    guard case .bytes(let pixels) = data.storage else { return XCTFail("MNIST must stay UInt8") }
    // Mean pixel of the MNIST test set scaled to [0, 1] is about 0.1325.
    let mean = Double(pixels.reduce(0) { $0 + Int($1) }) / Double(pixels.count) / 255
    XCTAssertEqual(mean, 0.1325, accuracy: 0.002)
    // Standardisation: a zero byte maps to -mean/std.
    let features = data.features(of: 0)
    XCTAssertEqual(features[0], -0.1307 / 0.3081, accuracy: 1e-6)
    XCTAssertEqual(features.max()!, (1 - 0.1307) / 0.3081, accuracy: 1e-5)
  }

  func testOfficialTrainLabelsStartWith50419() throws {
    let labels = try IDXReader.readLabels(path: try realDataFile("mnist", "train-labels-idx1-ubyte.gz"))
    XCTAssertEqual(labels.count, 60_000)
    XCTAssertEqual(Array(labels.prefix(5)), [5, 0, 4, 1, 9])
  }

  func testRawAndGzipGiveTheSameData() throws {
    let dir = makeTempDirectory(self)
    let pixels = (0..<(3 * 4 * 5)).map { UInt8($0) }
    let raw = idx(magic: 0x803, dims: [3, 4, 5], data: pixels)
    write(raw, dir + "/raw")
    write(try gzipped(raw, in: dir), dir + "/gz")
    let a = try IDXReader.readImages(path: dir + "/raw"), b = try IDXReader.readImages(path: dir + "/gz")
    XCTAssertEqual(a.pixels, pixels)
    XCTAssertEqual(b.pixels, pixels)
    XCTAssertEqual([b.count, b.height, b.width], [3, 4, 5])
  }

  func testAGzipBombInflatesNoFurtherThanItsHeaderDeclares() throws {
    let dir = makeTempDirectory(self)
    // The header declares 10 images of 28x28 (7,856 bytes); 64 MB of zeros follow, which gzip
    // packs into about 64 KB.
    let bomb = idx(magic: 0x803, dims: [10, 28, 28], data: [UInt8](repeating: 0, count: 64 << 20))
    let packed = try gzipped(bomb, in: dir)
    XCTAssertLessThan(packed.count, 1 << 20)
    write(packed, dir + "/bomb.gz")
    XCTAssertThrowsError(try IDXReader.readImages(path: dir + "/bomb.gz")) { error in
      guard case .corruptGzip(_, let reason)? = error as? DataError else { return XCTFail("\(error)") }
      XCTAssertTrue(reason.contains("more than 7857 bytes, more than its header declares"), reason)
    }
    // A header that declares more than the file holds is a length mismatch, not an allocation.
    let liar = idx(magic: 0x803, dims: [1 << 20, 1 << 10, 1 << 10], data: [1, 2, 3])
    write(try gzipped(liar, in: dir), dir + "/liar.gz")
    XCTAssertThrowsError(try IDXReader.readImages(path: dir + "/liar.gz"))
    XCTAssertEqual(IDXReader.declaredSize(idx(magic: 0x803, dims: [3, 4, 5], data: [])), 16 + 60)
    XCTAssertNil(IDXReader.declaredSize([0, 0, 8, 3] + [UInt8](repeating: 0xFF, count: 12)), "sizes whose product overflows")
  }

  func testTruncatedGzipIsTypedError() throws {
    let dir = makeTempDirectory(self)
    let source = try realDataFile("mnist", "t10k-labels-idx1-ubyte.gz")
    let bytes = [UInt8](FileManager.default.contents(atPath: source)!)
    write(Array(bytes.prefix(bytes.count / 2)), dir + "/cut.gz")
    XCTAssertThrowsError(try IDXReader.readLabels(path: dir + "/cut.gz")) { error in
      XCTAssertEqual(error as? DataError, .truncatedGzip(path: dir + "/cut.gz"))
      XCTAssertTrue("\(error)".contains("cut.gz"))
    }
  }

  func testCorruptedGzipIsTypedError() throws {
    let dir = makeTempDirectory(self)
    var bytes = [UInt8](FileManager.default.contents(atPath: try realDataFile("mnist", "t10k-labels-idx1-ubyte.gz"))!)
    for i in stride(from: 100, to: 400, by: 7) { bytes[i] ^= 0x5a }
    write(bytes, dir + "/bad.gz")
    XCTAssertThrowsError(try IDXReader.readLabels(path: dir + "/bad.gz")) { error in
      guard case .corruptGzip(let path, _)? = error as? DataError else { return XCTFail("\(error)") }
      XCTAssertEqual(path, dir + "/bad.gz")
    }
  }

  func testWrongMagic() throws {
    let dir = makeTempDirectory(self)
    write(idx(magic: 0x801, dims: [2], data: [1, 2]), dir + "/labels")
    XCTAssertThrowsError(try IDXReader.readImages(path: dir + "/labels")) { error in
      XCTAssertEqual(error as? DataError, .wrongMagic(path: dir + "/labels", expected: 0x803, found: 0x801))
      XCTAssertTrue("\(error)".contains("0x00000801"))
    }
  }

  func testLengthMismatch() throws {
    let dir = makeTempDirectory(self)
    write(idx(magic: 0x803, dims: [2, 28, 28], data: [UInt8](repeating: 0, count: 784 + 10)), dir + "/short")
    XCTAssertThrowsError(try IDXReader.readImages(path: dir + "/short")) { error in
      XCTAssertEqual(error as? DataError, .lengthMismatch(path: dir + "/short", expectedBytes: 1568, actualBytes: 794))
    }
    write([0, 0], dir + "/tiny")
    XCTAssertThrowsError(try IDXReader.readLabels(path: dir + "/tiny"))
  }

  func testDimensionMismatchCountMismatchAndLabelRange() throws {
    let dir = makeTempDirectory(self)
    write(idx(magic: 0x803, dims: [2, 4, 4], data: [UInt8](repeating: 9, count: 32)), dir + "/img")
    write(idx(magic: 0x801, dims: [3], data: [0, 1, 2]), dir + "/lab3")
    write(idx(magic: 0x801, dims: [2], data: [0, 12]), dir + "/lab2")
    func read(_ labels: String, side: Int? = nil) throws -> Dataset {
      try IDXReader.readDataset(
        name: "t", split: .train, imagesPath: dir + "/img", labelsPath: dir + "/" + labels, classCount: 10,
        normalization: .identity, expectedSide: side)
    }
    XCTAssertThrowsError(try read("lab2", side: 28)) { error in
      guard case .dimensionMismatch(let path, _)? = error as? DataError else { return XCTFail("\(error)") }
      XCTAssertEqual(path, dir + "/img")
    }
    XCTAssertThrowsError(try read("lab3")) { error in
      XCTAssertEqual(error as? DataError, .countMismatch(imagesPath: dir + "/img", imageCount: 2, labelsPath: dir + "/lab3", labelCount: 3))
    }
    XCTAssertThrowsError(try read("lab2")) { error in
      XCTAssertEqual(error as? DataError, .labelOutOfRange(path: dir + "/lab2", index: 1, label: 12, classCount: 10))
    }
  }

  func testTransposedStorageIsTransposed() throws {
    let dir = makeTempDirectory(self)
    write(idx(magic: 0x803, dims: [1, 2, 2], data: [1, 2, 3, 4]), dir + "/img")
    write(idx(magic: 0x801, dims: [1], data: [1]), dir + "/lab")
    let data = try IDXReader.readDataset(
      name: "t", split: .train, imagesPath: dir + "/img", labelsPath: dir + "/lab", classCount: 1,
      normalization: .identity, labelOffset: -1, transposed: true)
    guard case .bytes(let pixels) = data.storage else { return XCTFail() }
    XCTAssertEqual(pixels, [1, 3, 2, 4])
    XCTAssertEqual(data.labels, [0])
  }
}

final class CIFARAndArchiveTests: XCTestCase {
  func record(_ label: UInt8, _ fill: UInt8) -> [UInt8] { [label] + [UInt8](repeating: fill, count: 3072) }

  func testParsesRecordsPlanar() throws {
    let bytes = record(3, 7) + record(9, 200)
    let parsed = try CIFAR10Reader.parse(bytes, path: "b")
    XCTAssertEqual(parsed.labels, [3, 9])
    XCTAssertEqual(parsed.pixels.count, 2 * 3072)
    XCTAssertEqual(parsed.pixels[3072], 200)
  }

  func testBadRecordsAreTypedErrors() {
    XCTAssertThrowsError(try CIFAR10Reader.parse(record(1, 0) + [1, 2], path: "b")) { error in
      XCTAssertEqual(error as? DataError, .lengthMismatch(path: "b", expectedBytes: 3073, actualBytes: 3075))
    }
    XCTAssertThrowsError(try CIFAR10Reader.parse(record(1, 0) + record(10, 0), path: "b")) { error in
      XCTAssertEqual(error as? DataError, .labelOutOfRange(path: "b", index: 1, label: 10, classCount: 10))
    }
  }

  func testTarGzMembersAreExtracted() throws {
    let dir = makeTempDirectory(self)
    try FileManager.default.createDirectory(atPath: dir + "/cifar-10-batches-bin", withIntermediateDirectories: true)
    write(record(4, 1), dir + "/cifar-10-batches-bin/test_batch.bin")
    write("x", dir + "/cifar-10-batches-bin/readme.html")
    guard try runProcess("/usr/bin/env", ["tar", "-czf", "a.tar.gz", "cifar-10-batches-bin"], directory: dir) == 0 else {
      throw XCTSkip("tar is not available")
    }
    let members = try Archives.extractTar(path: dir + "/a.tar.gz", names: ["test_batch.bin"])
    XCTAssertEqual(members["test_batch.bin"], record(4, 1))
    XCTAssertThrowsError(try Archives.extractTar(path: dir + "/a.tar.gz", names: ["data_batch_1.bin"])) { error in
      XCTAssertEqual(error as? DataError, .missingArchiveMember(path: dir + "/a.tar.gz", member: "data_batch_1.bin"))
    }
  }

  func testZipMembersAreExtracted() throws {
    let dir = makeTempDirectory(self)
    let payload = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
    write(payload, dir + "/member.bin")
    let script = "import zipfile; z = zipfile.ZipFile('a.zip', 'w', zipfile.ZIP_DEFLATED); z.write('member.bin', 'gzip/member.bin'); z.writestr('gzip/other.txt', 'hello'); z.close()"
    guard (try? runProcess("/usr/bin/env", ["python3", "-c", script], directory: dir)) == 0 else {
      throw XCTSkip("python3 is not available to build a zip fixture")
    }
    let members = try Archives.extractZip(path: dir + "/a.zip", names: ["member.bin", "other.txt"])
    XCTAssertEqual(members["member.bin"], payload)
    XCTAssertEqual(members["other.txt"], Array("hello".utf8))
  }
}

final class CSVTests: XCTestCase {
  func testAByteOrderMarkIsNotPartOfTheFirstCell() throws {
    let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    for (text, labels) in [("0,1,2\n1,3,4\n", [Int32(0), 1]), ("label,a,b\n2,1,2\n", [2])] {
      let table = try CSVReader.parse(bom + Array(text.utf8), path: "bom.csv", header: .detect)
      XCTAssertEqual(table.labels, labels, text)
    }
  }

  func testHeaderDetectionAndStandardisation() throws {
    let dir = makeTempDirectory(self)
    write("label,a,b\n0,1,10\n1,3,10\r\n\n2, 5 ,10\n", dir + "/t.csv")
    let data = try DatasetRegistry.load("csv:" + dir + "/t.csv", split: .train, locator: DataLocator(dataDirectory: nil, cacheDirectory: dir))
    XCTAssertEqual(data.count, 3)
    XCTAssertEqual(data.classCount, 3)
    XCTAssertEqual(data.kind, .tabular)
    XCTAssertEqual(data.labels, [0, 1, 2])
    let s = Float(1.5.squareRoot() / 1.0)  // column a: mean 3, std sqrt(8/3)
    _ = s
    let a = (0..<3).map { data.features(of: $0)[0] }
    XCTAssertEqual(a[0], -2 / (8.0 / 3).squareRoot(), accuracy: 1e-5)
    XCTAssertEqual(a[1], 0, accuracy: 1e-6)
    XCTAssertEqual(data.features(of: 2)[1], 0, accuracy: 1e-6)  // constant column -> 0, std treated as 1
  }

  func testHeaderModesAndTheDetectionWarning() throws {
    let dir = makeTempDirectory(self)
    write("7,8\n0,1\n1,2\n", dir + "/numbers.csv")
    write("label,x\n0,1\n1,2\n", dir + "/names.csv")
    write("0,x\n1,2\n", dir + "/mixed.csv")
    // Explicit: --header skips whatever the first row holds; --no-header reads it as an example.
    XCTAssertEqual(try CSVReader.readTable(path: dir + "/numbers.csv", header: .present).labels, [0, 1])
    XCTAssertEqual(try CSVReader.readTable(path: dir + "/mixed.csv", header: .present).labels, [1])
    XCTAssertEqual(try CSVReader.readTable(path: dir + "/numbers.csv", header: .absent).labels, [7, 0, 1])
    XCTAssertThrowsError(try CSVReader.readTable(path: dir + "/names.csv", header: .absent)) {
      XCTAssertEqual($0 as? DataError, .nonNumericCSV(path: dir + "/names.csv", line: 1, column: 1, cell: "label"))
      XCTAssertTrue("\($0)".contains("pass --header"), "\($0)")
    }
    // Detected: a row of names is a header, and the loader says so.
    let warnings = WarningLog()
    var locator = DataLocator(dataDirectory: nil, cacheDirectory: dir)
    locator.warn = { warnings.append($0) }
    XCTAssertEqual(try DatasetRegistry.load("csv:" + dir + "/names.csv", split: .train, locator: locator).labels, [0, 1])
    XCTAssertEqual(warnings.lines.count, 1)
    XCTAssertTrue(warnings.lines[0].contains(dir + "/names.csv") && warnings.lines[0].contains("--no-header"), "\(warnings.lines)")
    _ = try DatasetRegistry.load("csv:" + dir + "/numbers.csv", split: .train, locator: locator)
    XCTAssertEqual(warnings.lines.count, 1, "no warning when nothing was skipped")
    locator.csvHeader = .present
    _ = try DatasetRegistry.load("csv:" + dir + "/names.csv", split: .train, locator: locator)
    XCTAssertEqual(warnings.lines.count, 1, "no warning when the header was declared")
  }

  func testNoHeaderAndSeparateTestFileUsesTrainStatistics() throws {
    let dir = makeTempDirectory(self)
    write("0,2\n1,4\n", dir + "/train.csv")
    write("3,6\n", dir + "/test.csv")
    let locator = DataLocator(dataDirectory: nil, cacheDirectory: dir)
    let test = try DatasetRegistry.load("csv:\(dir)/train.csv,\(dir)/test.csv", split: .test, locator: locator)
    XCTAssertEqual(test.count, 1)
    XCTAssertEqual(test.classCount, 4)
    XCTAssertEqual(test.features(of: 0)[0], 3, accuracy: 1e-6)  // (6 - 3) / 1
    let train = try DatasetRegistry.load("csv:\(dir)/train.csv,\(dir)/test.csv", split: .train, locator: locator)
    XCTAssertEqual(train.classCount, 4)
  }

  func testBadCSVAreTypedErrors() {
    let dir = makeTempDirectory(self)
    write("label,a\n\n", dir + "/empty.csv")
    write("0,1,2\n1,2\n", dir + "/ragged.csv")
    write("0,1\n1,x\n", dir + "/text.csv")
    write("0,1\n-1,2\n", dir + "/neg.csv")
    XCTAssertThrowsError(try CSVReader.readTable(path: dir + "/empty.csv")) {
      XCTAssertEqual($0 as? DataError, .emptyCSV(path: dir + "/empty.csv"))
    }
    XCTAssertThrowsError(try CSVReader.readTable(path: dir + "/ragged.csv")) {
      XCTAssertEqual($0 as? DataError, .raggedCSV(path: dir + "/ragged.csv", line: 2, expected: 3, found: 2))
    }
    XCTAssertThrowsError(try CSVReader.readTable(path: dir + "/text.csv")) {
      XCTAssertEqual($0 as? DataError, .nonNumericCSV(path: dir + "/text.csv", line: 2, column: 2, cell: "x"))
    }
    XCTAssertThrowsError(try CSVReader.readTable(path: dir + "/neg.csv")) {
      XCTAssertEqual($0 as? DataError, .nonNumericCSV(path: dir + "/neg.csv", line: 2, column: 1, cell: "-1"))
    }
    XCTAssertThrowsError(try CSVReader.readTable(path: dir + "/missing.csv")) {
      XCTAssertEqual($0 as? DataError, .fileNotFound(path: dir + "/missing.csv"))
    }
    XCTAssertThrowsError(try CSVReader.readTable(path: dir)) { error in
      guard case .unreadable(let path, _)? = error as? DataError else { return XCTFail("\(error)") }
      XCTAssertEqual(path, dir)
    }
    // A first row that mixes text and numbers is neither a header nor data: an error, not a
    // silently dropped example.
    write("0,x,2\n1,3,4\n", dir + "/typo.csv")
    XCTAssertThrowsError(try CSVReader.readTable(path: dir + "/typo.csv")) {
      XCTAssertEqual($0 as? DataError, .invalidCSVHeader(path: dir + "/typo.csv", column: 2, cell: "x"))
    }
    // A feature that fits a Double but not the Float it is used as.
    write("0,1e39\n1,2\n", dir + "/overflow.csv")
    XCTAssertThrowsError(try CSVReader.readTable(path: dir + "/overflow.csv")) {
      XCTAssertEqual($0 as? DataError, .nonNumericCSV(path: dir + "/overflow.csv", line: 1, column: 2, cell: "1e39"))
    }
    // One stray huge label cannot make billions of classes.
    write("2000000000,1\n0,2\n", dir + "/huge.csv")
    XCTAssertThrowsError(try CSVReader.readTable(path: dir + "/huge.csv")) {
      XCTAssertEqual($0 as? DataError, .labelOutOfRange(path: dir + "/huge.csv", index: 0, label: 2_000_000_000, classCount: CSVReader.maximumClasses))
    }
  }
}

/// Warnings collected from a loader (thread-safe).
final class WarningLog: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: [String] = []
  func append(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
  var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}
