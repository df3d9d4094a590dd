import Foundation

/// A file a publisher serves, with its published SHA-256 (nil: no trusted sum known, the
/// download is accepted unverified with a warning).
public struct RemoteFile: Sendable, Hashable {
  /// File name as stored locally (the publisher's name).
  public var fileName: String
  /// Download URLs, tried in order: the publisher's first, then mirrors.
  public var urls: [String]
  /// Lowercase hex SHA-256, or nil when unverified.
  public var sha256: String?
  /// Where the sum comes from.
  public var sumSource: String

  public init(fileName: String, urls: [String], sha256: String?, sumSource: String) {
    self.fileName = fileName
    self.urls = urls
    self.sha256 = sha256
    self.sumSource = sumSource
  }
}

/// How a registered dataset is stored on disk.
public enum DatasetFormat: Sendable, Hashable {
  /// IDX images + labels per split (MNIST family). `transposed`: EMNIST stores images column-major;
  /// `labelOffset` is added to stored labels (EMNIST letters store 1...26).
  case idx(train: (images: String, labels: String), test: (images: String, labels: String), labelOffset: Int, transposed: Bool)
  /// CIFAR-10 binary batch files per split.
  case cifar10(train: [String], test: [String])
  /// Generated from a seed; no files.
  case synthetic

  public static func == (a: DatasetFormat, b: DatasetFormat) -> Bool { a.localFiles == b.localFiles }
  public func hash(into hasher: inout Hasher) { hasher.combine(localFiles) }

  /// Every local file the dataset needs, train first.
  public var localFiles: [String] {
    switch self {
    case .idx(let train, let test, _, _): return [train.images, train.labels, test.images, test.labels]
    case .cifar10(let train, let test): return train + test
    case .synthetic: return []
    }
  }
}

/// How downloaded files become local files.
public enum Packaging: Sendable, Hashable {
  /// Each remote file is a local file.
  case plain
  /// The single remote file is a tar(.gz) archive holding the local files.
  case tar
  /// The single remote file is a zip archive holding the local files.
  case zip
}

/// A named dataset the project knows: where to get it, how to read it, its published statistics.
public struct DatasetInfo: Sendable, Hashable {
  public var name: String
  public var summary: String
  public var format: DatasetFormat
  public var packaging: Packaging
  public var downloads: [RemoteFile]
  /// Image shape (`C x H x W`).
  public var shape: ExampleShape
  public var classCount: Int
  /// Published scalar mean/std after scaling to [0, 1] (METHOD.md §6).
  public var normalization: Normalization
  /// Other folder names under a data root that may hold the files (besides `name`).
  public var folderAliases: [String]
  /// Cache folder shared with other datasets (both EMNIST variants use `emnist`), or nil.
  public var sharedCacheFolder: String? = nil

  /// Folder under the cache root that downloads go to.
  public var cacheFolderName: String { sharedCacheFolder ?? name }

  /// Whether the dataset is generated rather than read from files.
  public var isSynthetic: Bool { format == .synthetic }
}

/// The named datasets (METHOD.md §6) and how to load any dataset name, including `csv:PATH`.
public enum DatasetRegistry {
  /// Prefix of user CSV dataset names.
  public static let csvPrefix = "csv:"

