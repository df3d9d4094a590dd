import Foundation
import XCTest
@testable import VSMLCore

final class JSONValueTests: XCTestCase {
  func testParsesNestedDocument() throws {
    let text = #" {"a": [1, -2, 3.5, 1e2], "b": {"c": "x\"\u00e9\ud83d\ude00"}, "d": true, "e": null} "#
    let value = try JSONValue(parsing: Array(text.utf8))
    XCTAssertEqual(value, .object([
      ("a", .array([.integer(1), .integer(-2), .number(3.5), .number(100)])),
      ("b", .object([("c", .string("x\"é😀"))])),
      ("d", .bool(true)), ("e", .null),
    ]))
  }

  func testRejectsMalformedInput() {
    for bad in [#"{"a":1,"a":2}"#, "[1,]", "{", "01", #""\x""#, "[1] x", "\"a\nb\"", ""] {
      XCTAssertThrowsError(try JSONValue(parsing: Array(bad.utf8)), bad)
    }
    let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
    XCTAssertThrowsError(try JSONValue(parsing: Array(deep.utf8)))
  }

  func testValuesPrintAsTheJSONTheyCameFrom() throws {
    let value = try JSONValue(parsing: Array(#"{"shape": [3, -1, 1.5], "ok": true, "name": "a\"b", "none": null}"#.utf8))
    XCTAssertEqual("\(value)", #"{"shape": [3, -1, 1.5], "ok": true, "name": "a\"b", "none": null}"#)
    XCTAssertEqual("\([JSONValue.integer(4), .string("x")])", #"[4, "x"]"#)
    XCTAssertFalse("\(value)".contains("JSONValue"))
    // In an error: a shape whose product overflows is shown as the file writes it.
    var header = Array(#"{"t": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}}"#.utf8)
    while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
    var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
    bytes += header
    XCTAssertThrowsError(try SafetensorsFile(bytes: bytes)) { XCTAssertTrue("\($0)".contains("[4294967296, 4294967296]"), "\($0)") }
  }

  func testQuotedRoundTrips() throws {
    let s = "tab\t \"q\" \\ \u{01} é"
    XCTAssertEqual(try JSONValue(parsing: Array(JSONValue.quoted(s).utf8)), .string(s))
  }
}

final class ReportJSONTests: XCTestCase {
  func testNonFiniteNumbersBecomeNullAndAreCounted() throws {
    let bytes = try ReportJSON.encode(["a": Double.nan, "b": [1.5, Double.infinity], "c": ["d": Float.nan, "e": "text"], "f": 2])
    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    XCTAssertTrue(object["a"] is NSNull)
    XCTAssertEqual((object["b"] as? [Any])?.first as? Double, 1.5)
    XCTAssertTrue((object["b"] as? [Any])?.last is NSNull)
    XCTAssertTrue((object["c"] as? [String: Any])?["d"] is NSNull)
    XCTAssertEqual(object["non_finite"] as? Int, 3)
    XCTAssertEqual(object["f"] as? Int, 2)
  }
}

final class SuggestionTests: XCTestCase {
  func testLikelyTyposGetTheNearestName() {
    XCTAssertEqual(Suggestion.closest(to: "pars", among: ["pairs", "strategy"]), "pairs")
    XCTAssertEqual(Suggestion.closest(to: "fashon-mnist", among: ["mnist", "fashion-mnist"]), "fashion-mnist")
    XCTAssertEqual(Suggestion.closest(to: "Scrach", among: ["scratch", "backprop"]), "scratch")
    XCTAssertNil(Suggestion.closest(to: "zzzzzz", among: ["pairs", "strategy"]), "nothing close")
    XCTAssertNil(Suggestion.closest(to: "ab", among: ["xy"]), "a short name is not a typo of any other")
    XCTAssertEqual(Suggestion.phrase(for: "sigm", among: ["sigma"]), " (did you mean 'sigma'?)")
    XCTAssertEqual(Suggestion.phrase(for: "q", among: ["sigma"]), "")
  }
}
