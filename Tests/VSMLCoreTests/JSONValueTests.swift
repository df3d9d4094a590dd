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
