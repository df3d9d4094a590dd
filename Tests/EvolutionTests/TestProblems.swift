import VSMLCore

/// Known-answer objectives for strategy tests; each has its minimum 0 at the origin.
enum TestProblems {
  /// f(x) = Σ x_i².
  static func sphere(_ x: [Float]) -> Float {
    x.reduce(0) { $0 + $1 * $1 }
  }

  /// f(x) = Σ_i c_i (Q x)_i² with c_i spaced log-uniformly from 1 to `condition` and Q a random
  /// orthogonal matrix (Gram–Schmidt of a seeded Gaussian matrix), so the axes are not aligned.
  struct RotatedQuadratic {
    let dimension: Int
    let rotation: [[Double]]
    let scales: [Double]

    init(dimension: Int, condition: Double, seed: UInt64) {
      self.dimension = dimension
      var generator = SeededGenerator(seed: seed)
      var rows: [[Double]] = []
      while rows.count < dimension {
        var v = (0..<dimension).map { _ in generator.nextNormalDouble() }
        for r in rows {
          let dot = zip(v, r).reduce(0) { $0 + $1.0 * $1.1 }
          for j in 0..<dimension { v[j] -= dot * r[j] }
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 1e-6 { rows.append(v.map { $0 / norm }) }
      }
      rotation = rows
      scales = (0..<dimension).map { i in
        dimension == 1 ? 1 : _exp(_log(condition) * Double(i) / Double(dimension - 1))
      }
    }

    func callAsFunction(_ x: [Float]) -> Float {
      var total = 0.0
      for i in 0..<dimension {
        let y = zip(rotation[i], x).reduce(0) { $0 + $1.0 * Double($1.1) }
        total += scales[i] * y * y
      }
      return Float(total)
    }
  }
}
