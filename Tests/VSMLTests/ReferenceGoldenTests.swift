import XCTest
@testable import VSML

final class ReferenceGoldenTests: XCTestCase {
  func testReferencePathMatchesAuthorsCode() throws {
    let cases = try Golden.cases()
    XCTAssertEqual(cases.count, 7)
    for g in cases {
      let out = ReferenceVSML(g.configuration).run(
        inputs: g.inputs, labels: g.labels, parameters: g.parameters, initialCells: g.initialCells)
      let err = maxRelativeError(out.logits, g.expectedLogits)
      XCTAssertLessThanOrEqual(err, 1e-4, "\(g.name): logits")
      XCTAssertEqual(out.meanLoss, g.expectedMeanLoss, accuracy: 1e-4 * abs(g.expectedMeanLoss), "\(g.name): mean loss")
      print("\(g.name): reference max rel err \(err)")
    }
  }
}
