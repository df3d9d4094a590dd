import VSML
import VSMLCore

/// Meta-parameters that OpenAI-ES scales together (`es.scaleGroups`). Each group is one search
/// coordinate φ_g: every entry j it lists becomes θ_j = θ₀_j · (1 + φ_g), so σ is the relative
/// size of a group's perturbation and signs and ratios within a group are kept. Entries no group
/// lists stay at their starting value. This searches a hand-wired learner's named gains (its
/// learning rate, say) in a handful of dimensions instead of every constant at once.
public struct ScaleGroup: Codable, Hashable, Sendable {
  /// What the group is, for people and error messages (for example "learning rate").
  public var name: String
  /// The entries the group scales.
  public var entries: [TensorEntries]

  public init(name: String, entries: [TensorEntries]) {
    self.name = name
    self.entries = entries
  }
}

/// Entries of one named tensor of a learner file (`vsml evaluate` and Python read the same names).
public struct TensorEntries: Codable, Hashable, Sendable {
  /// The tensor's name as in the learner's safetensors file.
  public var tensor: String
  /// Entries by position, one index per dimension (`[[25, 16]]` in a 32 x 64 tensor); nil: every entry.
  public var indices: [[Int]]?

  public init(tensor: String, indices: [[Int]]? = nil) {
    self.tensor = tensor
    self.indices = indices
  }
}

extension ScaleGroup {
  /// The noise scale and group of every coordinate for `groups` (`OpenAIES` `noiseScale` and
  /// `noiseGroup`): s_j = θ₀_j and the group's index for listed entries, s_j = 0 and -1 elsewhere.
  /// Throws a `ConfigurationError` naming the field when a tensor or index does not exist, an entry
  /// is listed twice, or a group starts at all zeros (it would scale nothing).
  /// - Parameters: `start` (length D) and `tensors` (ranges within 0..<D) of the model being trained.
  public static func searchBasis(_ groups: [ScaleGroup], start: [Float], tensors: [NamedTensor]) throws -> (scale: [Float], group: [Int]) {
    var scale = [Float](repeating: 0, count: start.count), group = [Int](repeating: -1, count: start.count)
    let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    for (g, entry) in groups.enumerated() {
      let field = "es.scaleGroups[\(g)]"
      for (e, part) in entry.entries.enumerated() {
        guard let tensor = byName[part.tensor] else {
          throw ConfigurationError(field: "\(field).entries[\(e)].tensor", message: "the model has no tensor '\(part.tensor)'; it has \(tensors.map(\.name).joined(separator: ", "))")
        }
        let strides = tensor.shape.indices.map { tensor.shape[($0 + 1)...].reduce(1, *) }
        let offsets: [Int]
        if let indices = part.indices {
          offsets = try indices.map { index in
            guard index.count == tensor.shape.count, zip(index, tensor.shape).allSatisfy({ (0..<$1).contains($0) }) else {
              throw ConfigurationError(field: "\(field).entries[\(e)].indices", message: "\(index) is not a position in '\(part.tensor)' of shape \(tensor.shape)")
            }
            return zip(index, strides).map { $0 * $1 }.reduce(0, +)
          }
        } else {
          offsets = Array(0..<tensor.range.count)
        }
        for offset in offsets {
          let j = tensor.range.lowerBound + offset
          guard group[j] == -1 else {
            throw ConfigurationError(field: "\(field).entries[\(e)]", message: "an entry of '\(part.tensor)' is already in group \(group[j]) ('\(groups[group[j]].name)'); list every entry once")
          }
          group[j] = g
          scale[j] = start[j]
        }
      }
      guard zip(group, scale).contains(where: { $0 == g && $1 != 0 }) else {
        throw ConfigurationError(field: field, message: "group '\(entry.name)' lists only entries that start at 0, so scaling would change nothing; remove it or list others")
      }
    }
    return (scale, group)
  }
}
