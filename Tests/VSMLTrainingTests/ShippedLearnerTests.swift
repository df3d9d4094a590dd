import Foundation
import XCTest
import VSMLCore
import VSMLData
@testable import VSMLTraining

final class ShippedLearnerTests: XCTestCase {
  func testEveryShippedLearnerLoadsAndBuiltinResolves() throws {
    for name in ShippedLearners.names + ["builtin"] {
      let source = try LearnerSource.resolve(name)
      let resolved = name == "builtin" ? ShippedLearners.builtin : name
      // backprop-deep: a forward and a backward sub-RNN block; general: a committee of a
      // two-block learner and a one-block one.
      let blocks = ["backprop-deep": 2, "general": 3][resolved] ?? 1
      XCTAssertEqual(source.parameters?.count, blocks * 2384, name)
      XCTAssertTrue(source.parameters!.allSatisfy(\.isFinite), name)
    }
    XCTAssertThrowsError(try LearnerSource.resolve("no-such-learner"))
  }

  /// The shipped learners learn real data well above chance (10 %) within a few hundred examples.
  func testShippedLearnersLearnMNIST() throws {
    let locator = DataLocator.standard()
    guard (try? DatasetRegistry.load("mnist", split: .test, locator: locator)) != nil else {
      throw XCTSkip("MNIST not found: set VSML_DATA_DIR to a folder holding it, or run `vsml data fetch mnist`")
    }
    let evaluator = Evaluator(episodes: 2, steps: 300, seed: 3, threads: 2)
    for name in ["scratch", "backprop", "improved", "backprop-deep", "general"] {
      let source = try LearnerSource.resolve(name)
      let r = try evaluator.evaluate(task: TaskSpec(dataset: "mnist"), locator: locator, parameters: source.parameters, makeLearner: source.makeLearner)
      XCTAssertGreaterThan(r.meanAccuracy, 0.4, name)
    }
  }
}
