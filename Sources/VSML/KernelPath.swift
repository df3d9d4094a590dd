import CVSMLKernels
import Foundation

/// The instruction-set paths of the C tick kernels. Every path is compiled into every build (with
/// per-function target attributes, no build flags) and one is chosen at run time.
public enum KernelPath: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
  /// Generic vectors at the architecture's baseline (SSE2 on x86-64); runs everywhere.
  case portable
  /// AVX2 with FMA.
  case avx2
  /// AVX-512 F and DQ.
  case avx512
  /// AVX-512 with the recurrent product on AMX-BF16 tiles (bf16 hi + lo operands, three products).
  case amx

  /// The environment variable that forces a path: `auto`, or one of the paths' names.
  public static let environmentVariable = "VSML_KERNEL"

  public var description: String { rawValue }

  var id: Int32 {
    switch self {
    case .portable: Int32(VSML_KERNEL_PORTABLE)
    case .avx2: Int32(VSML_KERNEL_AVX2)
    case .avx512: Int32(VSML_KERNEL_AVX512)
    case .amx: Int32(VSML_KERNEL_AMX)
    }
  }

  /// Whether this CPU and operating system can run the path (for AMX: whether Linux granted the
  /// tile-state permission). Probed once per process.
  public var isAvailable: Bool { vsml_kernels_get(id) != nil }

  /// The paths this machine can run, slowest first.
  public static var available: [KernelPath] { allCases.filter(\.isAvailable) }

  /// The path `auto` picks: the fastest available vector path. AMX is taken only when asked for by
  /// name: it has not yet been measured against AVX-512 on an AMX machine.
  public static var automatic: KernelPath {
    [.avx512, .avx2].first(where: \.isAvailable) ?? .portable
  }

  /// Reads `VSML_KERNEL` from `environment`: unset, empty or `auto` gives `automatic`.
  public static func fromEnvironment(_ environment: [String: String]) throws(KernelPathError) -> KernelPath {
    guard let value = environment[environmentVariable], !value.isEmpty, value != "auto" else { return automatic }
    guard let path = KernelPath(rawValue: value) else { throw .unknown(value) }
    guard path.isAvailable else { throw .unavailable(path, available: available) }
    return path
  }

  /// The process's path: `VSML_KERNEL` if it names an available path, else `automatic`. Command
  /// line tools call `fromEnvironment` first to report a bad value; library users get the fallback.
  public static let selected: KernelPath = {
    (try? fromEnvironment(ProcessInfo.processInfo.environment)) ?? automatic
  }()

  /// The path's C functions. Only valid for an available path.
  package var functions: UnsafePointer<vsml_kernels> {
    guard let table = vsml_kernels_get(id) else {
      preconditionFailure("kernel path \(rawValue) is not available on this machine")
    }
    return table
  }

  /// This thread's peak FMA rate on the path's vectors in FLOP/s, measured for about `seconds`.
  public func fmaPeak(seconds: Double = 0.3) -> Double { functions.pointee.fma_peak(seconds) }

  /// This thread's peak AMX bf16 rate in FLOP/s, or nil where AMX is unavailable.
  public static func amxBF16Peak(seconds: Double = 0.3) -> Double? {
    let peak = vsml_amx_bf16_peak(seconds)
    return peak > 0 ? peak : nil
  }
}

/// A `VSML_KERNEL` value that cannot be honoured.
public enum KernelPathError: Error, CustomStringConvertible, Equatable {
  case unknown(String)
  case unavailable(KernelPath, available: [KernelPath])

  public var description: String {
    switch self {
    case .unknown(let value):
      "\(KernelPath.environmentVariable)=\(value) is not a kernel path; use auto, "
        + KernelPath.allCases.map(\.rawValue).joined(separator: ", ")
    case .unavailable(let path, let available):
      "\(KernelPath.environmentVariable)=\(path) is not supported by this CPU or operating system; "
        + "available here: \(available.map(\.rawValue).joined(separator: ", ")) (or auto)"
    }
  }
}
