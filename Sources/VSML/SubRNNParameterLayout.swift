/// Where each tensor of one sub-RNN lives inside the flat meta-parameter vector (METHOD.md §2).
///
/// Order within a block: gate matrix `W` ((2M + S) x 4S, rows `[fwd_in, bwd_in, h]`, columns
/// gates i, g, f, o), gate bias `b` (4S), forward head `Wf` (S x M), `bf` (M), backward head `Wb`
/// (S x M), `bb` (M), and with LayerNorm the forward and backward scale and offset (M each).
/// All matrices are row-major, as in the reference.
public struct SubRNNParameterLayout: Hashable, Sendable {
  public let stateSize: Int
  public let messageSize: Int
  public let layerNorm: Bool

  public init(_ configuration: SubRNNConfiguration) {
    stateSize = configuration.stateSize
    messageSize = configuration.messageSize
    layerNorm = configuration.layerNorm
  }

  /// Rows of the gate matrix: forward message, backward message, hidden state.
  public var gateInputs: Int { 2 * messageSize + stateSize }
  /// Columns of the gate matrix: four gates of S each.
  public var gateWidth: Int { 4 * stateSize }

  public var gateWeights: Range<Int> { 0..<(gateInputs * gateWidth) }
  public var gateBias: Range<Int> { gateWeights.upperBound..<(gateWeights.upperBound + gateWidth) }
  public var forwardHeadWeights: Range<Int> { gateBias.upperBound..<(gateBias.upperBound + stateSize * messageSize) }
  public var forwardHeadBias: Range<Int> { forwardHeadWeights.upperBound..<(forwardHeadWeights.upperBound + messageSize) }
  public var backwardHeadWeights: Range<Int> {
    forwardHeadBias.upperBound..<(forwardHeadBias.upperBound + stateSize * messageSize)
  }
  public var backwardHeadBias: Range<Int> {
    backwardHeadWeights.upperBound..<(backwardHeadWeights.upperBound + messageSize)
  }
  /// LayerNorm parameters (empty ranges without LayerNorm).
  public var forwardNormScale: Range<Int> { backwardHeadBias.upperBound..<(backwardHeadBias.upperBound + normWidth) }
  public var forwardNormOffset: Range<Int> { forwardNormScale.upperBound..<(forwardNormScale.upperBound + normWidth) }
  public var backwardNormScale: Range<Int> { forwardNormOffset.upperBound..<(forwardNormOffset.upperBound + normWidth) }
  public var backwardNormOffset: Range<Int> { backwardNormScale.upperBound..<(backwardNormScale.upperBound + normWidth) }

  private var normWidth: Int { layerNorm ? messageSize : 0 }

  /// Floats in one sub-RNN block: 2,384 by default, 2,416 with LayerNorm.
  public var count: Int { backwardNormOffset.upperBound }

  /// The block's tensors: reference name suffix (after `sub_rnn/~/`), shape, range.
  public var tensors: [(suffix: String, shape: [Int], range: Range<Int>)] {
    var result: [(String, [Int], Range<Int>)] = [
      ("custom_lstm/linear/w", [gateInputs, gateWidth], gateWeights),
      ("custom_lstm/linear/b", [gateWidth], gateBias),
      ("linear/w", [stateSize, messageSize], forwardHeadWeights),
      ("linear/b", [messageSize], forwardHeadBias),
      ("linear_1/w", [stateSize, messageSize], backwardHeadWeights),
      ("linear_1/b", [messageSize], backwardHeadBias),
    ]
    if layerNorm {
      result += [
        ("layer_norm/scale", [messageSize], forwardNormScale),
        ("layer_norm/offset", [messageSize], forwardNormOffset),
        ("layer_norm_1/scale", [messageSize], backwardNormScale),
        ("layer_norm_1/offset", [messageSize], backwardNormOffset),
      ]
    }
    return result
  }
}

/// The meta-parameters of a whole network: one or more sub-RNN blocks back to back, and which
/// block each layer uses for its forward ticks and for the reverse sweep.
public struct VSMLParameterLayout: Hashable, Sendable {
  public let block: SubRNNParameterLayout
  /// Number of sub-RNN blocks.
  public let blockCount: Int
  /// Block used by layer `l` in forward ticks.
  public let forwardBlock: [Int]
  /// Block used by layer `l` in the reverse sweep (equals `forwardBlock` without a separate RNN).
  public let backwardBlock: [Int]

  /// Assigns blocks as the reference creates them: per-layer blocks first (or one shared),
  /// then the separate backward blocks, in the same pattern.
  public init(_ configuration: VSMLConfiguration) {
    block = SubRNNParameterLayout(configuration.subRNN)
    let layers = configuration.layerCount
    let perPass = configuration.layerwiseRNNs ? layers : 1
    forwardBlock = (0..<layers).map { configuration.layerwiseRNNs ? $0 : 0 }
    if configuration.backwardPass && configuration.separateBackwardRNN {
      blockCount = 2 * perPass
      backwardBlock = forwardBlock.map { $0 + perPass }
    } else {
      blockCount = perPass
      backwardBlock = forwardBlock
    }
  }

  /// Length of the flat meta-parameter vector.
  public var count: Int { blockCount * block.count }

  /// Offset of block `k` in the flat vector.
  public func offset(ofBlock k: Int) -> Int { k * block.count }

  /// Reference module prefix of block `k`: `vsmlrnn/~/sub_rnn`, `vsmlrnn/~/sub_rnn_1`, ...
  public static func referencePrefix(block k: Int) -> String {
    k == 0 ? "vsmlrnn/~/sub_rnn/~/" : "vsmlrnn/~/sub_rnn_\(k)/~/"
  }

  /// Every tensor of the network with its reference name (`vsmlrnn/~/sub_rnn/~/custom_lstm/linear/w`,
  /// ...), shape and range in the flat vector. Used by checkpoints and by the golden tests.
  public var namedTensors: [(name: String, shape: [Int], range: Range<Int>)] {
    (0..<blockCount).flatMap { k in
      block.tensors.map { t in
        let base = offset(ofBlock: k)
        return (Self.referencePrefix(block: k) + t.suffix, t.shape, (base + t.range.lowerBound)..<(base + t.range.upperBound))
      }
    }
  }
}
