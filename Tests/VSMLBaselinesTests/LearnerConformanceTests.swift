import Foundation
import VSMLBaselines
import VSMLCore
import XCTest

/// One shared loop over every baseline learner (STYLE rule 9): shapes, parameter counts,
/// determinism, seed use, finite losses on random data, padding of smaller episodes.
final class LearnerConformanceTests: XCTestCase {
  struct Entry {
    var name: String
    var learner: any OnlineLearner
    /// Whether the initial state depends on `stateSeed`.
    var usesStateSeed: Bool
  }

  static let inputSize = 12
  static let classCount = 3

  static func entries() throws -> [Entry] {
    let i = inputSize, c = classCount
    return [
      Entry(name: "meta-rnn", learner: try MetaRNN(.init(inputSize: i, classCount: c, hiddenSize: 8)), usesStateSeed: false),
      Entry(name: "meta-rnn-wide", learner: try MetaRNN(.init(inputSize: i, classCount: c, hiddenSize: 36, microTicks: 1)), usesStateSeed: false),
      Entry(name: "hebbian-oja", learner: try HebbianLearner(.init(inputSize: i, classCount: c, rule: .oja)), usesStateSeed: true),
      Entry(name: "hebbian-hebb", learner: try HebbianLearner(.init(inputSize: i, classCount: c, rule: .hebb)), usesStateSeed: true),
      Entry(
        name: "fw-memory",
        learner: try FastWeightMemory(.init(inputSize: i, classCount: c, hiddenSize: 8, keyFactorSize: 4, valueSize: 5)),
        usesStateSeed: false),
      Entry(name: "fwp-delta", learner: try FastWeightProgrammer(.init(inputSize: i, classCount: c, keySize: 8)), usesStateSeed: false),
      Entry(
        name: "fwp-additive",
        learner: try FastWeightProgrammer(.init(inputSize: i, classCount: c, keySize: 5, updateRule: .additive)),
        usesStateSeed: false),
      Entry(name: "mlp-sgd-linear", learner: try OnlineMLP(.init(inputSize: i, classCount: c, hiddenSize: 0, optimizer: .sgd)), usesStateSeed: true),
      Entry(name: "mlp-adam-hidden", learner: try OnlineMLP(.init(inputSize: i, classCount: c, hiddenSize: 20, optimizer: .adam)), usesStateSeed: true),
    ]
  }

  func testEveryLearnerConforms() throws {
    let episode = randomEpisode(length: 40, inputSize: Self.inputSize, classCount: Self.classCount, seed: 3)
    let padded = randomEpisode(length: 10, inputSize: Self.inputSize - 3, classCount: 2, seed: 4)
    for entry in try Self.entries() {
      let learner = entry.learner
      let name = entry.name
      XCTAssertEqual(learner.inputSize, Self.inputSize, name)
      XCTAssertEqual(learner.classCount, Self.classCount, name)
      var generator = SeededGenerator(seed: 1)
      let parameters = learner.initialParameters(using: &generator)
      XCTAssertEqual(parameters.count, learner.parameterCount, name)
      XCTAssertTrue(parameters.allSatisfy(\.isFinite), name)
      var again = SeededGenerator(seed: 1)
      XCTAssertEqual(learner.initialParameters(using: &again), parameters, "\(name): initialParameters deterministic")

      let a = learner.run(episode: episode, parameters: parameters, stateSeed: 5, recordLogits: true)
      XCTAssertEqual(a.losses.count, episode.length, name)
      XCTAssertEqual(a.correct.count, episode.length, name)
      XCTAssertEqual(a.logits.count, episode.length * learner.classCount, name)
      XCTAssertTrue(a.losses.allSatisfy { $0.isFinite && $0 >= 0 }, "\(name): losses \(a.losses)")
      XCTAssertTrue(a.logits.allSatisfy { abs($0) <= baselineLogitBound }, "\(name): soft clip")
      XCTAssertLessThan(a.meanLoss, 5, "\(name): mean loss on random data should stay near ln C")

      let b = learner.run(episode: episode, parameters: parameters, stateSeed: 5, recordLogits: false)
      XCTAssertEqual(b.losses, a.losses, "\(name): equal seeds give equal results")
      XCTAssertTrue(b.logits.isEmpty, name)

      let c = learner.run(episode: episode, parameters: parameters, stateSeed: 6, recordLogits: false)
      if entry.usesStateSeed {
        XCTAssertNotEqual(c.losses, a.losses, "\(name): stateSeed should change the initial state")
      } else {
        XCTAssertEqual(c.losses, a.losses, "\(name): stateSeed is documented as unused")
      }

      if learner.parameterCount > 0 {
        var perturbed = parameters
        var noise = SeededGenerator(seed: 9)
        for k in perturbed.indices { perturbed[k] += 0.3 * noise.nextNormal() }
        let d = learner.run(episode: episode, parameters: perturbed, stateSeed: 5, recordLogits: false)
        XCTAssertNotEqual(d.losses, a.losses, "\(name): parameters must matter")
      }

      // Fewer features (zero-padded) and fewer classes than the learner's sizes are accepted.
      let p = learner.run(episode: padded, parameters: parameters, stateSeed: 5, recordLogits: true)
      XCTAssertEqual(p.logits.count, padded.length * learner.classCount, name)
      XCTAssertTrue(p.losses.allSatisfy(\.isFinite), name)
    }
  }

