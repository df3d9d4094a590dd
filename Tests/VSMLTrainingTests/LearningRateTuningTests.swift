import Foundation
import VSMLData
import XCTest
@testable import VSMLTraining

final class LearningRateTuningTests: XCTestCase {
  func testTheRateIsChosenOnTheValidationSplitAndUsedByName() throws {
    let evaluator = Evaluator(episodes: 3, steps: 120, seed: 4, threads: 2, split: .test)
    let tuning = LearningRateTuning(model: "sgd", evaluator: evaluator)
    XCTAssertEqual(tuning.evaluator.split, .validation, "tuning never reads the test split")
    XCTAssertEqual(tuning.evaluator.seed, 5, "nor the evaluation's streams")
    let task = TaskSpec(dataset: "clusters")
    let choice = try tuning.tune(task: task, locator: syntheticLocator)
    XCTAssertEqual(choice.grid, LearningRateTuning.grid)
    XCTAssertEqual(choice.validationAccuracies.count, LearningRateTuning.grid.count)
    let best = choice.validationAccuracies.max()!
    XCTAssertEqual(choice.rate, LearningRateTuning.grid[choice.validationAccuracies.firstIndex(of: best)!], "the best, lowest on a tie")
    // Each accuracy is that rate's validation meta-test.
    let at = try LearnerSource.handDesigned("sgd", learningRate: choice.rate)
    XCTAssertEqual(at.name, "sgd@\(choice.rate)")
    XCTAssertEqual(try tuning.evaluator.evaluate(task: task, locator: syntheticLocator, parameters: nil, makeLearner: at.makeLearner).meanAccuracy, best)
    // The rates differ in what they learn, so the tuning is not a no-op.
    XCTAssertGreaterThan(Set(choice.validationAccuracies).count, 1)
    XCTAssertThrowsError(try LearnerSource.handDesigned("sgd", learningRate: -1))
    XCTAssertThrowsError(try LearnerSource.handDesigned("sgd", learningRate: .nan))
    XCTAssertEqual(LearnerSource.defaultLearningRate(of: "mlp-adam"), 0.001)
    XCTAssertEqual(LearnerSource.defaultLearningRate(of: "sgd"), 0.01)
  }
}
