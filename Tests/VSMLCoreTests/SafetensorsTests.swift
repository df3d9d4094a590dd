import XCTest
import Foundation
@testable import VSMLCore

final class SafetensorsTests: XCTestCase {
  private let sample = SafetensorsFile(
    tensors: [
      "layer.weight": FloatTensor(shape: [2, 3], values: [1, -2, 3.5, 0.1, -0.0, 1e-30]),
      "bias": FloatTensor([0.25, -7]),
      "scalar": FloatTensor(shape: [], values: [42]),
      "empty": FloatTensor(shape: [0, 4], values: []),
    ],
    metadata: ["format": "vsml", "note": "quote \" and newline \n"])

  func testRoundTripAndLayout() throws {
    let bytes = sample.encoded()
    XCTAssertEqual(bytes, sample.encoded(), "encoding must be deterministic")
    let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    XCTAssertEqual(headerLength % 8, 0, "data must start 8-byte aligned")
    XCTAssertEqual(bytes.count, 8 + headerLength + 4 * (6 + 2 + 1))
    let decoded = try SafetensorsFile(bytes: bytes)
    XCTAssertEqual(decoded, sample)
    XCTAssertEqual(decoded.tensors["layer.weight"]!.values[4].sign, .minus, "bit patterns must survive")
  }

  func testFileRoundTrip() throws {
    let directory = try TemporaryDirectory("safetensors")
    defer { directory.remove() }
    let path = directory.path + "/model.safetensors"
    try sample.write(to: path)
    XCTAssertEqual(try SafetensorsFile(contentsOf: path), sample)
    XCTAssertThrowsError(try SafetensorsFile(contentsOf: directory.path + "/missing")) { error in
      guard case SafetensorsError.io = error else { return XCTFail("\(error)") }
    }
  }

  /// Builds a file from a raw header and data buffer.
  private func file(header: String, data: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
    return bytes + Array(header.utf8) + data
  }

  private func assertRejects(_ bytes: [UInt8], _ check: (SafetensorsError) -> Bool, line: UInt = #line) {
    do {
      _ = try SafetensorsFile(bytes: bytes)
      XCTFail("accepted a corrupt file", line: line)
    } catch {
      XCTAssertTrue(check(error), "wrong error: \(error)", line: line)
    }
  }

  func testCorruptFilesAreRejectedWithTypedErrors() {
    let eight = [UInt8](repeating: 0, count: 8)
    let good = sample.encoded()
    assertRejects([1, 2, 3]) { if case .truncated = $0 { true } else { false } }
    assertRejects(Array(good.dropLast(1))) { if case .offsetsOutOfRange = $0 { true } else { false } }
    assertRejects(good + [0]) { if case .unindexedBytes = $0 { true } else { false } }
    assertRejects(Array(good.prefix(20))) { if case .truncated = $0 { true } else { false } }
    assertRejects(file(header: "{not json", data: [])) { if case .badHeader = $0 { true } else { false } }
    assertRejects(file(header: "[]", data: [])) { if case .badHeader = $0 { true } else { false } }
    assertRejects(file(header: #"{"t":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}"#, data: eight)) {
      $0 == .unsupportedDtype(tensor: "t", dtype: "F16")
    }
    assertRejects(file(header: #"{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eight)) {
      if case .shapeMismatch = $0 { true } else { false }
    }
    assertRejects(file(header: #"{"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: eight)) {
      if case .offsetsOutOfRange = $0 { true } else { false }
    }
    assertRejects(file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                       data: eight)) { if case .overlapping = $0 { true } else { false } }
    assertRejects(file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: eight)) {
      $0 == .unindexedBytes(begin: 0, end: 4)
    }
    assertRejects(file(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#, data: [])) {
      if case .badHeader = $0 { true } else { false }
    }
    assertRejects(file(header: #"{"__metadata__":{"k":1}}"#, data: [])) { if case .badHeader = $0 { true } else { false } }
    var hugeLength = good
    hugeLength[7] = 0x7F
    assertRejects(hugeLength) { if case .badHeader = $0 { true } else { false } }
    XCTAssertTrue("\(SafetensorsError.unsupportedDtype(tensor: "t", dtype: "F16"))".contains("float32"))
  }

  /// Cross-checks against the reference implementation when `python3 -c 'import safetensors, numpy'` works.
  func testInteroperatesWithPythonSafetensors() throws {
    guard (try? python(["-c", "import safetensors, numpy"])) == 0 else {
      throw XCTSkip("python3 with safetensors and numpy is not available")
    }
    let directory = try TemporaryDirectory("safetensors-py")
    defer { directory.remove() }
    let ours = directory.path + "/ours.safetensors", theirs = directory.path + "/theirs.safetensors"
    try sample.write(to: ours)
    let script = """
      import sys, numpy as np
      from safetensors.numpy import load_file, save_file
      from safetensors import safe_open
      t = load_file(sys.argv[1])
      assert t["layer.weight"].shape == (2, 3) and t["layer.weight"].dtype == np.float32
      assert np.array_equal(t["layer.weight"], np.array([[1, -2, 3.5], [0.1, -0.0, 1e-30]], np.float32))
      assert t["scalar"].shape == () and t["scalar"] == 42 and t["empty"].shape == (0, 4)
      with safe_open(sys.argv[1], "np") as f:
          assert f.metadata() == {"format": "vsml", "note": 'quote " and newline \\n'}, f.metadata()
      save_file({"w": np.arange(6, dtype=np.float32).reshape(3, 2), "b": np.array([-1.5], np.float32)},
                sys.argv[2], metadata={"from": "python"})
      """
    let status = try python(["-c", script, ours, theirs])
    XCTAssertEqual(status, 0, "python could not read our file (see test output)")
    let read = try SafetensorsFile(contentsOf: theirs)
    XCTAssertEqual(read.tensors["w"], FloatTensor(shape: [3, 2], values: [0, 1, 2, 3, 4, 5]))
    XCTAssertEqual(read.tensors["b"], FloatTensor([-1.5]))
    XCTAssertEqual(read.metadata, ["from": "python"])
  }

  /// Runs `python3 arguments…` through `/usr/bin/env` and returns its exit status.
  @discardableResult
  private func python(_ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
  }
}
