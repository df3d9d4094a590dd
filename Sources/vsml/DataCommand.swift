import ArgumentParser
import Foundation
import VSMLData

/// `vsml data`: list, fetch, verify and look at datasets (docs/DATA.md).
struct DataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "data",
    abstract: "List, download, verify and display datasets.",
    subcommands: [List.self, Fetch.self, Verify.self, Show.self, Bench.self])

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List known datasets and where each is present.")
    @OptionGroup var location: DataOptions

    func run() throws {
      let locator = location.locator
      print("search order: \(locator.roots.joined(separator: ", "))")
      for info in DatasetRegistry.all {
        let place: String
        if info.isSynthetic {
          place = "generated"
        } else {
          let presence = locator.presence(of: info)
          let found = presence.compactMap(\.path)
          if found.count == presence.count {
            place = "present: " + Set(found.map { ($0 as NSString).deletingLastPathComponent }).sorted().joined(separator: ", ")
          } else if found.isEmpty {
            place = "not present"
          } else {
            place = "incomplete (\(found.count) of \(presence.count) files)"
          }
        }
        print("\(info.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(place)\n    \(info.summary)")
      }
      print("csv:PATH[,TESTPATH]  your own data: one row per example, label first")
    }
  }

  struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Download datasets into the cache and verify them.")
    @OptionGroup var location: DataOptions
    @Argument(help: "Dataset names (\(DatasetRegistry.names.joined(separator: ", "))).")
    var names: [String]

    func validate() throws {
      guard !names.isEmpty else { throw ValidationError("name at least one dataset to fetch") }
    }

    func run() throws {
      let downloader = Downloader(locator: location.locator, log: { message in
        Console.error(message + "\n")
      })
      for name in names {
        let info = try DatasetRegistry.info(name)
        if info.isSynthetic {
          print("\(name): generated from a seed; nothing to fetch")
          continue
        }
        let paths = try downloader.fetch(info)
        let folders = Set(paths.map { ($0 as NSString).deletingLastPathComponent }).sorted().joined(separator: ", ")
        // Files that were already present were not downloaded, so nothing has checked them yet.
        let result = DatasetVerifier.verify(info, locator: location.locator)
        guard result.status == .intact else {
          for message in result.messages { print("  \(message)") }
          throw CLIError("\(name): the files in \(folders) failed verification (\(result.status.rawValue)); delete them and fetch again")
        }
        print("\(name): \(paths.count) files present and verified in \(folders)")
      }
    }
  }

  struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check datasets' checksums and decode them; exits non-zero if any fails.",
      discussion: "Without names, checks every dataset that is at least partly present.")
    @OptionGroup var location: DataOptions
    @Argument(help: "Dataset names; default: every present dataset.")
    var names: [String] = []

    func run() throws {
      let locator = location.locator
      if let csv = names.first(where: { $0.hasPrefix("csv:") }) {
        throw CLIError("\(csv): your own CSV files have no registered checksums to verify; `vsml data show \(csv)` decodes one example")
      }
      let infos = try names.map { try DatasetRegistry.info($0) }
      let all = names.isEmpty
      var failures = 0
      var checked = 0
      for info in infos.isEmpty ? DatasetRegistry.all.filter({ !$0.isSynthetic }) : infos {
        let result = DatasetVerifier.verify(info, locator: locator)
        if all && result.status == .absent { continue }
        checked += 1
        print("\(info.name): \(result.status == .absent ? "ABSENT" : result.status.rawValue.uppercased())")
        for message in result.messages { print("  \(message)") }
        if result.status != .intact { failures += 1 }
      }
      if all && checked == 0 { print("no dataset present in \(locator.roots.joined(separator: ", "))") }
      if failures > 0 {
        print("\(failures) dataset(s) failed verification")
        throw ExitCode.failure
      }
    }
  }

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print one example as Unicode shades, with its label.")
    @OptionGroup var location: DataOptions
    @Argument(help: "Dataset name or csv:PATH.")
    var name: String
    @Option(help: "Split: train, validation or test.")
    var split: DataSplit = .train
    @Option(help: "Example index within the split: test is the test file; validation the held-out 10 % of the training file; train the rest of it.")
    var index: Int = 0
    @Option(help: "Seed of synthetic datasets.")
    var seed: UInt64 = 0

    func run() throws {
      let data = try DatasetRegistry.load(name, split: split, locator: location.locator, syntheticSeed: seed)
      // The file holds the train and validation parts together; the split's rows, as training sees them.
      let rows = ValidationSplit.indices(count: data.count, part: split)
      guard index >= 0 && index < rows.count else {
        throw ValidationError("--index must be in 0..<\(rows.count) for \(name) \(split.rawValue)")
      }
      let row = Int(rows[index])
      let file = split == .test ? "" : " (row \(row) of the \(data.count)-row training file)"
      print("\(name) \(split.rawValue) #\(index) of \(rows.count)\(file): label \(data.label(at: row)) (of \(data.classCount) classes), shape \(data.shape)")
      let values = data.displayValues(of: row)
      guard data.kind == .image else {
        print(data.features(of: row).map { String(format: "%.3f", $0) }.joined(separator: " "))
        return
      }
      print(ShadeRenderer.render(values, shape: data.shape))
    }
  }
}

