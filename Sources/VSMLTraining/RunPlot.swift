import Foundation
import VSMLCore
import VSMLData
import VSMLReports

/// Meta-training curves from run directories' `metrics.csv`, and meta-test curves from
/// `vsml evaluate --out`, as SVG plot series.
public enum RunPlot {
  /// Header and numeric rows of a CSV file written by vsml (non-numbers read as NaN).
  static func readNumericCSV(_ path: String, missing: String) throws -> (header: [String], rows: [[Double]]) {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CheckpointError.unreadable(path, missing) }
    let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    guard let header = lines.first else { throw CheckpointError.invalid(path, "is empty") }
    let rows = lines.dropFirst().filter { $0.count == header.count }.map { $0.map { Double($0) ?? .nan } }
    return (header, rows)
  }

  /// Column `y` against column `x` of a run's metrics. With `smoothing > 1`, a moving average
  /// over the finite values of the last `smoothing` rows; otherwise sparse columns (validation)
  /// keep only the rows that have a value, unless `keepNonFinite` (every row, as written). `wall_s` and `cpu_s` are shown in minutes.
  /// `example_steps` (shown in millions) is computed from the run's configuration: the
  /// example-steps its meta-training consumed up to each row, over all episodes and members.
  public static func series(
    runDirectory: String, x: String, y: String, label: String? = nil, smoothing: Int = 1, keepNonFinite: Bool = false
  ) throws -> SVGPlot.Series {
    let path = (runDirectory as NSString).appendingPathComponent(MetricsLog.csvName)
    let (header, rows) = try readNumericCSV(path, missing: "no metrics found")
    guard let yi = header.firstIndex(of: y), x == Self.exampleSteps || header.contains(x) else {
      throw CheckpointError.invalid(path, "lacks column \(x) or \(y); its columns: \(header.joined(separator: ", "))")
    }
    var xs: [Double]
    if x == Self.exampleSteps {
      // Row r of a run's metrics is iteration r + 1; a value that is not a whole number in range
      // is damage, refused before it is converted or looped over.
      let column = header.firstIndex(of: "iteration") ?? 0
      let iterations = try rows.enumerated().map { r, row -> Int in
        guard let iteration = Int(exactly: row[column]), (0...rows.count).contains(iteration) else {
          throw CheckpointError.invalid(path, "has iteration \(row[column]) in row \(r + 1), which no run of \(rows.count) rows writes; the file is damaged")
        }
        return iteration
      }
      xs = try exampleSteps(runDirectory: runDirectory, iterations: iterations).map { $0 / 1e6 }
    } else {
      xs = rows.map { $0[header.firstIndex(of: x)!] }
    }
    var ys = rows.map { $0[yi] }
    if smoothing > 1 {
      ys = Statistics.movingAverage(ys, window: smoothing)
    } else if !keepNonFinite, ys.contains(where: { !$0.isFinite }) {
      let kept = ys.indices.filter { ys[$0].isFinite }
      xs = kept.map { xs[$0] }
      ys = kept.map { ys[$0] }
    }
    if x == "wall_s" || x == "cpu_s" { xs = xs.map { $0 / 60 } }
    return SVGPlot.Series(name: label ?? (runDirectory as NSString).lastPathComponent, x: xs, y: ys)
  }

  /// The x axis name of example-steps consumed.
  public static let exampleSteps = "example_steps"

  /// Cumulative example-steps after each of `iterations` (1-based), from the run's
  /// `config.json`: ES runs 2 x pairs episodes per iteration, gradient runs `meta.gradient.episodes`.
  static func exampleSteps(runDirectory: String, iterations: [Int]) throws -> [Double] {
    let path = (runDirectory as NSString).appendingPathComponent(RunCheckpoint.configurationFileName)
    let bytes = try readAllBytes(at: path, limit: FileSizeLimits.configuration)
    let configuration = try ConfigurationLoader.load(TrainingConfiguration.self, json: Data(bytes), defaults: TrainingConfiguration())
    let episodes = configuration.meta.optimizer == .gradient ? configuration.meta.gradient.episodes : 2 * configuration.es.pairs
    var total = 0.0, done = 0
    return iterations.map { iteration in
      while done < iteration {
        total += Double(episodes * configuration.stage(at: done).episodeLength)
        done += 1
      }
      return total
    }
  }

  /// A meta-test curve written by `vsml evaluate --out` (`curve-DATASET.csv`: step, mean,
  /// lower95, upper95), smoothed by a moving average over `smoothing` steps.
  public static func curveSeries(csvPath: String, label: String, smoothing: Int) throws -> SVGPlot.Series {
    let (_, rows) = try readNumericCSV(csvPath, missing: "no curve found")
    return SVGPlot.Series(name: label, x: rows.map { $0[0] }, y: Statistics.movingAverage(rows.map { $0[1] }, window: smoothing))
  }
}
