import Foundation
import XCTest
@testable import VSML

/// The reference values of `Tests/Golden/golden.json` (outputs of the authors' code; see its README).
struct GoldenCase {
  let name: String
  let configuration: VSMLConfiguration
  let parameters: [Float]
  let initialCells: [[Float]]
  let inputs: [[Float]]
  let labels: [Int]
  let expectedLogits: [[Double]]
  let expectedMeanLoss: Double
}

enum Golden {
  /// `Tests/Golden/golden.json` of this package.
  static var url: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Golden/golden.json")
  }

  static func cases(model: String = "vsml") throws -> [GoldenCase] {
    guard let data = FileManager.default.contents(atPath: url.path) else {
      XCTFail("reference values not found at \(url.path)")
      return []
    }
    let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    return (root["cases"] as! [[String: Any]]).filter { ($0["model"] as! String) == model }.map(parse)
  }

  static func floats(_ any: Any) -> [Float] { (any as! [NSNumber]).map { $0.floatValue } }

  static func parse(_ c: [String: Any]) -> GoldenCase {
    let config = c["config"] as! [String: Any]
    let sub = config["sub_rnn"] as! [String: Any]
    let net = config["vsml_rnn"] as! [String: Any]
    let configuration = VSMLConfiguration(
      layerSizes: (config["layer_sizes"] as! [NSNumber]).map(\.intValue),
      subRNN: SubRNNConfiguration(
        stateSize: (sub["slow_size"] as! NSNumber).intValue, messageSize: (sub["msg_size"] as! NSNumber).intValue,
        layerNorm: sub["layer_norm"] as! Bool, initialRandomProportion: (sub["init_rand_proportion"] as! NSNumber).doubleValue),
      microTicks: (net["num_micro_ticks"] as! NSNumber).intValue,
      tanhBound: (net["tanh_bound"] as! NSNumber).floatValue,
      outputIndex: (net["output_idx"] as! NSNumber).intValue,
      backwardPass: net["backward_pass"] as! Bool,
      separateBackwardRNN: net["separate_backward_rnn"] as! Bool,
      feedLabel: net["feed_label"] as! Bool,
      layerwiseRNNs: net["layerwise_rnns"] as! Bool)
    let layout = VSMLParameterLayout(configuration)
    let params = c["params"] as! [String: [String: Any]]
    var flat = [Float](repeating: .nan, count: layout.count)
    precondition(params.count == layout.namedTensors.count, "tensor count differs in \(c["name"]!)")
    for t in layout.namedTensors {
      let p = params[t.name]!
      precondition((p["shape"] as! [NSNumber]).map(\.intValue) == t.shape, "shape of \(t.name)")
      flat.replaceSubrange(t.range, with: floats(p["values"]!))
    }
    return GoldenCase(
      name: c["name"] as! String, configuration: configuration, parameters: flat,
      initialCells: (c["initial_cell"] as! [[String: Any]]).map { floats($0["values"]!) },
      inputs: (c["inputs"] as! [[NSNumber]]).map { $0.map(\.floatValue) },
      labels: (c["labels"] as! [NSNumber]).map(\.intValue),
      expectedLogits: (c["expected_logits"] as! [[NSNumber]]).map { $0.map(\.doubleValue) },
      expectedMeanLoss: (c["expected_mean_loss"] as! NSNumber).doubleValue)
  }
}

/// Largest |a - b| / max(|b|, floor) over all entries; `floor` keeps near-zero logits from
/// inflating the ratio (an absolute tolerance there).
func maxRelativeError(_ a: [[Double]], _ b: [[Double]], floor: Double = 1e-3) -> Double {
  var worst = 0.0
  for (ra, rb) in zip(a, b) {
    precondition(ra.count == rb.count)
    for (x, y) in zip(ra, rb) { worst = max(worst, abs(x - y) / max(abs(y), floor)) }
  }
  return worst
}
