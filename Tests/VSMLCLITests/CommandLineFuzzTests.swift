import ArgumentParser
import XCTest
@testable import vsml

/// The argument space, fuzzed in process: random command lines built from every subcommand, its
/// real option names and hostile values must parse and validate to a value or a thrown error,
/// never a trap. (What the commands then do with valid values is `OptionRangeTests`' job.)
final class CommandLineFuzzTests: XCTestCase {
  static let commands: [[String]] = [
    ["train"], ["evaluate"], ["bench"], ["demo"], ["clone"], ["plot"], ["info"],
    ["data", "list"], ["data", "fetch"], ["data", "verify"], ["data", "show"], ["data", "bench"],
  ]
  static let options = [
    "--threads", "--seed", "--iterations", "--log-every", "--episodes", "--steps", "--population", "--layers",
    "--batch-size", "--length", "--every", "--verify-episodes", "--verify-steps", "--smoothing", "--index",
    "--data-dir", "--out", "--resume", "--config", "--set", "--checkpoint", "--model", "--datasets", "--split",
    "--precision", "--json", "--peak", "--header", "--no-header", "--x", "--y", "--reference", "--help", "-h",
  ]
  static let values = [
    "", "-", "--", "0", "-0", "-1", "1", "2", "nan", "inf", "-inf", "1e309", "4.9e-324", "0x10", "1_000",
    "18446744073709551615", "18446744073709551616", "9223372036854775807", "-9223372036854775808",
    "784,10", "784,", ",10", ",", "0,0", "1,1,1,1,1,1,1,1,1", "a,b", "784,10,", "bf16", "fp32", "fp8",
    "mnist", "sum", "csv:", "csv:,", "csv:/dev/null", "fashion-mnist,mnist,sum", "/dev/zero", "/nonexistent/x",
    "es.pairs=1e12", "seed=-1", "=", "a=b=c", "model.hiddenSizes=[100000,100000]", "test", "validation",
    "sgd", "adam", "meta-rnn", "init", "builtin", String(repeating: "9", count: 400), "\u{1F600}", "é,1",
  ]

  func testRandomCommandLinesNeverTrap() {
    var state: UInt64 = 0x5EED_CAFE
    func next(_ n: Int) -> Int {
      // SplitMix64: a seeded stream, so a failure names a reproducible case.
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return Int((z ^ (z >> 31)) % UInt64(n))
    }
    var parsed = 0, refused = 0
    for _ in 0..<2_000 {
      var arguments = Self.commands[next(Self.commands.count)]
      for _ in 0..<next(6) {
        switch next(4) {
        case 0: arguments.append(Self.values[next(Self.values.count)])
        case 1: arguments.append(Self.options[next(Self.options.count)] + "=" + Self.values[next(Self.values.count)])
        default: arguments += [Self.options[next(Self.options.count)], Self.values[next(Self.values.count)]]
        }
      }
      do {
        _ = try VSMLCommand.parseAsRoot(arguments)
        parsed += 1
      } catch {
        // Every refusal must come with a message the user can read.
        XCTAssertFalse(VSMLCommand.message(for: error).isEmpty && VSMLCommand.exitCode(for: error) != .success, "\(arguments)")
        refused += 1
      }
    }
    XCTAssertGreaterThan(parsed, 100, "the fuzzer must reach valid command lines too")
    XCTAssertGreaterThan(refused, 100)
  }
}
