import ArgumentParser
import Foundation
import VSML

@main
struct VSMLCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vsml",
    abstract: "Meta-learn learning algorithms with Variable Shared Meta Learning (VSML).",
    subcommands: [
      InfoCommand.self, BenchCommand.self, DataCommand.self, TrainCommand.self, EvaluateCommand.self,
      DemoCommand.self, PlotCommand.self, CloneCommand.self,
    ])

  /// Refuses a `VSML_KERNEL` that names no path or one this machine cannot run, before any work.
  static func main() {
    do {
      _ = try KernelPath.fromEnvironment(ProcessInfo.processInfo.environment)
    } catch {
      exit(withError: error)
    }
    main(nil)
  }
}
