import ArgumentParser
import Foundation
import VSMLReports
import VSMLTraining

struct PlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot", abstract: "Plot meta-training curves of one or more run directories as SVG.")

  @Argument(help: "Run directories (each with metrics.csv), or meta-test curves (curve-DATASET.csv from `vsml evaluate --out`) given as LABEL=FILE.csv.")
  var runs: [String]

  @Option(help: "x axis column: wall_s or cpu_s (shown in minutes), iteration, or example_steps (example-steps of meta-training consumed, in millions, from the run's configuration).")
  var x = "wall_s"

  @Option(help: "y axis column, e.g. mean_accuracy, mean_fitness, validation_accuracy.")
  var y = "mean_accuracy"

  @Option(help: "Moving-average window in iterations (1: raw).")
  var smoothing = 10

  @Option(help: "Output SVG file.")
  var out: String

  @Option(help: "Plot title.")
  var title: String?

  @Option(help: "An extra series given as points x:y,x:y,... (e.g. figures reported elsewhere).")
  var reference: String?

  @Option(help: "Legend name of --reference.")
  var referenceLabel = "reference"

  func validate() throws {
    guard !runs.isEmpty else { throw ValidationError("give at least one run directory") }
    try requireOption(smoothing, in: OptionLimits.interval, "smoothing")
  }

  func run() throws {
    do {
      var series = try runs.map { run -> SVGPlot.Series in
        if run.hasSuffix(".csv") {
          let parts = run.split(separator: "=", maxSplits: 1).map(String.init)
          let (label, path) = parts.count == 2 ? (parts[0], parts[1]) : (run, run)
          return try RunPlot.curveSeries(csvPath: path, label: label, smoothing: smoothing)
        }
        return try RunPlot.series(runDirectory: run, x: x, y: y, smoothing: y == "validation_accuracy" ? 1 : smoothing)
      }
      if let reference {
        let points = try reference.split(separator: ",").map { pair -> (Double, Double) in
          let parts = pair.split(separator: ":")
          guard parts.count == 2, let px = Double(parts[0]), let py = Double(parts[1]) else {
            throw ValidationError("--reference takes x:y pairs separated by commas; got '\(pair)'")
          }
          return (px, py)
        }
        series.append(SVGPlot.Series(name: referenceLabel, x: points.map(\.0), y: points.map(\.1)))
      }
      let plot = SVGPlot(title: title ?? "\(y) during meta-training", xLabel: x == "wall_s" ? "wall-clock minutes" : x == "cpu_s" ? "CPU minutes" : x == RunPlot.exampleSteps ? "example-steps (millions)" : x, yLabel: y, series: series)
      try plot.write(to: out)
      print("wrote \(out)")
    } catch let error as ValidationError {
      throw error
    } catch {
      throw CLIError("\(error)")
    }
  }
}
