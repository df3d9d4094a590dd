#if canImport(Glibc)
import Glibc
#endif

/// Reader for user CSV files: one row per example, the label (a non-negative integer below
/// `maximumClasses`) in the first column, numeric features after it. Whether the first row is a
/// header is `HeaderRow`: said explicitly (`--header`, `--no-header`) or detected, in which case
/// only a first row of names counts as a header; a first row that mixes numbers and text is an
/// error (it is neither a header nor data, and dropping it silently would lose an example). Blank
/// lines are ignored; `\r\n` line ends are accepted; quoting is not supported.
///
/// Addressed as `csv:PATH` (the same examples serve both splits) or `csv:TRAIN,TEST` wherever a
/// dataset name is accepted. Features are standardised per feature with the training file's mean
/// and standard deviation (a constant feature gets std 1).
public enum CSVReader {
  /// Labels must lie below this: far above any classification task, low enough that one stray
  /// label cannot make the learner allocate billions of classes.
  public static let maximumClasses = 1 << 16

  /// Whether a file's first non-blank row is a header.
  public enum HeaderRow: String, Sendable, CaseIterable {
    /// A header if every cell is a name (the loader then warns that it skipped it).
    case detect
    /// Always a header: skipped whatever it holds.
    case present
    /// Never a header: the first row is an example, and text in it is an error.
    case absent
  }

  /// Parsed rows: `rows x featureCount` features and one label per row.
  public struct Table: Sendable {
    public var features: [Float]
    public var labels: [Int32]
    public var featureCount: Int
    public var hasHeader: Bool
  }

  /// Parses one CSV file.
  public static func readTable(path: String, header: HeaderRow = .detect) throws -> Table {
    try parse(try FileIO.readAll(path), path: path, header: header)
  }

  /// The UTF-8 encoding of U+FEFF, which some programs put before the first byte of a text file.
  static let utf8ByteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

  /// Parses CSV bytes; `path` names the file in errors.
  public static func parse(_ bytes: [UInt8], path: String, header: HeaderRow = .detect) throws -> Table {
    var features: [Float] = []
    var labels: [Int32] = []
    var columns = -1
    var hasHeader = false
    var lineNumber = 0
    var cells: [ArraySlice<UInt8>] = []
    var scratch = [CChar](repeating: 0, count: 64)
    // A UTF-8 byte-order mark (spreadsheet exports write one) is not part of the first cell.
    var start = bytes.starts(with: utf8ByteOrderMark) ? utf8ByteOrderMark.count : 0
    let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
    while start < bytes.count {
      var end = start
      while end < bytes.count && bytes[end] != newline { end += 1 }
      lineNumber += 1
      var lineEnd = end
      if lineEnd > start && bytes[lineEnd - 1] == cr { lineEnd -= 1 }
      let line = bytes[start..<lineEnd]
      start = end + 1
      if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
      cells.removeAll(keepingCapacity: true)
      var cellStart = line.startIndex
      for i in line.indices where line[i] == comma {
        cells.append(line[cellStart..<i]); cellStart = i + 1
      }
      cells.append(line[cellStart..<line.endIndex])
      if columns < 0 {
        columns = cells.count
        guard columns >= 2 else {
          throw DataError.raggedCSV(path: path, line: lineNumber, expected: 2, found: columns)
        }
        if header == .present {
          hasHeader = true
          continue
        }
        let numeric = cells.map { number($0, &scratch) != nil }
        if header == .detect && !numeric.contains(true) {
          hasHeader = true
          continue
        }
        if header == .detect, let text = numeric.firstIndex(of: false) {
          throw DataError.invalidCSVHeader(path: path, column: text + 1, cell: Self.text(cells[text]))
        }
      }
      guard cells.count == columns else {
        throw DataError.raggedCSV(path: path, line: lineNumber, expected: columns, found: cells.count)
      }
      guard let label = number(cells[0], &scratch), label >= 0, label == label.rounded() else {
        throw DataError.nonNumericCSV(path: path, line: lineNumber, column: 1, cell: text(cells[0]))
      }
      guard label < Double(maximumClasses) else {
        throw DataError.labelOutOfRange(path: path, index: labels.count, label: Int(exactly: label) ?? Int.max, classCount: maximumClasses)
      }
      labels.append(Int32(label))
      for c in 1..<columns {
        // Checked in Float, the precision features are used in: 1e39 fits a Double, not a Float.
        guard let value = number(cells[c], &scratch), Float(value).isFinite else {
          throw DataError.nonNumericCSV(path: path, line: lineNumber, column: c + 1, cell: text(cells[c]))
        }
        features.append(Float(value))
      }
    }
    guard !labels.isEmpty else { throw DataError.emptyCSV(path: path) }
    return Table(features: features, labels: labels, featureCount: columns - 1, hasHeader: hasHeader)
  }

