// swift-tools-version: 6.1
import PackageDescription

// No build flags: the package builds for the toolchain's default target, so that other packages
// can depend on it and one binary runs on any CPU of its architecture. The hot loops are C
// kernels compiled once per instruction set (per-function target attributes) and chosen at run
// time; see Sources/CVSMLKernels and docs/PERFORMANCE.md.
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
    .target(name: "CVSMLKernels", exclude: ["internal"]),
    .target(name: "VSMLCore"),
    .target(name: "VSML", dependencies: ["VSMLCore", "CVSMLKernels"]),
    .target(name: "Evolution", dependencies: ["VSMLCore"]),
    .target(name: "VSMLData", dependencies: ["VSMLCore", "CZlib"]),
    .target(name: "VSMLBaselines", dependencies: ["VSMLCore", "VSML", "CVSMLKernels"]),
    .target(
      name: "VSMLTraining",
      dependencies: ["VSMLCore", "VSML", "Evolution", "VSMLData", "VSMLBaselines"],
      resources: [.copy("Learners")]),
    .executableTarget(
      name: "vsml",
      dependencies: [
        "VSMLCore", "VSML", "Evolution", "VSMLData", "VSMLBaselines", "VSMLTraining",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .testTarget(name: "VSMLCoreTests", dependencies: ["VSMLCore"]),
    .testTarget(name: "VSMLTests", dependencies: ["VSMLCore", "VSML"]),
    .testTarget(name: "EvolutionTests", dependencies: ["VSMLCore", "Evolution"]),
    .testTarget(name: "VSMLDataTests", dependencies: ["VSMLCore", "VSMLData"]),
    .testTarget(name: "VSMLBaselinesTests", dependencies: ["VSMLCore", "VSML", "VSMLBaselines"]),
    .testTarget(
      name: "VSMLTrainingTests",
      dependencies: ["VSMLCore", "VSML", "Evolution", "VSMLData", "VSMLBaselines", "VSMLTraining"]),
    .testTarget(name: "VSMLCLITests", dependencies: ["vsml"]),
  ],
  swiftLanguageModes: [.v5]
)
