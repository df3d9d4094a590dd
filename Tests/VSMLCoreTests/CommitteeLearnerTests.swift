import XCTest
@testable import VSMLCore

/// A learner that predicts by a rule of the step and the label (its confidence in the logit
/// `margin`), and whose first meta-parameter, when it has one, shifts the predicted class.
private struct ScriptedLearner: OnlineLearner {
  var parameterCount = 1
  var inputSize = 1
  var classCount = 4
  var margin: Float = 4
  var predict: @Sendable (_ step: Int, _ label: Int) -> Int

  func initialParameters(using generator: inout SeededGenerator) -> [Float] { [Float](repeating: 0, count: parameterCount) }

  func run(episode: Episode, parameters: UnsafeBufferPointer<Float>, stateSeed: UInt64, recordLogits: Bool) -> EpisodeResult {
    var logits: [Float] = [], losses: [Float] = [], correct: [Bool] = []
    var error = [Float](repeating: 0, count: classCount)
    for t in 0..<episode.length {
      let label = Int(episode.labels[t])
      let shift = parameterCount > 0 ? Int(parameters[0]) : 0
      var row = [Float](repeating: 0, count: classCount)
      row[(predict(t, label) + shift) % classCount] = margin
      let loss = row.withUnsafeBufferPointer { r in error.withUnsafeMutableBufferPointer { softmaxCrossEntropy(logits: r, label: label, error: $0) } }
      losses.append(loss)
      correct.append(row.withUnsafeBufferPointer(argmax) == label)
      if recordLogits { logits += row }
    }
    return EpisodeResult(logits: logits, losses: losses, correct: correct)
  }
}

final class CommitteeLearnerTests: XCTestCase {
  private func episode(length: Int, classCount: Int = 4) -> Episode {
    Episode(inputs: [Float](repeating: 0, count: length), labels: (0..<length).map { Int32(($0 * 7 + 3) % classCount) }, inputSize: 1, classCount: classCount)
  }

  private func accuracy(_ r: EpisodeResult, _ range: Range<Int>) -> Double {
    Double(range.filter { r.correct[$0] }.count) / Double(range.count)
  }

  /// Members that predict alike give the members' prediction and loss.
  func testIdenticalMembersPredictAsOne() throws {
    let member = ScriptedLearner(predict: { t, label in t % 3 == 0 ? label : label + 1 })
    let committee = try CommitteeLearner(members: [member, member, member], share: 0.1)
    let e = episode(length: 60)
    let alone = member.run(episode: e, parameters: [0], stateSeed: 1, recordLogits: false)
    let together = committee.run(episode: e, parameters: [0, 0, 0], stateSeed: 1, recordLogits: true)
    XCTAssertEqual(together.correct, alone.correct)
    for (a, b) in zip(together.losses, alone.losses) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    XCTAssertEqual(together.logits.count, 60 * 4)
    // The memory estimate counts the members' recorded predictions (3 members x 4 classes x 4 bytes).
    XCTAssertEqual(committee.extraBytesPerExample, 48)
    XCTAssertEqual(committee.episodeMemory(concurrent: 1, retained: 0, length: 10).map { $0 - member.episodeMemory(concurrent: 1, retained: 0, length: 10)! },
                   10 * 48 + 2 * 4)
  }

  /// The weight moves to whichever member predicts well, and with a share it moves back when
  /// the other takes the lead; without one it stays with the early leader far longer.
  func testWeightFollowsTheBetterMember() throws {
    let early = ScriptedLearner(predict: { t, label in t < 100 ? label : label + 1 })
    let late = ScriptedLearner(predict: { t, label in t < 100 ? label + 2 : label })
    let e = episode(length: 300)
    for members in [[early, late], [late, early]] {
      let tracking = try CommitteeLearner(members: members, share: 0.05).run(episode: e, parameters: [0, 0], stateSeed: 0, recordLogits: false)
      XCTAssertGreaterThan(accuracy(tracking, 5..<100), 0.99)
      XCTAssertGreaterThan(accuracy(tracking, 110..<300), 0.99)
      let stuck = try CommitteeLearner(members: members, share: 0).run(episode: e, parameters: [0, 0], stateSeed: 0, recordLogits: false)
      XCTAssertLessThan(accuracy(stuck, 100..<150), 0.5)
    }
  }

  /// Each member reads its own slice of the meta-parameters, and its tensors are named by member.
  func testMembersReadTheirOwnParameters() throws {
    let wrong = ScriptedLearner(predict: { _, label in label + 1 })
    let committee = try CommitteeLearner(members: [wrong, wrong], share: 0.01)
    let e = episode(length: 40)
    // Member 1 shifted by 3 predicts the label (label + 1 + 3 = label mod 4); member 0 does not.
    XCTAssertGreaterThan(accuracy(committee.run(episode: e, parameters: [0, 3], stateSeed: 0, recordLogits: false), 5..<40), 0.99)
    XCTAssertEqual(accuracy(committee.run(episode: e, parameters: [0, 0], stateSeed: 0, recordLogits: false), 0..<40), 0)
    XCTAssertEqual(committee.namedTensors.map(\.name), ["member0/parameters", "member1/parameters"])
    XCTAssertEqual(committee.namedTensors.map(\.range), [0..<1, 1..<2])
  }

  /// A member whose predictions are not finite predicts nothing and loses its weight.
  func testADivergedMemberIsOutvoted() throws {
    var diverged = ScriptedLearner(predict: { _, label in label })
    diverged.margin = .nan
    let good = ScriptedLearner(predict: { _, label in label })
    let r = try CommitteeLearner(members: [diverged, good], share: 0.01).run(episode: episode(length: 30), parameters: [0, 0], stateSeed: 0, recordLogits: false)
    XCTAssertTrue(r.losses.allSatisfy(\.isFinite))
    XCTAssertEqual(accuracy(r, 0..<30), 1)
  }

  func testInvalidCommitteesAreRefused() {
    let member = ScriptedLearner(predict: { _, label in label })
    var other = member
    other.classCount = 3
    XCTAssertThrowsError(try CommitteeLearner(members: [member], share: 0))
    XCTAssertThrowsError(try CommitteeLearner(members: [member, other], share: 0))
    for share in [-0.1, 1, .nan] { XCTAssertThrowsError(try CommitteeLearner(members: [member, member], share: share)) }
  }
}
