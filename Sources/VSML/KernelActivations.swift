import CVSMLKernels

/// The activations of the C tick kernel, on arrays, so that tests and tools can check them.
/// Error bound: at most 2e-7 absolute against Double for every finite input (tested on a dense grid).
package enum KernelActivations {
  package static func tanh(_ x: [Float], path: KernelPath = .selected) -> [Float] {
    apply(x, path.functions.pointee.tanh)
  }
  package static func sigmoid(_ x: [Float], path: KernelPath = .selected) -> [Float] {
    apply(x, path.functions.pointee.sigmoid)
  }

  private static func apply(
    _ x: [Float], _ f: (@convention(c) (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void)?
  ) -> [Float] {
    var y = [Float](repeating: 0, count: x.count)
    x.withUnsafeBufferPointer { xs in
      y.withUnsafeMutableBufferPointer { ys in f!(xs.baseAddress, ys.baseAddress, x.count) }
    }
    return y
  }
}
