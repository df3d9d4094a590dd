import Foundation
import Testing
import VSML
@testable import VSMLCloning
import VSMLCore
import VSMLData
@testable import VSMLTraining

/// Backprop cloning, stages (b) and (c): the phased reverse pass, the teacher being backprop, and
/// both stages' losses going down on tiny cases.
@Suite struct DeepCloningTests {
  static let layout = SubRNNParameterLayout(SubRNNConfiguration())

  /// A tiny teacher: [16, 4, 2] with κ_b = κ_f · 2 / 4, so the hidden error is exact backprop.
  static var tinyTeacher: DeepBackpropTeacher {
    var t = DeepBackpropTeacher()
    t.layerSizes = [16, 4, 2]
    t.forwardGain = 4
    t.backwardGain = 2
    t.learningRate = 0.05
    return t
  }

  static func tinyCloning(ownSignalShare: Double = 0) throws -> DeepBackpropCloning {
    var c = DeepBackpropCloning.Configuration()
    c.teacher = tinyTeacher
    c.batchSize = 4
    c.sequenceLength = 6
    c.ownSignalShare = ownSignalShare
    c.initialization = .random
    let sampler = try EpisodeSampler(task: TaskSpec(dataset: "sum", transforms: [.resize(side: 4)]), split: .train,
                                     length: c.sequenceLength, seed: 3, locator: syntheticLocator)
    return try DeepBackpropCloning(c, sampler: sampler)
  }

  @Test func phasedReversePassMatchesFiniteDifferences() {
    let cell = PhasedCellGradient(layout: Self.layout, blocks: 2)
    var g = SeededGenerator(seed: 11)
    let m = Self.layout.messageSize
    let p = (0..<cell.parameterCount).map { _ in 0.3 * g.nextNormalDouble() }
    var phases: [PhasedCellGradient.Phase] = []
    for k in 0..<6 {
      var phase = PhasedCellGradient.Phase(block: k % 2, ticks: 1 + k % 2,
                                           forwardInput: (0..<m).map { _ in g.nextNormalDouble() },
                                           backwardInput: (0..<m).map { _ in k == 0 ? 0 : g.nextNormalDouble() })
      phase.forwardTarget = (0..<m).map { _ in g.nextNormalDouble() }
      phase.forwardScale = (0..<m).map { j in j % 3 == 0 ? 0 : 0.5 + Double.random(in: 0..<1, using: &g) }
      phase.backwardTarget = (0..<m).map { _ in g.nextNormalDouble() }
      phase.backwardScale = (0..<m).map { _ in Double.random(in: 0..<1, using: &g) }
      phase.weightTarget = g.nextNormalDouble()
      phase.weightScale = 1.7
      phases.append(phase)
    }
    let sequence = PhasedCellGradient.Sequence(initialCell: (0..<16).map { _ in 0.2 * g.nextNormalDouble() }, phases: phases, steps: 3)
    let (loss, gradient) = cell.lossAndGradient(parameters: p, sequence: sequence)
    #expect(abs(loss - cell.loss(parameters: p, sequence: sequence)) < 1e-12)
    // Every 5th parameter of both blocks covers every tensor and gate.
    let worst = worstFiniteDifferenceError(p, gradient: gradient, stride: 5) { cell.loss(parameters: $0, sequence: sequence) }
    #expect(worst < 1e-5, "worst relative gradient error \(worst)")
  }

  @Test func teacherNetworkIsOnlineBackpropWithPerLayerRates() throws {
    let teacher = Self.tinyTeacher
    let net = try VSMLNetwork(teacher.networkConfiguration)
    var network = DeepBackpropTeacher.Network(teacher: teacher, sizes: teacher.layerSizes, initialCells: net.initialCells(stateSeed: 4))
    network.tanhBound = 0  // the soft clip's slope is taken as 1 by the error signal; test without it
    var g = SeededGenerator(seed: 9)
    let x = (0..<16).map { _ in g.nextNormalDouble() }
    let label = 1
    func loss(_ n: DeepBackpropTeacher.Network) -> Double {
      let z = n.forward(x).logits
      let top = z.max()!
      return log(z.map { exp($0 - top) }.reduce(0, +)) + top - z[label]
    }
    let before = network
    network.step(x, label: label)
    // Each weight moved by −η · (A_l / κ_f) · ∂L/∂v (per-layer rate), with the gradient by
    // central differences of the loss before the step.
    for l in 0..<2 {
      let rate = teacher.learningRate * Double(teacher.layerSizes[l]) / teacher.forwardGain
      for k in before.weights[l].indices {
        var plus = before, minus = before
        plus.weights[l][k] += 1e-6
        minus.weights[l][k] -= 1e-6
        let gradient = (loss(plus) - loss(minus)) / 2e-6
        let step = network.weights[l][k] - before.weights[l][k]
        #expect(abs(step + rate * gradient) < 1e-7 + 1e-4 * abs(step), "layer \(l) weight \(k): step \(step), −rate·grad \(-rate * gradient)")
      }
    }
  }

