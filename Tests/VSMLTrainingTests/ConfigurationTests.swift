import Evolution
import Foundation
import XCTest
import VSML
import VSMLBaselines
import VSMLCore
import VSMLData
@testable import VSMLTraining

final class ConfigurationTests: XCTestCase {
  func load(_ json: String?, _ overrides: [String] = []) throws -> TrainingConfiguration {
    try ConfigurationLoader.load(TrainingConfiguration.self, json: json.map { Data($0.utf8) }, overrides: overrides, defaults: TrainingConfiguration())
  }

  func testDefaultsAreTheQuickStartRecipe() throws {
    let c = try load(nil)
    XCTAssertEqual(c.es.pairs, 32)
    XCTAssertEqual(c.es.hyperparameters.sigma, 0.05, "the published sigma")
    XCTAssertEqual(c.es.hyperparameters.learningRate, 0.1)
    XCTAssertEqual(c.es.hyperparameters.learningRateSchedule, .linearDecay(final: 0.01, iterations: 600))
    XCTAssertEqual(c.schedule.iterations, 600)
    XCTAssertEqual(c.data.episodeLength, 50)
    XCTAssertEqual(c.data.tasks.first?.task, TaskSpec(dataset: "mnist", transforms: [.resize(side: 7)]))
    XCTAssertNoThrow(try c.validate())
    // The published step size stays the ES library's default.
    XCTAssertEqual(OpenAIES.Hyperparameters().learningRate, 0.025)
    XCTAssertEqual(OpenAIES.Hyperparameters().learningRateSchedule, .constant)
  }

