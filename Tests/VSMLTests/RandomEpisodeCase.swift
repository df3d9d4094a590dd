import VSMLCore
@testable import VSML

/// A one-layer network with perturbed parameters (so that every term matters), a random episode
/// and initial cells: the fixture of the kernel and precision comparisons.
struct RandomEpisodeCase {
  var network: VSMLNetwork
  let parameters: [Float]
  let episode: Episode
  let cells: [[Float]]

  init(inputs: Int, classes: Int, steps: Int, seed: UInt64) throws {
    var rng = SeededGenerator(seed: seed)
    network = try VSMLNetwork(VSMLConfiguration(layerSizes: [inputs, classes]))
    var params = network.initialParameters(using: &rng)
    for i in params.indices { params[i] += 0.3 * rng.nextNormal() }
    parameters = params
    episode = Episode(
      inputs: (0..<(steps * inputs)).map { _ in rng.nextNormal() },
      labels: (0..<steps).map { _ in Int32(rng.nextInt(below: classes)) }, inputSize: inputs, classCount: classes)
    cells = network.initialCells(stateSeed: seed)
  }

  /// Runs the episode with the network's current kernel path and precision.
  func run() -> EpisodeResult {
    parameters.withUnsafeBufferPointer { network.run(episode: episode, parameters: $0, initialCells: cells, recordLogits: true) }
  }
}