  @Test func stageBTeacherSignalsAreThoseOfTheTeacherNetwork() throws {
    let cloning = try Self.tinyCloning()
    let sequences = cloning.teacherSequences(episodeIndex: 0, stateSeed: 5, count: 4)
    #expect(sequences.count == 4)
    for s in sequences {
      #expect(s.phases.count == 2 * cloning.configuration.sequenceLength)
      // Forward sweep: weight kept; backward sweep: weight moved by −η φ(x) e.
      for step in 0..<s.steps {
        let f = s.phases[2 * step], b = s.phases[2 * step + 1]
        #expect(f.block == 0 && b.block == 1)
        let x = b.forwardInput[0], e = b.backwardInput[0]
        let expected = f.weightTarget - cloning.configuration.teacher.learningRate * tanh(x) * e
        #expect(abs(b.weightTarget - expected) < 1e-12)
      }
    }
  }

  @Test func stageBLossDecreasesOnATinyCase() throws {
    let cloning = try Self.tinyCloning()
    let start = cloning.initialParameters()
    let batch = cloning.batch(iteration: 0, parameters: start)
    let before = cloning.lossAndGradient(parameters: start.map(Double.init), batch: batch).loss
    let theta = adamOnFixedBatch(start, steps: 200) { cloning.lossAndGradient(parameters: $0, batch: batch, threads: 2).gradient }
    let after = cloning.lossAndGradient(parameters: theta.map(Double.init), batch: batch).loss
    #expect(after < 0.2 * before, "loss \(before) -> \(after)")
  }

  @Test func scaffoldImplementsTheDeepTeacher() throws {
    // The default teacher ([784, 32, ·], κ_f 98, κ_b 30.625, η 0.01) on the synthetic `sum` task.
    var c = DeepBackpropCloning.Configuration()
    c.sequenceLength = 24
    let sampler = try EpisodeSampler(task: TaskSpec(dataset: "sum"), split: .train, length: c.sequenceLength, seed: 1, locator: syntheticLocator)
    let cloning = try DeepBackpropCloning(c, sampler: sampler)
    let p = cloning.initialParameters().map(Double.init)
    for sequences in [cloning.teacherSequences(episodeIndex: 0, stateSeed: 2, count: 8),
                      cloning.ownSequences(parameters: p.map(Float.init), episodeIndex: 1, stateSeed: 3, count: 8)] {
      let r = cloning.report(parameters: p, sequences: sequences)
      #expect(r.forwardRelativeError < 0.05 && r.backwardRelativeError < 0.05 && r.updateRelativeError < 0.05, "\(r)")
    }
  }

  @Test func stageCRecordsTheNetworksOwnMessages() throws {
    let cloning = try Self.tinyCloning(ownSignalShare: 1)
    let theta = cloning.initialParameters()
    let sequences = cloning.ownSequences(parameters: theta, episodeIndex: 2, stateSeed: 6, count: 4)
    let episode = cloning.sampler.episode(2)
    let cells = cloning.network.initialCells(stateSeed: 6)
    let run = theta.withUnsafeBufferPointer { cloning.network.run(episode: episode, parameters: $0, initialCells: cells, recordLogits: true) }
    // Connections alternate layer 1 (last), layer 0; the last layer's backward-sweep error is the
    // softmax error of the network's own prediction, its forward-sweep error is zero.
    for (k, s) in sequences.enumerated() {
      #expect(s.phases.count == 2 * episode.length)
      for t in 0..<episode.length {
        let f = s.phases[2 * t], b = s.phases[2 * t + 1]
        if k % 2 == 0 {
          #expect(f.backwardInput.allSatisfy { $0 == 0 })
          let logits = Array(run.logits[(t * 2)..<(t * 2 + 2)]).map(Double.init)
          let top = logits.max()!
          let p = logits.map { exp($0 - top) }
          let sum = p.reduce(0, +)
          let label = Int(episode.labels[t])
          let errors = (0..<2).map { p[$0] / sum - ($0 == label ? 1 : 0) }
          #expect(errors.contains { abs($0 - b.backwardInput[0]) < 1e-5 })
        } else {
          // Layer 0 reads a pixel in slot 0 and nothing else.
          #expect(f.forwardInput[1...].allSatisfy { $0 == 0 })
          #expect(episode.inputs[(t * 16)..<(t * 16 + 16)].contains { abs(Double($0) - f.forwardInput[0]) < 1e-9 })
        }
      }
    }
    // Stage (c) training lowers the own-signal loss on a fixed batch.
    let before = cloning.lossAndGradient(parameters: theta.map(Double.init), batch: sequences).loss
    let p = adamOnFixedBatch(theta, steps: 100) { cloning.lossAndGradient(parameters: $0, batch: sequences, threads: 2).gradient }
    let after = cloning.lossAndGradient(parameters: p.map(Double.init), batch: sequences).loss
    #expect(after < 0.5 * before, "loss \(before) -> \(after)")
  }
}
