import Foundation
import VSML
import VSMLCore
import Yams

/// Reads configurations from JSON or YAML with strict checking: the file may give any subset of
/// the fields (the rest keep their defaults), but a key the configuration does not have is an error
/// that names it, as is a value of the wrong type. `--set key.path=value` overrides come last.
public enum ConfigurationLoader {
  /// Reads `path` (YAML if it ends in `.yaml` or `.yml`, else JSON; at most
  /// `FileSizeLimits.configuration` bytes), then decodes it as `load(_:json:overrides:defaults:)` does.
  public static func load<T: Codable>(_ type: T.Type, file path: String, overrides: [String] = [], defaults: T) throws -> T {
    let bytes: [UInt8]
    do { bytes = try readAllBytes(at: path, limit: FileSizeLimits.configuration) } catch {
      throw ConfigurationError(field: "(file)", message: "cannot read \(path): \(error)")
    }
    let lower = path.lowercased()
    let json = lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") ? try jsonData(fromYAML: bytes, path: path) : Data(bytes)
    return try load(type, json: json, overrides: overrides, defaults: defaults)
  }

  /// A YAML document as JSON text (`YAMLDocument`): mappings with string keys, sequences,
  /// strings, finite numbers, booleans and null; anchors and aliases within a budget.
  public static func jsonData(fromYAML bytes: [UInt8], path: String) throws -> Data {
    try YAMLDocument.jsonData(bytes, path: path)
  }

  /// Decodes `T` from the JSON text `json` (nil: defaults only), applying `overrides`
  /// (`"es.pairs=32"`, `"data.episodeLength=50"`; values are JSON, bare words are strings).
  public static func load<T: Codable>(_ type: T.Type, json: Data?, overrides: [String] = [], defaults: T) throws -> T {
    let encoder = JSONEncoder()
    var tree = try JSONSerialization.jsonObject(with: encoder.encode(defaults), options: [.fragmentsAllowed])
    if let json {
      let user: Any
      do {
        user = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
      } catch {
        throw ConfigurationError(field: "(file)", message: "is not valid JSON: \(error.localizedDescription)")
      }
      try check(user, against: Mirror(reflecting: defaults), value: defaults, path: "")
      tree = merge(tree, user)
    }
    for override in overrides {
      guard let (_, path, _, value) = parse(override) else {
        throw ConfigurationError(field: override, message: "an override is key.path=value, e.g. es.pairs=32")
      }
      tree = try patch(tree, at: path[...], with: value, defaults: defaults, field: "")
      try check(tree, against: Mirror(reflecting: defaults), value: defaults, path: "")
    }
    do {
      return try decode(T.self, tree)
    } catch let error as ConfigurationError where error.field.isEmpty {
      // Foundation reports some values a field cannot hold (-1 or 1.5 for an unsigned integer)
      // without naming the field: find the override that brings the value, and name it.
      let base = try JSONSerialization.jsonObject(with: encoder.encode(defaults), options: [.fragmentsAllowed])
      for override in overrides {
        guard let (key, path, text, value) = parse(override) else { continue }
        if let patched = try? patch(base, at: path[...], with: value, defaults: defaults, field: ""), (try? decode(T.self, patched)) == nil {
          throw ConfigurationError(field: key, message: "cannot hold \(text) (out of range or of the wrong kind of number)")
        }
      }
      throw ConfigurationError(field: "(file)", message: "holds a value that a field cannot hold (out of range or of the wrong kind of number): \(error.message)")
    }
  }

  /// Decodes `T` from a JSON tree, turning decoding errors into `ConfigurationError`s that name
  /// the field (empty when Foundation does not say which).
  static func decode<T: Codable>(_ type: T.Type, _ tree: Any) throws -> T {
    let data = try JSONSerialization.data(withJSONObject: tree, options: [.fragmentsAllowed])
    do {
      return try JSONDecoder().decode(T.self, from: data)
    } catch let DecodingError.typeMismatch(type, context), let DecodingError.valueNotFound(type, context) {
      throw ConfigurationError(field: fieldPath(context.codingPath), message: "has the wrong type: it must be \(kindName(type))")
    } catch let DecodingError.keyNotFound(key, context) {
      throw ConfigurationError(field: fieldPath(context.codingPath + [key]), message: "is required")
    } catch let DecodingError.dataCorrupted(context) {
      throw ConfigurationError(field: fieldPath(context.codingPath), message: context.debugDescription)
    }
  }

  /// What a value of `type` is, in words a configuration's author reads.
  static func kindName(_ type: Any.Type) -> String {
    switch type {
    case is Int.Type, is Int32.Type, is Int64.Type, is UInt64.Type, is UInt32.Type, is UInt.Type: return "a whole number"
    case is Double.Type, is Float.Type: return "a number"
    case is String.Type: return "a string (text in quotes)"
    case is Bool.Type: return "true or false"
    default:
      let name = "\(type)"
      if name.hasPrefix("Array<") { return "a list ([...])" }
      if name.hasPrefix("Dictionary<") { return "a mapping ({...})" }
      return "a mapping ({...}) of the fields of \(name)"
    }
  }

