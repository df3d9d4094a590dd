import VSMLCore

/// What the reverse pass of `VSMLMetaGradient` needs of the forward ticks of one segment of an
/// episode, in one preallocated 64-byte-aligned buffer (nothing is allocated per step).
///
/// Per layer and sweep it keeps the incoming messages (A x M, B x M), what each micro-tick's
/// kernel recorded (A x B x 96 per tick: `h` and `c` before it, the gates it computed), and after
/// the last tick either `h'` and `c'` of every connection
/// (with LayerNorm, whose heads are per connection) or the row and column sums of `h'`
/// (A x 16, B x 16; without LayerNorm the heads are affine in them).
final class GradientTape {
  /// Offsets into `storage` of one layer's records in one sweep.
  struct LayerRecord {
    var layer: Int
    var block: Int
    var reverse: Bool
    var forwardIn: Int
    var backwardIn: Int
    /// `microTicks` consecutive blocks of A x B x 96 (`dense_tick16`'s `record_out`).
    var ticks: Int
    /// LayerNorm: A x B x 32 (h', c'); otherwise row sums (A x 16) then column sums (B x 16).
    var after: Int
  }

  let configuration: VSMLConfiguration
  let storage: AlignedBuffer
  private(set) var used = 0
  /// The records of the current segment, in the order the layers ticked.
  private(set) var records: [LayerRecord] = []

  /// Floats one online step records (both sweeps with the backward pass).
  static func floatsPerStep(_ configuration: VSMLConfiguration) -> Int {
    let sizes = configuration.layerSizes, m = configuration.subRNN.messageSize
    let perSweep = (0..<configuration.layerCount).reduce(0) { total, l in
      let a = sizes[l], b = sizes[l + 1]
      let after = configuration.subRNN.layerNorm ? a * b * 32 : padded(a * 16) + padded(b * 16)
      return total + padded(a * m) + padded(b * m) + configuration.microTicks * a * b * 96 + after
    }
    return perSweep * (configuration.backwardPass ? 2 : 1)
  }

  /// Rounds up to whole 64-byte lines, so that every record starts aligned.
  static func padded(_ count: Int) -> Int { (count + 15) / 16 * 16 }

  init(configuration: VSMLConfiguration, steps: Int) {
    self.configuration = configuration
    storage = AlignedBuffer(count: steps * Self.floatsPerStep(configuration))
  }

  func reset() {
    used = 0
    records.removeAll(keepingCapacity: true)
  }

  private func allocate(_ count: Int) -> Int {
    let offset = used
    used += Self.padded(count)
    precondition(used <= storage.count, "gradient tape overflow")
    return offset
  }

  func pointer(_ offset: Int) -> UnsafeMutablePointer<Float> { storage.pointer + offset }

  /// Starts recording layer `layer`'s ticks: copies its incoming messages.
  func beginLayer(layer l: Int, block: Int, reverse: Bool, workspace w: VSMLWorkspace) -> Recorder {
    let a = w.sizes[l], b = w.sizes[l + 1], m = w.messageSize
    let micro = configuration.microTicks
    let record = LayerRecord(
      layer: l, block: block, reverse: reverse, forwardIn: allocate(a * m), backwardIn: allocate(b * m),
      ticks: allocate(micro * a * b * 96),
      after: allocate(configuration.subRNN.layerNorm ? a * b * 32 : Self.padded(a * 16) + b * 16))
    pointer(record.forwardIn).update(from: w.forwardIn[l].pointer, count: a * m)
    pointer(record.backwardIn).update(from: w.backwardIn[l].pointer, count: b * m)
    records.append(record)
    return Recorder(tape: self, record: record, connections: a * b)
  }

  /// Writes one layer's tick records as the workspace ticks it.
  struct Recorder {
    let tape: GradientTape
    let record: LayerRecord
    let connections: Int

    func ticks(_ tick: Int) -> UnsafeMutablePointer<Float> {
      tape.pointer(record.ticks + tick * connections * 96)
    }

    func saveAfter(workspace w: VSMLWorkspace) {
      let l = record.layer
      if tape.configuration.subRNN.layerNorm {
        tape.pointer(record.after).update(from: w.cells[l].pointer, count: connections * 32)
      } else {
        let a = w.sizes[l], b = w.sizes[l + 1]
        tape.pointer(record.after).update(from: w.rowSum.pointer, count: a * 16)
        tape.pointer(record.after + GradientTape.padded(a * 16)).update(from: w.colSum.pointer, count: b * 16)
      }
    }
  }
}
