import Foundation

/// Meta-training curves from run directories' `metrics.csv`, as an SVG plot.
public enum RunPlot {
  /// Reads column `name` (and the x column) from a run's metrics; NaN rows are kept as gaps.
  public static func series(runDirectory: String, x: String, y: String, label: String? = nil, smoothing: Int = 1) throws -> SVGPlot.Series {
    let path = (runDirectory as NSString).appendingPathComponent(MetricsLog.csvName)
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CheckpointError.unreadable(path, "no metrics found") }
    let rows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    guard let header = rows.first, let xi = header.firstIndex(of: x), let yi = header.firstIndex(of: y) else {
      throw CheckpointError.invalid(path, "lacks column \(x) or \(y)")
    }
    var xs: [Double] = [], ys: [Double] = []
    for row in rows.dropFirst() where row.count == header.count {
      xs.append(Double(row[xi]) ?? .nan)
      ys.append(Double(row[yi]) ?? .nan)
    }
    if smoothing > 1 {
      // Moving average over the finite values of the last `smoothing` rows.
      var out: [Double] = []
      for i in ys.indices {
        let window = ys[max(0, i - smoothing + 1)...i].filter(\.isFinite)
        out.append(window.isEmpty ? .nan : window.reduce(0, +) / Double(window.count))
      }
      ys = out
    } else if ys.contains(where: { !$0.isFinite }) {
      // Sparse columns (validation): keep only the rows that have a value.
      let kept = ys.indices.filter { ys[$0].isFinite }
      xs = kept.map { xs[$0] }
      ys = kept.map { ys[$0] }
    }
    if x == "wall_s" { xs = xs.map { $0 / 60 } }
    return SVGPlot.Series(name: label ?? (runDirectory as NSString).lastPathComponent, x: xs, y: ys)
  }
}

extension RunPlot {
  /// A meta-test curve written by `vsml evaluate --out` (`curve-DATASET.csv`: step, mean,
  /// lower95, upper95), smoothed by a moving average over `smoothing` steps.
  public static func curveSeries(csvPath: String, label: String, smoothing: Int) throws -> SVGPlot.Series {
    guard let text = try? String(contentsOfFile: csvPath, encoding: .utf8) else { throw CheckpointError.unreadable(csvPath, "no curve found") }
    let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }.filter { $0.count >= 2 }
    let xs = rows.map { $0[0] }, ys = rows.map { $0[1] }
    var smoothed: [Double] = []
    var sum = 0.0
    for i in ys.indices {
      sum += ys[i]
      if i >= smoothing { sum -= ys[i - smoothing] }
      smoothed.append(sum / Double(min(i + 1, smoothing)))
    }
    return SVGPlot.Series(name: label, x: xs, y: smoothed)
  }
}
