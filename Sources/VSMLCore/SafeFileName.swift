/// File names made from names that come from input (dataset names, `csv:` paths, learner and
/// task labels): the one place where a name becomes a path component, so that no name can reach
/// outside the folder it is written into.
public enum SafeFileName {
  /// Longest name kept as it is; longer ones are cut and end with a hash of the whole name, so
  /// that different long names stay different and every component fits a file system's limit.
  public static let maximumLength = 100

  /// `name` with every character other than a letter, a digit or `-` replaced by `replacement`
  /// (so no `/`, no `..`, no leading dot), cut to `maximumLength` characters with a hash suffix
  /// when longer; never empty.
  public static func make(_ name: String, replacement: Character = "_") -> String {
    var safe = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") ? $0 : replacement })
    if safe.isEmpty { safe = String(replacement) }
    guard safe.count > maximumLength else { return safe }
    // FNV-1a over the original's bytes: stable across runs and machines.
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
    return String(safe.prefix(maximumLength - 17)) + "-" + String(hash, radix: 16).leftPadded(to: 16)
  }
}

private extension String {
  func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
