import XCTest
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import VSMLReports

final class SVGPlotTests: XCTestCase {
  /// Collects element names and attributes while checking well-formedness.
  private final class Collector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var text = ""
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
      elements.append((name, attributes))
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
  }

  private func parse(_ svg: String) throws -> Collector {
    let parser = XMLParser(data: Data(svg.utf8))
    let collector = Collector()
    parser.delegate = collector
    XCTAssertTrue(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
    return collector
  }

  private func samplePlot() -> SVGPlot {
    let curve = Statistics.stepCurve([[0.1, 0.4, 0.7, 0.8], [0.2, 0.5, 0.6, 0.9], [0.0, 0.3, 0.8, 0.85]])
    return SVGPlot(title: "Online accuracy <MNIST & co>", xLabel: "step", yLabel: "accuracy", series: [
      SVGPlot.Series(name: "VSML", curve: curve),
      SVGPlot.Series(name: "SGD \"baseline\"", x: [0, 1, 2, 3], y: [0.1, .nan, 0.3, 0.35]),
    ])
  }

  /// The legend's box: the first rect after the legend group opens.
  private func legendBox(_ plot: SVGPlot) throws -> (x: Double, y: Double, width: Double) {
    let elements = try parse(plot.render()).elements
    let group = try XCTUnwrap(elements.firstIndex { $0.attributes["class"] == "legend" })
    let rect = elements[group + 1].attributes
    return (Double(rect["x"] ?? "") ?? .nan, Double(rect["y"] ?? "") ?? .nan, Double(rect["width"] ?? "") ?? .nan)
  }

  func testLegendGoesWhereItHidesTheFewestPoints() throws {
    let x = (0...20).map(Double.init)
    // A curve along the top: the legend moves to a bottom corner.
    let high = SVGPlot(title: "t", xLabel: "x", yLabel: "y", series: [
      SVGPlot.Series(name: "high", x: x, y: x.map { _ in 0.95 }), SVGPlot.Series(name: "low", x: [0, 20], y: [0, 0.5]),
    ])
    let m = SVGPlot.margin
    XCTAssertGreaterThan(try legendBox(high).y, m.top + 100)
    // A curve rising to the top right: the legend sits at the top left.
    let rising = SVGPlot(title: "t", xLabel: "x", yLabel: "y", series: [SVGPlot.Series(name: "rising", x: x, y: x.map { $0 / 20 })])
    let box = try legendBox(rising)
    XCTAssertEqual(box.x, m.left + 8)
    XCTAssertEqual(box.y, m.top + 8)
    // A long name widens the box.
    let long = SVGPlot(title: "t", xLabel: "x", yLabel: "y", series: [
      SVGPlot.Series(name: String(repeating: "n", count: 40), x: x, y: x.map { $0 / 20 }),
    ])
    XCTAssertGreaterThan(try legendBox(long).width, box.width + 100)
  }

  func testWellFormedWithSeriesBandsTicksAndLegend() throws {
    let svg = samplePlot().render()
    let parsed = try parse(svg)
    XCTAssertEqual(parsed.elements.first?.name, "svg")
    let paths = parsed.elements.filter { $0.attributes["class"] == "series" }
    XCTAssertEqual(paths.map { $0.attributes["data-series"] }, ["VSML", "SGD \"baseline\""])
    XCTAssertEqual(paths[0].attributes["d"]?.filter { $0 == "L" }.count, 3)
    // The NaN point breaks the second line into two pieces.
    XCTAssertEqual(paths[1].attributes["d"]?.filter { $0 == "M" }.count, 2)
    let bands = parsed.elements.filter { $0.attributes["class"] == "band" }
    XCTAssertEqual(bands.count, 1)
    XCTAssertEqual(bands[0].attributes["points"]?.split(separator: " ").count, 8)
    XCTAssertGreaterThanOrEqual(parsed.elements.filter { $0.attributes["class"] == "xtick" }.count, 3)
    XCTAssertGreaterThanOrEqual(parsed.elements.filter { $0.attributes["class"] == "ytick" }.count, 3)
    XCTAssertTrue(parsed.text.contains("Online accuracy <MNIST & co>"))
    XCTAssertTrue(parsed.text.contains("SGD \"baseline\""))
    XCTAssertTrue(parsed.text.contains("accuracy"))
    XCTAssertEqual(svg, samplePlot().render(), "rendering must be deterministic")
  }

  func testDegenerateInputsStillRender() throws {
    _ = try parse(SVGPlot(title: "empty", xLabel: "x", yLabel: "y").render())
    _ = try parse(SVGPlot(title: "flat", xLabel: "x", yLabel: "y",
                          series: [.init(name: "c", x: [1, 1], y: [3, 3])]).render())
    _ = try parse(SVGPlot(title: "nan", xLabel: "x", yLabel: "y",
                          series: [.init(name: "n", x: [0, 1], y: [.nan, .infinity])]).render())
  }

  func testNiceTicks() {
    XCTAssertEqual(SVGPlot.niceStep(0.17), 0.2)
    XCTAssertEqual(SVGPlot.niceStep(3), 5)
    XCTAssertEqual(SVGPlot.niceStep(10), 10)
    let axis = SVGPlot.axis([0.03, 0.97])
    XCTAssertEqual(axis.low, 0)
    XCTAssertEqual(axis.high, 1, accuracy: 1e-12)
    XCTAssertEqual(SVGPlot.tickLabel(0.25, step: 0.05), "0.25")
    XCTAssertEqual(SVGPlot.tickLabel(-0.0001, step: 0.2), "0.0")
  }
}