  static func fieldPath(_ path: [CodingKey]) -> String {
    path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop(while: { $0 == "." }).description
  }

  /// Rejects keys the default value's type does not have. Structs are checked by their stored
  /// property names (so optional fields that are nil by default are still known); arrays against
  /// their first default element; enums and optionals that are nil are not looked into.
  static func check(_ user: Any, against mirror: Mirror, value: Any, path: String) throws {
    guard let dict = user as? [String: Any] else {
      if let array = user as? [Any], let defaults = value as? [Any], let first = defaults.first {
        for (i, element) in array.enumerated() {
          try check(element, against: Mirror(reflecting: first), value: first, path: "\(path)[\(i)]")
        }
      }
      return
    }
    guard mirror.displayStyle == .struct else { return }
    let children = Dictionary(mirror.children.compactMap { c in c.label.map { ($0, c.value) } }, uniquingKeysWith: { a, _ in a })
    for (key, sub) in dict {
      let field = path.isEmpty ? key : "\(path).\(key)"
      guard let child = children[key] else {
        let known = children.keys.sorted()
        throw ConfigurationError(
          field: field, message: "is not a known setting\(Suggestion.phrase(for: key, among: known)); known here: \(known.joined(separator: ", "))")
      }
      let childMirror = Mirror(reflecting: child)
      if childMirror.displayStyle == .optional {
        if let inner = childMirror.children.first?.value {
          try check(sub, against: Mirror(reflecting: inner), value: inner, path: field)
        }
      } else {
        try check(sub, against: childMirror, value: child, path: field)
      }
    }
  }

  /// An override `key.path=value` split into its key, the key's path, its value's text and the
  /// value (JSON, or the text itself when it is not JSON); nil without an `=`.
  static func parse(_ override: String) -> (key: String, path: [String], text: String, value: Any)? {
    guard let eq = override.firstIndex(of: "=") else { return nil }
    let key = String(override[..<eq]), text = String(override[override.index(after: eq)...])
    let value = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text
    return (key, key.split(separator: ".").map(String.init), text, value)
  }

  /// `tree` with `value` put at `path` (merged into what is there, as `merge` does). A number
  /// addresses an entry of a list (`data.tasks.0.weight`). `defaults` is the default value at
  /// this point of the path, when known: a key new to a struct is added beside its other fields,
  /// while a new key of an enum (one key, the case) replaces it. `field` names the part of the
  /// path already walked, for errors.
  static func patch(_ tree: Any, at path: ArraySlice<String>, with value: Any, defaults: Any?, field: String) throws -> Any {
    guard let key = path.first else { return merge(tree, value) }
    let rest = path.dropFirst()
    let name = field.isEmpty ? key : "\(field).\(key)"
    if let array = tree as? [Any] {
      guard let index = Int(key), index >= 0 else {
        throw ConfigurationError(field: name, message: "\(field) is a list; name an entry by its index, for example \(field).0")
      }
      guard index < array.count else {
        throw ConfigurationError(field: name, message: "\(field) has \(array.count == 1 ? "1 entry (index 0)" : "\(array.count) entries (indices 0 to \(array.count - 1))"); add entries in a configuration file")
      }
      var copy = array
      copy[index] = try patch(array[index], at: rest, with: value, defaults: (defaults as? [Any])?.first, field: name)
      return copy
    }
    let mirror = defaults.map { Mirror(reflecting: $0) }
    let child = mirror?.children.first { $0.label == key }.map { unwrapped($0.value) } ?? nil
    if var dict = tree as? [String: Any] {
      if let existing = dict[key] {
        dict[key] = try patch(existing, at: rest, with: value, defaults: child, field: name)
        return dict
      }
      if let mirror, mirror.displayStyle != .enum {
        dict[key] = try patch([String: Any](), at: rest, with: value, defaults: child, field: name)
        return dict
      }
    }
    var nested: Any = value
    for k in rest.reversed() { nested = [k: nested] }
    return merge(tree, [key: nested])
  }

  /// The value inside an optional (nil when it holds none); anything else as it is.
  private static func unwrapped(_ value: Any) -> Any? {
    let mirror = Mirror(reflecting: value)
    guard mirror.displayStyle == .optional else { return value }
    return mirror.children.first?.value
  }

  /// `overlay` on top of `base`: dictionaries merge key by key, anything else replaces.
  static func merge(_ base: Any, _ overlay: Any) -> Any {
    guard var b = base as? [String: Any], let o = overlay as? [String: Any] else { return overlay }
    // An enum encoded as a one-key object is replaced whole when the overlay names another case.
    if b.count == 1, o.count == 1, b.keys.first != o.keys.first { return overlay }
    for (k, v) in o { b[k] = b[k].map { merge($0, v) } ?? v }
    return b
  }
}
