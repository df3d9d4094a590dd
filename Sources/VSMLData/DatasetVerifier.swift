/// Checks datasets on disk: published SHA-256 sums where known, then a full decode of both
/// splits (magic numbers, sizes, label ranges), so a damaged file is caught either way.
public enum DatasetVerifier {
  /// The outcome for one dataset.
  public struct Result: Sendable {
    public enum Status: String, Sendable {
      /// All files present, sums (where published) match, both splits decode.
      case intact
      /// No file of the dataset is present anywhere searched.
      case absent
      /// Something is missing, damaged or mismatched; see `messages`.
      case failed
    }
    public var dataset: String
    public var status: Status
    /// One line per file check and per split, for the user.
    public var messages: [String]
  }

  /// Verifies `info` as found by `locator`.
  public static func verify(_ info: DatasetInfo, locator: DataLocator) -> Result {
    if info.isSynthetic {
      return Result(dataset: info.name, status: .intact, messages: ["generated from a seed; nothing to verify"])
    }
    var messages: [String] = []
    var failed = false
    let presence = locator.presence(of: info)
    let archive = info.packaging == .plain ? nil : info.downloads.first.flatMap { locator.find($0.fileName, of: info) }
    if presence.allSatisfy({ $0.path == nil }) && archive == nil {
      return Result(dataset: info.name, status: .absent, messages: ["not present in \(locator.roots.joined(separator: ", "))"])
    }
    for remote in info.downloads {
      guard let path = locator.find(remote.fileName, of: info) else { continue }
      guard let expected = remote.sha256 else {
        messages.append("\(path): no published SHA-256 known; checksum skipped (decode check only)")
        continue
      }
      do {
        let actual = try SHA256.hexDigest(ofFile: path)
        if actual == expected {
          messages.append("\(path): sha256 ok")
        } else {
          failed = true
          messages.append(DataError.checksumMismatch(path: path, expected: expected, actual: actual).description)
        }
      } catch {
        failed = true
        messages.append(String(describing: error))
      }
    }
    for (file, path) in presence where path == nil {
      failed = true
      messages.append("missing \(file)" + (archive != nil ? " (run `vsml data fetch \(info.name)` to extract it)" : ""))
    }
    if !failed {
      for split in [DataSplit.train, .test] {
        do {
          let data = try DatasetRegistry.load(info.name, split: split, locator: locator)
          messages.append("\(split.rawValue): \(data.count) examples of \(data.shape), labels in 0..<\(data.classCount): ok")
        } catch {
          failed = true
          messages.append(String(describing: error))
        }
      }
    }
    return Result(dataset: info.name, status: failed ? .failed : .intact, messages: messages)
  }
}
