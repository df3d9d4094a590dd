#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 (FIPS 180-4), streaming. Used to check downloads against the publishers' sums.
///
/// ```
/// var hasher = SHA256()
/// hasher.update(bytes)
/// let hex = hasher.finalizeHex()   // 64 lowercase hex digits
/// ```
package struct SHA256: Sendable {
  /// Bytes per compression block.
  static let blockSize = 64

  private var state: [UInt32] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]
  private var pending: [UInt8] = []
  private var totalBytes: UInt64 = 0

  package init() { pending.reserveCapacity(Self.blockSize) }

  /// Adds bytes to the message.
  package mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 0, let base = bytes.baseAddress else { return }
    totalBytes &+= UInt64(bytes.count)
    var offset = 0
    if !pending.isEmpty {
      let take = min(Self.blockSize - pending.count, bytes.count)
      pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
      offset = take
      if pending.count == Self.blockSize {
        pending.withUnsafeBytes { Self.compress(&state, blocks: $0.baseAddress!, count: 1) }
        pending.removeAll(keepingCapacity: true)
      }
    }
    let whole = (bytes.count - offset) / Self.blockSize
    if whole > 0 {
      Self.compress(&state, blocks: base + offset, count: whole)
      offset += whole * Self.blockSize
    }
    if offset < bytes.count {
      pending.append(contentsOf: UnsafeRawBufferPointer(start: base + offset, count: bytes.count - offset))
    }
  }

  /// Adds bytes to the message.
  package mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  /// Pads the message and returns the 32-byte digest. The hasher must not be used afterwards.
  package mutating func finalize() -> [UInt8] {
    let bitLength = totalBytes &* 8
    var tail = pending
    tail.append(0x80)
    while tail.count % Self.blockSize != 56 { tail.append(0) }
    for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
    tail.withUnsafeBytes { Self.compress(&state, blocks: $0.baseAddress!, count: $0.count / Self.blockSize) }
    pending.removeAll()
    var digest: [UInt8] = []
    digest.reserveCapacity(32)
    for word in state {
      digest.append(UInt8(word >> 24)); digest.append(UInt8(truncatingIfNeeded: word >> 16))
      digest.append(UInt8(truncatingIfNeeded: word >> 8)); digest.append(UInt8(truncatingIfNeeded: word))
    }
    return digest
  }

  /// Like `finalize()`, as 64 lowercase hex digits.
  package mutating func finalizeHex() -> String { Self.hex(finalize()) }

  /// The digest of `bytes` as lowercase hex.
  package static func hexDigest(_ bytes: [UInt8]) -> String {
    var hasher = SHA256()
    hasher.update(bytes)
    return hasher.finalizeHex()
  }

  /// The digest of the file at `path` as lowercase hex, read in 1 MiB chunks.
  package static func hexDigest(ofFile path: String) throws -> String {
    guard FileIO.isFile(path) else {
      if FileIO.isDirectory(path) { throw DataError.unreadable(path: path, reason: "is a directory") }
      throw DataError.fileNotFound(path: path)
    }
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw DataError.unreadable(path: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    let chunk = 1 << 20
    var buffer = [UInt8](repeating: 0, count: chunk)
    var hasher = SHA256()
    while true {
      let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, chunk) }
      if n < 0 {
        if errno == EINTR { continue }
        throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
      }
      if n == 0 { break }
      buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }
    return hasher.finalizeHex()
  }

  static func hex(_ bytes: [UInt8]) -> String {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
    return String(decoding: out, as: UTF8.self)
  }

  /// Round constants: the first 32 bits of the fractional parts of the cube roots of the first
  /// 64 primes (FIPS 180-4 §4.2.2).
  private static let k: [UInt32] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]

  private static func compress(_ state: inout [UInt32], blocks: UnsafeRawPointer, count: Int) {
    @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
    let bytes = blocks.assumingMemoryBound(to: UInt8.self)
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
      k.withUnsafeBufferPointer { k in
        state.withUnsafeMutableBufferPointer { h in
          for block in 0..<count {
            let p = bytes + block * blockSize
            for i in 0..<16 {
              w[i] = UInt32(p[4 * i]) << 24 | UInt32(p[4 * i + 1]) << 16 | UInt32(p[4 * i + 2]) << 8 | UInt32(p[4 * i + 3])
            }
            for i in 16..<64 {
              let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
              let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
              w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
            for i in 0..<64 {
              let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
              let ch = (e & f) ^ (~e & g)
              let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
              let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
              let maj = (a & b) ^ (a & c) ^ (b & c)
              let t2 = s0 &+ maj
              hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
            }
            h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
          }
        }
      }
    }
  }
}
