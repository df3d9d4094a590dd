import Foundation
import VSML
import VSMLCore
import VSMLData
import VSMLReports

/// The invariances the paper claims for a learned algorithm (paper §4.3-4.4), measured on one
/// learner beside a reference learner (online SGD by default), with identical example streams:
///
/// - input size: the dataset resized to 7, 14, 21, 28, 32 and 48 pixels a side;
/// - class count: subsets of the first 2, 3, 5 and 7 classes (and all of them);
/// - input order and basis: pixels permuted by one fixed permutation, and one fixed random
///   projection, beside the plain inputs;
/// - stream length: one long stream (16,000 examples by default), past any meta-training episode.
///
/// VSML's parameters do not depend on the layer's size, so the same meta-parameters run on every
/// condition. A hand-designed learner is rebuilt for each shape.
public struct InvarianceStudy {
  public var dataset: String = "fashion-mnist"
  public var sides = [7, 14, 21, 28, 32, 48]
  public var classCounts = [2, 3, 5, 7, 10]
  public var episodes = 8
  public var steps = 2_000
  public var longSteps = 16_000
  public var longEpisodes = 4
  public var seed: UInt64 = 0
  public var threads = 1
  public var cancellation: Cancellation = .never

  /// Seed of the fixed permutation and projection: one draw, recorded in the results.
  public static let transformSeed: UInt64 = RandomStream.invarianceTransforms.rawValue

  public init() {}

  /// One measured condition of one learner.
  public struct Point: Codable, Sendable {
    public var study: String
    public var condition: String
    /// The numeric value of the condition (side, class count, stream length), or its index.
    public var x: Double
    public var learner: String
    public var result: Evaluator.Result
  }

  /// The conditions of each study: (study, condition label, x, task, steps, episodes).
  func conditions() -> [(String, String, Double, TaskSpec, Int, Int)] {
    var out: [(String, String, Double, TaskSpec, Int, Int)] = []
    for side in sides {
      out.append(("size", "\(side)x\(side)", Double(side), TaskSpec(dataset: dataset, transforms: [.resize(side: side)]), steps, episodes))
    }
    for k in classCounts {
      out.append(("classes", "\(k) classes", Double(k), TaskSpec(dataset: dataset, classSubset: k < 10 ? Array(0..<k) : nil), steps, episodes))
    }
    let inputs: [(String, [Transform])] = [
      ("plain", []), ("permuted pixels", [.permute(seed: Self.transformSeed)]), ("random projection", [.project(seed: Self.transformSeed)]),
    ]
    for (i, (label, transforms)) in inputs.enumerated() {
      out.append(("inputs", label, Double(i), TaskSpec(dataset: dataset, transforms: transforms), steps, episodes))
    }
    out.append(("stream", "\(longSteps) examples", Double(longSteps), TaskSpec(dataset: dataset), longSteps, longEpisodes))
    return out
  }

  /// Measures every condition for every learner; `log` is told of each. Throws
  /// `CancellationError` when stopped.
  public func run(learners: [LearnerSource], locator: DataLocator, log: (String) -> Void = { _ in }) throws -> [Point] {
    var points: [Point] = []
    for (study, label, x, task, steps, episodes) in conditions() {
      var evaluator = Evaluator(episodes: episodes, steps: steps, seed: seed, threads: threads)
      evaluator.cancellation = cancellation
      for learner in learners {
        log("\(study): \(label), \(learner.name)")
        let result = try evaluator.evaluate(task: task, locator: locator, parameters: learner.parameters, makeLearner: learner.makeLearner)
        points.append(Point(study: study, condition: label, x: x, learner: learner.name, result: result))
      }
    }
    return points
  }

