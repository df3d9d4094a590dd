import Foundation
import VSMLCore

/// A dependency-free SVG line plot: several named series, each optionally with a shaded band (e.g.
/// a 95 % interval from `Statistics.stepCurve`), axes with "nice" ticks (1, 2, 5 × 10^k), a title,
/// axis labels and a legend. The output is a pure function of the plot (fixed palette, fixed number
/// formatting), so identical inputs give byte-identical files.
///
/// Non-finite points are skipped: a line breaks at them and the band leaves them out.
public struct SVGPlot: Sendable {
  /// One named curve; `x` and `y` have equal length, as do `band.lower`/`band.upper` when present.
  public struct Series: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var band: (lower: [Double], upper: [Double])?

    public init(name: String, x: [Double], y: [Double], band: (lower: [Double], upper: [Double])? = nil) {
      precondition(x.count == y.count, "series \(name): x and y must have equal length")
      if let band {
        precondition(band.lower.count == x.count && band.upper.count == x.count,
                     "series \(name): band bounds must have the length of x")
      }
      self.name = name
      self.x = x
      self.y = y
      self.band = band
    }

    /// A series at x = 0, 1, 2, … from a `Statistics.Curve`, its band the 95 % interval.
    public init(name: String, curve: Statistics.Curve) {
      self.init(name: name, x: curve.mean.indices.map(Double.init), y: curve.mean,
                band: (curve.lower, curve.upper))
    }
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var series: [Series]
  /// Canvas size in SVG user units.
  public var width: Double = 720
  public var height: Double = 440

  /// Tableau-10 colours, cycled over the series.
  public static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                               "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
  /// Opacity of interval bands.
  static let bandOpacity = 0.2
  /// Roughly how many ticks per axis.
  static let targetTickCount = 6
  /// Narrowest legend box, and the width allowed per character of a series name (12-unit sans-serif).
  static let legendMinimumWidth = 120.0
  static let characterWidth = 7.0
  /// Where a legend entry's name starts, from the box's left edge (after its line sample).
  static let legendTextOffset = 38.0
  /// Points sampled along each line segment when choosing where the legend hides least.
  static let legendSamplesPerSegment = 8
  /// Space around the plotting area for title, tick labels and axis labels.
  static let margin = (left: 72.0, right: 24.0, top: 44.0, bottom: 56.0)

