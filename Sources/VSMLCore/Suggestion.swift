/// "Did you mean" for a name that matched nothing: the closest of the known names, when it is a
/// likely typo of it.
public enum Suggestion {
  /// Largest edit distance taken for a typo: a transposition is two edits, and three edits
  /// already turn most short names into others.
  public static let maximumDistance = 2

  /// The known name nearest to `name` by edit distance (ties: the first), if within
  /// `maximumDistance` and shorter than `name` itself; compared without case.
  public static func closest(to name: String, among known: [String]) -> String? {
    let target = Array(name.lowercased())
    var best: (name: String, distance: Int)?
    for candidate in known {
      let d = distance(target, Array(candidate.lowercased()))
      if d <= maximumDistance, d < target.count, d < (best?.distance ?? .max) { best = (candidate, d) }
    }
    return best?.name
  }

  /// ` (did you mean 'x'?)`, or an empty string when nothing is close.
  public static func phrase(for name: String, among known: [String]) -> String {
    closest(to: name, among: known).map { " (did you mean '\($0)'?)" } ?? ""
  }

  /// Levenshtein distance between two character arrays.
  static func distance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      swap(&previous, &current)
    }
    return previous[b.count]
  }
}
