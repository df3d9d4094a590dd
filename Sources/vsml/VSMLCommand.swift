import ArgumentParser

@main
struct VSMLCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vsml",
    abstract: "Meta-learn learning algorithms with Variable Shared Meta Learning (VSML).",
    subcommands: [
      InfoCommand.self, BenchCommand.self, DataCommand.self, TrainCommand.self, EvaluateCommand.self,
      DemoCommand.self, PlotCommand.self, CloneCommand.self,
    ])
}