  public init(title: String, xLabel: String, yLabel: String, series: [Series] = []) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.series = series
  }

  /// The SVG document.
  public func render() -> String {
    let m = SVGPlot.margin
    let plotWidth = width - m.left - m.right, plotHeight = height - m.top - m.bottom
    let xs = series.flatMap(\.x)
    let ys = series.flatMap { $0.y + ($0.band.map { $0.lower + $0.upper } ?? []) }
    let xAxis = SVGPlot.axis(xs), yAxis = SVGPlot.axis(ys)
    func px(_ x: Double) -> Double { m.left + (x - xAxis.low) / (xAxis.high - xAxis.low) * plotWidth }
    func py(_ y: Double) -> Double { m.top + plotHeight - (y - yAxis.low) / (yAxis.high - yAxis.low) * plotHeight }

    var out: [String] = []
    out.append(#"<?xml version="1.0" encoding="UTF-8"?>"#)
    out.append(#"<svg xmlns="http://www.w3.org/2000/svg" width="\#(f(width))" height="\#(f(height))" viewBox="0 0 \#(f(width)) \#(f(height))" font-family="sans-serif" font-size="12">"#)
    out.append(#"<rect x="0" y="0" width="\#(f(width))" height="\#(f(height))" fill="white"/>"#)
    out.append(#"<text class="title" x="\#(f(width / 2))" y="\#(f(m.top / 2 + 6))" text-anchor="middle" font-size="16">\#(SVGPlot.escape(title))</text>"#)

    // Grid, ticks and tick labels.
    out.append(#"<g class="axes" stroke="rgb(204,204,204)" stroke-width="1">"#)
    for tick in xAxis.ticks {
      out.append(#"<line x1="\#(f(px(tick)))" y1="\#(f(m.top))" x2="\#(f(px(tick)))" y2="\#(f(m.top + plotHeight))"/>"#)
    }
    for tick in yAxis.ticks {
      out.append(#"<line x1="\#(f(m.left))" y1="\#(f(py(tick)))" x2="\#(f(m.left + plotWidth))" y2="\#(f(py(tick)))"/>"#)
    }
    out.append("</g>")
    out.append(#"<rect x="\#(f(m.left))" y="\#(f(m.top))" width="\#(f(plotWidth))" height="\#(f(plotHeight))" fill="none" stroke="black"/>"#)
    for tick in xAxis.ticks {
      out.append(#"<text class="xtick" x="\#(f(px(tick)))" y="\#(f(m.top + plotHeight + 16))" text-anchor="middle">\#(SVGPlot.tickLabel(tick, step: xAxis.step))</text>"#)
    }
    for tick in yAxis.ticks {
      out.append(#"<text class="ytick" x="\#(f(m.left - 6))" y="\#(f(py(tick) + 4))" text-anchor="end">\#(SVGPlot.tickLabel(tick, step: yAxis.step))</text>"#)
    }
    out.append(#"<text class="xlabel" x="\#(f(m.left + plotWidth / 2))" y="\#(f(height - 12))" text-anchor="middle">\#(SVGPlot.escape(xLabel))</text>"#)
    out.append(#"<text class="ylabel" x="16" y="\#(f(m.top + plotHeight / 2))" text-anchor="middle" transform="rotate(-90 16 \#(f(m.top + plotHeight / 2)))">\#(SVGPlot.escape(yLabel))</text>"#)

    // Bands first, so lines draw over every band.
    for (index, s) in series.enumerated() {
      guard let band = s.band else { continue }
      let kept = s.x.indices.filter { s.x[$0].isFinite && band.lower[$0].isFinite && band.upper[$0].isFinite }
      guard !kept.isEmpty else { continue }
      let upper = kept.map { "\(f(px(s.x[$0]))),\(f(py(band.upper[$0])))" }
      let lower = kept.reversed().map { "\(f(px(s.x[$0]))),\(f(py(band.lower[$0])))" }
      out.append(#"<polygon class="band" data-series="\#(SVGPlot.escape(s.name))" points="\#((upper + lower).joined(separator: " "))" fill="\#(color(index))" fill-opacity="\#(SVGPlot.bandOpacity)" stroke="none"/>"#)
    }
    for (index, s) in series.enumerated() {
      var d = ""
      var penDown = false
      for i in s.x.indices {
        guard s.x[i].isFinite, s.y[i].isFinite else { penDown = false; continue }
        d += "\(penDown ? "L" : "M")\(f(px(s.x[i]))),\(f(py(s.y[i]))) "
        penDown = true
      }
      out.append(#"<path class="series" data-series="\#(SVGPlot.escape(s.name))" d="\#(d.trimmingCharacters(in: .whitespaces))" fill="none" stroke="\#(color(index))" stroke-width="2"/>"#)
    }

    // Legend, in the corner of the plotting area that hides the fewest points of the curves.
    if !series.isEmpty {
      let rowHeight = 18.0
      let longest = series.map { Double($0.name.count) }.max() ?? 0
      let legendWidth = min(plotWidth - 16, max(SVGPlot.legendMinimumWidth, SVGPlot.legendTextOffset + 8 + SVGPlot.characterWidth * longest))
      let legendHeight = rowHeight * Double(series.count) + 8
      let corners = [
        (m.left + plotWidth - legendWidth - 8, m.top + 8), (m.left + 8, m.top + 8),
        (m.left + plotWidth - legendWidth - 8, m.top + plotHeight - legendHeight - 8), (m.left + 8, m.top + plotHeight - legendHeight - 8),
      ]
      let points = curvePoints(px: px, py: py)
      let hidden = corners.map { corner in
        points.filter { $0.x >= corner.0 && $0.x <= corner.0 + legendWidth && $0.y >= corner.1 && $0.y <= corner.1 + legendHeight }.count
      }
      let best = hidden.indices.min { hidden[$0] < hidden[$1] }!  // the first corner wins ties
      let (legendX, legendY) = corners[best]
      out.append(#"<g class="legend">"#)
      out.append(#"<rect x="\#(f(legendX))" y="\#(f(legendY))" width="\#(f(legendWidth))" height="\#(f(legendHeight))" fill="white" fill-opacity="0.85" stroke="rgb(153,153,153)"/>"#)
      for (index, s) in series.enumerated() {
        let y = legendY + 4 + rowHeight * (Double(index) + 0.5)
        out.append(#"<line x1="\#(f(legendX + 8))" y1="\#(f(y))" x2="\#(f(legendX + 32))" y2="\#(f(y))" stroke="\#(color(index))" stroke-width="2"/>"#)
        out.append(#"<text x="\#(f(legendX + SVGPlot.legendTextOffset))" y="\#(f(y + 4))">\#(SVGPlot.escape(s.name))</text>"#)
      }
      out.append("</g>")
    }
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }

  /// Points along every drawn line (each segment sampled `legendSamplesPerSegment` times), in
  /// canvas units: what a legend placed over them would hide.
  private func curvePoints(px: (Double) -> Double, py: (Double) -> Double) -> [(x: Double, y: Double)] {
    var points: [(x: Double, y: Double)] = []
    for s in series {
      var previous: (x: Double, y: Double)?
      for i in s.x.indices {
        guard s.x[i].isFinite, s.y[i].isFinite else { previous = nil; continue }
        let point = (x: px(s.x[i]), y: py(s.y[i]))
        if let previous {
          for k in 1...SVGPlot.legendSamplesPerSegment {
            let t = Double(k) / Double(SVGPlot.legendSamplesPerSegment)
            points.append((previous.x + t * (point.x - previous.x), previous.y + t * (point.y - previous.y)))
          }
        } else {
          points.append(point)
        }
        previous = point
      }
    }
    return points
  }

  /// Writes the SVG atomically to `path`.
  public func write(to path: String) throws(FileIOError) {
    try writeAtomically(Array(render().utf8), to: path)
  }

  private func color(_ index: Int) -> String { SVGPlot.palette[index % SVGPlot.palette.count] }

  /// An axis covering the finite `values`: bounds rounded outward to multiples of a nice step.
  static func axis(_ values: [Double]) -> (low: Double, high: Double, step: Double, ticks: [Double]) {
    let finite = values.filter(\.isFinite)
    var low = finite.min() ?? 0, high = finite.max() ?? 1
    if low == high {  // a flat series: open a unit-sized window around it
      let pad = low == 0 ? 1 : abs(low) * 0.5
      low -= pad
      high += pad
    }
    let step = niceStep((high - low) / Double(targetTickCount))
    low = (low / step).rounded(.down) * step
    high = (high / step).rounded(.up) * step
    let count = Int(((high - low) / step).rounded()) + 1
    return (low, high, step, (0..<count).map { low + Double($0) * step })
  }

  /// The smallest of 1, 2, 5 × 10^k that is at least `raw`.
  static func niceStep(_ raw: Double) -> Double {
    let magnitude = pow(10, (log10(raw)).rounded(.down))
    for mantissa in [1.0, 2, 5, 10] where mantissa * magnitude >= raw * (1 - 1e-12) { return mantissa * magnitude }
    return 10 * magnitude
  }

  /// A tick label with as many decimals as the step needs (0.25 → 2, 5 → 0).
  static func tickLabel(_ value: Double, step: Double) -> String {
    let decimals = max(0, Int((-log10(step)).rounded(.up)))
    let text = String(format: "%.\(decimals)f", value)
    return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
  }

  /// Escapes text for XML content and attributes.
  static func escape(_ text: String) -> String {
    var out = ""
    for c in text {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      default: out.append(c)
      }
    }
    return out
  }
}

/// A coordinate with two decimals: enough for screen precision, stable across platforms.
private func f(_ value: Double) -> String { String(format: "%.2f", value) }
