import CVSMLKernels

/// The activations of the C tick kernel, on arrays, so that tests and tools can check them.
/// Error bound: at most 2e-7 absolute against Double for every finite input (tested on a dense grid).
public enum KernelActivations {
  public static func tanh(_ x: [Float]) -> [Float] { apply(x, vsml_tanh) }
  public static func sigmoid(_ x: [Float]) -> [Float] { apply(x, vsml_sigmoid) }

  private static func apply(
    _ x: [Float], _ f: (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void
  ) -> [Float] {
    var y = [Float](repeating: 0, count: x.count)
    x.withUnsafeBufferPointer { xs in
      y.withUnsafeMutableBufferPointer { ys in f(xs.baseAddress, ys.baseAddress, x.count) }
    }
    return y
  }
}
