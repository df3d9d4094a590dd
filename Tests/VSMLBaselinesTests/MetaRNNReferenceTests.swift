import VSMLBaselines
import VSMLCore
import XCTest

/// The Meta RNN's fast path (packed panels of 128 and 16 columns, scalar tails, example-level
/// input reuse) against a plain Double-precision transcription of its definition, at sizes that
/// exercise every panel kind.
final class MetaRNNReferenceTests: XCTestCase {
  func testFastPathMatchesDoubleReference() throws {
    let inputs = 37, classes = 5, units = 40, ticks = 2
    let learner = try MetaRNN(.init(inputSize: inputs, classCount: classes, hiddenSize: units, microTicks: ticks))
    var generator = SeededGenerator(seed: 12)
    var parameters = learner.initialParameters(using: &generator)
    for k in parameters.indices { parameters[k] += 0.1 * generator.nextNormal() }  // non-zero biases
    let episode = randomEpisode(length: 25, inputSize: inputs, classCount: classes, seed: 13)
    let result = learner.run(episode: episode, parameters: parameters, stateSeed: 0, recordLogits: true)

    let p = parameters.map(Double.init)
    let layout = learner.parameterLayout
    let rows = inputs + 2 * classes + units, gates = 4 * units
    func sigmoid(_ x: Double) -> Double { 1 / (1 + _exp(-x)) }
    var h = [Double](repeating: 0, count: units), c = h
    var error = [Double](repeating: 0, count: classes), label = error
    var expected: [Float] = []
    for t in 0..<episode.length {
      let x = (0..<inputs).map { Double(episode.inputs[t * inputs + $0]) }
      for _ in 0..<ticks {
        let u = x + error + label + h
        var z = (0..<gates).map { p[layout[1].offset + $0] }
        for r in 0..<rows {
          for j in 0..<gates { z[j] += u[r] * p[layout[0].offset + r * gates + j] }
        }
        for j in 0..<units {
          c[j] = sigmoid(z[2 * units + j] + 1) * c[j] + sigmoid(z[j]) * _tanh(z[units + j])
          h[j] = sigmoid(z[3 * units + j]) * _tanh(c[j])
        }
      }
      var y = (0..<classes).map { p[layout[3].offset + $0] }
      for r in 0..<units {
        for k in 0..<classes { y[k] += h[r] * p[layout[2].offset + r * classes + k] }
      }
      y = y.map { 100 * _tanh($0 / 100) }
      expected += y.map(Float.init)
      let m = y.max()!
      let e = y.map { _exp($0 - m) }
      let s = e.reduce(0, +)
      let yt = Int(episode.labels[t])
      error = e.map { $0 / s }
      error[yt] -= 1
      label = [Double](repeating: 0, count: classes)
      label[yt] = 1
    }
    assertClose(result.logits, expected, relative: 1e-4, absolute: 1e-5, "Meta RNN logits")
  }
}
