import CVSMLKernels

/// Arithmetic of the fast path's recurrent product. `fp32` is exact to the float64 path within
/// 1e-4 (the default); `bf16` rounds `h` and the recurrent gate matrix to bf16 and accumulates in
/// fp32 (AVX512-BF16 `vdpbf16ps`), with the row and column terms, activations and cell state in
/// fp32. bf16 is judged by learning, not by agreement with the float64 path.
public enum Precision: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
  case fp32
  case bf16

  public var description: String { rawValue }

  /// Whether this machine can run the precision (bf16 needs AVX-512 F, DQ, BW, VL and BF16).
  public var isAvailable: Bool {
    switch self {
    case .fp32: true
    case .bf16: vsml_kernels_get_bf16() != nil
    }
  }

  /// The name of the kernels a network of this precision runs in this process: the selected path
  /// for fp32, `avx512-bf16` for bf16.
  public var kernelName: String {
    switch self {
    case .fp32: KernelPath.selected.rawValue
    case .bf16: vsml_kernels_get_bf16().map { String(cString: $0.pointee.name) } ?? "unavailable"
    }
  }

  /// Throws, naming the precision and the missing CPU feature, where it cannot run.
  public func checkAvailable() throws(PrecisionError) {
    guard isAvailable else { throw PrecisionError.unavailable(self) }
  }
}

/// A precision this machine cannot run.
public enum PrecisionError: Error, CustomStringConvertible, Equatable {
  case unavailable(Precision)

  public var description: String {
    switch self {
    case .unavailable(let precision):
      "precision \(precision) needs a CPU with AVX512-BF16 (vdpbf16ps), which this one lacks; use fp32"
    }
  }
}
