import Foundation
import XCTest

/// Runs the built `vsml` binary and checks what it prints about kernel paths.
final class KernelOutputTests: XCTestCase {
  /// Runs the built binary (`VSMLBinary`), skipping when there is none.
  func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let r = try VSMLBinary().run(arguments, environment: environment)
    return (r.status, r.stdout, r.stderr)
  }

  func testInfoNamesTheSelectedAndAvailableKernels() throws {
    let r = try run(["info", "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let kernel = try XCTUnwrap(object["kernel"] as? String)
    let available = try XCTUnwrap(object["kernels_available"] as? [String])
    XCTAssertTrue(available.contains("portable"))
    XCTAssertTrue(available.contains(kernel))

    let forced = try run(["info", "--json"], environment: ["VSML_KERNEL": "portable"])
    XCTAssertEqual(forced.status, 0, forced.stderr)
    XCTAssertTrue(forced.stdout.contains("\"kernel\" : \"portable\""), forced.stdout)
  }

  func testUnknownKernelIsRefusedBeforeAnyWork() throws {
    let r = try run(["info"], environment: ["VSML_KERNEL": "sse9"])
    XCTAssertNotEqual(r.status, 0)
    XCTAssertTrue(r.stderr.contains("VSML_KERNEL=sse9 is not a kernel path"), r.stderr)
    XCTAssertTrue(r.stdout.isEmpty, r.stdout)
  }

  func testBenchReportsPrecision() throws {
    let r = try run(["bench", "--layers", "8,3", "--population", "1", "--steps", "5", "--threads", "1", "--json", "--precision", "bf16"])
    if r.status == 0 {
      let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
      XCTAssertEqual(object["precision"] as? String, "bf16")
      XCTAssertEqual(object["kernel"] as? String, "avx512-bf16")
    } else {
      XCTAssertTrue(r.stderr.contains("AVX512-BF16"), r.stderr)
    }
    let bad = try run(["bench", "--precision", "fp8"])
    XCTAssertNotEqual(bad.status, 0)
    XCTAssertTrue(bad.stderr.contains("fp8"), bad.stderr)
  }

  func testBenchMeasuresLayerNormWhenAsked() throws {
    for flag in [[], ["--layer-norm"]] {
      let r = try run(["bench", "--layers", "8,3", "--population", "1", "--steps", "5", "--threads", "1", "--json"] + flag)
      XCTAssertEqual(r.status, 0, r.stderr)
      let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
      XCTAssertEqual(object["layer_norm"] as? Bool, !flag.isEmpty)
      XCTAssertGreaterThan(try XCTUnwrap(object["example_steps_per_s"] as? Double), 0)
    }
    let text = try run(["bench", "--layers", "8,3", "--population", "1", "--steps", "5", "--threads", "1", "--layer-norm"])
    XCTAssertEqual(text.status, 0, text.stderr)
    XCTAssertTrue(text.stdout.contains("layers 8,3 with LayerNorm"), text.stdout)
  }
}
