// Vector kernels shared by the baseline learners: activations (from VSMLCore's `FastMath`), the
// row-broadcast matrix-vector product and dot product (the C kernels of the selected path), the
// LSTM cell update and the soft clip of the predictions.
//
// The package is built without a target CPU, so Swift `SIMD16` code here is plain SSE: loops that
// need fused multiply-adds live in the C kernels, and the Swift ones are written unfused (a fused
// `addingProduct` would become sixteen libm calls). Libm calls per lane cost ~20x a vectorised
// approximation.

import CVSMLKernels
import VSML
import VSMLCore

#if canImport(Glibc)
import Glibc
#endif

/// Sixteen-lane tanh: the project's vectorised activation (`FastMath`, |error| <= 2e-7; NaN propagates).
@inline(__always)
func vectorTanh(_ x: SIMD16<Float>) -> SIMD16<Float> { FastMath.tanh(x) }

/// Sixteen-lane logistic sigmoid (`FastMath`, |error| <= 2e-7).
@inline(__always)
func vectorSigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> { FastMath.sigmoid(x) }

/// Scalar tanh with the same approximation as `vectorTanh`, so both paths agree.
@inline(__always)
func scalarTanh(_ x: Float) -> Float { FastMath.tanh(SIMD16(repeating: x))[0] }

/// Scalar logistic sigmoid with the same approximation as `vectorSigmoid`.
@inline(__always)
func scalarSigmoid(_ x: Float) -> Float { FastMath.sigmoid(SIMD16(repeating: x))[0] }

/// Bound of the soft clip applied to every prediction (METHOD.md §4: `ŷ = 100 · tanh(z / 100)`).
public let baselineLogitBound: Float = 100

/// `bound · tanh(z / bound)`: keeps logits finite without changing small ones.
@inline(__always)
func softClip(_ z: Float, bound: Float) -> Float { bound * scalarTanh(z / bound) }

@inline(__always)
func loadVector(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
func storeVector(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}

/// Row-broadcast matrix-vector product: `output[j] += Σ_{r < rows} input[r] · weights[r · rowStride + j]`
/// for `j` in `0..<columns`.
///
/// `weights` is row-major (`rows x rowStride`, only the first `columns` of each row are read); input
/// `r` is read at `input[r · inputStride]`. Negative strides sweep the rows backwards (used to
/// alternate the sweep direction, see `PackedMatrix.accumulate`). The columns are swept in blocks of 128 (eight 16-lane accumulators kept in registers across all rows,
/// enough independent FMAs to fill both pipes), then blocks of 16, then a scalar tail.
@inline(__always)
func accumulateRows(
  input: UnsafePointer<Float>, inputStride: Int = 1, rows: Int, weights: UnsafePointer<Float>, rowStride: Int,
  columns: Int, into output: UnsafeMutablePointer<Float>
) {
  baselineKernels.accumulate_rows(input, inputStride, rows, weights, rowStride, columns, output)
}

/// The C kernels of the process's selected path (`KernelPath.selected`): a table of function
/// pointers, written once and only read, so sharing it across threads is safe.
nonisolated(unsafe) let baselineKernels: vsml_kernels = KernelPath.selected.functions.pointee

/// A row-major matrix repacked into column panels for `accumulateRows`: panels of 128 columns,
/// then of 16, then one narrower tail, each stored rows x width contiguously, so that each sweep
/// streams memory sequentially (the strided sweep of a 4H = 512-wide matrix ran at ~20 GB/s).
///
/// The matrix must not be read through it after `deallocate()`.
struct PackedMatrix {
  let rows: Int
  let columns: Int
  /// (first column, width, offset of the panel in `storage`)
  let panels: [(column: Int, width: Int, offset: Int)]
  let storage: UnsafeMutablePointer<Float>

  /// Copies `rows x columns` floats laid out row-major with stride `rowStride`.
  init(_ source: UnsafePointer<Float>, rows: Int, columns: Int, rowStride: Int) {
    self.rows = rows
    self.columns = columns
    var panels: [(column: Int, width: Int, offset: Int)] = []
    var column = 0
    var offset = 0
    for width in [128, 16] {
      while column + width <= columns {
        panels.append((column, width, offset))
        column += width
        offset += width * rows
      }
    }
    if column < columns {
      panels.append((column, columns - column, offset))
      offset += (columns - column) * rows
    }
    self.panels = panels
    storage = allocateFloats(max(offset, 1))
    for panel in panels {
      for r in 0..<rows {
        (storage + panel.offset + r * panel.width).update(
          from: source + r * rowStride + panel.column, count: panel.width)
      }
    }
  }

  func deallocate() { freeFloats(storage) }

  /// `output[0..<columns] += Σ_{r < count} input[r] · M[firstRow + r, :]`.
  ///
  /// `backwards` sweeps the panels and rows in reverse order (same sums, other rounding). A matrix
  /// larger than the L2 cache, swept in alternating directions, starts each sweep on the part the
  /// previous one left in L2 instead of missing on every line (the Meta RNN's 784 x 512 input block
  /// is 1.6 MB against 1 MB of L2).
  @inline(__always)
  func accumulate(
    input: UnsafePointer<Float>, firstRow: Int, count: Int, into output: UnsafeMutablePointer<Float>,
    backwards: Bool = false
  ) {
    guard count > 0 else { return }
    if backwards {
      for panel in panels.reversed() {
        accumulateRows(
          input: input + count - 1, inputStride: -1, rows: count,
          weights: storage + panel.offset + (firstRow + count - 1) * panel.width,
          rowStride: -panel.width, columns: panel.width, into: output + panel.column)
      }
    } else {
      for panel in panels {
        accumulateRows(
          input: input, rows: count, weights: storage + panel.offset + firstRow * panel.width,
          rowStride: panel.width, columns: panel.width, into: output + panel.column)
      }
    }
  }

  /// `output[0..<columns] += M[row, :]`.
  @inline(__always)
  func addRow(_ row: Int, into output: UnsafeMutablePointer<Float>) {
    for panel in panels {
      addScaledRow(1, storage + panel.offset + row * panel.width, count: panel.width, into: output + panel.column)
    }
  }
}

/// Buffers at least this large are placed on 2 MiB-aligned memory and offered to the kernel as
/// transparent huge pages: the hardware prefetchers stop at 4 KiB page boundaries, and a sweep of
/// the 1.9 MB Meta RNN matrix ran ~15 % faster on huge pages (measured, alternating sweeps).
let hugePageThresholdBytes = 1 << 20
let hugePageBytes = 1 << 21

/// Allocates `count` floats (uninitialised); release with `freeFloats`.
func allocateFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
  #if canImport(Glibc)
  let bytes = count * MemoryLayout<Float>.stride
  if bytes >= hugePageThresholdBytes {
    let rounded = (bytes + hugePageBytes - 1) / hugePageBytes * hugePageBytes
    var raw: UnsafeMutableRawPointer? = nil
    if posix_memalign(&raw, hugePageBytes, rounded) == 0, let raw {
      _ = madvise(raw, rounded, MADV_HUGEPAGE)  // advisory: failure just means 4 KiB pages
      return raw.bindMemory(to: Float.self, capacity: count)
    }
  }
  return UnsafeMutableRawPointer(malloc(max(bytes, 1))!).bindMemory(to: Float.self, capacity: count)
  #else
  return .allocate(capacity: count)
  #endif
}

