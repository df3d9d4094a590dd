import VSMLCore

/// One preprocessing or augmentation step of a task (METHOD.md §6), applied per example while an
/// episode is built (the dataset itself is never copied or changed).
///
/// Steps run in the order listed in `TaskSpec.transforms`, after scaling to [0, 1] and
/// standardising with the dataset's published mean/std. JSON form (synthesised `Codable`):
/// `{"resize": {"side": 14}}`, `{"grayscale": {}}`, `{"permute": {"seed": 3}}`.
public enum Transform: Codable, Hashable, Sendable {
  /// Bilinear resize of each channel to `side x side` (half-pixel centres, as `tf.image.resize`).
  /// Image input only.
  case resize(side: Int)
  /// Mean over the channels (`C x H x W` to `1 x H x W`). Image input only.
  case grayscale
  /// Zero-pads each channel, centred, to `side x side` (`side` >= height and width). Image input only.
  case padImage(side: Int)
  /// Zero-pads the flattened example at its end to `count` features (`count` >= current size).
  case padFeatures(count: Int)
  /// A fixed random permutation of the flattened features ("pixel shuffling"), from `seed`.
  case permute(seed: UInt64)
  /// Multiplies the flattened example `x` (`1 x d`) by one Glorot-uniform `d x d` matrix
  /// drawn from `seed` (entries U(-sqrt(6 / 2d), +sqrt(6 / 2d))): `y = x · W`.
  case project(seed: UInt64)

  /// Short name used in error field paths.
  var key: String {
    switch self {
    case .resize: return "resize"
    case .grayscale: return "grayscale"
    case .padImage: return "padImage"
    case .padFeatures: return "padFeatures"
    case .permute: return "permute"
    case .project: return "project"
    }
  }

  /// Largest side accepted by `resize` / `padImage` (guards against typos allocating gigabytes).
  public static let maximumSide = 1024
  /// Largest feature count accepted by `padFeatures` and produced by `project`.
  public static let maximumFeatures = 1 << 20

  /// The shape and kind after this step, or an `invalidTask` error naming `field`.
  func output(from shape: ExampleShape, kind: Dataset.Kind, field: String) throws -> (ExampleShape, Dataset.Kind) {
    func requireImage() throws {
      guard kind == .image else {
        throw DataError.invalidTask(field: field, reason: "needs image input, but the data is flat here (tabular data, or after permute/project/padFeatures)")
      }
    }
    switch self {
    case .resize(let side):
      try requireImage()
      guard side >= 1 && side <= Self.maximumSide else {
        throw DataError.invalidTask(field: field + ".side", reason: "must be in 1...\(Self.maximumSide), got \(side)")
      }
      return (ExampleShape(channels: shape.channels, height: side, width: side), .image)
    case .grayscale:
      try requireImage()
      return (ExampleShape(channels: 1, height: shape.height, width: shape.width), .image)
    case .padImage(let side):
      try requireImage()
      guard side >= max(shape.height, shape.width) && side <= Self.maximumSide else {
        throw DataError.invalidTask(
          field: field + ".side",
          reason: "must be at least the image size \(shape.height)x\(shape.width) and at most \(Self.maximumSide), got \(side); resize first to shrink")
      }
      return (ExampleShape(channels: shape.channels, height: side, width: side), .image)
    case .padFeatures(let count):
      guard count >= shape.featureCount && count <= Self.maximumFeatures else {
        throw DataError.invalidTask(
          field: field + ".count", reason: "must be at least the current \(shape.featureCount) features and at most \(Self.maximumFeatures), got \(count)")
      }
      return (.flat(count), .tabular)
    case .permute:
      return (.flat(shape.featureCount), .tabular)
    case .project:
      guard shape.featureCount <= 4096 else {
        throw DataError.invalidTask(field: field, reason: "a \(shape.featureCount) x \(shape.featureCount) projection is too large; resize first (at most 4096 features)")
      }
      return (.flat(shape.featureCount), .tabular)
    }
  }
}

/// A transform compiled for a fixed input shape: index tables, permutation or matrix precomputed.
struct CompiledTransform: Sendable {
  enum Step: Sendable {
    /// Per axis: source indices `lo`, `hi` and weight of `hi`, for each output row / column.
    case resize(channels: Int, inHeight: Int, inWidth: Int, rows: [(Int, Int, Float)], cols: [(Int, Int, Float)])
    case grayscale(channels: Int, plane: Int)
    case padImage(channels: Int, inHeight: Int, inWidth: Int, side: Int)
    case padFeatures(from: Int, to: Int)
    case permute([Int32])
    case project(matrix: [Float], dimension: Int)
  }

