/// Zero-initialised, 64-byte aligned Float storage for kernels (one cache line, one AVX-512
/// vector), freed with its owner.
package final class AlignedBuffer: @unchecked Sendable {
  /// Alignment of the storage in bytes: one cache line.
  package static let alignment = 64
  package let pointer: UnsafeMutablePointer<Float>
  package let count: Int

  package init(count: Int) {
    precondition(count >= 0, "count must be >= 0")
    self.count = count
    let raw = UnsafeMutableRawPointer.allocate(
      byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: Self.alignment)
    pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    pointer.initialize(repeating: 0, count: max(count, 1))
  }

  deinit { pointer.deallocate() }

  package var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

  /// Sets every element to zero.
  package func zero() { pointer.update(repeating: 0, count: count) }
}
