import Foundation

/// Why the ranks of a run did not agree to start.
public enum RankAgreementError: Error, CustomStringConvertible {
  /// `rank` could not set up its part of the run.
  case failed(rank: Int, message: String)
  /// `rank` would compute something else than rank 0: `field` differs.
  case differs(rank: Int, field: String, leader: String, other: String)
  /// Rank 0's own set-up error, as rank 0 sees it (the other ranks see `failed(rank: 0, ...)`).
  case leaderFailed(any Error)

  public var description: String {
    switch self {
    case .failed(let rank, let message):
      return "rank \(rank) could not start: \(message)"
    case .differs(let rank, let field, let leader, let other):
      return "rank \(rank) differs from rank 0 in \(field): rank 0 has \(leader), rank \(rank) has \(other). "
        + "Every rank must see the same configuration, data and kernel path: check the files on rank \(rank)'s node "
        + "(and VSML_KERNEL)."
    case .leaderFailed(let error):
      return "\(error)"
    }
  }
}

extension Communicator {
  /// Exchanges every rank's description of the work it is about to do, or its set-up error, and
  /// returns what this rank set up, or throws on every rank unless all ranks set up without error
  /// and describe the same work.
  ///
  /// Call it on every rank, at the same point, before any other collective of the run. With one
  /// rank nothing is described (no data is hashed) and a set-up error is rethrown unchanged. With
  /// several, every rank throws a
  /// `RankAgreementError`: the first failing rank's error (rank 0's own error wrapped unchanged on
  /// rank 0) or the first difference from rank 0, so that all ranks stop together and none trains
  /// on different data.
  /// - Parameters:
  ///   - prepared: what this rank set up, or why it could not.
  ///   - describe: field name to description of `prepared`; descriptions should carry content
  ///     hashes (`ContentHash`) so that different data is told apart, not only different names.
  public func agree<Prepared>(
    _ prepared: Result<Prepared, any Error>, describedBy describe: (Prepared) throws -> [String: String]
  ) throws -> Prepared {
    guard size > 1 else { return try prepared.get() }
    let fingerprint = prepared.flatMap { value in Result { try describe(value) } }
    let local: [String: String]
    switch fingerprint {
    case .success(let fields): local = fields
    case .failure(let error): local = [Self.errorField: "\(error)"]
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let all = try allGather(bytes: Array(try encoder.encode(local))).map { bytes in
      (try? JSONDecoder().decode([String: String].self, from: Data(bytes))) ?? [Self.errorField: "sent an unreadable description"]
    }
    if case .failure(let error) = fingerprint, rank == 0 { throw RankAgreementError.leaderFailed(error) }
    for (r, fields) in all.enumerated() {
      if let message = fields[Self.errorField] { throw RankAgreementError.failed(rank: r, message: message) }
    }
    let leader = all[0]
    for (r, fields) in all.enumerated().dropFirst() {
      for key in Set(leader.keys).union(fields.keys).sorted() where leader[key] != fields[key] {
        throw RankAgreementError.differs(rank: r, field: key, leader: leader[key] ?? "nothing", other: fields[key] ?? "nothing")
      }
    }
    return try prepared.get()
  }

  private static var errorField: String { "error" }
}
