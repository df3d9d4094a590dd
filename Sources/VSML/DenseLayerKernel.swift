/// Small SIMD helpers shared by the Swift side of the dense-layer tick; the tick itself is
/// `vsml_dense_tick16` in the `CVSMLKernels` C target.
enum DenseLayerKernel {
  typealias Vector = SIMD16<Float>

  @_transparent
  static func load(_ p: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
  }

  @_transparent
  static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
  }
}
