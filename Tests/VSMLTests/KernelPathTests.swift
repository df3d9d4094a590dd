import XCTest
import VSMLCore
@testable import VSML

final class KernelPathTests: XCTestCase {
  func testEnvironmentSelectsAPath() throws {
    XCTAssertEqual(try KernelPath.fromEnvironment([:]), KernelPath.automatic)
    XCTAssertEqual(try KernelPath.fromEnvironment(["VSML_KERNEL": "auto"]), KernelPath.automatic)
    XCTAssertEqual(try KernelPath.fromEnvironment(["VSML_KERNEL": "portable"]), .portable)
    for path in KernelPath.available {
      XCTAssertEqual(try KernelPath.fromEnvironment(["VSML_KERNEL": path.rawValue]), path)
    }
  }

  func testBadOrUnavailablePathIsRefusedByName() {
    XCTAssertThrowsError(try KernelPath.fromEnvironment(["VSML_KERNEL": "sse9"])) { error in
      XCTAssertEqual(error as? KernelPathError, .unknown("sse9"))
      XCTAssertTrue("\(error)".contains("portable, avx2, avx512, amx"))
    }
    for path in KernelPath.allCases where !path.isAvailable {
      XCTAssertThrowsError(try KernelPath.fromEnvironment(["VSML_KERNEL": path.rawValue])) { error in
        XCTAssertTrue("\(error)".contains("not supported by this CPU"), "\(error)")
      }
    }
  }

  func testAutomaticIsAvailableAndNotAMX() {
    XCTAssertTrue(KernelPath.automatic.isAvailable)
    XCTAssertNotEqual(KernelPath.automatic, .amx)
    XCTAssertTrue(KernelPath.selected.isAvailable)
  }

  /// The same episode on every path: each equals the portable one to float rounding (they differ
  /// only in FMA contraction and the reciprocal's estimate).
  func testPathsAgreeOnALayer() throws {
    var fixture = try RandomEpisodeCase(inputs: 33, classes: 7, steps: 20, seed: 7)
    fixture.network.kernel = .portable
    let portable = fixture.run()
    for path in KernelPath.available {
      fixture.network.kernel = path
      let r = fixture.run()
      for (a, b) in zip(r.logits, portable.logits) {
        XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)), "\(path)")
      }
    }
  }
}
