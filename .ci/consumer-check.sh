#!/usr/bin/env bash
# Builds a throwaway package that depends on this repository by a file:// URL and a tag, as a
# user's package would, and runs one tiny episode through it. Fails if the package cannot be
# depended on (for example, because of unsafe build flags) or the episode does not run.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A clone of the committed tree, tagged so that `from:` can resolve it.
git clone -q "$repo" "$work/vsml-swift"
git -C "$work/vsml-swift" tag -f 0.1.0 >/dev/null
mkdir -p "$work/consumer/Sources/consumer"
cat > "$work/consumer/Package.swift" <<PKG
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
  name: "consumer",
  dependencies: [.package(url: "file://$work/vsml-swift", from: "0.1.0")],
  targets: [
    .executableTarget(name: "consumer", dependencies: [.product(name: "VSML", package: "vsml-swift")]),
    // The ES library alone: no VSML, data or training modules.
    .executableTarget(name: "es-only", dependencies: [.product(name: "Evolution", package: "vsml-swift")]),
  ]
)
PKG
mkdir -p "$work/consumer/Sources/es-only"
cat > "$work/consumer/Sources/es-only/main.swift" <<'SWIFT'
import Evolution

// OpenAI-ES on a 10-dimensional sphere: ask, evaluate, tell.
var es = try OpenAIES(setup: .init(dimension: 10, pairs: 8, seed: 3), hyperparameters: .init(learningRate: 0.05), initialMean: [Float](repeating: 1, count: 10))
func sphere(_ x: [Float]) -> Float { x.reduce(0) { $0 + $1 * $1 } }
let start = sphere(es.mean)
for _ in 0..<100 { _ = es.tell(fitness: (0..<es.populationSize).map { sphere(es.member($0)) }, threads: 1) }
print("es-only: sphere \(start) -> \(sphere(es.mean))")
guard sphere(es.mean) < start / 2 else { fatalError("ES did not descend") }
SWIFT
cat > "$work/consumer/Sources/consumer/main.swift" <<'SWIFT'
import VSML
import VSMLCore

let network = try VSMLNetwork(VSMLConfiguration(layerSizes: [8, 3]))
var generator = SeededGenerator(seed: 1)
let parameters = network.initialParameters(using: &generator)
let steps = 20
let episode = Episode(
  inputs: (0..<(steps * 8)).map { _ in generator.nextNormal() },
  labels: (0..<steps).map { Int32($0 % 3) }, inputSize: 8, classCount: 3)
let result = parameters.withUnsafeBufferPointer {
  network.run(episode: episode, parameters: $0, stateSeed: 0, recordLogits: false)
}
print("consumer: kernel \(network.kernel), mean loss \(result.meanLoss)")
guard result.meanLoss.isFinite, result.meanLoss > 0 else { fatalError("episode gave a bad loss") }
SWIFT
cd "$work/consumer"
swift build -c release 2>&1 | tail -3
.build/release/consumer
.build/release/es-only