/// Releases a buffer from `allocateFloats`.
func freeFloats(_ pointer: UnsafeMutablePointer<Float>) {
  #if canImport(Glibc)
  free(pointer)
  #else
  pointer.deallocate()
  #endif
}

/// Adds `scale · weights[0..<count]` to `output` (one row of a matrix, e.g. the row of a one-hot input).
@inline(__always)
func addScaledRow(
  _ scale: Float, _ weights: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Float>
) {
  baselineKernels.scale_add(output, 1, weights, scale, count)
}

/// One LSTM cell update from gate pre-activations (Hochreiter & Schmidhuber 1997; Haiku's `LSTM`).
///
/// `gates` holds `4 · units` pre-activations in the order i, g, f, o (each `units` wide):
/// `c ← σ(f + forgetBias) ⊙ c + σ(i) ⊙ tanh(g)`, `h ← σ(o) ⊙ tanh(c)`. `cell` and `hidden` have
/// `units` floats and are updated in place.
@inline(__always)
func lstmUpdate(
  gates: UnsafePointer<Float>, units: Int, forgetBias: Float,
  cell: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>
) {
  let gi = gates, gg = gates + units, gf = gates + 2 * units, go = gates + 3 * units
  var j = 0
  let bias = SIMD16<Float>(repeating: forgetBias)
  while j + 16 <= units {
    let i = vectorSigmoid(loadVector(gi + j))
    let g = vectorTanh(loadVector(gg + j))
    let f = vectorSigmoid(loadVector(gf + j) + bias)
    let o = vectorSigmoid(loadVector(go + j))
    let c = f * loadVector(cell + j) + i * g
    storeVector(c, cell + j)
    storeVector(o * vectorTanh(c), hidden + j)
    j += 16
  }
  while j < units {
    let c = scalarSigmoid(gf[j] + forgetBias) * cell[j] + scalarSigmoid(gi[j]) * scalarTanh(gg[j])
    cell[j] = c
    hidden[j] = scalarSigmoid(go[j]) * scalarTanh(c)
    j += 1
  }
}

/// Fills `buffer` with truncated-normal draws (±2 std), the Haiku default initialiser of a linear
/// layer's weights (std `1/√fan_in`).
func fillTruncatedNormal(
  _ buffer: inout ArraySlice<Float>, std: Float, using generator: inout SeededGenerator
) {
  for i in buffer.indices { buffer[i] = generator.nextTruncatedNormal(std: std) }
}
