import Foundation

/// A dependency-free SVG heat map of accuracies: rows x columns of cells shaded by value on a
/// fixed [0, 1] scale, each labelled "mean" over "± half-width" of its 95 % interval. Missing
/// cells (nil) are hatched grey. Output is a pure function of the input (byte-identical files).
public struct HeatMapSVG: Sendable {
  /// One cell: a mean and its 95 % interval half-width.
  public struct Cell: Sendable {
    public var mean: Double
    public var halfWidth: Double
    public init(mean: Double, halfWidth: Double) {
      self.mean = mean
      self.halfWidth = halfWidth
    }
  }

  public var title: String
  public var rowTitle: String
  public var columnTitle: String
  public var rows: [String]
  public var columns: [String]
  /// `cells[row][column]`; nil where there is no result yet.
  public var cells: [[Cell?]]

  /// Cell size and margins in SVG user units.
  static let cell = (width: 118.0, height: 52.0)
  static let margin = (left: 150.0, top: 64.0, right: 20.0, bottom: 36.0)

  public init(title: String, rowTitle: String, columnTitle: String, rows: [String], columns: [String], cells: [[Cell?]]) {
    precondition(cells.count == rows.count && cells.allSatisfy { $0.count == columns.count }, "cells must be rows x columns")
    self.title = title
    self.rowTitle = rowTitle
    self.columnTitle = columnTitle
    self.rows = rows
    self.columns = columns
    self.cells = cells
  }

  /// Background colour of `value` in [0, 1]: white through to a deep blue (viridis-free, readable
  /// in greyscale); dark cells get white text.
  static func shade(_ value: Double) -> (fill: String, text: String) {
    let v = min(max(value.isFinite ? value : 0, 0), 1)
    let low = (r: 247.0, g: 251.0, b: 255.0), high = (r: 8.0, g: 48.0, b: 107.0)
    func channel(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * v).rounded()) }
    let fill = String(format: "#%02x%02x%02x", channel(low.r, high.r), channel(low.g, high.g), channel(low.b, high.b))
    return (fill, v > 0.5 ? "#ffffff" : "#111111")
  }

  package static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
  }

  public var width: Double { Self.margin.left + Double(columns.count) * Self.cell.width + Self.margin.right }
  public var height: Double { Self.margin.top + Double(rows.count) * Self.cell.height + Self.margin.bottom }

  /// The SVG document.
  public func render() -> String {
    let m = Self.margin, c = Self.cell
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" role="img" aria-label="\(Self.escape(title))">
      <defs><pattern id="missing" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#eeeeee"/><line x1="0" y1="0" x2="0" y2="8" stroke="#cccccc" stroke-width="3"/></pattern></defs>
      <rect width="100%" height="100%" fill="#ffffff"/>
      <text x="\(Int(width / 2))" y="22" text-anchor="middle" font-size="16" font-weight="bold">\(Self.escape(title))</text>
      <text x="\(Int(m.left + Double(columns.count) * c.width / 2))" y="42" text-anchor="middle" font-size="12" fill="#444444">\(Self.escape(columnTitle))</text>

      """
    for (j, column) in columns.enumerated() {
      let x = m.left + (Double(j) + 0.5) * c.width
      out += "<text x=\"\(Int(x))\" y=\"\(Int(m.top - 6))\" text-anchor=\"middle\" font-size=\"13\">\(Self.escape(column))</text>\n"
    }
    for (i, row) in rows.enumerated() {
      let y = m.top + Double(i) * c.height
      out += "<text x=\"\(Int(m.left - 8))\" y=\"\(Int(y + c.height / 2 + 4))\" text-anchor=\"end\" font-size=\"13\">\(Self.escape(row))</text>\n"
      for j in columns.indices {
        let x = m.left + Double(j) * c.width
        let rect = "x=\"\(Int(x))\" y=\"\(Int(y))\" width=\"\(Int(c.width))\" height=\"\(Int(c.height))\""
        guard let cell = cells[i][j] else {
          out += "<rect \(rect) fill=\"url(#missing)\" stroke=\"#ffffff\"/>\n"
          out += "<text x=\"\(Int(x + c.width / 2))\" y=\"\(Int(y + c.height / 2 + 4))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#777777\">no result</text>\n"
          continue
        }
        let (fill, ink) = Self.shade(cell.mean)
        out += "<rect \(rect) fill=\"\(fill)\" stroke=\"#ffffff\"><title>\(Self.escape(row)) → \(Self.escape(columns[j])): \(String(format: "%.3f ± %.3f", cell.mean, cell.halfWidth))</title></rect>\n"
        out += "<text x=\"\(Int(x + c.width / 2))\" y=\"\(Int(y + c.height / 2))\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\" fill=\"\(ink)\">\(cell.mean.isFinite ? String(format: "%.3f", cell.mean) : "n/a")</text>\n"
        out += "<text x=\"\(Int(x + c.width / 2))\" y=\"\(Int(y + c.height / 2 + 16))\" text-anchor=\"middle\" font-size=\"11\" fill=\"\(ink)\">± \(String(format: "%.3f", cell.halfWidth))</text>\n"
      }
    }
    out += "<text x=\"12\" y=\"\(Int(m.top - 6))\" font-size=\"12\" fill=\"#444444\">\(Self.escape(rowTitle))</text>\n"
    out += "</svg>\n"
    return out
  }
}
