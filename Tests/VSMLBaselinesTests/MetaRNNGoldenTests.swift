import VSMLBaselines
import VSMLCore
import XCTest

/// The reference's `meta_rnn_small` case (Tests/Golden/golden.json): 6 inputs, 3 classes,
/// 16 LSTM units, 2 micro-ticks, 20 steps.
final class MetaRNNGoldenTests: XCTestCase {
  func testMatchesReferenceLogitsAndLoss() throws {
    guard let golden = try loadGoldenCase(named: "meta_rnn_small") else {
      return XCTFail("Tests/Golden/golden.json lacks the meta_rnn_small case")
    }
    let inputSize = golden.inputs[0].count
    let classCount = golden.expected_logits[0].count
    let hidden = golden.params["meta_rnn/~/linear/w"]!.shape[0]
    let learner = try MetaRNN(
      .init(inputSize: inputSize, classCount: classCount, hiddenSize: hidden, microTicks: 2))
    var parameters = [Float](repeating: .nan, count: learner.parameterCount)
    for slice in learner.parameterLayout {
      let tensor = try XCTUnwrap(golden.params["meta_rnn/~/" + slice.name], slice.name)
      XCTAssertEqual(tensor.shape, slice.shape, slice.name)
      parameters.replaceSubrange(slice.range, with: tensor.values)
    }
    let episode = Episode(
      inputs: golden.inputs.flatMap { $0 }, labels: golden.labels, inputSize: inputSize,
      classCount: classCount)
    let result = learner.run(episode: episode, parameters: parameters, stateSeed: 0, recordLogits: true)
    assertClose(result.logits, golden.expected_logits.flatMap { $0 }, relative: 1e-4, absolute: 1e-6, "logits")
    XCTAssertEqual(result.meanLoss, golden.expected_mean_loss, accuracy: 1e-4 * golden.expected_mean_loss)
  }
}