  /// Reads `csv:` datasets. With one path it serves both splits.
  /// - Parameter spec: the part after `csv:`, i.e. `PATH` or `TRAIN,TEST`.
  /// - Parameters:
  ///   - header: whether each file's first row is a header.
  ///   - warn: told of every first row that detection took for a header and skipped.
  public static func readDataset(
    spec: String, split: DataSplit, header: HeaderRow = .detect, warn: (@Sendable (String) -> Void)? = nil
  ) throws -> Dataset {
    let paths = spec.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard paths.count == 1 || paths.count == 2, !paths.contains(where: \.isEmpty) else {
      throw DataError.invalidTask(field: "dataset", reason: "'csv:\(spec)' must be csv:PATH or csv:TRAIN,TEST")
    }
    func read(_ path: String) throws -> Table {
      let table = try readTable(path: path, header: header)
      if header == .detect && table.hasHeader {
        warn?("\(path): the first row holds only names, so it was read as a header and skipped (--header says so explicitly; --no-header reads it as an example)")
      }
      return table
    }
    let train = try read(paths[0])
    var table = train
    var source = paths[0]
    if paths.count == 2 && split == .test {
      table = try read(paths[1])
      source = paths[1]
      guard table.featureCount == train.featureCount else {
        throw DataError.csvColumnMismatch(
          trainPath: paths[0], trainColumns: train.featureCount + 1, testPath: paths[1], testColumns: table.featureCount + 1)
      }
    }
    var classCount = Int(train.labels.max()!) + 1
    if paths.count == 2 {
      // Class count covers both files, so labels mean the same thing in either split.
      let other = split == .test ? train : (try readTable(path: paths[1], header: header))
      classCount = max(classCount, Int(other.labels.max()!) + 1, Int(table.labels.max()!) + 1)
    }
    standardise(&table.features, featureCount: table.featureCount, statsFrom: train)
    return try Dataset(
      name: "csv:" + spec, split: split, kind: .tabular, shape: .flat(table.featureCount),
      storage: .floats(table.features), labels: table.labels, classCount: classCount,
      normalization: .identity, source: source)
  }

  /// Standardises each feature column with the mean and std of `statsFrom`.
  static func standardise(_ values: inout [Float], featureCount f: Int, statsFrom train: Table) {
    var sum = [Double](repeating: 0, count: f), sumSq = [Double](repeating: 0, count: f)
    let rows = train.labels.count
    for r in 0..<rows {
      for c in 0..<f {
        let v = Double(train.features[r * f + c])
        sum[c] += v; sumSq[c] += v * v
      }
    }
    var mean = [Float](repeating: 0, count: f), inv = [Float](repeating: 1, count: f)
    for c in 0..<f {
      let m = sum[c] / Double(rows)
      let variance = max(0, sumSq[c] / Double(rows) - m * m)
      mean[c] = Float(m)
      inv[c] = variance > 1e-12 ? Float(1 / variance.squareRoot()) : 1
    }
    for i in values.indices {
      let c = i % f
      values[i] = (values[i] - mean[c]) * inv[c]
    }
  }

  private static func text(_ cell: ArraySlice<UInt8>) -> String { String(decoding: cell, as: UTF8.self) }

  /// Parses a whole cell (surrounding spaces allowed) as a number, or nil.
  private static func number(_ cell: ArraySlice<UInt8>, _ scratch: inout [CChar]) -> Double? {
    var lo = cell.startIndex, hi = cell.endIndex
    while lo < hi && (cell[lo] == 0x20 || cell[lo] == 0x09) { lo += 1 }
    while hi > lo && (cell[hi - 1] == 0x20 || cell[hi - 1] == 0x09) { hi -= 1 }
    let n = hi - lo
    guard n > 0 else { return nil }
    if scratch.count < n + 1 { scratch = [CChar](repeating: 0, count: n + 1) }
    for i in 0..<n { scratch[i] = CChar(bitPattern: cell[lo + i]) }
    scratch[n] = 0
    return scratch.withUnsafeMutableBufferPointer { buffer -> Double? in
      var endPointer: UnsafeMutablePointer<CChar>? = nil
      let value = strtod(buffer.baseAddress!, &endPointer)
      guard let endPointer, endPointer - buffer.baseAddress! == n else { return nil }
      return value
    }
  }
}
