import VSML
import VSMLCore

extension LearnedParameters {
  /// A committee (`CommitteeLearner`) of learned VSML learners: their models as members, their
  /// parameters concatenated in order. Fails when there are fewer than two, a member is not a
  /// VSML learner (a baseline's parameters depend on the data's shape), or `share` is outside [0, 1).
  public static func committee(of members: [LearnedParameters], share: Double) throws -> LearnedParameters {
    var model = ModelConfiguration()
    model.kind = .committee
    model.members = members.map(\.model)
    model.share = share
    for (k, member) in members.enumerated() where member.model.kind != .vsml {
      throw ConfigurationError(
        field: "model.members[\(k)]",
        message: "is a \(member.model.kind.rawValue) learner; a committee file holds VSML members only")
    }
    try model.validateCommittee()
    return LearnedParameters(model: model, parameters: members.flatMap(\.parameters))
  }
}
