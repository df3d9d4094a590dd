import ArgumentParser
import Foundation
import VSMLCore
#if MPI
import VSMLMPI
#endif

/// The processes of this invocation: the MPI ranks when the MPI-enabled build was started by
/// `mpirun` or `srun`, else this process alone. Set once in `VSMLCommand.main` before any command
/// runs; commands read it.
enum Ranks {
  nonisolated(unsafe) private(set) static var communicator: any Communicator = SingleProcess()

  /// Joins the MPI job when launched as a rank; otherwise stays one process.
  static func start() throws {
    let launch = MPILaunch(environment: ProcessInfo.processInfo.environment)
    #if MPI
    if launch.launched {
      let world = try MPICommunicator()
      communicator = world
      atexit { (Ranks.communicator as? MPICommunicator)?.finalize() }
    }
    #else
    if launch.launched && (launch.size ?? 1) > 1 {
      throw CLIError(
        "this vsml was built without MPI, but a launcher started it as one of several ranks; "
          + "build the MPI-enabled vsml with `swift build -c release --traits MPI` (docs/CLUSTER.md)")
    }
    #endif
  }

  /// Ends this invocation after `error`. An error that every rank reached together (the ranks
  /// disagreed at start-up) ends each rank normally, printed by rank 0; any other error on one
  /// rank of several aborts the whole job, since the others may wait in a collective.
  static func exit(withError error: any Error) -> Never {
    let ranks = communicator
    if ranks.size > 1 {
      if let agreement = error as? RankAgreementError {
        if case .leaderFailed(let own) = agreement { VSMLCommand.exit(withError: own) }
        if ranks.isLeader { VSMLCommand.exit(withError: error) }
        Foundation.exit(1)
      }
      Console.error("vsml rank \(ranks.rank): error: \(VSMLCommand.message(for: error))\n")
      #if MPI
      (ranks as? MPICommunicator)?.abort(code: 1)
      #endif
    }
    VSMLCommand.exit(withError: error)
  }
}
