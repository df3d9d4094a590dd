import Testing
import VSML
import VSMLCore
@testable import VSMLTraining

/// Backprop cloning, stage (a): the reverse pass, the loss going down, and the implied weight update.
@Suite struct CloningTests {
  static let layout = SubRNNParameterLayout(SubRNNConfiguration())

  /// Small random parameters (std 0.3) so every gate is in its sensitive range.
  static func randomParameters(seed: UInt64) -> [Double] {
    var g = SeededGenerator(seed: seed)
    return (0..<layout.count).map { _ in 0.3 * g.nextNormalDouble() }
  }

  @Test func reversePassMatchesFiniteDifferences() {
    let cell = CellGradient(layout: Self.layout, microTicks: 2)
    let sampler = CloningSequenceSampler(teacher: BackpropTeacher(learningRate: 0.1, forwardGain: 3, backwardGain: 2), inputSize: 4)
    var g = SeededGenerator(seed: 7)
    let sequence = sampler.sequence(length: 6, using: &g)
    let scales = CellGradient.Scales(forward: 1.3, backward: 0.7, weight: 2.1)
    let p = Self.randomParameters(seed: 3)
    let (loss, gradient) = cell.lossAndGradient(parameters: p, sequence: sequence, scales: scales)
    #expect(abs(loss - cell.loss(parameters: p, sequence: sequence, scales: scales)) < 1e-12)
    // Every 7th parameter covers every tensor and gate.
    let h = 1e-6
    var worst = 0.0
    for k in stride(from: 0, to: p.count, by: 7) {
      var plus = p, minus = p
      plus[k] += h
      minus[k] -= h
      let numeric = (cell.loss(parameters: plus, sequence: sequence, scales: scales)
                     - cell.loss(parameters: minus, sequence: sequence, scales: scales)) / (2 * h)
      worst = max(worst, abs(numeric - gradient[k]) / max(1e-3, abs(numeric) + abs(gradient[k])))
    }
    #expect(worst < 1e-5, "worst relative gradient error \(worst)")
  }

  @Test func clonedLossDecreasesFromRandomInitialisation() throws {
    var configuration = BackpropCloning.Configuration()
    configuration.initialization = .random
    configuration.iterations = 40
    configuration.batchSize = 4
    configuration.sequenceLength = 8
    configuration.learningRate = 3e-3
    let cloning = BackpropCloning(configuration)
    let start = try cloning.initialParameters()
    let held = cloning.batch(iteration: 0, count: 8, length: 8)
    let before = cloning.lossAndGradient(parameters: start.map(Double.init), batch: held).loss
    let trained = cloning.train(from: start)
    let after = cloning.lossAndGradient(parameters: trained.map(Double.init), batch: held).loss
    #expect(after < 0.5 * before, "loss \(before) -> \(after)")
  }

  @Test func scaffoldTracksTheTeachersWeightUpdate() throws {
    var configuration = BackpropCloning.Configuration()
    configuration.iterations = 10
    configuration.batchSize = 4
    configuration.sequenceLength = 16
    let cloning = BackpropCloning(configuration)
    let start = try cloning.initialParameters()
    let before = CloningReport(cloning: cloning, parameters: start.map(Double.init), count: 8, length: 60, seed: 1)
    #expect(before.updateCorrelation > 0.95, "\(before)")
    #expect(before.updateRelativeError < 0.2, "\(before)")
    #expect(before.forwardRelativeError < 0.2, "\(before)")
    let trained = cloning.train(from: start)
    let after = CloningReport(cloning: cloning, parameters: trained.map(Double.init), count: 8, length: 60, seed: 1)
    #expect(after.loss <= before.loss * 1.05, "\(before) -> \(after)")
  }
}
