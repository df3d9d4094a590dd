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
      DemoCommand.self, PlotCommand.self, CloneCommand.self, CommitteeCommand.self, ExperimentCommand.self,
    ])

  /// Refuses a `VSML_KERNEL` that names no path or one this machine cannot run, before any work;
  /// joins the MPI job when started as a rank (MPI-enabled build), then runs the command.
  static func main() {
    Console.prepare()
    do {
      _ = try KernelPath.fromEnvironment(ProcessInfo.processInfo.environment)
      try Ranks.start()
    } catch {
      exit(withError: error)
    }
    var command: any ParsableCommand
    do {
      command = try parseAsRoot()
    } catch {
      // Parsing is the same on every rank, so every rank stops here together.
      if Ranks.communicator.isLeader { exit(withError: error) }
      Foundation.exit(exitCode(for: error).rawValue)
    }
    do {
      if Ranks.communicator.size > 1 && !(command is any RankAwareCommand) {
        throw CLIError("`vsml \(type(of: command).configuration.commandName ?? "")` runs in one process; under mpirun only train and evaluate run; start it without mpirun")
      }
      try command.run()
    } catch {
      Ranks.exit(withError: error)
    }
    // Output that was asked for and lost (a closed or broken standard output) fails the command.
    Console.exitIfOutputLost()
  }
}

/// A command that runs correctly as one of several MPI ranks (work split, rank 0 prints).
protocol RankAwareCommand: ParsableCommand {}
