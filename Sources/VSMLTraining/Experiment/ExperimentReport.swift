import Foundation
import VSML
import VSMLCore
import VSMLReports

/// The report of an experiment directory: `report.md` (tables, with the figures as SVG files in
/// `figures/`) and one self-contained `report.html` (the same figures inline, no external assets).
///
/// Per model, a heat map of mean online accuracy: rows are training tasks, columns test datasets.
/// A cell pools the per-episode accuracies of every seed of its row (episodes x seeds values) and
/// shows their mean with the 95 % interval of that mean. Hand-designed learners form their own
/// map. Then the meta-test learning curves per test dataset, the meta-training curves, and the
/// commands that made and remake it all.
public struct ExperimentReport {
  public let directory: String
  public let manifest: ExperimentManifest
  public let cells: [ExperimentCell]

  /// Loads `directory`'s manifest and every stored result.
  public init(directory: String) throws {
    self.directory = directory
    let path = join(directory, ExperimentRunner.manifestFileName)
    guard FileManager.default.fileExists(atPath: path) else {
      throw ConfigurationError(field: path, message: "is missing: \(directory) is not an experiment directory (run `vsml experiment run MANIFEST --out \(directory)` first)")
    }
    manifest = try ConfigurationLoader.load(
      ExperimentManifest.self, json: Data(try readAllBytes(at: path, limit: FileSizeLimits.configuration)), defaults: ExperimentManifest())
    cells = try ExperimentRunner.cells(in: directory)
  }

  /// One heat map: its model name and the map.
  public struct Matrix {
    public var model: String
    public var map: HeatMapSVG
  }

  /// The report's columns: `test.datasets`, then the optional ones that were meta-tested here.
  public var testDatasets: [String] {
    manifest.test.datasets + manifest.test.optionalDatasets.filter { name in cells.contains { $0.result.task == name } }
  }

  /// Per model (in manifest order), then the hand-designed learners.
  public var matrices: [Matrix] {
    let columns = testDatasets
    func pooled(_ selected: [ExperimentCell]) -> HeatMapSVG.Cell? {
      guard !selected.isEmpty else { return nil }
      let interval = Statistics.meanInterval95(selected.flatMap(\.result.episodeAccuracies))
      return HeatMapSVG.Cell(mean: interval.mean, halfWidth: interval.halfWidth)
    }
    var out: [Matrix] = []
    var models: [String] = []
    for entry in manifest.training where !models.contains(entry.model.rawValue) { models.append(entry.model.rawValue) }
    for model in models {
      var rows: [String] = []
      for entry in manifest.training where entry.model.rawValue == model && !rows.contains(entry.label) { rows.append(entry.label) }
      let grid = rows.map { row in
        columns.map { column in pooled(cells.filter { $0.model == model && $0.training == row && $0.result.task == column }) }
      }
      out.append(Matrix(model: model, map: HeatMapSVG(
        title: "\(model): mean online accuracy (95 % interval)", rowTitle: "meta-trained on", columnTitle: "meta-tested on (test split)",
        rows: rows, columns: columns, cells: grid)))
    }
    if !manifest.baselines.isEmpty {
      let grid = manifest.baselines.map { name in
        columns.map { column in pooled(cells.filter { $0.model == ExperimentRunner.reservedLabel && $0.learner == name && $0.result.task == column }) }
      }
      out.append(Matrix(model: ExperimentRunner.reservedLabel, map: HeatMapSVG(
        title: "hand-designed learners (no meta-training)", rowTitle: "learner", columnTitle: "tested on (test split)",
        rows: manifest.baselines, columns: columns, cells: grid)))
    }
    return out
  }

  /// Meta-test learning curves on `dataset`: per row (mean over its seeds) and per baseline.
  public func curves(on dataset: String) -> SVGPlot {
    var plot = SVGPlot(title: "learning curves on \(dataset)", xLabel: "examples seen", yLabel: "online accuracy (mean, smoothed over \(Self.curveSmoothing))")
    var groups: [(String, [ExperimentCell])] = []
    for cell in cells where cell.result.task == dataset {
      let name = cell.model == ExperimentRunner.reservedLabel ? cell.learner : "\(cell.model) (\(cell.training))"
      if let i = groups.firstIndex(where: { $0.0 == name }) { groups[i].1.append(cell) } else { groups.append((name, [cell])) }
    }
    for (name, members) in groups {
      let curves = members.map(\.result.curve)
      let length = curves.map(\.mean.count).min() ?? 0
      guard length > 0 else { continue }
      // The smoothed mean over seeds only: smoothing per-step intervals does not give an
      // interval of the smoothed curve (the heat maps give the intervals of the means).
      let mean = (0..<length).map { t in Statistics.mean(curves.map { $0.mean[t] }) }
      plot.series.append(SVGPlot.Series(name: name, x: (0..<length).map(Double.init), y: Statistics.movingAverage(mean, window: Self.curveSmoothing)))
    }
    return plot
  }

  /// Moving average over `window` steps: per-step accuracies are 0/1 means over few episodes.
  static let curveSmoothing = 25

  /// Meta-training curves: validation accuracy against CPU minutes, every run.
  public func trainingCurves() -> SVGPlot {
    var plot = SVGPlot(title: "meta-training: validation accuracy", xLabel: "CPU minutes (all threads)", yLabel: "mean online accuracy (validation split)")
    for entry in manifest.training {
      for seed in entry.seeds {
        let run = join(join(directory, "runs"), entry.runName(seed: seed))
        guard var series = try? RunPlot.series(runDirectory: run, x: "cpu_s", y: "validation_accuracy", label: entry.runName(seed: seed)) else { continue }
        let keep = series.y.indices.filter { series.y[$0].isFinite }
        series = SVGPlot.Series(name: series.name, x: keep.map { series.x[$0] / 60 }, y: keep.map { series.y[$0] })
        if !series.x.isEmpty { plot.series.append(series) }
      }
    }
    return plot
  }

