import Foundation
import Synchronization
import Evolution
import XCTest
import VSML
import VSMLCore
import VSMLData
@testable import VSMLTraining

final class MetaTrainerTests: XCTestCase {
  func testTrainingWritesMetricsCheckpointsAndBest() throws {
    let dir = temporaryRunDirectory("train")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let trainer = try MetaTrainer(configuration: tinyConfiguration(), runDirectory: dir, locator: syntheticLocator, threads: 2, log: { _ in })
    try trainer.run()
    XCTAssertEqual(trainer.strategy.iteration, 4)
    for file in ["config.json", "metrics.csv", "metrics.jsonl", "checkpoint.json", "checkpoint.safetensors", "best.safetensors"] {
      XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/" + file), file)
    }
    XCTAssertEqual(try deterministicMetrics(dir).count, 5)  // header + 4 iterations
    // The stored parameters are the ES mean, under the reference's names.
    let stored = try LearnedParameters(contentsOf: dir + "/checkpoint.safetensors")
    XCTAssertEqual(stored.parameters, trainer.strategy.mean)
    XCTAssertEqual(stored.model, trainer.configuration.model)
    // A second run cannot overwrite the first.
    XCTAssertThrowsError(try MetaTrainer(configuration: tinyConfiguration(), runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in }))
  }

  func testASecondWriterIsRefusedWhileTheFirstHoldsTheRun() throws {
    let dir = temporaryRunDirectory("lock")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var first: MetaTrainer? = try MetaTrainer(configuration: tinyConfiguration(), runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in })
    for attempt in [
      { _ = try MetaTrainer(configuration: tinyConfiguration(), runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in }) },
      { _ = try MetaTrainer(resuming: dir, locator: syntheticLocator, threads: 1, iterations: nil, log: { _ in }) },
    ] {
      XCTAssertThrowsError(try attempt()) { error in
        XCTAssertEqual(error as? DirectoryLockError, .held(directory: dir, pid: getpid()), "\(error)")
        XCTAssertTrue("\(error)".contains("in use by process \(getpid())"), "\(error)")
      }
    }
    try first?.run()  // releases the lock when it returns
    first = nil
    let resumed = try MetaTrainer(resuming: dir, locator: syntheticLocator, threads: 1, iterations: 5, log: { _ in })
    try resumed.run()
    XCTAssertEqual(resumed.strategy.iteration, 5)
    // A file where the run directory should be is named.
    let file = dir + "/a-file"
    try Data().write(to: URL(fileURLWithPath: file))
    XCTAssertThrowsError(try MetaTrainer(configuration: tinyConfiguration(), runDirectory: file, locator: syntheticLocator, threads: 1, log: { _ in })) {
      XCTAssertTrue("\($0)".contains("is a file, not a directory"), "\($0)")
    }
  }

  func testARunThatFailsToStartLeavesNoDirectoryBehind() throws {
    let dir = temporaryRunDirectory("unstarted")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var configuration = tinyConfiguration()
    configuration.data.tasks = [.init(task: TaskSpec(dataset: "csv:\(dir)-missing.csv"))]
    // The data fail to load after the directory was made and locked: both go again.
    XCTAssertThrowsError(try MetaTrainer(configuration: configuration, runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in }))
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir))
    // A directory that was there before stays, without a lock file.
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    XCTAssertThrowsError(try MetaTrainer(configuration: configuration, runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in }))
    XCTAssertTrue(FileManager.default.fileExists(atPath: dir))
    // The same directory then takes a good run.
    let trainer = try MetaTrainer(configuration: tinyConfiguration(iterations: 2), runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in })
    try trainer.run()
    XCTAssertEqual(trainer.strategy.iteration, 2)
  }

  func testANewRunTakesOnlyANewOrEmptyFolder() throws {
    let dir = temporaryRunDirectory("occupied")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    // A user's own files: refused, named, and left alone, with or without startOver.
    try Data("mine".utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
    try Data("notes".utf8).write(to: URL(fileURLWithPath: dir + "/notes.txt"))
    for startOver in [false, true] {
      XCTAssertThrowsError(try MetaTrainer(configuration: tinyConfiguration(), runDirectory: dir, locator: syntheticLocator, threads: 1,
                                           startOver: startOver, log: { _ in })) {
        XCTAssertTrue("\($0)".contains("is not empty (it holds config.json, notes.txt)"), "\($0)")
      }
    }
    XCTAssertEqual(try String(contentsOfFile: dir + "/config.json", encoding: .utf8), "mine")
    try FileManager.default.removeItem(atPath: dir + "/notes.txt")
    try FileManager.default.removeItem(atPath: dir + "/config.json")
    // A run stopped before its first checkpoint: its files only.
    var config = tinyConfiguration(iterations: 3)
    config.schedule.checkpointEvery = 100
    let first = try MetaTrainer(configuration: config, runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in })
    var count = 0
    XCTAssertNoThrow(try first.run(shouldStop: { count += 1; return false }))
    try FileManager.default.removeItem(atPath: dir + "/" + RunCheckpoint.fileName)  // as if killed before the first checkpoint
    XCTAssertThrowsError(try MetaTrainer(configuration: config, runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in })) {
      XCTAssertTrue("\($0)".contains("stopped before its first checkpoint") && "\($0)".contains("--force"), "\($0)")
    }
    let again = try MetaTrainer(configuration: config, runDirectory: dir, locator: syntheticLocator, threads: 1, startOver: true, log: { _ in })
    try again.run()
    let rows = try String(contentsOfFile: dir + "/metrics.csv", encoding: .utf8).split(separator: "\n").count - 1
    XCTAssertEqual(rows, 3, "metrics are never appended across runs")
    XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: dir).contains { $0.hasPrefix("checkpoint-state-") && $0 != "checkpoint-state-3.safetensors" })
  }

  func testRunFilesAreNeverWrittenThroughLinks() throws {
    let dir = temporaryRunDirectory("links")
    let outside = temporaryRunDirectory("outside")
    defer {
      for d in [dir, outside] { try? FileManager.default.removeItem(atPath: d) }
    }
    try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    try Data("precious".utf8).write(to: URL(fileURLWithPath: outside + "/target"))
    try MetaTrainer(configuration: tinyConfiguration(iterations: 2), runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in }).run()
    // A link planted in a finished run's folder: resuming must not write through it.
    for name in [MetricsLog.csvName, MetricsLog.jsonLinesName, DirectoryLock.fileName, RunCheckpoint.fileName] {
      let path = dir + "/" + name
      let saved = try Data(contentsOf: URL(fileURLWithPath: path))
      try FileManager.default.removeItem(atPath: path)
      try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: outside + "/target")
      XCTAssertThrowsError(try MetaTrainer(resuming: dir, locator: syntheticLocator, threads: 1, iterations: 4, log: { _ in }).run(), name) {
        XCTAssertTrue("\($0)".contains("symbolic link") || "\($0)".contains("checkpoint"), "\(name): \($0)")
      }
      try FileManager.default.removeItem(atPath: path)
      try saved.write(to: URL(fileURLWithPath: path))
    }
    XCTAssertEqual(try String(contentsOfFile: outside + "/target", encoding: .utf8), "precious")
    try MetaTrainer(resuming: dir, locator: syntheticLocator, threads: 1, iterations: 3, log: { _ in }).run()
  }

  func testADivergingRunIsFlagged() throws {
    let w = DivergenceCheck.window
    var falling = DivergenceCheck(), rising = DivergenceCheck()
    for i in 0..<(2 * w) {
      XCTAssertFalse(falling.add(2.3 - Double(i) * 0.001))
      _ = rising.add(2.3 + Double(i) * 0.05)
    }
    XCTAssertTrue(rising.isDiverging)
    XCTAssertFalse(DivergenceCheck(history: Array(repeating: 9, count: 2 * w - 1)).isDiverging, "too short to judge")
    XCTAssertTrue(DivergenceCheck(history: Array(repeating: 1, count: w) + Array(repeating: .nan, count: w)).isDiverging)
    // In the metrics: the column is written and survives a resume, which reloads the history.
    let dir = temporaryRunDirectory("diverging")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var config = tinyConfiguration(iterations: 2 * w + 2)
    config.schedule.evaluateEvery = 0
    config.schedule.checkpointEvery = 10
    // A learning rate far too large: the loss climbs from its start.
    config.es.hyperparameters.learningRate = 50
    config.es.hyperparameters.learningRateSchedule = .constant
    let trainer = try MetaTrainer(configuration: config, runDirectory: dir, locator: syntheticLocator, threads: 2, log: { _ in })
    var count = 0
    try trainer.run(shouldStop: { count += 1; return count == 2 * w - 5 })
    try MetaTrainer(resuming: dir, locator: syntheticLocator, threads: 2, iterations: nil, log: { _ in }).run()
    let series = try RunPlot.series(runDirectory: dir, x: "iteration", y: "diverging", keepNonFinite: true)
    let fitness = try RunPlot.series(runDirectory: dir, x: "iteration", y: "mean_fitness", keepNonFinite: true)
    XCTAssertEqual(series.y.count, 2 * w + 2)
    XCTAssertTrue(series.y.prefix(2 * w - 1).allSatisfy { $0 == 0 }, "not judged before two windows")
    XCTAssertEqual(series.y.last, DivergenceCheck(history: fitness.y).isDiverging ? 1 : 0, "the resumed run judges the whole history")
  }

  func testManyTasksShareOneLoadedDatasetAndAreBounded() throws {
    var config = tinyConfiguration()
    config.data.tasks = (0..<600).map { i in .init(task: TaskSpec(dataset: "sum", transforms: [.resize(side: 4), .permute(seed: UInt64(i))])) }
    let locator = DataLocator(dataDirectory: nil, cacheDirectory: NSTemporaryDirectory() + "/vsml-test-no-cache")
    let samplers = try MetaTrainer.makeSamplers(config.resolved(), locator: locator)
    XCTAssertEqual(samplers[0].tasks.count, 600)
    XCTAssertEqual(locator.datasets.count, 1, "600 tasks on one file split load it once")
    XCTAssertEqual(try DatasetRegistry.load("sum", split: .validation, locator: locator).count, samplers[0].tasks[0].dataset.count)
    XCTAssertEqual(locator.datasets.count, 1, "train and validation share the training file")
    config.data.tasks = Array(repeating: config.data.tasks[0], count: ConfigurationLimits.tasks + 1)
    XCTAssertThrowsError(try config.validate()) { XCTAssertTrue("\($0)".contains("data.tasks (number of tasks)"), "\($0)") }
    var validation = tinyConfiguration()
    validation.validation.tasks = Array(repeating: validation.validation.tasks[0], count: ConfigurationLimits.tasks + 1)
    XCTAssertThrowsError(try validation.validate()) { XCTAssertTrue("\($0)".contains("validation.tasks"), "\($0)") }
  }

  func testADamagedCheckpointIsRefusedNamingWhatDisagrees() throws {
    let dir = temporaryRunDirectory("damaged")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try MetaTrainer(configuration: tinyConfiguration(iterations: 2), runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in }).run()
    let path = dir + "/" + RunCheckpoint.fileName
    let original = try Data(contentsOf: URL(fileURLWithPath: path))
    func damaged(_ keyPath: [String], _ value: Any, _ words: String, line: UInt = #line) throws {
      var root = try XCTUnwrap(JSONSerialization.jsonObject(with: original) as? [String: Any])
      func set(_ node: Any, _ keys: ArraySlice<String>) -> Any {
        guard let key = keys.first, var dict = node as? [String: Any] else { return value }
        dict[key] = set(dict[key] ?? [String: Any](), keys.dropFirst())
        return dict
      }
      root = set(root, keyPath[...]) as! [String: Any]
      try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: path))
      XCTAssertThrowsError(try MetaTrainer(resuming: dir, locator: syntheticLocator, threads: 1, iterations: 3, log: { _ in }), line: line) {
        XCTAssertTrue("\($0)".contains(words), "\($0)", line: line)
      }
    }
    try damaged(["formatVersion"], 0, "format version 0")
    try damaged(["formatVersion"], -1, "format version -1")
    try damaged(["iteration"], -1, "-1 iterations")
    try damaged(["iteration"], 5, "its strategy state says 2")
    try damaged(["strategy", "iteration"], Int.max, "its strategy state says \(Int.max)")
    try damaged(["strategy", "optimizer", "adam", "_0", "stepCount"], -1, "took -1 steps")
    try damaged(["strategy", "optimizer", "adam", "_0", "stepCount"], Int.max, "steps in 2 iterations")
    try damaged(["inputSize"], 0, "inputSize 0")
    try damaged(["inputSize"], 1 << 40, "inputSize")
    try damaged(["wallSeconds"], -1e300, "wallSeconds")
    try damaged(["cpuSeconds"], -1, "cpuSeconds")
    try damaged(["bestValidationAccuracy"], 7, "best validation accuracy of 7")
    try damaged(["bestValidationIteration"], 9, "after the 2 iterations")
    try original.write(to: URL(fileURLWithPath: path))
    try MetaTrainer(resuming: dir, locator: syntheticLocator, threads: 1, iterations: 3, log: { _ in }).run()
  }

  func testTimeBudgetsStopTheRunAndAreCheckedEarly() throws {
    for key in ["maxWallMinutes", "maxCPUMinutes"] {
      let dir = temporaryRunDirectory("budget")
      defer { try? FileManager.default.removeItem(atPath: dir) }
      var configuration = tinyConfiguration(iterations: 50)
      if key == "maxWallMinutes" { configuration.schedule.maxWallMinutes = 1e-9 } else { configuration.schedule.maxCPUMinutes = 1e-9 }
      let trainer = try MetaTrainer(configuration: configuration, runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in })
      try trainer.run()
      XCTAssertEqual(trainer.strategy.iteration, 1, "a budget spent by the first iteration stops after it (\(key))")
      XCTAssertGreaterThan(trainer.cpuSeconds, 0)
      let checkpoint = try RunCheckpoint.load(runDirectory: dir)
      XCTAssertEqual(checkpoint.iteration, 1)
      XCTAssertEqual(checkpoint.cpuSeconds, trainer.cpuSeconds)
      XCTAssertNotNil(checkpoint.bestValidationAccuracy, "the last iteration is meta-tested")
      // Resuming a run whose budget is spent does no more iterations.
      let resumed = try MetaTrainer(resuming: dir, locator: syntheticLocator, threads: 1, iterations: nil, log: { _ in })
      try resumed.run()
      XCTAssertEqual(resumed.strategy.iteration, 1)
    }
    var bad = tinyConfiguration()
    bad.schedule.maxCPUMinutes = 0
    XCTAssertThrowsError(try bad.validate()) { XCTAssertTrue("\($0)".contains("schedule.maxCPUMinutes"), "\($0)") }
  }

  func testResumeIsBitIdenticalToAnUninterruptedRun() throws {
    let straight = temporaryRunDirectory("straight"), split = temporaryRunDirectory("split")
    defer {
      try? FileManager.default.removeItem(atPath: straight)
      try? FileManager.default.removeItem(atPath: split)
    }
    let a = try MetaTrainer(configuration: tinyConfiguration(iterations: 5), runDirectory: straight, locator: syntheticLocator, threads: 2, log: { _ in })
    try a.run()

    // Interrupted after iteration 3 (a stop request), then resumed to 5.
    let b = try MetaTrainer(configuration: tinyConfiguration(iterations: 5), runDirectory: split, locator: syntheticLocator, threads: 2, log: { _ in })
    var count = 0
    try b.run(shouldStop: { count += 1; return count == 3 })
    XCTAssertEqual(b.strategy.iteration, 3)
    let c = try MetaTrainer(resuming: split, locator: syntheticLocator, threads: 2, iterations: nil, log: { _ in })
    XCTAssertEqual(c.strategy.iteration, 3)
    try c.run()

    XCTAssertEqual(c.strategy.mean, a.strategy.mean, "final meta-parameters must match bit for bit")
    XCTAssertEqual(c.strategyState, a.strategyState)
    XCTAssertEqual(try deterministicMetrics(split), try deterministicMetrics(straight))
  }

  func testGradientMetaTrainingResumesBitIdentically() throws {
    let straight = temporaryRunDirectory("gradient-straight"), split = temporaryRunDirectory("gradient-split")
    defer {
      try? FileManager.default.removeItem(atPath: straight)
      try? FileManager.default.removeItem(atPath: split)
    }
    var config = tinyConfiguration(iterations: 7)
    config.meta.optimizer = .gradient
    config.meta.gradient.episodes = 4
    config.schedule.evaluateEvery = 3
    let a = try MetaTrainer(configuration: config, runDirectory: straight, locator: syntheticLocator, threads: 2, log: { _ in })
    XCTAssertEqual(a.configuration.model.layerNorm, true, "gradient meta-training defaults to LayerNorm")
    try a.run()
    let b = try MetaTrainer(configuration: config, runDirectory: split, locator: syntheticLocator, threads: 1, log: { _ in })
    var count = 0
    try b.run(shouldStop: { count += 1; return count == 4 })
    XCTAssertEqual(b.strategy.iteration, 4)
    let c = try MetaTrainer(resuming: split, locator: syntheticLocator, threads: 2, iterations: nil, log: { _ in })
    try c.run()
    XCTAssertEqual(c.strategyState, a.strategyState, "resume must continue bit for bit")
    XCTAssertEqual(try deterministicMetrics(split), try deterministicMetrics(straight))
    // Example-steps consumed: 4 episodes of 12 examples per update.
    let steps = try RunPlot.series(runDirectory: straight, x: RunPlot.exampleSteps, y: "mean_fitness")
    XCTAssertEqual(steps.x, (1...7).map { Double($0 * 4 * 12) / 1e6 })
    let rows = try String(contentsOfFile: straight + "/metrics.csv", encoding: .utf8).split(separator: "\n").dropFirst()
    let norms = rows.map { Double($0.split(separator: ",")[9])! }
    XCTAssertTrue(norms.allSatisfy { $0.isFinite && $0 > 0 }, "\(norms)")
    XCTAssertNotEqual(a.strategy.mean, try MetaTrainer(configuration: config, runDirectory: temporaryRunDirectory("gradient-fresh"),
                                                       locator: syntheticLocator, threads: 1, log: { _ in }).strategy.mean)
  }

  func testSNESTrainsAndResumesBitIdentically() throws {
    let straight = temporaryRunDirectory("snes-straight"), split = temporaryRunDirectory("snes-split")
    defer {
      try? FileManager.default.removeItem(atPath: straight)
      try? FileManager.default.removeItem(atPath: split)
    }
    var config = tinyConfiguration(iterations: 5)
    config.es.strategy = .snes
    config.es.snes = SNES.Hyperparameters(initialSigma: 0.05)
    let a = try MetaTrainer(configuration: config, runDirectory: straight, locator: syntheticLocator, threads: 2, log: { _ in })
    let start = a.strategy.mean
    try a.run()
    guard case .snes(let state) = a.strategyState else { return XCTFail("expected an SNES state, got \(a.strategyState.kind)") }
    XCTAssertNotEqual(state.mean, start)
    XCTAssertTrue(state.sigma.contains { $0 != 0.05 }, "SNES adapts its per-parameter sigmas")
    XCTAssertNotNil(a.strategy.best)
    let b = try MetaTrainer(configuration: config, runDirectory: split, locator: syntheticLocator, threads: 1, log: { _ in })
    var count = 0
    try b.run(shouldStop: { count += 1; return count == 2 })
    let c = try MetaTrainer(resuming: split, locator: syntheticLocator, threads: 2, iterations: nil, log: { _ in })
    XCTAssertEqual(c.strategy.iteration, 2)
    try c.run()
    XCTAssertEqual(c.strategyState, a.strategyState, "resume (and thread count) must not change the run")
    XCTAssertEqual(try deterministicMetrics(split), try deterministicMetrics(straight))
    XCTAssertEqual(try RunCheckpoint.load(runDirectory: split).strategy.kind, .snes)
  }

  func testRelativeNoiseKeepsZerosAndResumesBitIdentically() throws {
    let straight = temporaryRunDirectory("relative-straight"), split = temporaryRunDirectory("relative-split")
    let probe = temporaryRunDirectory("relative-probe"), start = temporaryRunDirectory("relative-start") + ".safetensors"
    defer {
      for path in [straight, split, probe, start] { try? FileManager.default.removeItem(atPath: path) }
    }
    // A start with many exact zeros, as a hand-wired learner has.
    var config = tinyConfiguration(iterations: 4)
    let initial = try MetaTrainer(configuration: config, runDirectory: probe, locator: syntheticLocator, threads: 1, log: { _ in }).strategy.mean
    let sparse = initial.enumerated().map { $0.offset % 3 == 0 ? 0 : $0.element }
    let sampler = try MetaTrainer.makeSampler(config, stage: 0, locator: syntheticLocator)
    try LearnedParameters(model: config.model, parameters: sparse).write(to: start, inputSize: sampler.inputSize, classCount: sampler.classCount)
    config.initialParameters = start
    config.es.relativeNoise = RelativeNoise()
    let a = try MetaTrainer(configuration: config, runDirectory: straight, locator: syntheticLocator, threads: 2, log: { _ in })
    try a.run()
    let end = a.strategy.mean
    XCTAssertTrue(zip(sparse, end).allSatisfy { $0 == 0 ? $1 == 0 : true }, "coordinates that start at 0 stay there")
    XCTAssertNotEqual(end, sparse)
    XCTAssertTrue(zip(sparse, end).allSatisfy { $0 == 0 || abs($1 - $0) <= 0.5 * abs($0) }, "steps are relative to each coordinate")
    let b = try MetaTrainer(configuration: config, runDirectory: split, locator: syntheticLocator, threads: 1, log: { _ in })
    var count = 0
    try b.run(shouldStop: { count += 1; return count == 2 })
    let c = try MetaTrainer(resuming: split, locator: syntheticLocator, threads: 2, iterations: nil, log: { _ in })
    try c.run()
    XCTAssertEqual(c.strategyState, a.strategyState, "resume (and thread count) must not change the run")
  }

  func testScaleGroupsScaleTheirEntriesTogetherAndResumeBitIdentically() throws {
    let straight = temporaryRunDirectory("groups-straight"), split = temporaryRunDirectory("groups-split")
    defer { for path in [straight, split] { try? FileManager.default.removeItem(atPath: path) } }
    let w = "vsmlrnn/~/sub_rnn/~/custom_lstm/linear/w", head = "vsmlrnn/~/sub_rnn/~/linear/w"
    var config = tinyConfiguration(iterations: 4)
    config.es.hyperparameters.sigma = 0.1
    config.es.hyperparameters.learningRate = 0.05
    config.es.scaleGroups = [
      ScaleGroup(name: "pair", entries: [TensorEntries(tensor: w, indices: [[0, 1], [3, 5]])]),
      ScaleGroup(name: "head", entries: [TensorEntries(tensor: head)]),
    ]
    let a = try MetaTrainer(configuration: config, runDirectory: straight, locator: syntheticLocator, threads: 2, log: { _ in })
    let start = a.strategy.mean
    try a.run()
    let end = a.strategy.mean
    let tensors = try config.model.makeLearner(inputSize: 16, classCount: 2).namedTensors
    let wRange = tensors.first { $0.name == w }!.range, headRange = tensors.first { $0.name == head }!.range
    let columns = tensors.first { $0.name == w }!.shape[1]
    let pair = [wRange.lowerBound + 1, wRange.lowerBound + 3 * columns + 5]
    let listed = Set(pair + Array(headRange))
    for j in start.indices where !listed.contains(j) { XCTAssertEqual(end[j], start[j], "unlisted entry \(j) stays") }
    let factor = end[pair[0]] / start[pair[0]]
    XCTAssertNotEqual(factor, 1)
    XCTAssertEqual(end[pair[1]] / start[pair[1]], factor, accuracy: 1e-5)
    let headFactors = headRange.filter { start[$0] != 0 }.map { end[$0] / start[$0] }
    XCTAssertFalse(headFactors.isEmpty)
    for f in headFactors { XCTAssertEqual(f, headFactors[0], accuracy: 1e-4) }
    // Resume on another thread count: the same run.
    let b = try MetaTrainer(configuration: config, runDirectory: split, locator: syntheticLocator, threads: 1, log: { _ in })
    var count = 0
    try b.run(shouldStop: { count += 1; return count == 2 })
    let c = try MetaTrainer(resuming: split, locator: syntheticLocator, threads: 2, iterations: nil, log: { _ in })
    try c.run()
    XCTAssertEqual(c.strategyState, a.strategyState, "resume (and thread count) must not change the run")
    // A tensor the model lacks is named in the error, before any work.
    config.es.scaleGroups = [ScaleGroup(name: "typo", entries: [TensorEntries(tensor: "sub_rnn/w")])]
    let bad = temporaryRunDirectory("groups-bad")
    defer { try? FileManager.default.removeItem(atPath: bad) }
    XCTAssertThrowsError(try MetaTrainer(configuration: config, runDirectory: bad, locator: syntheticLocator, threads: 1, log: { _ in })) {
      XCTAssertEqual(($0 as? ConfigurationError)?.field, "es.scaleGroups[0].entries[0].tensor")
      XCTAssertTrue("\($0)".contains(w), "lists the tensors there are: \($0)")
    }
  }

  func testSharedEpisodeGivesEveryPairTheSameEpisode() throws {
    // With a tiny sigma, members differ only by their episodes: with a shared episode the
    // population's fitness spread all but vanishes; with one episode per pair it does not.
    var config = tinyConfiguration(iterations: 1)
    config.es.hyperparameters.sigma = 1e-6
    func spread(shared: Bool?, threads: Int) throws -> (Double, StrategyState) {
      config.es.sharedEpisode = shared
      let dir = temporaryRunDirectory("shared-episode")
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let trainer = try MetaTrainer(configuration: config, runDirectory: dir, locator: syntheticLocator, threads: threads, log: { _ in })
      let row = try trainer.step()
      return (row["max_fitness"]! - row["min_fitness"]!, trainer.strategyState)
    }
    let (sharedSpread, one) = try spread(shared: true, threads: 1)
    let (ownSpread, _) = try spread(shared: nil, threads: 1)
    XCTAssertLessThan(sharedSpread, 1e-3)
    XCTAssertGreaterThan(ownSpread, 100 * sharedSpread)
    XCTAssertEqual(try spread(shared: true, threads: 2).1, one, "thread count must not change the run")
  }

  func testErrorRateObjectiveRanksMembersByTheirMistakes() throws {
    // Same episodes, noise and members under both objectives; only the fitness differs: under
    // errorRate it is 1 - accuracy member by member, so the means agree, and the step it takes
    // differs from the loss objective's.
    var config = tinyConfiguration(iterations: 1)
    func step(_ objective: FitnessObjective?) throws -> ([String: Double], StrategyState) {
      config.es.objective = objective
      let dir = temporaryRunDirectory("objective")
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let trainer = try MetaTrainer(configuration: config, runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in })
      return (try trainer.step(), trainer.strategyState)
    }
    let (errorRow, errorState) = try step(.errorRate)
    let (lossRow, lossState) = try step(nil)
    XCTAssertEqual(errorRow["mean_fitness"]!, 1 - errorRow["mean_accuracy"]!, accuracy: 1e-6)
    XCTAssertEqual(errorRow["mean_accuracy"]!, lossRow["mean_accuracy"]!, "the same members on the same episodes")
    XCTAssertNotEqual(lossRow["mean_fitness"]!, 1 - lossRow["mean_accuracy"]!, accuracy: 1e-6)
    XCTAssertNotEqual(errorState, lossState)
    XCTAssertEqual(try step(.loss).1, lossState, "loss is the default")
    XCTAssertTrue(FitnessObjective.errorRate.fitness(meanLoss: .infinity, accuracy: 0.9).isNaN, "a diverged member is the worst")
  }

  func testMixedSizesRunEachEpisodeAtItsOwnSize() throws {
    var config = tinyConfiguration(iterations: 2)
    config.data.tasks.append(.init(task: TaskSpec(dataset: "clusters", table: GeneratedTable(features: 5, classes: 3, rows: 40))))
    XCTAssertThrowsError(try MetaTrainer(configuration: config, runDirectory: temporaryRunDirectory("mixed-refused"), locator: syntheticLocator,
                                         threads: 1, log: { _ in })) { XCTAssertTrue("\($0)".contains("components[1].task"), "\($0)") }
    config.data.mixedSizes = true
    let one = temporaryRunDirectory("mixed-1"), two = temporaryRunDirectory("mixed-2")
    defer {
      for dir in [one, two] { try? FileManager.default.removeItem(atPath: dir) }
    }
    let a = try MetaTrainer(configuration: config, runDirectory: one, locator: syntheticLocator, threads: 1, log: { _ in })
    try a.run()
    let b = try MetaTrainer(configuration: config, runDirectory: two, locator: syntheticLocator, threads: 2, log: { _ in })
    try b.run()
    XCTAssertEqual(a.strategyState, b.strategyState)
    let rows = try String(contentsOfFile: one + "/metrics.csv", encoding: .utf8).split(separator: "\n").dropFirst()
    XCTAssertTrue(rows.allSatisfy { Double($0.split(separator: ",")[5])!.isFinite }, "every member's fitness is finite")
    // Both sizes occur among the episodes of these iterations.
    let sampler = try MetaTrainer.makeSampler(a.configuration, stage: 0, locator: syntheticLocator)
    XCTAssertEqual(Set((0..<16).map { sampler.episode($0).inputSize }), [16, 5])
    var baseline = config
    baseline.model.kind = .metaRNN
    XCTAssertThrowsError(try baseline.validate()) { XCTAssertEqual(($0 as? ConfigurationError)?.field, "data.mixedSizes") }
  }

  func testGradientMetaTrainingWithMixedSizes() throws {
    var config = tinyConfiguration(iterations: 3)
    config.data.tasks.append(.init(task: TaskSpec(dataset: "clusters", table: GeneratedTable(features: 5, classes: 3, rows: 40))))
    config.data.mixedSizes = true
    config.meta.optimizer = .gradient
    config.meta.gradient.episodes = 4
    let one = temporaryRunDirectory("mixed-gradient-1"), two = temporaryRunDirectory("mixed-gradient-2")
    defer {
      for dir in [one, two] { try? FileManager.default.removeItem(atPath: dir) }
    }
    let a = try MetaTrainer(configuration: config, runDirectory: one, locator: syntheticLocator, threads: 1, log: { _ in })
    let start = a.strategy.mean
    try a.run()
    let b = try MetaTrainer(configuration: config, runDirectory: two, locator: syntheticLocator, threads: 2, log: { _ in })
    try b.run()
    XCTAssertEqual(a.strategyState, b.strategyState, "the same update for any thread count")
    XCTAssertNotEqual(a.strategy.mean, start)
    // Both sizes occur among the first update's episodes, so the update mixes both networks' gradients.
    let sampler = try MetaTrainer.makeSampler(a.configuration, stage: 0, locator: syntheticLocator)
    XCTAssertEqual(Set((0..<4).map { sampler.episode($0).inputSize }), [16, 5])
    let rows = try String(contentsOfFile: one + "/metrics.csv", encoding: .utf8).split(separator: "\n").dropFirst()
    XCTAssertTrue(rows.allSatisfy { Double($0.split(separator: ",")[9])!.isFinite }, "every gradient norm is finite")
  }

  func testClippedGradient() {
    let g = ClippedGradient([3, 4], clipNorm: 1)
    XCTAssertEqual(g.norm, 5)
    XCTAssertTrue(g.clipped)
    XCTAssertEqual(g.values[0], 0.6, accuracy: 1e-7)
    XCTAssertEqual(g.values[1], 0.8, accuracy: 1e-7)
    XCTAssertEqual(ClippedGradient([3, 4], clipNorm: 0).values, [3, 4])
    XCTAssertFalse(ClippedGradient([3, 4], clipNorm: 10).clipped)
    let bad = ClippedGradient([1, .nan], clipNorm: 1)
    XCTAssertFalse(bad.isFinite)
    // A skipped update leaves the mean alone but counts the iteration.
    var es = try! OpenAIES(setup: .init(dimension: 2, pairs: 1, seed: 0), initialMean: [1, 2])
    XCTAssertFalse(es.applyGradient(bad.values))
    XCTAssertEqual(es.mean, [1, 2])
    XCTAssertEqual(es.iteration, 1)
    XCTAssertFalse(es.applyGradient(ClippedGradient([.infinity, 0], clipNorm: 1).values))
    XCTAssertTrue(es.applyGradient(g.values))
    XCTAssertNotEqual(es.mean, [1, 2])
  }

  func testAStopMidIterationDropsItAndTheResumeIsBitIdentical() throws {
    let straight = temporaryRunDirectory("straight"), split = temporaryRunDirectory("cut")
    defer {
      try? FileManager.default.removeItem(atPath: straight)
      try? FileManager.default.removeItem(atPath: split)
    }
    var config = tinyConfiguration(iterations: 4)
    config.schedule.evaluateEvery = 0
    let a = try MetaTrainer(configuration: config, runDirectory: straight, locator: syntheticLocator, threads: 2, log: { _ in })
    try a.run()

    // The request comes while iteration 3 runs: after the first polls of its episodes.
    let polls = Atomic<Int>(0)
    let pollsPerIteration = 2 * config.es.pairs * config.data.episodeLength
    let cut = Cancellation { polls.add(1, ordering: .relaxed).newValue > 2 * pollsPerIteration + 5 }
    var messages: [String] = []
    let b = try MetaTrainer(configuration: config, runDirectory: split, locator: syntheticLocator, threads: 2, log: { messages.append($0) })
    try b.run(cancellation: cut)
    XCTAssertEqual(b.strategy.iteration, 2, "the cut-short iteration is not applied")
    XCTAssertEqual(try RunCheckpoint.load(runDirectory: split).iteration, 2)
    XCTAssertEqual(try deterministicMetrics(split).count, 1 + 2, "no row for the dropped iteration")
    XCTAssertTrue(messages.contains { $0.contains("stopped at iteration 2 (iteration 3 was cut short and is dropped)") }, "\(messages)")
    let c = try MetaTrainer(resuming: split, locator: syntheticLocator, threads: 2, iterations: nil, log: { _ in })
    try c.run()
    XCTAssertEqual(c.strategyState, a.strategyState, "the resume repeats the dropped iteration exactly")
    XCTAssertEqual(try deterministicMetrics(split), try deterministicMetrics(straight))
  }

  func testAStopDuringAMetaTestSkipsItAndKeepsTheIteration() throws {
    let dir = temporaryRunDirectory("cut-validation")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var config = tinyConfiguration(iterations: 4)
    config.schedule.evaluateEvery = 1
    // Each example of each episode polls once: an iteration, then its meta-test.
    let step = 2 * config.es.pairs * config.data.episodeLength
    let metaTest = config.validation.episodes * config.validation.steps
    let polls = Atomic<Int>(0)
    let cut = Cancellation { polls.add(1, ordering: .relaxed).newValue > 2 * step + metaTest + 5 }
    let trainer = try MetaTrainer(configuration: config, runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in })
    try trainer.run(cancellation: cut)
    XCTAssertEqual(trainer.strategy.iteration, 2, "the iteration before the cut meta-test is kept")
    XCTAssertEqual(try RunCheckpoint.load(runDirectory: dir).iteration, 2)
    let rows = try deterministicMetrics(dir)
    XCTAssertEqual(rows.count, 1 + 2)
    let column = try XCTUnwrap(rows[0].split(separator: ",").firstIndex(of: "validation_accuracy"))
    XCTAssertNotEqual(rows[1].split(separator: ",")[column], "nan", "iteration 1 was meta-tested")
    XCTAssertEqual(rows[2].split(separator: ",")[column], "nan", "the skipped meta-test is logged as NaN")
    XCTAssertThrowsError(try trainer.validate(cancellation: Cancellation { true })) { XCTAssertTrue($0 is CancellationError, "\($0)") }
  }

  func testARunFromBeforeTheCPUColumnResumes() throws {
    let dir = temporaryRunDirectory("old")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let a = try MetaTrainer(configuration: tinyConfiguration(iterations: 2), runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in })
    try a.run()
    // Rewrite the CSV as an older version wrote it: no cpu_s column.
    let csv = dir + "/metrics.csv"
    let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    let drop = rows[0].firstIndex(of: "cpu_s")!
    let old = rows.map { r in r.indices.filter { $0 != drop }.map { String(r[$0]) }.joined(separator: ",") }.joined(separator: "\n") + "\n"
    try old.write(toFile: csv, atomically: true, encoding: .utf8)
    let b = try MetaTrainer(resuming: dir, locator: syntheticLocator, threads: 1, iterations: 3, log: { _ in })
    try b.run()
    let now = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    XCTAssertEqual(now[0], MetaTrainer.metricColumns)
    XCTAssertEqual(now.count, 4)  // header + 3 iterations
    XCTAssertEqual(now[1][drop], "nan", "old rows get nan in the new column")
    XCTAssertNotEqual(now[3][drop], "nan")
  }

  func testResumeAfterAKillDiscardsRowsPastTheCheckpoint() throws {
    let dir = temporaryRunDirectory("killed")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let a = try MetaTrainer(configuration: tinyConfiguration(iterations: 3), runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in })
    try a.run()  // checkpoints at 2 and at the end (3)
    // Simulate a kill after iteration 3 was logged but before its checkpoint: rewrite the
    // checkpoint of iteration 2 by re-running the first two iterations elsewhere.
    let two = temporaryRunDirectory("two")
    defer { try? FileManager.default.removeItem(atPath: two) }
    let b = try MetaTrainer(configuration: tinyConfiguration(iterations: 2), runDirectory: two, locator: syntheticLocator, threads: 1, log: { _ in })
    try b.run()
    for file in try FileManager.default.contentsOfDirectory(atPath: dir) where file.hasPrefix("checkpoint") {
      try FileManager.default.removeItem(atPath: dir + "/" + file)
    }
    for file in try FileManager.default.contentsOfDirectory(atPath: two) where file.hasPrefix("checkpoint") {
      try FileManager.default.copyItem(atPath: two + "/" + file, toPath: dir + "/" + file)
    }
    let c = try MetaTrainer(resuming: dir, locator: syntheticLocator, threads: 1, iterations: 3, log: { _ in })
    XCTAssertEqual(c.strategy.iteration, 2)
    try c.run()
    XCTAssertEqual(c.strategy.mean, a.strategy.mean)
    XCTAssertEqual(try deterministicMetrics(dir).count, 4)
  }

  func testLargeStateGoesToABinarySidecarAndOldSidecarsAreRemoved() throws {
    let dir = temporaryRunDirectory("sidecar")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let trainer = try MetaTrainer(configuration: tinyConfiguration(iterations: 4), runDirectory: dir, locator: syntheticLocator, threads: 1, log: { _ in })
    try trainer.run()
    let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("checkpoint-state-") }
    XCTAssertEqual(files, ["checkpoint-state-4.safetensors"])
    let json = try String(contentsOfFile: dir + "/checkpoint.json", encoding: .utf8)
    XCTAssertTrue(json.contains("$tensor"))
    XCTAssertLessThan(json.utf8.count, 20_000, "parameter-sized arrays must not be stored as JSON text")
    XCTAssertEqual(try RunCheckpoint.load(runDirectory: dir).strategy, trainer.strategyState)
    try FileManager.default.removeItem(atPath: dir + "/" + files[0])
    XCTAssertThrowsError(try RunCheckpoint.load(runDirectory: dir)) { XCTAssertTrue("\($0)".contains("incomplete"), "\($0)") }
  }

  func testCorruptCheckpointGivesAClearError() throws {
    let dir = temporaryRunDirectory("corrupt")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try Data("{\"formatVersion\": 1, \"iter".utf8).write(to: URL(fileURLWithPath: dir + "/checkpoint.json"))
    XCTAssertThrowsError(try MetaTrainer(resuming: dir, locator: syntheticLocator, threads: 1, iterations: nil, log: { _ in })) { error in
      XCTAssertTrue("\(error)".contains("checkpoint.json"), "\(error)")
    }
    XCTAssertThrowsError(try MetaTrainer(resuming: dir + "/missing", locator: syntheticLocator, threads: 1, iterations: nil, log: { _ in }))
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir + "/bad.safetensors"))
    XCTAssertThrowsError(try LearnedParameters(contentsOf: dir + "/bad.safetensors"))
  }

  func testEvaluatorOnATinyConfiguration() throws {
    let evaluator = Evaluator(episodes: 3, steps: 20, seed: 1, threads: 2)
    let task = TaskSpec(dataset: "sum", transforms: [.resize(side: 4)])
    let initial = LearnerSource.initial()
    let r1 = try evaluator.evaluate(task: task, locator: syntheticLocator, parameters: nil, makeLearner: initial.makeLearner)
    let r2 = try evaluator.evaluate(task: task, locator: syntheticLocator, parameters: nil, makeLearner: initial.makeLearner)
    XCTAssertEqual(r1.meanAccuracy, r2.meanAccuracy)
    XCTAssertEqual(r1.curve.mean.count, 20)
    XCTAssertEqual(r1.episodes, 3)
    XCTAssertTrue((0...1).contains(r1.meanAccuracy))
    XCTAssertTrue(r1.curve.lower.allSatisfy { $0 <= 1 + 1e-9 })
    // Online SGD learns the sum task (a linear rule) well above chance within 20 steps on average.
    let sgd = try LearnerSource.handDesigned("sgd")
    let r3 = try Evaluator(episodes: 4, steps: 200, seed: 1, threads: 2).evaluate(
      task: task, locator: syntheticLocator, parameters: sgd.parameters, makeLearner: sgd.makeLearner)
    XCTAssertGreaterThan(r3.meanAccuracy, 0.6)
  }

  func testLearnedParametersRoundTripWithReferenceNames() throws {
    let dir = temporaryRunDirectory("params")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var g = SeededGenerator(seed: 3)
    let params = (0..<2384).map { _ in g.nextNormal() }
    let learned = LearnedParameters(model: ModelConfiguration(), parameters: params)
    try learned.write(to: dir + "/p.safetensors", inputSize: 784, classCount: 10)
    let file = try SafetensorsFile(bytes: readAllBytes(at: dir + "/p.safetensors"))
    XCTAssertEqual(file.tensors["vsmlrnn/~/sub_rnn/~/custom_lstm/linear/w"]?.shape, [32, 64])
    XCTAssertEqual(try LearnedParameters(contentsOf: dir + "/p.safetensors").parameters, params)
  }
}