  static let mnistFiles = DatasetFormat.idx(
    train: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    test: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"), labelOffset: 0, transposed: false)

  static func plainFiles(_ bases: [String], _ sums: [String?], source: String) -> [RemoteFile] {
    let names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    return zip(names, sums).map { name, sum in
      RemoteFile(fileName: name, urls: bases.map { $0 + name }, sha256: sum, sumSource: source)
    }
  }

  static func emnist(_ variant: String, classCount: Int, labelOffset: Int, summary: String) -> DatasetInfo {
    let prefix = "emnist-\(variant)-"
    return DatasetInfo(
      name: "emnist-\(variant)", summary: summary,
      format: .idx(
        train: (prefix + "train-images-idx3-ubyte.gz", prefix + "train-labels-idx1-ubyte.gz"),
        test: (prefix + "test-images-idx3-ubyte.gz", prefix + "test-labels-idx1-ubyte.gz"),
        labelOffset: labelOffset, transposed: true),
      packaging: .zip,
      downloads: [
        // UNVERIFIED: no SHA-256 published by NIST is known to us (torchvision lists only an MD5,
        // 58c8d27c78d21e728a6bc7b3cc06412e); fetch warns and skips verification.
        RemoteFile(
          fileName: "gzip.zip", urls: ["https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"], sha256: nil,
          sumSource: "unverified: no published SHA-256 known")
      ],
      shape: ExampleShape(channels: 1, height: 28, width: 28), classCount: classCount,
      normalization: Normalization(mean: 0.1739, std: 0.3319), folderAliases: ["emnist", "gzip"],
      sharedCacheFolder: "emnist")
  }

  /// Every registered dataset, in listing order.
  public static let all: [DatasetInfo] = [
    DatasetInfo(
      name: "mnist", summary: "MNIST handwritten digits, 60,000 + 10,000 28x28 grey, 10 classes", format: mnistFiles,
      packaging: .plain,
      downloads: plainFiles(
        ["https://yann.lecun.com/exdb/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/"],
        [
          "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
          "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
          "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
          "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        ], source: "SHA256 of the official release files"),
      shape: ExampleShape(channels: 1, height: 28, width: 28), classCount: 10,
      normalization: Normalization(mean: 0.1307, std: 0.3081), folderAliases: []),
    DatasetInfo(
      name: "fashion-mnist", summary: "Fashion-MNIST (Zalando), 60,000 + 10,000 28x28 grey, 10 classes",
      format: mnistFiles, packaging: .plain,
      downloads: plainFiles(
        ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        [
          "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
          "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
          "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
          "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        ], source: "SHA256 of the official release files"),
      shape: ExampleShape(channels: 1, height: 28, width: 28), classCount: 10,
      normalization: Normalization(mean: 0.1307, std: 0.3081), folderAliases: ["fashion_mnist", "FashionMNIST"]),
    DatasetInfo(
      name: "kmnist", summary: "Kuzushiji-MNIST (ROIS-CODH), 60,000 + 10,000 28x28 grey, 10 classes",
      format: mnistFiles, packaging: .plain,
      downloads: plainFiles(
        ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"],
        [
          "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4",
          "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17",
          "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5",
          "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c",
        ],
        // ROIS-CODH publishes MD5s only; these SHA-256s are the ones torchvision-ruby checks.
        source: "third party (torchvision-ruby); not checked against a download here"),
      shape: ExampleShape(channels: 1, height: 28, width: 28), classCount: 10,
      normalization: Normalization(mean: 0.1918, std: 0.3483), folderAliases: ["KMNIST"]),
    emnist("balanced", classCount: 47, labelOffset: 0, summary: "EMNIST balanced (NIST), 112,800 + 18,800 28x28, 47 classes"),
    emnist("letters", classCount: 26, labelOffset: -1, summary: "EMNIST letters (NIST), 124,800 + 20,800 28x28, 26 classes"),
    DatasetInfo(
      name: "cifar10", summary: "CIFAR-10 (Krizhevsky), 50,000 + 10,000 32x32 colour, 10 classes",
      format: .cifar10(train: (1...5).map { "data_batch_\($0).bin" }, test: ["test_batch.bin"]), packaging: .tar,
      downloads: [
        RemoteFile(
          fileName: "cifar-10-binary.tar.gz", urls: ["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"],
          sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
          // The publisher gives MD5 c32a1d4ab5d03f1284b67883e8d87530; this SHA-256 is torchvision-ruby's.
          sumSource: "third party (torchvision-ruby); not checked against a download here")
      ],
      shape: ExampleShape(channels: 3, height: 32, width: 32), classCount: 10,
      normalization: Normalization(mean: 0.4734, std: 0.2516), folderAliases: ["cifar-10-batches-bin", "cifar-10"]),
    DatasetInfo(
      name: "random", summary: "synthetic: 20 fixed N(0,1) 28x28 images, random labels over 10 classes",
      format: .synthetic, packaging: .plain, downloads: [], shape: ExampleShape(channels: 1, height: 28, width: 28),
      classCount: SyntheticTasks.randomClassCount, normalization: .identity, folderAliases: []),
    DatasetInfo(
      name: "sum", summary: "synthetic: 28x28 truncated-normal images, label = pixel sum >= 0, 2 classes",
      format: .synthetic, packaging: .plain, downloads: [], shape: ExampleShape(channels: 1, height: 28, width: 28),
      classCount: SyntheticTasks.sumClassCount, normalization: .identity, folderAliases: []),
  ] + SyntheticTasks.TableFamily.allCases.map { family in
    DatasetInfo(
      name: family.rawValue,
      summary: family == .clusters
        ? "synthetic table: Gaussian clusters (2 per class), mixed features; size from the task's table field"
        : "synthetic table: labels of a random tanh teacher network, mixed features; size from the task's table field",
      format: .synthetic, packaging: .plain, downloads: [], shape: .flat(GeneratedTable.default.features),
      classCount: GeneratedTable.default.classes, normalization: .identity, folderAliases: [])
  }

  /// Names of all registered datasets.
  public static var names: [String] { all.map(\.name) }

  /// The registered dataset called `name`.
  /// - Throws: `DataError.unknownDataset`.
  public static func info(_ name: String) throws -> DatasetInfo {
    guard let info = all.first(where: { $0.name == name }) else {
      throw DataError.unknownDataset(name: name, known: names)
    }
    return info
  }

  /// Splits a comma-separated list of dataset names (`fashion-mnist,mnist,csv:A.csv,B.csv`) where
  /// a `csv:TRAIN,TEST` pair keeps its comma: the item after a `csv:` item that has no test file
  /// yet is its test file unless it is a registered name or another `csv:` item.
  public static func splitList(_ text: String) -> [String] {
    var items: [String] = []
    for raw in text.split(separator: ",", omittingEmptySubsequences: true) {
      let item = raw.trimmingCharacters(in: .whitespaces)
      if item.isEmpty { continue }
      if let last = items.last, last.hasPrefix(csvPrefix), !last.contains(","),
         !item.hasPrefix(csvPrefix), !names.contains(item) {
        items[items.count - 1] = last + "," + item
      } else {
        items.append(item)
      }
    }
    return items
  }

  /// Loads one split of a dataset by name: a registered name or `csv:PATH[,TESTPATH]`.
  ///
  /// `validation` is the training split's seeded 10 % (`ValidationSplit`); loading it returns the
  /// full training split, which `EpisodeSampler` narrows to the validation indices.
  /// - Parameters:
  ///   - locator: where to look for files; files are not downloaded here (see `Downloader`).
  ///   - syntheticSeed: the task seed of the synthetic datasets.
  ///   - table: the size of a generated table (`clusters`, `teacher`); nil uses `GeneratedTable.default`.
  public static func load(
    _ name: String, split: DataSplit, locator: DataLocator, syntheticSeed: UInt64 = 0, table: GeneratedTable? = nil
  ) throws -> Dataset {
    let fileSplit: DataSplit = split == .test ? .test : .train
    // One copy per file split (and synthetic seed and size) for every task that names it.
    let key = "\(name)\u{0}\(fileSplit.rawValue)\u{0}\(syntheticSeed)\u{0}\(table.map { "\($0)" } ?? "")\u{0}\(locator.csvHeader)"
    return try locator.datasets.dataset(key) {
      try loadUncached(name, fileSplit: fileSplit, locator: locator, syntheticSeed: syntheticSeed, table: table)
    }
  }

  private static func loadUncached(
    _ name: String, fileSplit: DataSplit, locator: DataLocator, syntheticSeed: UInt64, table: GeneratedTable?
  ) throws -> Dataset {
    if name.hasPrefix(csvPrefix) {
      return try CSVReader.readDataset(
        spec: String(name.dropFirst(csvPrefix.count)), split: fileSplit, header: locator.csvHeader, warn: locator.warn)
    }
    let info = try info(name)
    switch info.format {
    case .synthetic:
      if let family = SyntheticTasks.TableFamily(rawValue: name) {
        let table = table ?? .default
        try table.validate(prefix: "table")
        return SyntheticTasks.table(family, table, seed: syntheticSeed, split: fileSplit)
      }
      return name == "random"
        ? SyntheticTasks.random(seed: syntheticSeed, split: fileSplit)
        : SyntheticTasks.sum(seed: syntheticSeed, split: fileSplit)
    case .idx(let train, let test, let labelOffset, let transposed):
      let files = fileSplit == .test ? test : train
      return try IDXReader.readDataset(
        name: name, split: fileSplit, imagesPath: try locator.locate(files.images, of: info),
        labelsPath: try locator.locate(files.labels, of: info), classCount: info.classCount,
        normalization: info.normalization, expectedSide: info.shape.height, labelOffset: labelOffset,
        transposed: transposed)
    case .cifar10(let train, let test):
      let paths = try (fileSplit == .test ? test : train).map { try locator.locate($0, of: info) }
      return try CIFAR10Reader.readDataset(name: name, split: fileSplit, paths: paths, normalization: info.normalization)
    }
  }
}

/// Where dataset files are looked for, in order: an explicit data directory (`--data-dir`, else
/// the `VSML_DATA_DIR` environment variable), then the cache (`$XDG_CACHE_HOME/vsml`, else
/// `~/.cache/vsml`). In each root a file may lie directly or in a folder named after the dataset
/// (or one of its aliases), e.g. `ROOT/mnist/train-images-idx3-ubyte.gz`.
public struct DataLocator: Sendable {
  /// Explicit data directory, searched first; nil if none.
  public var dataDirectory: String?
  /// Download cache, searched last and written by `Downloader`.
  public var cacheDirectory: String
  /// Whether the first row of `csv:` files is a header.
  public var csvHeader: CSVReader.HeaderRow = .detect
  /// Told of anything a load did that the user should know (a CSV row taken for a header).
  public var warn: (@Sendable (String) -> Void)?
  /// Datasets this locator (and its copies) already loaded, shared between tasks.
  public var datasets = DatasetCache()

  public init(dataDirectory: String?, cacheDirectory: String) {
    self.dataDirectory = dataDirectory
    self.cacheDirectory = cacheDirectory
  }

  /// The locator from the command line and environment: `dataDirectory` overrides `VSML_DATA_DIR`.
  public static func standard(
    dataDirectory: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> DataLocator {
    let dataDir = dataDirectory ?? environment["VSML_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 }
    let cache: String
    if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
      cache = FileIO.join(xdg, "vsml")
    } else {
      let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
      cache = FileIO.join(FileIO.join(home, ".cache"), "vsml")
    }
    return DataLocator(dataDirectory: dataDir, cacheDirectory: cache)
  }

  /// Roots in search order.
  public var roots: [String] { (dataDirectory.map { [$0] } ?? []) + [cacheDirectory] }

  /// Folders searched for `info`'s files, in order.
  public func searchFolders(for info: DatasetInfo) -> [String] {
    roots.flatMap { root in [root] + ([info.name] + info.folderAliases).map { FileIO.join(root, $0) } }
  }

  /// The folder downloads of `info` go to.
  public func cacheFolder(for info: DatasetInfo) -> String { FileIO.join(cacheDirectory, info.cacheFolderName) }

  /// The path of `file` for dataset `info`, or nil.
  public func find(_ file: String, of info: DatasetInfo) -> String? {
    searchFolders(for: info).map { FileIO.join($0, file) }.first(where: FileIO.isFile)
  }

  /// The path of `file` for dataset `info`.
  /// - Throws: `DataError.unreadable` when the explicit data directory is missing or not a
  ///   directory; `DataError.datasetNotFound` listing the places searched.
  public func locate(_ file: String, of info: DatasetInfo) throws -> String {
    if let found = find(file, of: info) { return found }
    if let dir = dataDirectory, !FileIO.isDirectory(dir) {
      throw DataError.unreadable(path: dir, reason: "data directory does not exist or is not a directory")
    }
    throw DataError.datasetNotFound(name: info.name, missingFile: file, searched: searchFolders(for: info))
  }

  /// For each of `info`'s local files, where it is (nil if absent).
  public func presence(of info: DatasetInfo) -> [(file: String, path: String?)] {
    info.format.localFiles.map { ($0, find($0, of: info)) }
  }
}