  /// Learners whose starting point is a gradient learner must learn a linearly separable stream.
  func testGradientLikeLearnersLearnSeparableStream() throws {
    let episode = prototypeEpisode(length: 300, inputSize: Self.inputSize, classCount: Self.classCount, noise: 0.3, seed: 8)
    let learners: [(String, any OnlineLearner)] = [
      ("mlp-sgd-linear", try OnlineMLP(.init(inputSize: Self.inputSize, classCount: Self.classCount, hiddenSize: 0, optimizer: .sgd, learningRate: 0.05))),
      ("mlp-sgd-hidden", try OnlineMLP(.init(inputSize: Self.inputSize, classCount: Self.classCount, hiddenSize: 16, optimizer: .sgd, learningRate: 0.05))),
      ("mlp-adam-hidden", try OnlineMLP(.init(inputSize: Self.inputSize, classCount: Self.classCount, hiddenSize: 16, optimizer: .adam, learningRate: 0.01))),
      ("hebbian-hebb", try HebbianLearner(.init(inputSize: Self.inputSize, classCount: Self.classCount, rule: .hebb))),
      ("hebbian-oja", try HebbianLearner(.init(inputSize: Self.inputSize, classCount: Self.classCount, rule: .oja))),
    ]
    for (name, learner) in learners {
      var generator = SeededGenerator(seed: 2)
      var parameters = learner.initialParameters(using: &generator)
      if learner is HebbianLearner { parameters[HebbianLearner.Parameter.logRate.rawValue] = -2.3 }  // rate 0.1
      let result = learner.run(episode: episode, parameters: parameters, stateSeed: 1, recordLogits: false)
      let late = result.correct[200...].filter { $0 }.count
      XCTAssertGreaterThan(Float(late) / 100, 0.8, "\(name): accuracy on the last 100 steps")
      let early = result.losses[0..<50].reduce(0, +), lateLoss = result.losses[250...].reduce(0, +)
      XCTAssertLessThan(lateLoss, early, "\(name): the loss should fall")
    }
  }

  func testConfigurationValidationNamesTheField() {
    XCTAssertThrowsError(try MetaRNN(.init(inputSize: 0))) { error in
      XCTAssertEqual((error as? BaselineConfigurationError)?.field, "inputSize")
    }
    XCTAssertThrowsError(try OnlineMLP(.init(learningRate: -1))) { error in
      XCTAssertEqual((error as? BaselineConfigurationError)?.field, "learningRate")
    }
    XCTAssertThrowsError(try FastWeightMemory(.init(valueSize: 0))) { error in
      XCTAssertEqual((error as? BaselineConfigurationError)?.field, "valueSize")
    }
  }

  func testDefaultParameterCounts() throws {
    XCTAssertEqual(try MetaRNN(.init()).parameterCount, 478_986)
    XCTAssertEqual(try FastWeightMemory(.init()).parameterCount, 112_347)
    XCTAssertEqual(try FastWeightProgrammer(.init()).parameterCount, 111_905)
    XCTAssertEqual(try HebbianLearner(.init()).parameterCount, 7)
    XCTAssertEqual(try OnlineMLP(.init()).parameterCount, 0)
    XCTAssertEqual(try OnlineMLP(.init()).weightCount, 127_210)
    XCTAssertEqual(try OnlineMLP(.init(hiddenSize: 0)).weightCount, 7_850)
    XCTAssertEqual(try FastWeightMemory(.init()).memoryKeySize, 256)
  }

  func testConfigurationsRoundTripThroughJSON() throws {
    let config = FastWeightProgrammer.Configuration(keySize: 32, updateRule: .additive)
    let data = try JSONEncoder().encode(config)
    XCTAssertEqual(try JSONDecoder().decode(FastWeightProgrammer.Configuration.self, from: data), config)
  }
}

final class BaselineModelTests: XCTestCase {
  func testEveryModelBuildsAndRuns() throws {
    let episode = randomEpisode(length: 5, inputSize: 10, classCount: 4, seed: 1)
    for model in BaselineModel.allCases {
      let learner = try model.makeLearner(inputSize: 10, classCount: 4)
      XCTAssertEqual(learner.parameterCount > 0, model.isMetaLearned, model.rawValue)
      var generator = SeededGenerator(seed: 1)
      let result = learner.run(episode: episode, parameters: learner.initialParameters(using: &generator), stateSeed: 1)
      XCTAssertEqual(result.losses.count, 5, model.rawValue)
      XCTAssertEqual(BaselineModel(rawValue: model.rawValue), model)
      // Meta-learned baselines name their slices; together they cover the vector once, in order.
      if model.isMetaLearned {
        let tensors = learner.namedTensors
        XCTAssertGreaterThan(tensors.count, 1, model.rawValue)
        XCTAssertEqual(tensors.map(\.range.count).reduce(0, +), learner.parameterCount, model.rawValue)
        XCTAssertEqual(Set(tensors.map(\.name)).count, tensors.count, model.rawValue)
      }
    }
  }
}
