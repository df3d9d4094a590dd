import XCTest
import VSMLCore
@testable import VSML

final class PrecisionTests: XCTestCase {
  func testFP32IsAlwaysAvailable() {
    XCTAssertTrue(Precision.fp32.isAvailable)
    XCTAssertNoThrow(try Precision.fp32.checkAvailable())
    if !Precision.bf16.isAvailable {
      XCTAssertThrowsError(try Precision.bf16.checkAvailable()) { error in
        XCTAssertTrue("\(error)".contains("AVX512-BF16"), "\(error)")
      }
    }
  }

  /// bf16 runs its own kernel (results differ from fp32) and stays close to fp32 on a short episode.
  func testBF16IsCloseToFP32() throws {
    guard Precision.bf16.isAvailable else { throw XCTSkip("this CPU has no AVX512-BF16") }
    var fixture = try RandomEpisodeCase(inputs: 40, classes: 5, steps: 30, seed: 11)
    let fp32 = fixture.run()
    fixture.network.precision = .bf16
    let bf16 = fixture.run()
    XCTAssertNotEqual(fp32.logits, bf16.logits, "bf16 should round the product's operands")
    var worst: Float = 0
    for (a, b) in zip(fp32.logits, bf16.logits) { worst = max(worst, abs(a - b) / max(1, abs(a))) }
    print("bf16 vs fp32: worst relative logit difference \(worst)")
    XCTAssertLessThan(worst, 0.05)
    XCTAssertEqual(bf16.meanLoss, fp32.meanLoss, accuracy: 0.05 * fp32.meanLoss)
  }
}
