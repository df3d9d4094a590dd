import Foundation

/// Several online learners run side by side on one stream, their predictions mixed by how well
/// each has predicted so far (a Bayesian mixture with fixed share; Herbster & Warmuth's
/// "tracking the best expert").
///
/// Each member learns from its own error, exactly as it would alone: the committee changes no
/// member's dynamics, only what is predicted. At step t the prediction is
/// `p_t = sum_m w_m softmax(logits_m,t)`; after the label `y_t` is revealed each weight is
/// multiplied by its member's probability of `y_t`, the weights are normalised, and a fraction
/// `share` of the total is spread evenly over the members, so that a member that was behind early
/// can take over later. The committee's logits are `log p_t`.
///
/// Meta-parameters are the members' vectors concatenated in member order.
public struct CommitteeLearner: OnlineLearner {
  /// The members; all accept the same input size and class count.
  public var members: [any OnlineLearner]
  /// Fraction of the weight spread evenly over the members after each step, in [0, 1).
  public var share: Double

  /// Below this probability of the label a member's weight is floored, so that one confident
  /// miss cannot remove a member for good (its weight then recovers through `share`).
  static let probabilityFloor = 1e-30

  /// Fails when there are fewer than two members, their shapes differ, or `share` is outside [0, 1).
  public init(members: [any OnlineLearner], share: Double) throws {
    guard members.count >= 2 else { throw CommitteeError("needs at least two members; got \(members.count)") }
    guard let first = members.first, members.allSatisfy({ $0.inputSize == first.inputSize && $0.classCount == first.classCount }) else {
      throw CommitteeError("members must accept the same input size and class count")
    }
    guard share.isFinite, share >= 0, share < 1 else { throw CommitteeError("share must lie in [0, 1); got \(share)") }
    self.members = members
    self.share = share
  }

  public var parameterCount: Int { members.reduce(0) { $0 + $1.parameterCount } }
  public var inputSize: Int { members[0].inputSize }
  public var classCount: Int { members[0].classCount }
  public var stateFloatsPerEpisode: Int { members.reduce(0) { $0 + $1.stateFloatsPerEpisode } }
  /// Every member's predictions are recorded for the whole episode before they are mixed.
  public var extraBytesPerExample: Int {
    members.reduce(members.count * classCount * MemoryLayout<Float>.size) { $0 + $1.extraBytesPerExample }
  }

  /// The range of member `k`'s parameters in the flat vector.
  public func parameterRange(ofMember k: Int) -> Range<Int> {
    let start = members[..<k].reduce(0) { $0 + $1.parameterCount }
    return start..<(start + members[k].parameterCount)
  }

  public func initialParameters(using generator: inout SeededGenerator) -> [Float] {
    members.flatMap { $0.initialParameters(using: &generator) }
  }

  /// Each member's tensors, named `member<k>/<name>`.
  public var namedTensors: [NamedTensor] {
    members.indices.flatMap { k -> [NamedTensor] in
      let offset = parameterRange(ofMember: k).lowerBound
      return members[k].namedTensors.map {
        NamedTensor(name: "member\(k)/\($0.name)", shape: $0.shape, range: ($0.range.lowerBound + offset)..<($0.range.upperBound + offset))
      }
    }
  }

  /// The state seed of member `k`: member 0 keeps the committee's, so that it runs exactly as alone.
  package static func memberSeed(_ seed: UInt64, _ k: Int) -> UInt64 { seed &+ UInt64(k) &* 0x9E37_79B9_7F4A_7C15 }

  public func run(episode: Episode, parameters: UnsafeBufferPointer<Float>, stateSeed: UInt64, recordLogits: Bool) -> EpisodeResult {
    precondition(parameters.count == parameterCount, "expected \(parameterCount) parameters, got \(parameters.count)")
    let results = members.indices.map { k in
      members[k].run(
        episode: episode, parameters: UnsafeBufferPointer(rebasing: parameters[parameterRange(ofMember: k)]),
        stateSeed: Self.memberSeed(stateSeed, k), recordLogits: true)
    }
    let classes = classCount
    let steps = results.map { $0.logits.count / classes }.min() ?? 0
    var weights = [Double](repeating: 1 / Double(members.count), count: members.count)
    var memberProbabilities = [[Double]](repeating: [Double](repeating: 0, count: classes), count: members.count)
    var mixed = [Double](repeating: 0, count: classes)
    var losses: [Float] = [], correct: [Bool] = [], logits: [Float] = []
    losses.reserveCapacity(steps)
    correct.reserveCapacity(steps)
    if recordLogits { logits.reserveCapacity(steps * classes) }
    for t in 0..<steps {
      let label = Int(episode.labels[t])
      for k in members.indices { Self.softmax(results[k].logits[(t * classes)..<((t + 1) * classes)], into: &memberProbabilities[k]) }
      for c in 0..<classes { mixed[c] = members.indices.reduce(0) { $0 + weights[$1] * memberProbabilities[$1][c] } }
      var best = 0
      for c in 1..<max(classes, 1) where mixed[c] > mixed[best] { best = c }
      losses.append(Float(-_log(max(mixed[label], Self.probabilityFloor))))
      correct.append(best == label)
      if recordLogits { logits.append(contentsOf: mixed.map { Float(_log(max($0, Self.probabilityFloor))) }) }
      var total = 0.0
      for k in members.indices {
        weights[k] *= max(memberProbabilities[k][label], Self.probabilityFloor)
        total += weights[k]
      }
      for k in members.indices { weights[k] = (1 - share) * weights[k] / total + share / Double(members.count) }
    }
    return EpisodeResult(logits: logits, losses: losses, correct: correct)
  }

  /// Softmax of `logits` in double precision; non-finite logits give the uniform distribution
  /// (a member that diverged predicts nothing, and its weight falls).
  static func softmax(_ logits: ArraySlice<Float>, into probabilities: inout [Double]) {
    let n = probabilities.count
    guard logits.allSatisfy(\.isFinite) else {
      for c in 0..<n { probabilities[c] = 1 / Double(n) }
      return
    }
    let top = Double(logits.max() ?? 0)
    var sum = 0.0
    for (c, v) in zip(0..<n, logits) {
      probabilities[c] = _exp(Double(v) - top)
      sum += probabilities[c]
    }
    for c in 0..<n { probabilities[c] /= sum }
  }
}

/// Why a committee cannot be built.
public struct CommitteeError: Error, CustomStringConvertible, Equatable {
  public var description: String
  public init(_ description: String) { self.description = description }
}
