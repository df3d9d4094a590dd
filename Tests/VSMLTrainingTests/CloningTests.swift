import Foundation
import Testing
import VSML
@testable import VSMLCloning
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
    let worst = worstFiniteDifferenceError(p, gradient: gradient, stride: 7) {
      cell.loss(parameters: $0, sequence: sequence, scales: scales)
    }
    #expect(worst < 1e-5, "worst relative gradient error \(worst)")
  }

  @Test func cloningLossDecreasesOnATinyCase() throws {
    // Random initialisation (METHOD.md §2), one fixed batch of 4 sequences of 8 steps, 300 Adam steps.
    var configuration = BackpropCloning.Configuration()
    configuration.initialization = .random
    let cloning = BackpropCloning(configuration)
    let start = try cloning.initialParameters()
    let batch = cloning.batch(iteration: 0, count: 4, length: 8)
    let before = cloning.lossAndGradient(parameters: start.map(Double.init), batch: batch).loss
    let theta = adamOnFixedBatch(start, steps: 300) { cloning.lossAndGradient(parameters: $0, batch: batch).gradient }
    let after = cloning.lossAndGradient(parameters: theta.map(Double.init), batch: batch).loss
    #expect(after < 0.2 * before, "loss \(before) -> \(after)")
  }

  @Test func scaffoldTracksTheTeachersWeightUpdate() throws {
    let cloning = BackpropCloning(BackpropCloning.Configuration())
    let start = try cloning.initialParameters()
    let report = CloningReport(cloning: cloning, parameters: start.map(Double.init), count: 8, length: 60, seed: 1)
    #expect(report.updateCorrelation > 0.9999, "\(report)")
    #expect(report.updateRelativeError < 0.05, "\(report)")
    #expect(report.forwardRelativeError < 0.05 && report.backwardRelativeError < 0.05, "\(report)")
  }

  /// The shipped clones (docs/CLONING.md) on held-out sequences: the implied weight update follows
  /// the teacher's.
  @Test(arguments: [("backprop.safetensors", 0.9999, 0.05), ("backprop-random-init.safetensors", 0.93, 0.25)])
  func shippedClonesTrackTheTeacher(file: String, minimumCorrelation: Double, maximumUpdateError: Double) throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Sources/VSMLTraining/Learners/\(file)").path
    let learned = try LearnedParameters(contentsOf: path)
    let cloning = BackpropCloning(BackpropCloning.Configuration())
    let report = CloningReport(cloning: cloning, parameters: learned.parameters.map(Double.init), count: 8, length: 200, seed: 1)
    #expect(report.updateCorrelation > minimumCorrelation, "\(report)")
    #expect(report.updateRelativeError < maximumUpdateError, "\(report)")
  }
}