  /// The runs whose mean fitness ended above where it started (`DivergenceCheck` on their
  /// metrics): failed optimisations, whose meta-test results say nothing about their model.
  public func divergingRuns() -> [String] {
    manifest.training.flatMap { entry in
      entry.seeds.compactMap { seed -> String? in
        let name = entry.runName(seed: seed)
        guard let fitness = try? RunPlot.series(runDirectory: join(join(directory, "runs"), name), x: "iteration", y: "mean_fitness", keepNonFinite: true)
        else { return nil }
        return DivergenceCheck(history: fitness.y).isDiverging ? name : nil
      }
    }
  }

  /// The commands that produced the directory and that remake the report.
  public func commands(manifestPath: String = "MANIFEST") -> [String] {
    [
      "vsml experiment run \(manifestPath) --out \(directory) [--data-dir DIR]   # trains, resumes and meta-tests what is missing",
      "vsml experiment report \(directory)",
    ] + manifest.training.flatMap { entry in
      entry.seeds.map { "vsml train --config \(join(join(directory, "runs"), entry.runName(seed: $0)))/config.json --out NEW_DIR   # one run again" }
    }
  }

  /// An SVG document as HTML content: without its XML declaration.
  static func inline(_ svg: String) -> String {
    svg.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("<?xml") }.joined(separator: "\n")
  }

  /// Writes `report.md`, `report.html` and `figures/*.svg`; returns the two reports' paths.
  @discardableResult
  public func write() throws -> (markdown: String, html: String) {
    let figures = join(directory, "figures")
    try MetaTrainer.createDirectory(figures)
    var md = "# Experiment report\n\n"
    var html = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>Experiment report</title>
      <style>
      body { font-family: Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #111; line-height: 1.45; }
      h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; }
      table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: 4px 10px; text-align: right; }
      th:first-child, td:first-child { text-align: left; }
      pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
      figure { margin: 1em 0; } svg { max-width: 100%; height: auto; }
      </style></head><body>
      <h1>Experiment report</h1>

      """
    let test = manifest.test
    let protocolText = "Meta-test: \(test.episodes) episodes of \(test.steps) examples per dataset from the test split, seed \(test.seed), the \(test.parameters == .best ? "best-on-validation" : "final") meta-parameters of each run. A cell pools the per-episode accuracies of all seeds of its row; ± is the 95 % interval of the mean."
    md += protocolText + "\n\n"
    html += "<p>\(HeatMapSVG.escape(protocolText))</p>\n"

    for matrix in matrices {
      let file = "heatmap-\(matrix.model).svg"
      let svg = matrix.map.render()
      try writeAtomically(Array(svg.utf8), to: join(figures, file))
      md += "## \(matrix.model)\n\n![\(matrix.map.title)](figures/\(file))\n\n"
      md += "| \(matrix.map.rowTitle) | " + matrix.map.columns.joined(separator: " | ") + " |\n"
      md += "|---|" + String(repeating: "---|", count: matrix.map.columns.count) + "\n"
      for (i, row) in matrix.map.rows.enumerated() {
        md += "| \(row) | " + matrix.map.cells[i].map { $0.map { String(format: "%.3f ± %.3f", $0.mean, $0.halfWidth) } ?? "—" }.joined(separator: " | ") + " |\n"
      }
      md += "\n"
      html += "<h2>\(HeatMapSVG.escape(matrix.model))</h2>\n<figure>\(svg)</figure>\n"
    }

    md += "## Learning curves\n\n"
    html += "<h2>Learning curves</h2>\n"
    for dataset in testDatasets {
      let plot = curves(on: dataset)
      guard !plot.series.isEmpty else { continue }
      let file = "curves-\(SafeFileName.make(dataset, replacement: "-")).svg"
      let svg = plot.render()
      try writeAtomically(Array(svg.utf8), to: join(figures, file))
      md += "![\(plot.title)](figures/\(file))\n\n"
      html += "<figure>\(Self.inline(svg))</figure>\n"
    }
    let training = trainingCurves()
    if !training.series.isEmpty {
      let svg = training.render()
      try writeAtomically(Array(svg.utf8), to: join(figures, "meta-training.svg"))
      md += "## Meta-training\n\n![\(training.title)](figures/meta-training.svg)\n\n"
      html += "<h2>Meta-training</h2>\n<figure>\(Self.inline(svg))</figure>\n"
    }

    let diverging = divergingRuns()
    let divergenceText = diverging.isEmpty
      ? "No run ended with its mean fitness above its start (the mean of its last \(DivergenceCheck.window) iterations against its first \(DivergenceCheck.window))."
      : "These runs ended with their mean fitness above their start (the mean of their last \(DivergenceCheck.window) iterations against their first \(DivergenceCheck.window)): their optimisation failed, and their results above say nothing about their model: " + diverging.joined(separator: ", ") + "."
    md += "## Diverging runs\n\n" + divergenceText + "\n\n"
    html += "<h2>Diverging runs</h2>\n<p>\(HeatMapSVG.escape(divergenceText))</p>\n"

    let commands = self.commands()
    md += "## Commands\n\n```sh\n" + commands.joined(separator: "\n") + "\n```\n"
    html += "<h2>Commands</h2>\n<pre>" + commands.map(HeatMapSVG.escape).joined(separator: "\n") + "</pre>\n</body></html>\n"
    let paths = (join(directory, "report.md"), join(directory, "report.html"))
    try writeAtomically(Array(md.utf8), to: paths.0)
    try writeAtomically(Array(html.utf8), to: paths.1)
    return paths
  }
}
