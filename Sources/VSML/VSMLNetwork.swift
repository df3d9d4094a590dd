import VSMLCore

/// A VSML network of dense layers whose every connection is a sub-RNN sharing one small
/// parameter set (METHOD.md §2-4): the project's learned learning algorithm.
///
/// The meta-parameters are one flat Float vector laid out by `layout` (2,384 floats by default).
/// `run` learns an episode online, in forward mode only: for each example it predicts, then
/// receives the error of that prediction at the next step. State size 16 runs on the SIMD fast
/// path; other state sizes fall back to the float64 `ReferenceVSML`.
public struct VSMLNetwork: OnlineLearner {
  public let configuration: VSMLConfiguration
  public let layout: VSMLParameterLayout
  /// The instruction-set path of the fast path's kernels; the process's selection by default.
  public var kernel: KernelPath = .selected
  /// Arithmetic of the fast path's recurrent product (bf16 runs the AVX-512 bf16 kernels whatever
  /// `kernel` says; the float64 path for other state sizes ignores it).
  public var precision: Precision = .fp32

  /// Creates a network after validating `configuration`.
  public init(_ configuration: VSMLConfiguration) throws {
    try configuration.validate()
    self.configuration = configuration
    self.layout = VSMLParameterLayout(configuration)
  }

  public var parameterCount: Int { layout.count }
  public var inputSize: Int { configuration.inputSize }
  public var classCount: Int { configuration.outputSize }
  /// Whether `run` uses the SIMD kernel (state size 16) rather than the float64 reference.
  /// The episode state (`stateCount` floats) dominates a run's memory.
  public var stateFloatsPerEpisode: Int { stateCount }

  public var usesFastPath: Bool { configuration.subRNN.stateSize == 16 }

  /// The reference's names of every sub-RNN tensor (`VSMLParameterLayout.namedTensors`).
  public var namedTensors: [NamedTensor] { layout.namedTensors.map { NamedTensor(name: $0.name, shape: $0.shape, range: $0.range) } }

  /// Floats of per-episode state: the LSTM `h` and `c` of every connection plus every layer's
  /// incoming forward and backward messages (257,232 for one 784 x 10 layer).
  public var stateCount: Int {
    let s = configuration.subRNN.stateSize, m = configuration.subRNN.messageSize
    let sizes = configuration.layerSizes
    return (0..<configuration.layerCount).reduce(0) { total, l in
      total + sizes[l] * sizes[l + 1] * 2 * s + (sizes[l] + sizes[l + 1]) * m
    }
  }

  /// The reference initialiser (METHOD.md §2): truncated normal (±2 std) weights with std
  /// 1/sqrt(fan_in), zero biases; LayerNorm scales 1 and offsets 0.
  public func initialParameters(using generator: inout SeededGenerator) -> [Float] {
    initialParameters(using: &generator, gateBias: nil)
  }

  /// The reference initialiser with the gate biases of every block set to `gateBias`
  /// (four values, gates i, g, f, o, each repeated over the state lanes) instead of zero.
  /// Draws the same random numbers as `initialParameters(using:)`.
  public func initialParameters(using generator: inout SeededGenerator, gateBias: [Float]?) -> [Float] {
    precondition(gateBias == nil || gateBias!.count == 4, "gateBias holds one value per gate (i, g, f, o)")
    var p = [Float](repeating: 0, count: layout.count)
    for k in 0..<layout.blockCount {
      let base = layout.offset(ofBlock: k)
      let b = layout.block
      for (range, fanIn) in [(b.gateWeights, b.gateInputs), (b.forwardHeadWeights, b.stateSize), (b.backwardHeadWeights, b.stateSize)] {
        let std = 1 / Float(fanIn).squareRoot()
        for i in range { p[base + i] = generator.nextTruncatedNormal(std: std) }
      }
      for i in b.forwardNormScale { p[base + i] = 1 }
      for i in b.backwardNormScale { p[base + i] = 1 }
      if let gateBias {
        for (j, i) in b.gateBias.enumerated() { p[base + i] = gateBias[j / b.stateSize] }
      }
    }
    return p
  }

