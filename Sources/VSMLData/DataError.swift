import VSMLCore

/// Everything that can go wrong while finding, downloading, decoding or preparing data.
///
/// Each case names the file (or field, or dataset) at fault, says what is wrong and what to do.
/// `description` is the text the CLI prints.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
  /// A file that should exist does not.
  case fileNotFound(path: String)
  /// A file or directory exists but cannot be read (permissions, not a regular file, I/O error).
  case unreadable(path: String, reason: String)
  /// A gzip stream ends before its end marker.
  case truncatedGzip(path: String)
  /// A gzip stream is damaged (bad header, bad deflate data, CRC mismatch).
  case corruptGzip(path: String, reason: String)
  /// A binary file starts with the wrong magic number.
  case wrongMagic(path: String, expected: UInt32, found: UInt32)
  /// A header's dimensions are not what the dataset needs (e.g. images that are not 28x28).
  case dimensionMismatch(path: String, detail: String)
  /// The file holds a different number of bytes than its header (or record size) implies.
  case lengthMismatch(path: String, expectedBytes: Int, actualBytes: Int)
  /// The image and label files disagree on the number of examples.
  case countMismatch(imagesPath: String, imageCount: Int, labelsPath: String, labelCount: Int)
  /// A label lies outside `0..<classCount`.
  case labelOutOfRange(path: String, index: Int, label: Int, classCount: Int)
  /// A CSV file holds no data rows.
  case emptyCSV(path: String)
  /// A CSV row has a different number of cells from the first row.
  case raggedCSV(path: String, line: Int, expected: Int, found: Int)
  /// A CSV cell is not a number (or a label is not a non-negative integer).
  case nonNumericCSV(path: String, line: Int, column: Int, cell: String)
  /// A CSV file's first row mixes names and numbers: neither a header nor a data row.
  case invalidCSVHeader(path: String, column: Int, cell: String)
  /// Two CSV files (train and test) have different numbers of columns.
  case csvColumnMismatch(trainPath: String, trainColumns: Int, testPath: String, testColumns: Int)
  /// A dataset name the registry does not know.
  case unknownDataset(name: String, known: [String])
  /// A dataset none of whose search locations holds its files.
  case datasetNotFound(name: String, missingFile: String, searched: [String])
  /// An archive lacks a member the dataset needs.
  case missingArchiveMember(path: String, member: String)
  /// A downloaded or present file's SHA-256 differs from the published one.
  case checksumMismatch(path: String, expected: String, actual: String)
  /// A download could not complete.
  case downloadFailed(url: String, reason: String)
  /// A task description is invalid; `field` is its path, e.g. `transforms[1].resize.side`.
  case invalidTask(field: String, reason: String)

  public var description: String {
    switch self {
    case .fileNotFound(let path):
      return "\(path): file not found. Check the path, or run `vsml data fetch NAME` / pass --data-dir."
    case .unreadable(let path, let reason):
      return "\(path): cannot read (\(reason)). Check that it exists and that you have permission to read it."
    case .truncatedGzip(let path):
      return "\(path): gzip data ends early (file truncated). Delete it and fetch it again."
    case .corruptGzip(let path, let reason):
      return "\(path): gzip data is damaged (\(reason)). Delete it and fetch it again."
    case .wrongMagic(let path, let expected, let found):
      return "\(path): wrong magic number \(hex32(found)), expected \(hex32(expected))"
        + " (\(hex32(0x803)) = IDX images, \(hex32(0x801)) = IDX labels). Is this the right file?"
    case .dimensionMismatch(let path, let detail):
      return "\(path): unexpected dimensions: \(detail). Is this the right file for the dataset?"
    case .lengthMismatch(let path, let expected, let actual):
      return "\(path): holds \(actual) bytes of data but its header/record size implies \(expected)."
        + " The file is truncated or damaged; delete it and fetch it again."
    case .countMismatch(let imagesPath, let imageCount, let labelsPath, let labelCount):
      return "\(imagesPath) has \(imageCount) images but \(labelsPath) has \(labelCount) labels."
        + " The two files do not belong together; fetch both again."
    case .labelOutOfRange(let path, let index, let label, let classCount):
      return "\(path): label \(label) of example \(index) is outside 0..<\(classCount)."
        + " The file is damaged or belongs to another dataset."
    case .emptyCSV(let path):
      return "\(path): CSV file has no data rows. Give one row per example, label in the first column."
    case .raggedCSV(let path, let line, let expected, let found):
      return "\(path):\(line): row has \(found) cells, expected \(expected) like the first row."
        + " Every row needs the label plus the same number of features."
    case .invalidCSVHeader(let path, let column, let cell):
      return "\(path):1: the first row mixes numbers and text (cell \(column) is \"\(cell)\"), so it is neither a header "
        + "(all names) nor an example (all numbers). Fix that cell, give every column a name, or pass --header to skip the row."
    case .nonNumericCSV(let path, let line, let column, let cell):
      return "\(path):\(line): cell \(column) (\"\(cell)\") is not a number"
        + (column == 1 ? " (labels must be non-negative integers)." : ". All feature cells must be numbers within Float's range (about ±3.4e38).")
        + (line == 1 ? " If the first row is a header, pass --header." : "")
    case .csvColumnMismatch(let trainPath, let trainColumns, let testPath, let testColumns):
      return "\(trainPath) has \(trainColumns) columns but \(testPath) has \(testColumns);"
        + " train and test files need the same columns."
    case .unknownDataset(let name, let known):
      return "unknown dataset '\(name)'\(Suggestion.phrase(for: name, among: known)). Known: \(known.joined(separator: ", ")), or csv:PATH[,TESTPATH]."
    case .datasetNotFound(let name, let missingFile, let searched):
      return "dataset '\(name)': file \(missingFile) not found in \(searched.joined(separator: ", "))."
        + " Run `vsml data fetch \(name)`, or pass --data-dir (or set VSML_DATA_DIR) to a folder holding it."
    case .missingArchiveMember(let path, let member):
      return "\(path): archive has no member \(member). Delete the archive and fetch it again."
    case .checksumMismatch(let path, let expected, let actual):
      return "\(path): SHA-256 mismatch: expected \(expected), got \(actual)."
        + " The file is damaged or not the official release; delete it and fetch it again."
    case .downloadFailed(let url, let reason):
      return "download of \(url) failed: \(reason). Check the network, or place the file in --data-dir by hand."
    case .invalidTask(let field, let reason):
      return "invalid task: \(field): \(reason)"
    }
  }
}

private func hex32(_ value: UInt32) -> String {
  let digits = String(value, radix: 16)
  return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
