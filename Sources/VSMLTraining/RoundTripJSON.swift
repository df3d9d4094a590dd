import Foundation

/// JSON coders for files this package writes and reads back (checkpoints, experiment results):
/// non-finite floats travel as the strings "nan", "inf" and "-inf". Reports for people and other
/// tools use `ReportJSON` instead, which writes them as null.
enum RoundTripJSON {
  static func encoder(_ formatting: JSONEncoder.OutputFormatting = []) -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = formatting
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  static func decoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }
}