extension DataSplit: ExpressibleByArgument {}

/// Draws an image (values in [0, 1], `C x H x W`, channels averaged) with five shade characters,
/// two per pixel so that the aspect ratio looks right in a terminal.
enum ShadeRenderer {
  static let shades: [Character] = [" ", "░", "▒", "▓", "█"]

  static func render(_ values: [Float], shape: ExampleShape) -> String {
    let plane = shape.height * shape.width
    var lines: [String] = []
    for r in 0..<shape.height {
      var line = ""
      for c in 0..<shape.width {
        var v: Float = 0
        for ch in 0..<shape.channels { v += values[ch * plane + r * shape.width + c] }
        v /= Float(shape.channels)
        let level = min(shades.count - 1, max(0, Int((v * Float(shades.count)).rounded(.down))))
        line.append(shades[level]); line.append(shades[level])
      }
      lines.append(line)
    }
    return lines.joined(separator: "\n")
  }
}

extension DataCommand {
  /// `vsml data bench`: times decoding MNIST train and building one episode (docs/DATA.md).
  struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Time MNIST train decoding and episode building (use a release build).", shouldDisplay: false)
    @OptionGroup var location: DataOptions
    @Option(help: "Episode length.") var length: Int = 500

    func validate() throws { try requireOption(length, in: OptionLimits.steps, "length") }

    func run() throws {
      let locator = location.locator
      let start = Date()
      let train = try DatasetRegistry.load("mnist", split: .train, locator: locator)
      let decode = Date().timeIntervalSince(start)
      print(String(format: "decode mnist train (%ld x %@ from gzip): %.3f s", train.count, train.shape.description, decode))
      let task = try PreparedTask(spec: TaskSpec(dataset: "mnist"), dataset: train, split: .train)
      let sampler = try EpisodeSampler(tasks: [task], split: .train, length: length, seed: 0)
      _ = sampler.episode(0)
      let repeats = 20
      let t0 = Date()
      for e in 1...repeats { _ = sampler.episode(e) }
      let perEpisode = Date().timeIntervalSince(t0) / Double(repeats)
      print(String(format: "episode of %ld x %ld: %.3f ms", length, sampler.inputSize, perEpisode * 1000))
      let projected = try EpisodeSampler(
        tasks: [try PreparedTask(spec: TaskSpec(dataset: "mnist", transforms: [.project(seed: 1)]), dataset: train, split: .train)],
        split: .train, length: length, seed: 0)
      let t1 = Date()
      _ = projected.episode(0)
      print(String(format: "episode of %ld x %ld with a 784x784 projection: %.3f ms", length, projected.inputSize, Date().timeIntervalSince(t1) * 1000))
    }
  }
}
