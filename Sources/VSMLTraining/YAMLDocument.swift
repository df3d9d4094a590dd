import Foundation
import VSML
import Yams

/// A YAML configuration as the JSON tree the configuration loader checks: mappings with string
/// keys, sequences, strings, finite numbers, booleans and null.
///
/// The document is composed into YAML nodes (linear in the text: an alias refers to its anchor's
/// node, it does not copy it) and converted here, never by the YAML library's own constructor,
/// which traps on a mapping key that is a list or a map. The conversion refuses, naming the
/// field:
/// - keys that are not strings, and a key given twice;
/// - more than `nodeBudget` nodes after expanding aliases (a few hundred bytes of nested aliases
///   would otherwise expand into billions of values), and nesting deeper than `maximumDepth`;
/// - `.inf` and `.nan` (JSON and the configuration hold finite numbers), integers beyond 64 bits,
///   and explicit tags other than YAML's core ones.
/// Merge keys (`<<: *base`) merge as in YAML 1.1: keys given in the mapping itself win.
public enum YAMLDocument {
  /// Most nodes a configuration may expand to, aliases included: 60 times the largest committed
  /// configuration (about 1,000 nodes; a 1,024-task mixture is some 30,000), low enough that a
  /// nested-alias bomb is refused in a few milliseconds, even in an instrumented fuzzing build.
  public static let nodeBudget = 1 << 16
  /// Deepest nesting of mappings and sequences: a configuration is a handful of levels deep.
  public static let maximumDepth = 256

  /// The JSON text of the YAML document `bytes` (read from `path`, named in errors).
  public static func jsonData(_ bytes: [UInt8], path: String) throws -> Data {
    let text = String(decoding: bytes, as: UTF8.self)
    try refuseDeepNesting(text, path: path)
    try refuseComplexKeys(text, path: path)
    let root: Node?
    do { root = try Yams.compose(yaml: text) } catch {
      throw ConfigurationError(field: "(file)", message: "\(path) is not valid YAML: \(error)")
    }
    var converter = Converter()
    let tree: Any = try root.map { try converter.convert($0, field: "", depth: 0) } ?? NSNull()
    return try JSONSerialization.data(withJSONObject: tree, options: [.fragmentsAllowed])
  }