  /// Writes `invariances.json`, one SVG per study and `invariances.md` (a table per study) into
  /// `directory`; returns the Markdown.
  @discardableResult
  public static func write(_ points: [Point], dataset: String, to directory: String) throws -> String {
    try MetaTrainer.createDirectory(directory)
    let encoder = RoundTripJSON.encoder([.sortedKeys])
    try writeAtomically(Array(try encoder.encode(points)), to: join(directory, "invariances.json"))
    var learners: [String] = []
    for p in points where !learners.contains(p.learner) { learners.append(p.learner) }
    var md = "# Invariances on \(dataset)\n\n"
    let titles = [
      ("size", "input size (pixels a side)", "resized inputs"), ("classes", "classes (the first k)", "class subsets"),
      ("inputs", "inputs (0 plain, 1 permuted, 2 projected)", "permuted pixels and a random projection"),
    ]
    for (study, xLabel, title) in titles {
      let selected = points.filter { $0.study == study }
      guard !selected.isEmpty else { continue }
      var plot = SVGPlot(title: "\(title) (\(dataset))", xLabel: xLabel, yLabel: "mean online accuracy (95 % interval)")
      for learner in learners {
        let mine = selected.filter { $0.learner == learner }
        plot.series.append(SVGPlot.Series(
          name: learner, x: mine.map(\.x), y: mine.map(\.result.meanAccuracy),
          band: (mine.map { $0.result.meanAccuracy - $0.result.ci95 }, mine.map { $0.result.meanAccuracy + $0.result.ci95 })))
      }
      if study == "classes" {
        let ks = selected.filter { $0.learner == learners[0] }.map(\.x)
        plot.series.append(SVGPlot.Series(name: "chance", x: ks, y: ks.map { 1 / $0 }))
      }
      try writeAtomically(Array(plot.render().utf8), to: join(directory, "\(study).svg"))
      md += "## \(title)\n\n![\(title)](\(study).svg)\n\n| condition | " + learners.joined(separator: " | ") + " |\n|---|" + String(repeating: "---|", count: learners.count) + "\n"
      var conditions: [String] = []
      for p in selected where !conditions.contains(p.condition) { conditions.append(p.condition) }
      for condition in conditions {
        md += "| \(condition) | " + learners.map { learner in
          selected.first { $0.condition == condition && $0.learner == learner }.map { String(format: "%.3f ± %.3f", $0.result.meanAccuracy, $0.result.ci95) } ?? "—"
        }.joined(separator: " | ") + " |\n"
      }
      md += "\n"
    }
    let stream = points.filter { $0.study == "stream" }
    if let first = stream.first {
      // The smoothed mean only: a per-step interval over a few episodes, smoothed, is not an
      // interval of the smoothed curve (the tables give the intervals of the means).
      var plot = SVGPlot(title: "a stream of \(first.result.steps) examples (\(dataset))", xLabel: "examples seen", yLabel: "online accuracy (mean over episodes, smoothed over \(streamSmoothing))")
      for p in stream {
        plot.series.append(SVGPlot.Series(
          name: p.learner, x: p.result.curve.mean.indices.map(Double.init), y: Statistics.movingAverage(p.result.curve.mean, window: streamSmoothing)))
      }
      try writeAtomically(Array(plot.render().utf8), to: join(directory, "stream.svg"))
      md += "## A long stream\n\n![stream](stream.svg)\n\n| learner | mean over \(first.result.steps) | last 10 % |\n|---|---|---|\n"
      for p in stream {
        md += "| \(p.learner) | " + String(format: "%.3f ± %.3f | %.3f ± %.3f", p.result.meanAccuracy, p.result.ci95, p.result.finalAccuracy, p.result.finalCI95) + " |\n"
      }
    }
    try writeAtomically(Array(md.utf8), to: join(directory, "invariances.md"))
    return md
  }

  /// Reads the points a study wrote into `directory` (`invariances.json`).
  public static func read(from directory: String) throws -> [Point] {
    return try RoundTripJSON.decoder().decode([Point].self, from: Data(try readAllBytes(at: join(directory, "invariances.json"), limit: FileSizeLimits.parameters)))
  }

  /// Moving-average window of the long-stream curve.
  static let streamSmoothing = 250

}