  func testPartialFileKeepsOtherDefaults() throws {
    let c = try load(#"{"es": {"pairs": 8}, "seed": 3}"#)
    XCTAssertEqual(c.es.pairs, 8)
    XCTAssertEqual(c.seed, 3)
    XCTAssertEqual(c.es.hyperparameters.sigma, 0.05)
  }

  func testPrecisionIsOptInAndValidated() throws {
    XCTAssertNil(try load(nil).model.precision)
    XCTAssertEqual(try load(#"{"model": {"precision": "bf16"}}"#).model.precision, .bf16)
    XCTAssertEqual(try load(nil, [#"model.precision="fp32""#]).model.precision, .fp32)
    XCTAssertThrowsError(try load(#"{"model": {"precision": "fp8"}}"#))
    // A configuration written before the field existed still decodes.
    let old = try JSONDecoder().decode(ModelConfiguration.self, from: Data(#"{"kind": "vsml", "hiddenSizes": [], "microTicks": 2, "backwardPass": false, "feedLabel": false, "layerNorm": false, "layerwiseRNNs": false, "separateBackwardRNN": false}"#.utf8))
    XCTAssertNil(old.precision)
  }

  func testInitialGateBiasSetsEveryBlocksGateBiasAndIsValidated() throws {
    let c = try load(#"{"model": {"initialGateBias": [5, 0, -1, 0.5]}}"#)
    let network = try VSMLNetwork(c.model.vsml(inputSize: 4, classCount: 3))
    var g1 = SeededGenerator(seed: 1), g2 = SeededGenerator(seed: 1)
    let plain = network.initialParameters(using: &g1)
    let biased = c.model.initialParameters(of: network, using: &g2)
    let bias = network.layout.block.gateBias
    XCTAssertEqual(Array(biased[bias]), [Float](repeating: 5, count: 16) + [Float](repeating: 0, count: 16)
      + [Float](repeating: -1, count: 16) + [Float](repeating: 0.5, count: 16))
    var rest = biased, restPlain = plain
    rest.removeSubrange(bias)
    restPlain.removeSubrange(bias)
    XCTAssertEqual(rest, restPlain, "the same random draws; only the biases differ")
    for bad in [#"[5, 0, 0]"#, #"[50, 0, 0, 0]"#] {
      XCTAssertThrowsError(try load(#"{"model": {"initialGateBias": \#(bad)}}"#).validate()) { XCTAssertTrue("\($0)".contains("model.initialGateBias"), "\($0)") }
    }
    XCTAssertThrowsError(try load(#"{"model": {"kind": "meta-rnn", "initialGateBias": [5, 0, 0, 0]}}"#).validate()) {
      XCTAssertTrue("\($0)".contains("VSML only"), "\($0)")
    }
  }

  func testYAMLReadsLikeJSONAndIsCheckedTheSameWay() throws {
    let dir = NSTemporaryDirectory() + "/vsml-yaml-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    func file(_ name: String, _ text: String) throws -> String {
      try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
      return dir + "/" + name
    }
    let yaml = try file("c.yaml", """
      # comments are allowed
      data:
        tasks:
          - task: {dataset: sum, transforms: [{resize: {side: 7}}]}
        episodeLength: 20
      es:
        pairs: 4
        hyperparameters: {learningRate: 0.05, learningRateSchedule: {constant: {}}}
      seed: 3
      """)
    let json = try file("c.json", #"""
      {"data": {"tasks": [{"task": {"dataset": "sum", "transforms": [{"resize": {"side": 7}}]}}], "episodeLength": 20},
       "es": {"pairs": 4, "hyperparameters": {"learningRate": 0.05, "learningRateSchedule": {"constant": {}}}}, "seed": 3}
      """#)
    let a = try ConfigurationLoader.load(TrainingConfiguration.self, file: yaml, overrides: ["es.pairs=5"], defaults: TrainingConfiguration())
    let b = try ConfigurationLoader.load(TrainingConfiguration.self, file: json, overrides: ["es.pairs=5"], defaults: TrainingConfiguration())
    XCTAssertEqual(a, b)
    XCTAssertEqual(a.es.pairs, 5)
    XCTAssertEqual(a.data.tasks[0].weight, 1, "a left-out weight is 1")
    for (name, text, field) in [
      ("unknown.yml", "es:\n  pairz: 3\n", "es.pairz"), ("type.yaml", "es:\n  pairs: many\n", "es.pairs"),
      ("broken.yaml", "es: [1, 2\n", "not valid YAML"), ("keys.yaml", "es:\n  1: 2\n", "es"),
    ] {
      XCTAssertThrowsError(try ConfigurationLoader.load(TrainingConfiguration.self, file: try file(name, text), defaults: TrainingConfiguration())) {
        XCTAssertTrue("\($0)".contains(field), "\(name): \($0)")
      }
    }
  }

  func testHostileYAMLIsRefusedByNameWithoutTrapOrBlowUp() throws {
    func refused(_ text: String, _ words: String, line: UInt = #line) {
      XCTAssertThrowsError(try YAMLDocument.jsonData(Array(text.utf8), path: "c.yaml"), line: line) {
        XCTAssertTrue("\($0)".contains(words), "\($0)", line: line)
      }
    }
    // Keys that are lists or mappings (the YAML library's constructor traps on these), and keys
    // that are aliases (the library hashes every key: an alias of a bomb costs seconds).
    refused("? [a, b]\n: 1\n", "line 1 uses a complex key")
    refused("es:\n  ? {x: 1}\n  : 2\n", "line 2 uses a complex key")
    refused("data:\n  tasks:\n    - ? [1]\n      : 2\n", "line 3 uses a complex key")
    refused("a: &a [1, 2]\nb: {*a : 1}\n", "line 2 uses an alias as a key")
    refused("a: &a [1, 2]\nb: [x, ?*a, y]\n", "uses a complex key")
    refused("es: {[1, 2]: 3}\n", "es: has a key that is a list")
    refused("1: 2\n", "not a string: 1")
    // Question marks and stars inside text are not keys.
    XCTAssertNoThrow(try YAMLDocument.jsonData(Array("a: 'what? *x: y'\nb: \"? *z: w\"\nc: what?\n# ? *q: r\n".utf8), path: "c.yaml"))
    // Nested aliases: 10^8 values from a few hundred bytes, refused within the node budget.
    var bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in 1...8 { bomb.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]") }
    let start = Date()
    refused(bomb.joined(separator: "\n") + "\n", "expands to more than")
    // The bomb again with its last level's alias made a complex key: refused before parsing.
    var keyed = bomb
    keyed[8] = keyed[8].replacingOccurrences(of: "[*a7, *a7", with: "[*a7, ?*a7")
    refused(keyed.joined(separator: "\n") + "\n", "uses a complex key")
    XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    refused("seed: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000), "nests brackets 100000 deep")
    // Values JSON cannot hold, and what a configuration does not use.
    refused("es:\n  hyperparameters:\n    sigma: .inf\n", "es.hyperparameters.sigma: holds .inf")
    refused("es:\n  hyperparameters:\n    sigma: -.Inf\n", "not a finite number")
    refused("seed: .nan\n", "seed: holds .nan")
    refused("seed: 99999999999999999999999\n", "beyond 64 bits")
    refused("seed: !custom 3\n", "has the tag !custom")
    refused("es:\n  pairs: 4\n  pairs: 8\n", "pairs")
    // What a person writes still reads: anchors, aliases, merge keys (own keys win), quoted numbers as keys.
    let good = try YAMLDocument.jsonData(Array("""
      base: &b {pairs: 4, sharedEpisode: true}
      es:
        <<: *b
        pairs: 6
      list: [*b, *b]
      "1": one
      when: 2001-12-14
      """.utf8), path: "c.yaml")
    let tree = try XCTUnwrap(JSONSerialization.jsonObject(with: good) as? [String: Any])
    XCTAssertEqual((tree["es"] as? [String: Any])?["pairs"] as? Int, 6)
    XCTAssertEqual((tree["es"] as? [String: Any])?["sharedEpisode"] as? Bool, true)
    XCTAssertEqual((tree["list"] as? [Any])?.count, 2)
    XCTAssertEqual(tree["1"] as? String, "one")
    XCTAssertEqual(tree["when"] as? String, "2001-12-14")
  }

  func testEveryModelHasOneSpellingInTrainAndBench() {
    // A committee is made of members (`vsml committee`), not benchmarked by a name of its own.
    for kind in ModelKind.allCases where kind != .vsml && kind != .committee {
      XCTAssertEqual(BaselineModel(rawValue: kind.rawValue)?.isMetaLearned, true, "vsml bench --model \(kind.rawValue) must name the same model")
    }
  }

  func testUnknownKeyIsRejectedNamingIt() {
    XCTAssertThrowsError(try load(#"{"es": {"pair": 8}}"#)) { error in
      XCTAssertEqual((error as? ConfigurationError)?.field, "es.pair")
    }
    XCTAssertThrowsError(try load(nil, ["model.depth=3"])) { error in
      XCTAssertEqual((error as? ConfigurationError)?.field, "model.depth")
    }
    // Optional fields that are nil by default are still known.
    XCTAssertNoThrow(try load(#"{"data": {"tasks": [{"task": {"dataset": "mnist", "classSubset": [0, 1]}, "weight": 1}]}}"#))
  }

  func testOptimizerReadsAsAPersonWritesIt() throws {
    let adam = try load(#"{"es": {"hyperparameters": {"optimizer": "adam"}}}"#).es.hyperparameters.optimizer
    XCTAssertEqual(adam, .defaultAdam)
    let partial = try load(#"{"es": {"hyperparameters": {"optimizer": {"adam": {"beta1": 0.95}}}}}"#).es.hyperparameters.optimizer
    XCTAssertEqual(partial, .adam(.init(beta1: 0.95)))
    XCTAssertEqual(try load(nil, ["es.hyperparameters.optimizer=sgd"]).es.hyperparameters.optimizer, .sgd(.init()))
    let sgd = try load(#"{"es": {"hyperparameters": {"optimizer": {"sgd": {"momentum": 0.9}}}}}"#).es.hyperparameters.optimizer
    XCTAssertEqual(sgd, .sgd(.init(momentum: 0.9)))
    // Files written by older versions wrap the hyperparameters in "_0".
    let legacy = try load(#"{"es": {"hyperparameters": {"optimizer": {"adam": {"_0": {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6, "weightDecay": 0}}}}}}"#)
    XCTAssertEqual(legacy.es.hyperparameters.optimizer, .adam(.init(beta1: 0.8, beta2: 0.99, epsilon: 1e-6)))
    // The written form has no "_0".
    let written = String(decoding: try JSONEncoder().encode(TrainingConfiguration()), as: UTF8.self)
    XCTAssertFalse(written.contains("_0"), written)
    XCTAssertTrue(written.contains(#""optimizer":{"adam":{"#), written)
    for bad in [#""adma""#, #"{"adam": {"beta": 0.9}}"#, #"{"adam": {}, "sgd": {}}"#, #"{"adam": {"beta1": "high"}}"#] {
      XCTAssertThrowsError(try load(#"{"es": {"hyperparameters": {"optimizer": \#(bad)}}}"#), bad) { error in
        XCTAssertTrue((error as? ConfigurationError)?.field.hasPrefix("es.hyperparameters.optimizer") ?? false, "\(bad): \(error)")
      }
    }
  }

  func testOutOfRangeNumbersAndSizesNameTheField() {
    for (override, field) in [("seed=-1", "seed"), ("seed=1.5", "seed"), ("es.pairs=1e12", "es.pairs"), ("model.microTicks=1000000000", "model.microTicks"),
                              ("model.hiddenSizes=[100000000]", "model.hiddenSizes"), ("data.episodeLength=1000000000", "data.episodeLength")] {
      XCTAssertThrowsError(try ConfigurationLoader.load(TrainingConfiguration.self, json: nil, overrides: [override], defaults: TrainingConfiguration()).validate()) {
        XCTAssertEqual(($0 as? ConfigurationError)?.field, field, "\(override): \($0)")
      }
    }
  }

  func testACheckpointCannotNameAStateFileOutsideItsRunDirectory() throws {
    let dir = temporaryRunDirectory("confined")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try #"{"formatVersion": 1, "stateSidecar": "../../etc/passwd"}"#.write(toFile: dir + "/checkpoint.json", atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try RunCheckpoint.load(runDirectory: dir)) { XCTAssertTrue("\($0)".contains("not a file name in the run directory"), "\($0)") }
  }

  func testAnUnknownKeyOrDatasetSuggestsTheNearest() {
    XCTAssertThrowsError(try load(#"{"es": {"pars": 3}}"#)) { XCTAssertTrue("\($0)".contains("(did you mean 'pairs'?)"), "\($0)") }
    XCTAssertThrowsError(try load(#"{"data": {"tasks": [{"task": {"dataset": "fashon-mnist"}}]}}"#).validate()) {
      XCTAssertTrue("\($0)".contains("(did you mean 'fashion-mnist'?)"), "\($0)")
    }
    XCTAssertTrue("\(CheckpointError.notFound("scrach"))".contains("(did you mean 'scratch'?)"))
  }

  func testWrongTypeNamesTheField() {
    XCTAssertThrowsError(try load(#"{"es": {"pairs": "many"}}"#)) { error in
      XCTAssertEqual((error as? ConfigurationError)?.field, "es.pairs")
      XCTAssertTrue("\(error)".hasSuffix("has the wrong type: it must be a whole number"), "\(error)")
    }
    for (json, words) in [(#"{"model": {"layerNorm": 3}}"#, "must be true or false"), (#"{"data": {"tasks": 5}}"#, "must be a list"),
                          (#"{"es": {"hyperparameters": {"sigma": "x"}}}"#, "must be a number")] {
      XCTAssertThrowsError(try load(json)) { XCTAssertTrue("\($0)".contains(words) && !"\($0)".contains("Expected to decode"), "\($0)") }
    }
    XCTAssertThrowsError(try load("{not json"))
  }

  func testOverridesApplyAfterTheFile() throws {
    let c = try load(#"{"es": {"pairs": 8}}"#, ["es.pairs=16", "model.kind=meta-rnn", "data.episodeLength=7"])
    XCTAssertEqual(c.es.pairs, 16)
    XCTAssertEqual(c.model.kind, .metaRNN)
    XCTAssertEqual(c.data.episodeLength, 7)
  }

  func testOverridesAddressListEntriesByIndex() throws {
    let file = #"{"data": {"tasks": [{"task": {"dataset": "mnist"}}, {"task": {"dataset": "sum"}, "weight": 2}]}}"#
    let c = try load(file, ["data.tasks.1.weight=5", "data.tasks.0.task.transforms=[{\"resize\": {\"side\": 14}}]"])
    XCTAssertEqual(c.data.tasks.count, 2)
    XCTAssertEqual(c.data.tasks[1].weight, 5)
    XCTAssertEqual(c.data.tasks[1].task.dataset, "sum")
    XCTAssertEqual(c.data.tasks[0].task.transforms, [.resize(side: 14)])
    for (override, field, words) in [("data.tasks.2.weight=1", "data.tasks.2", "has 2 entries"),
                                     ("data.tasks.first.weight=1", "data.tasks.first", "name an entry by its index"),
                                     ("data.tasks.0.wieght=1", "data.tasks[0].wieght", "not a known setting")] {
      XCTAssertThrowsError(try load(file, [override])) { error in
        XCTAssertEqual((error as? ConfigurationError)?.field, field, "\(override): \(error)")
        XCTAssertTrue("\(error)".contains(words), "\(override): \(error)")
      }
    }
  }

  func testValidationNamesTheField() {
    var c = TrainingConfiguration()
    c.es.pairs = 0
    XCTAssertThrowsError(try c.validate()) { XCTAssertEqual(($0 as? ConfigurationError)?.field, "es.pairs") }
    c = TrainingConfiguration()
    c.data.curriculum = [CurriculumStage(start: 0, tasks: c.data.tasks, episodeLength: 10)]
    XCTAssertThrowsError(try c.validate()) { XCTAssertEqual(($0 as? ConfigurationError)?.field, "data.curriculum[0].start") }
    c = TrainingConfiguration()
    c.model.separateBackwardRNN = true
    XCTAssertThrowsError(try c.validate()) { XCTAssertEqual(($0 as? ConfigurationError)?.field, "model.separateBackwardRNN") }
    c = TrainingConfiguration()
    c.es.snes = SNES.Hyperparameters()
    XCTAssertThrowsError(try c.validate()) { XCTAssertEqual(($0 as? ConfigurationError)?.field, "es.snes") }
    c.es.strategy = .snes
    XCTAssertNoThrow(try c.validate())
    c.es.snes?.initialSigma = -1
    XCTAssertThrowsError(try c.validate()) { XCTAssertEqual(($0 as? ConfigurationError)?.field, "es.snes") }
    c.es.snes = nil
    c.meta.optimizer = .gradient
    XCTAssertThrowsError(try c.validate()) { XCTAssertEqual(($0 as? ConfigurationError)?.field, "es.strategy") }
  }

  func testScaleGroupsAreReadAndChecked() throws {
    let json = #"{"es": {"scaleGroups": [{"name": "learning rate", "entries": [{"tensor": "t", "indices": [[1, 2]]}, {"tensor": "u"}]}]}}"#
    let c = try ConfigurationLoader.load(TrainingConfiguration.self, json: Data(json.utf8), defaults: TrainingConfiguration())
    XCTAssertEqual(c.es.scaleGroups, [ScaleGroup(name: "learning rate", entries: [TensorEntries(tensor: "t", indices: [[1, 2]]), TensorEntries(tensor: "u")])])
    XCTAssertNoThrow(try c.validate())
    for (change, field) in [({ (c: inout TrainingConfiguration) in c.es.strategy = .snes }, "es.scaleGroups"),
                            ({ $0.meta.optimizer = .gradient }, "es.scaleGroups"), ({ $0.es.relativeNoise = RelativeNoise() }, "es.scaleGroups"),
                            ({ $0.es.hyperparameters.weightDecay = 0.01 }, "es.scaleGroups"), ({ $0.es.scaleGroups = [] }, "es.scaleGroups (number of groups)"),
                            ({ $0.es.scaleGroups?[0].name = "" }, "es.scaleGroups[0].name"), ({ $0.es.scaleGroups?[0].entries = [] }, "es.scaleGroups[0].entries")] {
      var bad = c
      change(&bad)
      XCTAssertThrowsError(try bad.validate()) { XCTAssertEqual(($0 as? ConfigurationError)?.field, field) }
    }
    // Resolving against a model's tensors: s = θ₀ on listed entries, groups in order, -1 elsewhere.
    let tensors = [NamedTensor(name: "t", shape: [2, 3], range: 0..<6), NamedTensor(name: "u", shape: [2], range: 6..<8)]
    let start: [Float] = [1, 2, 3, 4, 5, 6, 0, 8]
    let basis = try ScaleGroup.searchBasis(c.es.scaleGroups!, start: start, tensors: tensors)
    XCTAssertEqual(basis.group, [-1, -1, -1, -1, -1, 0, 0, 0])
    XCTAssertEqual(basis.scale, [0, 0, 0, 0, 0, 6, 0, 8])
    for (groups, field) in [([ScaleGroup(name: "g", entries: [TensorEntries(tensor: "t", indices: [[2, 0]])])], "es.scaleGroups[0].entries[0].indices"),
                            ([ScaleGroup(name: "g", entries: [TensorEntries(tensor: "t", indices: [[1]])])], "es.scaleGroups[0].entries[0].indices"),
                            ([ScaleGroup(name: "g", entries: [TensorEntries(tensor: "v")])], "es.scaleGroups[0].entries[0].tensor"),
                            ([ScaleGroup(name: "g", entries: [TensorEntries(tensor: "u", indices: [[0]])])], "es.scaleGroups[0]"),
                            ([ScaleGroup(name: "g", entries: [TensorEntries(tensor: "u")]), ScaleGroup(name: "h", entries: [TensorEntries(tensor: "u", indices: [[1]])])],
                             "es.scaleGroups[1].entries[0]")] {
      XCTAssertThrowsError(try ScaleGroup.searchBasis(groups, start: start, tensors: tensors)) { XCTAssertEqual(($0 as? ConfigurationError)?.field, field) }
    }
  }

  func testObjectiveIsReadAndChecked() throws {
    let c = try ConfigurationLoader.load(TrainingConfiguration.self, json: Data(#"{"es": {"objective": "errorRate"}}"#.utf8), defaults: TrainingConfiguration())
    XCTAssertEqual(c.es.fitnessObjective, .errorRate)
    XCTAssertNoThrow(try c.validate())
    XCTAssertEqual(TrainingConfiguration().es.fitnessObjective, .loss)
    var gradient = c
    gradient.meta.optimizer = .gradient
    XCTAssertThrowsError(try gradient.validate()) { XCTAssertEqual(($0 as? ConfigurationError)?.field, "es.objective") }
    XCTAssertThrowsError(try ConfigurationLoader.load(TrainingConfiguration.self, json: Data(#"{"es": {"objective": "accuracy"}}"#.utf8),
                                                      defaults: TrainingConfiguration()))
  }

  func testRelativeNoiseIsReadAndChecked() throws {
    var c = try ConfigurationLoader.load(
      TrainingConfiguration.self, json: Data(#"{"es": {"relativeNoise": {}}}"#.utf8), defaults: TrainingConfiguration())
    XCTAssertEqual(c.es.relativeNoise, RelativeNoise(floor: 0))
    XCTAssertNoThrow(try c.validate())
    XCTAssertEqual(RelativeNoise(floor: 0.5).scale(start: [0, -2, 0.1]), [0.5, 2, 0.5])
    c.es.relativeNoise?.floor = -1
    XCTAssertThrowsError(try c.validate()) { XCTAssertEqual(($0 as? ConfigurationError)?.field, "es.relativeNoise.floor") }
    c.es.relativeNoise?.floor = 0
    for change in [{ (c: inout TrainingConfiguration) in c.es.strategy = .snes }, { $0.meta.optimizer = .gradient }, { $0.es.hyperparameters.weightDecay = 0.01 }] {
      var bad = c
      change(&bad)
      XCTAssertThrowsError(try bad.validate()) { XCTAssertEqual(($0 as? ConfigurationError)?.field, "es.relativeNoise") }
    }
    var shared = TrainingConfiguration()
    shared.es.sharedEpisode = true
    XCTAssertNoThrow(try shared.validate())
    shared.meta.optimizer = .gradient
    XCTAssertThrowsError(try shared.validate()) { XCTAssertEqual(($0 as? ConfigurationError)?.field, "es.sharedEpisode") }
  }

  func testStrategyReadsFromYAML() throws {
    let yaml = "es:\n  strategy: snes\n  snes:\n    initialSigma: 0.02\n"
    let c = try ConfigurationLoader.load(
      TrainingConfiguration.self, json: ConfigurationLoader.jsonData(fromYAML: Array(yaml.utf8), path: "c.yaml"), defaults: TrainingConfiguration())
    XCTAssertEqual(c.es.strategyKind, .snes)
    XCTAssertEqual(c.es.snes?.initialSigma, 0.02)
    XCTAssertEqual(c.es.snes?.meanLearningRate, SNES.Hyperparameters.defaultMeanLearningRate)
    XCTAssertThrowsError(try ConfigurationLoader.load(
      TrainingConfiguration.self, json: Data(#"{"es": {"strategy": "cma"}}"#.utf8), defaults: TrainingConfiguration())) {
      XCTAssertTrue("\($0)".contains("es.strategy"), "\($0)")
    }
  }

  func testCurriculumStageLookup() {
    var c = TrainingConfiguration()
    c.data.episodeLength = 100
    c.data.curriculum = [CurriculumStage(start: 10, tasks: c.data.tasks, episodeLength: 50)]
    XCTAssertEqual(c.stage(at: 9).index, 0)
    XCTAssertEqual(c.stage(at: 9).episodeLength, 100)
    XCTAssertEqual(c.stage(at: 10).index, 1)
    XCTAssertEqual(c.stage(at: 10).episodeLength, 50)
  }

  func testConfigurationRoundTripsThroughJSON() throws {
    var c = tinyConfiguration()
    c.data.curriculum = [CurriculumStage(start: 2, tasks: c.data.tasks, episodeLength: 5)]
    let data = try JSONEncoder().encode(c)
    XCTAssertEqual(try ConfigurationLoader.load(TrainingConfiguration.self, json: data, defaults: TrainingConfiguration()), c)
  }
}
