import VSMLCore

/// Random supervised sequences for backprop cloning, stage (a): inputs that look like standardised
/// image pixels, errors that look like softmax errors, and initial weights on the scale of the
/// per-episode initial state (METHOD.md §4), labelled by a `BackpropTeacher`.
package struct CloningSequenceSampler: Sendable {
  /// Standardised value of a black pixel for MNIST statistics (METHOD.md §6): (0 − 0.1307) / 0.3081.
  package static let backgroundInput = -0.1307 / 0.3081
  /// Standardised value of a white pixel: (1 − 0.1307) / 0.3081.
  package static let foregroundInput = (1 - 0.1307) / 0.3081
  /// Probability that an input is background (most pixels of a digit are).
  package static let backgroundProbability = 0.5
  /// Probability that an error is a large one (the true class or a confident mistake): U(−1, 1);
  /// otherwise small, U(−0.1, 0.1).
  package static let largeErrorProbability = 0.5
  package static let smallErrorBound = 0.1
  /// The initial weight is truncated normal with std `weightStd · u`, u ~ U(range): trained
  /// weights grow beyond the initial scale.
  package static let initialWeightSpread = 0.5...3.0

  package let teacher: BackpropTeacher
  /// Sub-RNN state size S and the number of randomly initialised `c` lanes (METHOD.md §4).
  package let stateSize: Int
  package let randomLanes: Int
  /// Std of the initial state lanes: 1/sqrt(A) for the layer being cloned.
  package let weightStd: Double
  /// State lane holding the implied weight.
  package let weightLane: Int

  package init(teacher: BackpropTeacher, stateSize: Int = 16, randomLanes: Int = 8, inputSize: Int = 784, weightLane: Int = 0) {
    precondition(weightLane < stateSize && randomLanes <= stateSize && inputSize >= 1)
    self.teacher = teacher
    self.stateSize = stateSize
    self.randomLanes = randomLanes
    self.weightStd = 1 / Double(inputSize).squareRoot()
    self.weightLane = weightLane
  }

  /// One sequence of `length` steps from `generator`.
  package func sequence(length: Int, using generator: inout SeededGenerator) -> CellGradient.Sequence {
    var x = [Double](), e = [Double]()
    for t in 0..<length {
      let u = generator.nextUnitDouble()
      x.append(u < Self.backgroundProbability
        ? Self.backgroundInput
        : Self.backgroundInput + generator.nextUnitDouble() * (Self.foregroundInput - Self.backgroundInput))
      if t == 0 {
        e.append(0)  // no error arrives with the first example (METHOD.md §4)
      } else {
        let large = generator.nextUnitDouble() < Self.largeErrorProbability
        let bound = large ? 1 : Self.smallErrorBound
        e.append((2 * generator.nextUnitDouble() - 1) * bound)
      }
    }
    var cell = [Double](repeating: 0, count: stateSize)
    for lane in 0..<randomLanes { cell[lane] = Double(generator.nextTruncatedNormal(std: Float(weightStd))) }
    let spread = Self.initialWeightSpread
    let scale = spread.lowerBound + generator.nextUnitDouble() * (spread.upperBound - spread.lowerBound)
    cell[weightLane] *= scale
    let targets = teacher.targets(inputs: x, errors: e, initialWeight: cell[weightLane])
    return CellGradient.Sequence(inputs: x, errors: e, initialCell: cell, forwardTargets: targets.forward,
                                 backwardTargets: targets.backward, weightTargets: targets.weight)
  }

  /// The residual scales of the cloning loss (docs/CLONING.md): forward and backward residuals in
  /// units of `weightStd` after undoing the gains, the weight residual in units of η.
  package var scales: CellGradient.Scales {
    CellGradient.Scales(forward: 1 / (teacher.forwardGain * weightStd), backward: 1 / (teacher.backwardGain * weightStd),
                        weight: 1 / teacher.learningRate)
  }
}
