/// A stop request that long loops poll: every learner checks it before each example of an
/// episode, so a run stops within about one example's work rather than at the end of an
/// iteration. A cancelled episode ends early; its result is incomplete and must be discarded.
public struct Cancellation: Sendable {
  private let poll: @Sendable () -> Bool

  /// A request that `isRequested` reports; it must be cheap and safe to call from any thread.
  public init(_ isRequested: @escaping @Sendable () -> Bool) { poll = isRequested }

  /// Never requested.
  public static let never = Cancellation { false }

  public var isRequested: Bool { poll() }
}

/// Thrown by collective work (an ES iteration, a meta-test) that a stop request cut short, on every
/// rank at once; nothing of the unfinished work was applied.
public struct CancellationError: Error, CustomStringConvertible {
  public init() {}
  public var description: String { "stopped on request before the work finished" }
}