  /// The per-episode initial cell states (METHOD.md §4), one `A x B x S` array per layer: the first
  /// `randomStateLanes` lanes of `c` truncated normal with std 1/sqrt(A), the rest zero.
  /// Drawn from `SeededGenerator(seed: stateSeed, stream: layer)` in (a, b, lane) order.
  public func initialCells(stateSeed: UInt64) -> [[Float]] {
    let s = configuration.subRNN.stateSize
    let random = configuration.subRNN.randomStateLanes
    let sizes = configuration.layerSizes
    return (0..<configuration.layerCount).map { l in
      var g = SeededGenerator(seed: stateSeed, stream: l)
      let std = 1 / Float(sizes[l]).squareRoot()
      var cells = [Float](repeating: 0, count: sizes[l] * sizes[l + 1] * s)
      for conn in 0..<(sizes[l] * sizes[l + 1]) {
        for lane in 0..<random { cells[conn * s + lane] = g.nextTruncatedNormal(std: std) }
      }
      return cells
    }
  }

  public func run(
    episode: Episode, parameters: UnsafeBufferPointer<Float>, stateSeed: UInt64, recordLogits: Bool
  ) -> EpisodeResult {
    run(episode: episode, parameters: parameters, initialCells: initialCells(stateSeed: stateSeed), recordLogits: recordLogits)
  }

  /// Runs an episode from explicit initial cell states (as `initialCells(stateSeed:)` returns).
  public func run(
    episode: Episode, parameters: UnsafeBufferPointer<Float>, initialCells: [[Float]], recordLogits: Bool
  ) -> EpisodeResult {
    precondition(parameters.count == layout.count, "expected \(layout.count) parameters, got \(parameters.count)")
    precondition(episode.inputSize == inputSize, "episode has \(episode.inputSize) features, network expects \(inputSize)")
    precondition(episode.classCount <= classCount, "episode has \(episode.classCount) classes, network predicts \(classCount)")
    guard usesFastPath else { return runReference(episode: episode, parameters: parameters, initialCells: initialCells, recordLogits: recordLogits) }
    let workspace = VSMLWorkspace(configuration: configuration, kernel: kernel, precision: precision)
    workspace.load(initialCells: initialCells)
    return workspace.run(episode: episode, parameters: parameters.baseAddress!, layout: layout, recordLogits: recordLogits)
  }

  /// Receives a layer's incoming messages at each sweep: `(layer, isBackwardSweep, forwardIn
  /// (A x M), backwardIn (B x M))`; the buffers are valid only during the call.
  public typealias MessageObserver = (Int, Bool, UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Void

  /// Runs an episode on the fast path (state size 16), calling `observer` with every layer's
  /// incoming messages at every sweep: the signals each connection sees.
  public func run(
    episode: Episode, parameters: UnsafeBufferPointer<Float>, initialCells: [[Float]], observer: @escaping MessageObserver
  ) -> EpisodeResult {
    precondition(usesFastPath, "message observation needs the fast path (state size 16)")
    precondition(parameters.count == layout.count && episode.inputSize == inputSize && episode.classCount <= classCount)
    let workspace = VSMLWorkspace(configuration: configuration, kernel: kernel, precision: precision)
    workspace.load(initialCells: initialCells)
    workspace.messageObserver = observer
    return workspace.run(episode: episode, parameters: parameters.baseAddress!, layout: layout, recordLogits: false)
  }

  private func runReference(
    episode: Episode, parameters: UnsafeBufferPointer<Float>, initialCells: [[Float]], recordLogits: Bool
  ) -> EpisodeResult {
    let d = episode.inputSize
    let inputs = (0..<episode.length).map { Array(episode.inputs[($0 * d)..<($0 * d + d)]) }
    let out = ReferenceVSML(configuration).run(
      inputs: inputs, labels: episode.labels.map(Int.init), parameters: Array(parameters), initialCells: initialCells)
    return EpisodeResult(
      logits: recordLogits ? out.logits.flatMap { $0.map(Float.init) } : [],
      losses: out.losses.map(Float.init),
      correct: zip(out.logits, episode.labels).map { logits, label in
        logits.firstIndex(of: logits.max()!) == Int(label)
      })
  }
}
