import ArgumentParser
import VSML

struct InfoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "info", abstract: "Print the meta-parameter count and the per-episode state size of a VSML network, and the kernel path in use.")

  @Option(help: "Layer sizes: input, hidden..., output.")
  var layers = LayerSizes([784, 10])

  @Flag(help: "Message LayerNorm (adds 32 parameters per sub-RNN).")
  var layerNorm = false

  @Flag(help: "Print one JSON object.")
  var json = false

  func run() throws {
    let config = VSMLConfiguration(layerSizes: layers.sizes, subRNN: SubRNNConfiguration(layerNorm: layerNorm))
    let net = try VSMLNetwork(config)
    let s = config.layerSizes
    let connections = (0..<config.layerCount).reduce(0) { $0 + s[$1] * s[$1 + 1] }
    let lstm = connections * 2 * config.subRNN.stateSize
    if json {
      try printJSON([
        "layers": s, "meta_parameters": net.parameterCount, "state_size": net.stateCount,
        "lstm_state_floats": lstm, "message_floats": net.stateCount - lstm, "connections": connections,
        "sub_rnns": net.layout.blockCount, "kernel": KernelPath.selected.rawValue,
        "kernels_available": KernelPath.available.map(\.rawValue),
      ])
    } else {
      print("layers            \(layers)")
      print("connections       \(connections)")
      print("meta-parameters   \(net.parameterCount)  (\(net.layout.blockCount) sub-RNN of \(net.layout.block.count))")
      print("state per episode \(net.stateCount)  (\(lstm) LSTM floats + \(net.stateCount - lstm) message floats)")
      print("kernel            \(KernelPath.selected)  (available: \(KernelPath.available.map(\.rawValue).joined(separator: ", ")); set \(KernelPath.environmentVariable) to force one)")
    }
  }
}
