// swift-tools-version: 6.1
import PackageDescription

// Vector code generation. A plain release build (no target CPU) lowers every
// `SIMD16<Float>` fused multiply-add to 16 libm `fmaf` calls, about 100x slower
// (see docs/PERFORMANCE.md). `-target-cpu native` selects AVX-512 or AVX2+FMA on
// x86-64 and the host's features elsewhere; set VSML_TARGET_CPU to override it
// (for example `haswell` to build a binary for older x86-64 machines), or to
// `none` to leave the compiler's default.
let targetCPU: String? = {
  let requested = Context.environment["VSML_TARGET_CPU"] ?? "native"
  return requested == "none" ? nil : requested
}()

// Debug builds are optimised too: SIMD code and the float64 reference path run 50-100x slower
// unoptimised, which would make `swift test` take far longer than the few minutes it is allowed.
let fastMath: [SwiftSetting] =
  (targetCPU.map { [.unsafeFlags(["-target-cpu", $0])] } ?? [])
  + [
    .unsafeFlags(["-O"], .when(configuration: .debug)),
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
  ]

// The C kernels get the same CPU: `-march` takes the names `-target-cpu` takes.
let kernelFlags: [CSetting] =
  [.unsafeFlags(["-O3"])] + (targetCPU.map { [.unsafeFlags(["-march=\($0)"])] } ?? [])

let package = Package(
  name: "vsml-swift",
  products: [
    .library(name: "VSML", targets: ["VSMLCore", "VSML", "Evolution", "VSMLData", "VSMLBaselines", "VSMLTraining"]),
    .executable(name: "vsml", targets: ["vsml"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    .target(name: "CVSMLKernels", cSettings: kernelFlags),
    .target(name: "VSMLCore", swiftSettings: fastMath),
    .target(name: "VSML", dependencies: ["VSMLCore", "CVSMLKernels"], swiftSettings: fastMath),
    .target(name: "Evolution", dependencies: ["VSMLCore"], swiftSettings: fastMath),
    .target(name: "VSMLData", dependencies: ["VSMLCore", "CZlib"], swiftSettings: fastMath),
    .target(name: "VSMLBaselines", dependencies: ["VSMLCore", "VSML"], swiftSettings: fastMath),
    .target(
      name: "VSMLTraining",
      dependencies: ["VSMLCore", "VSML", "Evolution", "VSMLData", "VSMLBaselines"],
      resources: [.copy("Learners")],
      swiftSettings: fastMath),
    .executableTarget(
      name: "vsml",
      dependencies: [
        "VSMLCore", "VSML", "Evolution", "VSMLData", "VSMLBaselines", "VSMLTraining",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: fastMath),
    .testTarget(name: "VSMLCoreTests", dependencies: ["VSMLCore"], swiftSettings: fastMath),
    .testTarget(name: "VSMLTests", dependencies: ["VSMLCore", "VSML"], swiftSettings: fastMath),
    .testTarget(name: "EvolutionTests", dependencies: ["VSMLCore", "Evolution"], swiftSettings: fastMath),
    .testTarget(name: "VSMLDataTests", dependencies: ["VSMLCore", "VSMLData"], swiftSettings: fastMath),
    .testTarget(
      name: "VSMLBaselinesTests", dependencies: ["VSMLCore", "VSML", "VSMLBaselines"], swiftSettings: fastMath),
    .testTarget(
      name: "VSMLTrainingTests",
      dependencies: ["VSMLCore", "VSML", "Evolution", "VSMLData", "VSMLBaselines", "VSMLTraining"],
      swiftSettings: fastMath),
    .testTarget(name: "VSMLCLITests", dependencies: ["vsml"], swiftSettings: fastMath),
  ],
  swiftLanguageModes: [.v5]
)
