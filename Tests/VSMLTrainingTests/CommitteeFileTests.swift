import Foundation
import XCTest
import VSML
import VSMLCore
@testable import VSMLTraining

/// Committee files: written from learned members, read back as the same learner, and refused
/// with the field named when their description is malformed.
final class CommitteeFileTests: XCTestCase {
  private func load(_ json: String) throws -> TrainingConfiguration {
    try ConfigurationLoader.load(TrainingConfiguration.self, json: Data(json.utf8), overrides: [], defaults: TrainingConfiguration())
  }

  func testACommitteeOfShippedLearnersRoundTrips() throws {
    let members = try ["scratch", "backprop"].map { try LearnedParameters(contentsOf: try LearnerSource.learnedFile($0)) }
    let committee = try LearnedParameters.committee(of: members, share: 0.02)
    let path = temporaryRunDirectory("committee") + ".safetensors"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try committee.write(to: path, inputSize: 784, classCount: 10)
    let read = try LearnedParameters(contentsOf: path)
    XCTAssertEqual(read.parameters, members[0].parameters + members[1].parameters)
    XCTAssertEqual(read.model.kind, .committee)
    XCTAssertEqual(read.model.members?.count, 2)
    XCTAssertEqual(read.model.share, 0.02)

    // The committee's first member runs exactly as the learner alone (same state seed).
    let learner = try XCTUnwrap(try read.model.makeLearner(inputSize: 16, classCount: 3) as? CommitteeLearner)
    XCTAssertEqual(learner.share, 0.02)
    var generator = SeededGenerator(seed: 5)
    let episode = Episode(
      inputs: (0..<(40 * 16)).map { _ in Float.random(in: 0..<1, using: &generator) },
      labels: (0..<40).map { Int32($0 % 3) }, inputSize: 16, classCount: 3)
    let alone = try members[0].model.makeLearner(inputSize: 16, classCount: 3).run(episode: episode, parameters: members[0].parameters, stateSeed: 9, recordLogits: true)
    let first = learner.members[0].run(episode: episode, parameters: Array(read.parameters[learner.parameterRange(ofMember: 0)]), stateSeed: CommitteeLearner.memberSeed(9, 0), recordLogits: true)
    XCTAssertEqual(first.logits, alone.logits)
    let together = learner.run(episode: episode, parameters: read.parameters, stateSeed: 9, recordLogits: false)
    XCTAssertEqual(together.losses.count, 40)
    XCTAssertTrue(together.losses.allSatisfy(\.isFinite))
  }

  func testMalformedCommitteesNameTheField() throws {
    XCTAssertThrowsError(try load(#"{"model": {"kind": "committee"}}"#).validate()) { XCTAssertTrue("\($0)".contains("model.members"), "\($0)") }
    XCTAssertThrowsError(try load(#"{"model": {"kind": "committee", "members": [{}]}}"#).validate()) { XCTAssertTrue("\($0)".contains("model.members"), "\($0)") }
    XCTAssertThrowsError(try load(#"{"model": {"kind": "committee", "members": [{}, {"kind": "committee", "members": [{}, {}]}]}}"#).validate()) {
      XCTAssertTrue("\($0)".contains("model.members[1]"), "\($0)")
    }
    XCTAssertThrowsError(try load(#"{"model": {"kind": "committee", "members": [{}, {}], "share": 1}}"#).validate()) { XCTAssertTrue("\($0)".contains("model.share"), "\($0)") }
    XCTAssertThrowsError(try load(#"{"model": {"members": [{}, {}]}}"#).validate()) { XCTAssertTrue("\($0)".contains("model.members"), "\($0)") }
    XCTAssertThrowsError(try load(#"{"model": {"kind": "committee", "members": [{}, {"hiddenSizes": [0]}]}}"#).validate()) {
      XCTAssertTrue("\($0)".contains("model.members[1].hiddenSizes"), "\($0)")
    }
    XCTAssertNoThrow(try load(#"{"model": {"kind": "committee", "members": [{}, {"hiddenSizes": [8]}]}}"#).validate())
    let many = "[" + Array(repeating: "{}", count: ConfigurationLimits.committeeMembers + 1).joined(separator: ", ") + "]"
    XCTAssertThrowsError(try load(#"{"model": {"kind": "committee", "members": \#(many)}}"#).validate()) {
      XCTAssertTrue("\($0)".contains("at most \(ConfigurationLimits.committeeMembers) members"), "\($0)")
    }
    XCTAssertThrowsError(try load(#"{"model": {"kind": "committee", "members": [{}, {"hiddenSize": [8]}]}}"#)) {
      XCTAssertTrue("\($0)".contains("model.members[1].hiddenSize") && "\($0)".contains("not a known setting"), "\($0)")
    }

    // A file whose description nests committees is refused by name, before anything is built.
    var nested = ModelConfiguration()
    nested.kind = .committee
    nested.members = [ModelConfiguration(), { var c = ModelConfiguration(); c.kind = .committee; c.members = [ModelConfiguration(), ModelConfiguration()]; return c }()]
    let json = String(decoding: try JSONEncoder().encode(nested), as: UTF8.self)
    let file = SafetensorsFile(tensors: [:], metadata: [LearnedParameters.modelKey: json])
    XCTAssertThrowsError(try LearnedParameters(safetensors: file, source: "nested.safetensors")) {
      XCTAssertTrue("\($0)".contains("nested.safetensors") && "\($0)".contains("model.members[1]"), "\($0)")
    }
    // Baselines' parameters depend on the data's shape: a committee file holds VSML members only.
    var rnn = ModelConfiguration()
    rnn.kind = .metaRNN
    XCTAssertThrowsError(try LearnedParameters.committee(of: [LearnedParameters(model: rnn, parameters: [0]), LearnedParameters(model: ModelConfiguration(), parameters: [0])], share: 0))
  }
}
