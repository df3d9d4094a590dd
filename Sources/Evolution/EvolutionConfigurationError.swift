/// A bad strategy setting: names the field, the value given and what is accepted.
public enum EvolutionConfigurationError: Error, Equatable, CustomStringConvertible {
  case invalid(field: String, value: String, expected: String)

  public var description: String {
    switch self {
    case let .invalid(field, value, expected):
      return "\(field) = \(value) is invalid: it must be \(expected); change it in the configuration."
    }
  }
}
