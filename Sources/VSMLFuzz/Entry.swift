import Foundation

/// `vsml-fuzz`'s entry point. In a normal build, `VSMLFuzz TARGET FILE_OR_FOLDER...` feeds each
/// file (or every file of a folder) to the target once, to replay a corpus or crashers as
/// regression tests. Built with `-sanitize=fuzzer -DFUZZING` it runs libFuzzer on the target named
/// by VSML_FUZZ_TARGET, passing libFuzzer its own arguments.
#if !FUZZING
@main
struct FuzzEntry {
  static func main() {
    let arguments = CommandLine.arguments.dropFirst()
    guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
      print("usage: VSMLFuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE_OR_FOLDER...")
      exit(2)
    }
    var count = 0
    for path in arguments.dropFirst() {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
      let files = isDirectory.boolValue
        ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 } : [path]
      for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { continue }
        target.run(Array(data))
        count += 1
      }
    }
    print("\(target.rawValue): \(count) inputs, no crash")
  }
}

#endif

#if FUZZING
/// The target libFuzzer's callbacks feed, from VSML_FUZZ_TARGET.
nonisolated(unsafe) private var selected: FuzzTarget = .idx

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutableRawPointer) -> Int32 {
  guard let target = FuzzTarget(rawValue: ProcessInfo.processInfo.environment["VSML_FUZZ_TARGET"] ?? "") else {
    FileHandle.standardError.write(Data("set VSML_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue))\n".utf8))
    exit(2)
  }
  selected = target
  return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  selected.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
  return 0
}
#endif
