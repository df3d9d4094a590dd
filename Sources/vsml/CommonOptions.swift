import ArgumentParser
import Foundation
import VSML
import VSMLCore
import VSMLData

/// A comma-separated list of layer sizes, e.g. `784,10` or `784,32,10`.
struct LayerSizes: ExpressibleByArgument, CustomStringConvertible {
  var sizes: [Int]

  init?(argument: String) {
    let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
    let values = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count >= 2, values.allSatisfy({ OptionLimits.layerSize.contains($0 ?? 0) }) else { return nil }
    sizes = values.map { $0! }
  }

  init(_ sizes: [Int]) { self.sizes = sizes }

  var description: String { sizes.map(String.init).joined(separator: ",") }
  var defaultValueDescription: String { description }
  static var defaultCompletionKind: CompletionKind { .default }
}

extension Precision: ExpressibleByArgument {}

/// The arithmetic option shared by the commands that run VSML: `--precision fp32|bf16`.
struct PrecisionOptions: ParsableArguments {
  @Option(help: "Arithmetic of VSML's recurrent product: fp32 (exact, the default) or bf16 (faster, opt-in; needs AVX512-BF16).")
  var precision: Precision = .fp32

  func validate() throws { try Self.validate(precision) }

  /// Refuses `--precision` values this machine cannot run, naming the option.
  static func validate(_ precision: Precision) throws {
    do { try precision.checkAvailable() } catch { throw ValidationError("--precision \(precision): \(error)") }
  }
}

/// Options shared by commands that compute: threads and seed.
struct ComputeOptions: ParsableArguments {
  @Option(help: "Worker threads (default: all cores).")
  var threads: Int = availableCores

  @Option(help: "Seed of every random draw.")
  var seed: UInt64 = 0

  func validate() throws {
    try requireOption(threads, in: OptionLimits.threads, "threads")
  }
}

/// Options shared by commands that read datasets: where they are, and how to read `csv:` files.
struct DataOptions: ParsableArguments {
  @Option(help: "Folder holding dataset files, searched before the cache (default: $VSML_DATA_DIR).")
  var dataDir: String?

  @Flag(inversion: .prefixedNo, help: "Whether the first row of csv: files is a header (default: a row of names is, with a warning).")
  var header: Bool?

  /// Refuses a `--data-dir` that is not a folder (a typo, or a file such as /dev/null): it would
  /// otherwise be searched and silently found empty.
  func validate() throws {
    guard let dataDir else { return }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dataDir, isDirectory: &isDirectory) else {
      throw ValidationError("--data-dir \(dataDir) does not exist; name the folder that holds the dataset files")
    }
    guard isDirectory.boolValue else {
      throw ValidationError("--data-dir \(dataDir) is not a folder; name the folder that holds the dataset files")
    }
  }

  /// The locator these options describe; warnings go to standard error.
  var locator: DataLocator {
    var locator = DataLocator.standard(dataDirectory: dataDir)
    locator.csvHeader = header.map { $0 ? .present : .absent } ?? .detect
    locator.warn = { Console.error("warning: \($0)\n") }
    return locator
  }
}

/// Prints one JSON object with sorted keys (machine-readable output of `--json`); non-finite
/// numbers print as null and are counted in `non_finite` (`ReportJSON`).
func printJSON(_ object: [String: Any]) throws {
  print(String(decoding: try ReportJSON.encode(object), as: UTF8.self))
}
