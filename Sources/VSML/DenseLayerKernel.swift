import VSMLCore

/// The hot loop of VSML: one tick of every connection of a dense layer with state size 16
/// (spec §2-3), using the exact algebra of spec §3.
///
/// Memory layout: `cells` holds `A x B` connections of 32 floats each, `[h (16), c (16)]`.
/// `rowTerm` (A x 64) holds, per input `a`, the gate bias, the gate offsets and `fwd[a] · W_fwd`;
/// `colTerm` (B x 64) holds `bwd[b] · W_bwd`. `recurrent` is the 16 x 64 block of the gate matrix
/// that multiplies `h`. Gates are i, g, f, o, 16 lanes each.
enum DenseLayerKernel {
  typealias Vector = SIMD16<Float>
  /// Floats per connection in `cells`: h then c.
  static let cellStride = 32
  /// Gate pre-activations per connection: 4 gates x 16.
  static let gateWidth = 64

  @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
  }

  @inline(__always)
  static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
  }

  /// One LSTM step of one connection from its pre-activation sums; writes h and c back.
  @inline(__always)
  static func update(cell: UnsafeMutablePointer<Float>, _ z0: Vector, _ z1: Vector, _ z2: Vector, _ z3: Vector) -> Vector {
    let i = FastMath.sigmoid(z0)
    let g = FastMath.tanh(z1)
    let f = FastMath.sigmoid(z2)
    let o = FastMath.sigmoid(z3)
    let c = (i * g).addingProduct(f, load(cell + 16))
    let h = o * FastMath.tanh(c)
    store(h, cell)
    store(c, cell + 16)
    return h
  }

  /// Ticks all `A x B` connections once.
  ///
  /// - Parameters:
  ///   - rowSum: if non-nil, receives `sum over b of h'[a, b]` (A x 16).
  ///   - colSum: if non-nil (together with `rowSum`), receives `sum over a of h'[a, b]` (B x 16).
  @inline(never)
  static func tick(
    cells: UnsafeMutablePointer<Float>, inputs A: Int, outputs B: Int,
    rowTerm: UnsafePointer<Float>, colTerm: UnsafePointer<Float>, recurrent w: UnsafePointer<Float>,
    rowSum: UnsafeMutablePointer<Float>?, colSum: UnsafeMutablePointer<Float>?
  ) {
    let accumulate = rowSum != nil
    if let colSum { colSum.update(repeating: 0, count: B * 16) }
    for a in 0..<A {
      let rt = rowTerm + a * gateWidth
      let r0 = load(rt), r1 = load(rt + 16), r2 = load(rt + 32), r3 = load(rt + 48)
      var rowAccumulator = Vector()
      var b = 0
      // Two connections per iteration share every load of the recurrent weights.
      while b + 2 <= B {
        let cellA = cells + (a * B + b) * cellStride
        let cellB = cellA + cellStride
        let ctA = colTerm + b * gateWidth
        let ctB = ctA + gateWidth
        var a0 = r0 + load(ctA), a1 = r1 + load(ctA + 16), a2 = r2 + load(ctA + 32), a3 = r3 + load(ctA + 48)
        var b0 = r0 + load(ctB), b1 = r1 + load(ctB + 16), b2 = r2 + load(ctB + 32), b3 = r3 + load(ctB + 48)
        for k in 0..<16 {
          let wk = w + k * gateWidth
          let w0 = load(wk), w1 = load(wk + 16), w2 = load(wk + 32), w3 = load(wk + 48)
          let ha = Vector(repeating: cellA[k])
          let hb = Vector(repeating: cellB[k])
          a0 = a0.addingProduct(ha, w0); a1 = a1.addingProduct(ha, w1)
          a2 = a2.addingProduct(ha, w2); a3 = a3.addingProduct(ha, w3)
          b0 = b0.addingProduct(hb, w0); b1 = b1.addingProduct(hb, w1)
          b2 = b2.addingProduct(hb, w2); b3 = b3.addingProduct(hb, w3)
        }
        let hA = update(cell: cellA, a0, a1, a2, a3)
        let hB = update(cell: cellB, b0, b1, b2, b3)
        if accumulate {
          rowAccumulator += hA + hB
          let csA = colSum! + b * 16
          store(load(csA) + hA, csA)
          store(load(csA + 16) + hB, csA + 16)
        }
        b += 2
      }
      if b < B {
        let cell = cells + (a * B + b) * cellStride
        let ct = colTerm + b * gateWidth
        var z0 = r0 + load(ct), z1 = r1 + load(ct + 16), z2 = r2 + load(ct + 32), z3 = r3 + load(ct + 48)
        for k in 0..<16 {
          let wk = w + k * gateWidth
          let hk = Vector(repeating: cell[k])
          z0 = z0.addingProduct(hk, load(wk)); z1 = z1.addingProduct(hk, load(wk + 16))
          z2 = z2.addingProduct(hk, load(wk + 32)); z3 = z3.addingProduct(hk, load(wk + 48))
        }
        let h = update(cell: cell, z0, z1, z2, z3)
        if accumulate {
          rowAccumulator += h
          let cs = colSum! + b * 16
          store(load(cs) + h, cs)
        }
      }
      if let rowSum { store(rowAccumulator, rowSum + a * 16) }
    }
  }
}