  let step: Step
  let inputCount: Int
  let outputCount: Int

  /// Compiles `transform` for examples of `shape`. The shape must already be validated.
  init(_ transform: Transform, shape: ExampleShape, output: ExampleShape) {
    inputCount = shape.featureCount
    outputCount = output.featureCount
    switch transform {
    case .resize(let side):
      step = .resize(
        channels: shape.channels, inHeight: shape.height, inWidth: shape.width,
        rows: Self.bilinearAxis(from: shape.height, to: side), cols: Self.bilinearAxis(from: shape.width, to: side))
    case .grayscale:
      step = .grayscale(channels: shape.channels, plane: shape.height * shape.width)
    case .padImage(let side):
      step = .padImage(channels: shape.channels, inHeight: shape.height, inWidth: shape.width, side: side)
    case .padFeatures(let count):
      step = .padFeatures(from: shape.featureCount, to: count)
    case .permute(let seed):
      var rng = SeededGenerator(seed: seed, stream: .permutation)
      var order = (0..<Int32(shape.featureCount)).map { $0 }
      for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
      step = .permute(order)
    case .project(let seed):
      let d = shape.featureCount
      var rng = SeededGenerator(seed: seed, stream: .projection)
      let limit = (6 / Float(d + d)).squareRoot()
      let matrix = (0..<(d * d)).map { _ in (rng.nextUnitFloat() * 2 - 1) * limit }
      step = .project(matrix: matrix, dimension: d)
    }
  }

  /// Stream tags so a permutation and a projection with the same seed are independent.

  /// Source taps for one axis of a half-pixel-centred bilinear resize.
  static func bilinearAxis(from n: Int, to m: Int) -> [(Int, Int, Float)] {
    let scale = Float(n) / Float(m)
    return (0..<m).map { i in
      let x = min(max((Float(i) + 0.5) * scale - 0.5, 0), Float(n - 1))
      let lo = Int(x)
      let hi = min(lo + 1, n - 1)
      return (lo, hi, x - Float(lo))
    }
  }

  /// Applies the step: reads `inputCount` values from `x`, writes `outputCount` to `y`.
  func apply(_ x: UnsafeMutableBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) {
    switch step {
    case .resize(let channels, let h, let w, let rows, let cols):
      let side = cols.count
      for c in 0..<channels {
        let src = x.baseAddress! + c * h * w
        let dst = y.baseAddress! + c * rows.count * side
        for (r, (r0, r1, fr)) in rows.enumerated() {
          for (q, (c0, c1, fc)) in cols.enumerated() {
            let top = src[r0 * w + c0] + (src[r0 * w + c1] - src[r0 * w + c0]) * fc
            let bottom = src[r1 * w + c0] + (src[r1 * w + c1] - src[r1 * w + c0]) * fc
            dst[r * side + q] = top + (bottom - top) * fr
          }
        }
      }
    case .grayscale(let channels, let plane):
      let inv = 1 / Float(channels)
      for i in 0..<plane {
        var s: Float = 0
        for c in 0..<channels { s += x[c * plane + i] }
        y[i] = s * inv
      }
    case .padImage(let channels, let h, let w, let side):
      let top = (side - h) / 2, left = (side - w) / 2
      for i in 0..<(channels * side * side) { y[i] = 0 }
      for c in 0..<channels {
        for r in 0..<h {
          for q in 0..<w { y[c * side * side + (r + top) * side + q + left] = x[c * h * w + r * w + q] }
        }
      }
    case .padFeatures(let from, let to):
      for i in 0..<from { y[i] = x[i] }
      for i in from..<to { y[i] = 0 }
    case .permute(let order):
      order.withUnsafeBufferPointer { p in
        for i in p.indices { y[i] = x[Int(p[i])] }
      }
    case .project(let matrix, let d):
      for j in 0..<d { y[j] = 0 }
      matrix.withUnsafeBufferPointer { m in
        for i in 0..<d {
          let xi = x[i]
          if xi == 0 { continue }
          let row = m.baseAddress! + i * d
          for j in 0..<d { y[j] += xi * row[j] }
        }
      }
    }
  }
}
