import Foundation
import VSMLCore
import VSMLReports

/// Human and machine-readable forms of meta-test results: a table, a JSON summary, per-step
/// curves as CSV and an SVG plot of accuracy against examples seen.
public enum EvaluationReport {
  /// One JSON-ready object: per dataset, the protocol's figures.
  public static func summary(_ results: [Evaluator.Result], learner: String, seed: UInt64) -> [String: Any] {
    var datasets: [String: Any] = [:]
    for r in results {
      datasets[r.task] = [
        "mean_accuracy": r.meanAccuracy, "ci95": r.ci95, "final_accuracy": r.finalAccuracy, "final_ci95": r.finalCI95,
        "first100_accuracy": r.first100Accuracy, "mean_loss": r.meanLoss, "episodes": r.episodes, "steps": r.steps,
        "split": r.split, "non_finite_episodes": r.nonFiniteEpisodes,
      ]
    }
    return ["learner": learner, "seed": seed, "datasets": datasets]
  }

  /// A rate as the decimal it was written as (0.1, not 0.10000000149011612).
  static func decimal(_ rate: Float) -> Double { Double("\(rate)") ?? Double(rate) }

  /// `summary` with, per tuned dataset, the chosen rate, the grid with each rate's validation
  /// accuracy, and the result at `model`'s default rate on the same streams.
  public static func addingTuning(
    _ tuned: [(choice: LearningRateTuning.Choice, atDefault: Evaluator.Result)], to summary: [String: Any], model: String
  ) -> [String: Any] {
    var out = summary
    var datasets = summary["datasets"] as? [String: Any] ?? [:]
    for (choice, standard) in tuned {
      var entry = datasets[choice.dataset] as? [String: Any] ?? [:]
      entry["learning_rate"] = decimal(choice.rate)
      entry["tuning"] = [
        "split": "validation", "grid": choice.grid.map(decimal), "validation_mean_accuracy": choice.validationAccuracies,
      ] as [String: Any]
      entry["default_learning_rate"] = [
        "learning_rate": LearnerSource.defaultLearningRate(of: model).map(decimal) ?? Double.nan,
        "mean_accuracy": standard.meanAccuracy, "ci95": standard.ci95, "first100_accuracy": standard.first100Accuracy,
        "final_accuracy": standard.finalAccuracy,
      ] as [String: Any]
      datasets[choice.dataset] = entry
    }
    out["datasets"] = datasets
    return out
  }

  public static func table(_ results: [Evaluator.Result], learner: String) -> String {
    var lines = ["learner: \(learner)", "dataset            mean acc (95% CI)     final acc      first 100   episodes x steps"]
    for r in results {
      lines.append(
        String(
          format: "%-18@ %.4f ± %.4f       %.4f ± %.3f   %.4f      %ld x %ld", r.task.padding(toLength: 18, withPad: " ", startingAt: 0) as NSString,
          r.meanAccuracy, r.ci95, r.finalAccuracy, r.finalCI95, r.first100Accuracy, r.episodes, r.steps))
    }
    return lines.joined(separator: "\n")
  }

  /// Writes `curve-<dataset>.csv` (step, mean, lower, upper), `accuracy.svg` and `summary.json`.
  public static func write(
    _ results: [Evaluator.Result], learner: String, seed: UInt64, to directory: String, summary: [String: Any]? = nil
  ) throws {
    try MetaTrainer.createDirectory(directory)
    var series: [SVGPlot.Series] = []
    for r in results {
      var csv = "step,mean_accuracy,lower95,upper95\n"
      for t in 0..<r.curve.mean.count { csv += "\(t + 1),\(r.curve.mean[t]),\(r.curve.lower[t]),\(r.curve.upper[t])\n" }
      try writeAtomically(Array(csv.utf8), to: (directory as NSString).appendingPathComponent("curve-\(SafeFileName.make(r.task)).csv"))
      series.append(smoothedSeries(r))
    }
    let plot = SVGPlot(title: "Online accuracy of \(learner) (meta-test)", xLabel: "examples seen", yLabel: "accuracy (mean over episodes, 95% band)", series: series)
    try plot.write(to: (directory as NSString).appendingPathComponent("accuracy.svg"))
    try writeAtomically(try ReportJSON.encode(summary ?? Self.summary(results, learner: learner, seed: seed)), to: (directory as NSString).appendingPathComponent("summary.json"))
  }

  /// Per-step accuracy is a mean of 0/1 values; a moving average over a window of 2 % of the
  /// steps (at least 1) makes the plot readable. The CSV keeps the raw per-step values.
  static func smoothedSeries(_ r: Evaluator.Result) -> SVGPlot.Series {
    let n = r.curve.mean.count
    let window = max(1, n / 50)
    return SVGPlot.Series(
      name: r.task, x: (0..<n).map { Double($0 + 1) }, y: Statistics.movingAverage(r.curve.mean, window: window),
      band: (Statistics.movingAverage(r.curve.lower, window: window), Statistics.movingAverage(r.curve.upper, window: window)))
  }

}
