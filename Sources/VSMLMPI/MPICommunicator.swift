#if MPI
import CMPI
import Foundation
import VSMLCore

/// Open MPI's `MPI_COMM_WORLD` as a `Communicator`: the ranks that `mpirun` or `srun` started.
///
/// Only the thread that created it calls MPI (MPI_THREAD_FUNNELED); worker threads never do.
/// Errors of MPI calls are returned, not fatal, and thrown as `MPIError`; after one, the caller
/// should `abort`, because the other ranks may wait in a collective.
public final class MPICommunicator: Communicator, @unchecked Sendable {
  public let rank: Int
  public let size: Int
  private var finalized = false

  /// Initialises MPI (`MPI_Init_thread`, funneled) and joins `MPI_COMM_WORLD`.
  public init() throws(MPIError) {
    var provided: Int32 = 0
    try Self.check(MPI_Init_thread(nil, nil, vsml_mpi_thread_funneled(), &provided), "MPI_Init_thread")
    try Self.check(MPI_Comm_set_errhandler(vsml_mpi_comm_world(), vsml_mpi_errors_return()), "MPI_Comm_set_errhandler")
    var r: Int32 = 0, s: Int32 = 0
    try Self.check(MPI_Comm_rank(vsml_mpi_comm_world(), &r), "MPI_Comm_rank")
    try Self.check(MPI_Comm_size(vsml_mpi_comm_world(), &s), "MPI_Comm_size")
    rank = Int(r)
    size = Int(s)
  }

  public func allGather(_ local: [Double], counts: [Int]) throws -> [Double] {
    precondition(counts.count == size && local.count == counts[rank], "counts do not match this rank's values")
    return try allGatherV(local, counts: counts, type: vsml_mpi_double())
  }

  public func allGather(bytes local: [UInt8]) throws -> [[UInt8]] {
    var length = try Self.int32(local.count)
    var lengths = [Int32](repeating: 0, count: size)
    try Self.check(MPI_Allgather(&length, 1, vsml_mpi_int(), &lengths, 1, vsml_mpi_int(), vsml_mpi_comm_world()), "MPI_Allgather")
    let counts = lengths.map(Int.init)
    let out = try allGatherV(local, counts: counts, type: vsml_mpi_byte())
    var start = 0
    return counts.map { count in
      defer { start += count }
      return Array(out[start..<(start + count)])
    }
  }

  /// Every rank's `local` (rank r sends `counts[r]` elements of MPI type `type`), concatenated in
  /// rank order.
  private func allGatherV<Element: ExpressibleByIntegerLiteral>(_ local: [Element], counts: [Int], type: MPI_Datatype) throws -> [Element] {
    let counts32 = try counts.map(Self.int32)
    let displacements = try Self.displacements(counts)
    var out = [Element](repeating: 0, count: counts.reduce(0, +))
    try Self.check(
      local.withUnsafeBufferPointer { send in
        out.withUnsafeMutableBufferPointer { receive in
          MPI_Allgatherv(
            send.baseAddress, counts32[rank], type, receive.baseAddress, counts32, displacements, type, vsml_mpi_comm_world())
        }
      }, "MPI_Allgatherv")
    return out
  }

  public func barrier() throws { try Self.check(MPI_Barrier(vsml_mpi_comm_world()), "MPI_Barrier") }

  /// Ends MPI on this rank (every rank must call it, after its last collective).
  public func finalize() {
    guard !finalized else { return }
    finalized = true
    MPI_Finalize()
  }

  /// Stops every rank of the job with `code` (`MPI_Abort`): for an error on one rank while the
  /// others may be waiting in a collective.
  public func abort(code: Int32) -> Never {
    MPI_Abort(vsml_mpi_comm_world(), code)
    exit(code)  // MPI_Abort does not return; this satisfies the type checker
  }

  private static func int32(_ n: Int) throws(MPIError) -> Int32 {
    guard let v = Int32(exactly: n) else { throw MPIError(call: "size", message: "\(n) elements exceed MPI's 32-bit counts") }
    return v
  }

  private static func displacements(_ counts: [Int]) throws(MPIError) -> [Int32] {
    var offsets: [Int32] = []
    var total = 0
    for c in counts {
      offsets.append(try int32(total))
      total += c
    }
    _ = try int32(total)
    return offsets
  }

  private static func check(_ code: Int32, _ call: String) throws(MPIError) {
    guard code != vsml_mpi_success() else { return }
    var text = [CChar](repeating: 0, count: Int(vsml_mpi_max_error_string()) + 1)
    var length: Int32 = 0
    MPI_Error_string(code, &text, &length)
    throw MPIError(call: call, message: String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
  }
}

/// A failed MPI call.
public struct MPIError: Error, CustomStringConvertible {
  public var call: String
  public var message: String
  public var description: String { "\(call) failed: \(message) (another rank may have died)" }
}
#endif
