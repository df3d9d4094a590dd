/// The optimisation settings every cloning stage has: Adam steps, sequences per step, sequence
/// length, Adam's rate, the seed and the starting point.
public protocol CloningSchedule {
  var iterations: Int { get set }
  var batchSize: Int { get set }
  var sequenceLength: Int { get set }
  var learningRate: Double { get set }
  var seed: UInt64 { get set }
  var initialization: BackpropCloning.Initialization { get set }
}

extension BackpropCloning.Configuration: CloningSchedule {}
extension DeepBackpropCloning.Configuration: CloningSchedule {}
