import Foundation
import XCTest
import VSMLCore
@testable import VSMLTraining

/// A learner file describes the model it belongs to, so a hand-edited or hostile description must
/// be refused by name before anything large is built or allocated: the same limits as a training
/// configuration, recorded data sizes in range, and no more parameters than the file holds.
final class LearnedParametersLimitsTests: XCTestCase {
  private func read(model: String, metadata: [String: String] = [:], values: Int = 10) -> Error? {
    let file = SafetensorsFile(tensors: ["x": FloatTensor(shape: [values], values: [Float](repeating: 0, count: values))],
                               metadata: metadata.merging([LearnedParameters.modelKey: model]) { $1 })
    do {
      _ = try LearnedParameters(safetensors: file, source: "hostile.safetensors")
      return nil
    } catch { return error }
  }

  private func assertRefused(_ model: String, metadata: [String: String] = [:], naming field: String, line: UInt = #line) {
    let error = read(model: model, metadata: metadata)
    XCTAssertNotNil(error, "accepted \(model) \(metadata)", line: line)
    let text = "\(error.map { "\($0)" } ?? "")"
    XCTAssertTrue(text.contains("hostile.safetensors") && text.contains(field), text, line: line)
  }

  func testDescriptionsBeyondTheLimitsAreRefusedByName() {
    assertRefused(#"{"kind": "vsml", "microTicks": 1000000000}"#, naming: "model.microTicks")
    assertRefused(#"{"kind": "vsml", "hiddenSizes": [100000000]}"#, naming: "model.hiddenSizes")
    assertRefused(#"{"kind": "vsml", "hiddenSizes": [\#(Array(repeating: "8", count: 65).joined(separator: ","))]}"#,
                  naming: "number of layers")
    assertRefused(#"{"kind": "vsml", "separateBackwardRNN": true}"#, naming: "model.backwardPass")
    assertRefused(#"{"kind": "meta-rnn", "initialGateBias": [0, 0, 0, 0]}"#, naming: "model.initialGateBias")
    assertRefused(#"{"kind": "committee", "members": [{}, {"microTicks": 0}]}"#, naming: "model.members[1].microTicks")
  }

  func testRecordedDataSizesMustBeInRange() {
    for bad in ["0", "-5", "abc", "100000000000"] {
      assertRefused(#"{"kind": "vsml"}"#, metadata: ["vsml.input_size": bad], naming: "vsml.input_size")
      assertRefused(#"{"kind": "vsml"}"#, metadata: ["vsml.class_count": bad], naming: "vsml.class_count")
    }
  }

  func testAFileMustHoldEveryParameterItDescribes() {
    // A Meta RNN for 2^20 inputs and classes would have billions of parameters: refused from the
    // count, before the vector is allocated. (The Hebbian baseline's few parameters do not grow.)
    let huge = String(1 << 20)
    for kind in ["meta-rnn", "fw-memory", "fwp"] {
      assertRefused(#"{"kind": "\#(kind)"}"#, metadata: ["vsml.input_size": huge, "vsml.class_count": huge], naming: "but holds 10")
    }
    assertRefused(#"{"kind": "committee", "members": [{}, {}]}"#, naming: "but holds 10")
    // A description the file does hold gets as far as its tensor names.
    let error = read(model: #"{"kind": "vsml"}"#, values: 4000)
    XCTAssertTrue("\(error.map { "\($0)" } ?? "")".contains("lacks tensor"), "\(String(describing: error))")
  }
}