  /// Refuses brackets nested deeper than `maximumDepth` before parsing: the composer recurses
  /// once per level, and a flow sequence of 10^5 `[` would exhaust the stack.
  static func refuseDeepNesting(_ text: String, path: String) throws {
    var depth = 0, deepest = 0
    for byte in text.utf8 {
      if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
        depth += 1
        deepest = max(deepest, depth)
      } else if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
        depth = max(0, depth - 1)
      }
    }
    // Brackets inside quoted strings count too: harmless, as no configuration nests so deep.
    guard deepest <= maximumDepth else {
      throw ConfigurationError(field: "(file)", message: "\(path) nests brackets \(deepest) deep; a configuration nests at most \(maximumDepth) levels")
    }
  }

  /// Refuses, before parsing, the two ways a key can be a large node: a complex key (`? ...`)
  /// and an alias used as a key (`*a: ...`). The YAML library hashes every key to find
  /// duplicates, so a key that is an alias of a nested-alias bomb costs seconds before any budget
  /// applies; configurations need neither form. Quoted text and comments are skipped.
  static func refuseComplexKeys(_ text: String, path: String) throws {
    let bytes = Array(text.utf8)
    func isSeparator(_ i: Int) -> Bool {
      i < 0 || i >= bytes.count || [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"),
                                    UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}")].contains(bytes[i])
    }
    func refuse(_ what: String, at i: Int) -> ConfigurationError {
      let line = bytes[..<i].filter { $0 == UInt8(ascii: "\n") }.count + 1
      return ConfigurationError(field: "(file)", message: "\(path) line \(line) uses \(what), which a configuration does not need; write keys as plain names")
    }
    var i = 0
    while i < bytes.count {
      switch bytes[i] {
      case UInt8(ascii: "'"):  // a single-quoted scalar: '' is an escaped quote
        i += 1
        while i < bytes.count && !(bytes[i] == UInt8(ascii: "'") && (i + 1 >= bytes.count || bytes[i + 1] != UInt8(ascii: "'"))) {
          i += bytes[i] == UInt8(ascii: "'") ? 2 : 1
        }
      case UInt8(ascii: "\""):  // a double-quoted scalar with backslash escapes
        i += 1
        while i < bytes.count && bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
      case UInt8(ascii: "#") where isSeparator(i - 1):  // a comment, to the end of the line
        while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
      case UInt8(ascii: "?") where isSeparator(i - 1) && (isSeparator(i + 1) || [UInt8(ascii: "*"), UInt8(ascii: "&"), UInt8(ascii: "!")].contains(bytes[i + 1])):
        throw refuse("a complex key (`?`)", at: i)
      case UInt8(ascii: "*") where isSeparator(i - 1):
        var j = i + 1
        while j < bytes.count && !isSeparator(j) && bytes[j] != UInt8(ascii: ":") { j += 1 }
        while j < bytes.count && (bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t")) { j += 1 }
        if j < bytes.count && bytes[j] == UInt8(ascii: ":") && isSeparator(j + 1) { throw refuse("an alias as a key (`*name:`)", at: i) }
      default: break
      }
      i += 1
    }
  }

  struct Converter {
    var nodes = 0

    mutating func convert(_ node: Node, field: String, depth: Int) throws -> Any {
      nodes += 1
      let name = field.isEmpty ? "(file)" : field
      guard nodes <= YAMLDocument.nodeBudget else {
        throw ConfigurationError(
          field: name, message: "expands to more than \(YAMLDocument.nodeBudget) values (nested aliases?); a configuration is far smaller")
      }
      guard depth <= YAMLDocument.maximumDepth else {
        throw ConfigurationError(field: name, message: "nests more than \(YAMLDocument.maximumDepth) levels deep")
      }
      switch node {
      case .scalar(let scalar): return try value(of: scalar, node: node, field: name)
      case .alias: throw ConfigurationError(field: name, message: "refers to an alias that does not resolve")
      case .sequence(let sequence):
        try requireCoreTag(node, [.seq], field: name)
        return try sequence.enumerated().map { try convert($1, field: "\(field)[\($0)]", depth: depth + 1) }
      case .mapping(let mapping):
        try requireCoreTag(node, [.map], field: name)
        var result: [String: Any] = [:]
        var merged: [String: Any] = [:]
        for (keyNode, valueNode) in mapping {
          guard case .scalar(let key) = keyNode else {
            throw ConfigurationError(field: name, message: "has a key that is a \(keyNode.isMapping ? "mapping" : "list"), not a string; keys are names such as `pairs`")
          }
          if keyNode.tagName == .merge || (key.string == "<<" && key.style == .plain) {
            for (k, v) in try mergeSources(valueNode, field: name, depth: depth) where merged[k] == nil { merged[k] = v }
            continue
          }
          guard [.str, .implicit, .nonSpecific, .timestamp].contains(keyNode.tagName) else {
            throw ConfigurationError(field: name, message: "has a key that is not a string: \(key.string) (quote it if it is a name)")
          }
          let child = field.isEmpty ? key.string : "\(field).\(key.string)"
          guard result[key.string] == nil else { throw ConfigurationError(field: child, message: "is given twice; give each key once") }
          result[key.string] = try convert(valueNode, field: child, depth: depth + 1)
        }
        for (k, v) in merged where result[k] == nil { result[k] = v }
        return result
      }
    }

    /// The mappings a merge key names (one mapping, or a list of them; earlier ones win).
    mutating func mergeSources(_ node: Node, field: String, depth: Int) throws -> [(String, Any)] {
      let sources: [Node]
      switch node {
      case .mapping: sources = [node]
      case .sequence(let list): sources = Array(list)
      default: throw ConfigurationError(field: field, message: "merges (<<) something that is not a mapping")
      }
      var pairs: [(String, Any)] = []
      for source in sources {
        guard case .mapping = source, let map = try convert(source, field: field, depth: depth + 1) as? [String: Any] else {
          throw ConfigurationError(field: field, message: "merges (<<) something that is not a mapping")
        }
        pairs += map.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
      }
      return pairs
    }

    func requireCoreTag(_ node: Node, _ allowed: [Tag.Name], field: String) throws {
      let tag = node.tagName
      guard allowed.contains(tag) || tag == .implicit || tag == .nonSpecific else {
        throw ConfigurationError(field: field, message: "has the tag \(tag.rawValue), which a configuration does not use; remove it")
      }
    }

    func value(of scalar: Node.Scalar, node: Node, field: String) throws -> Any {
      switch node.tagName {
      case .null: return NSNull()
      case .bool:
        guard let value = node.bool else { break }
        return value
      case .int:
        guard let value = node.int else {
          throw ConfigurationError(field: field, message: "holds \(scalar.string), an integer beyond 64 bits")
        }
        return value
      case .float:
        guard let value = node.float else { break }
        guard value.isFinite else {
          throw ConfigurationError(field: field, message: "holds \(scalar.string), which is not a finite number; configurations hold finite numbers only")
        }
        return value
      case .str, .implicit, .nonSpecific, .timestamp:
        // A date-like scalar stays the text it is.
        return scalar.string
      default:
        throw ConfigurationError(field: field, message: "has the tag \(node.tagName.rawValue), which a configuration does not use; remove it")
      }
      return scalar.string
    }
  }
}

private extension Node {
  /// The resolved tag's name (public through `rawValue`).
  var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }

  var isMapping: Bool {
    if case .mapping = self { return true }
    return false
  }
}
