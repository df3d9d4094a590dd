// swift-tools-version: 6.1
import PackageDescription

// No build flags: the package builds for the toolchain's default target, so that other packages
// can depend on it and one binary runs on any CPU of its architecture. The hot loops are C
// kernels compiled once per instruction set (per-function target attributes) and chosen at run
// time; see Sources/CVSMLKernels and docs/PERFORMANCE.md.
let package = Package(
  name: "vsml-swift",
  products: [
    // One product per module, so that a package can depend on the ES library or the data
    // readers alone; each brings the modules it needs.
    .library(name: "VSMLCore", targets: ["VSMLCore"]),
    .library(name: "VSML", targets: ["VSML"]),
    .library(name: "Evolution", targets: ["Evolution"]),
    .library(name: "VSMLData", targets: ["VSMLData"]),
    .library(name: "VSMLBaselines", targets: ["VSMLBaselines"]),
    .library(name: "VSMLCloning", targets: ["VSMLCloning"]),
    .library(name: "VSMLReports", targets: ["VSMLReports"]),
    .library(name: "VSMLTraining", targets: ["VSMLTraining"]),
    .library(name: "VSMLMPI", targets: ["VSMLMPI"]),
    .executable(name: "vsml", targets: ["vsml"]),
  ],
  // `swift build -c release --traits MPI` builds vsml with Open MPI ranks (needs libopenmpi-dev);
  // without the trait nothing of MPI is compiled or linked.
  traits: [
    .trait(name: "MPI", description: "Open MPI ranks for vsml train and evaluate (needs Open MPI's headers and library)."),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
  ],
  targets: [
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    .target(name: "CVSMLKernels", exclude: ["internal"]),
    // Downloads through the system's libcurl, loaded at run time (Sources/CHTTP/chttp.c).
    .target(name: "CHTTP", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
    .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
    .target(name: "VSMLMPI", dependencies: ["VSMLCore", .target(name: "CMPI", condition: .when(traits: ["MPI"]))]),
    .target(name: "VSMLCore"),
    .target(name: "VSML", dependencies: ["VSMLCore", "CVSMLKernels"]),
    .target(name: "Evolution", dependencies: ["VSMLCore"]),
    .target(name: "VSMLData", dependencies: ["VSMLCore", "CZlib", "CHTTP"]),
    .target(name: "VSMLBaselines", dependencies: ["VSMLCore", "VSML", "CVSMLKernels"]),
    // Backpropagation cloned into the sub-RNN (docs/CLONING.md): teachers, scaffolds, gradient cloning.
    .target(name: "VSMLCloning", dependencies: ["VSMLCore", "VSML", "Evolution", "VSMLData"]),
    // Statistics, SVG plots and heat maps of the reports (no dependency beyond VSMLCore).
    .target(name: "VSMLReports", dependencies: ["VSMLCore"]),
    .target(
      name: "VSMLTraining",
      dependencies: ["VSMLCore", "VSML", "Evolution", "VSMLData", "VSMLBaselines", "VSMLCloning", "VSMLReports", .product(name: "Yams", package: "Yams")],
      resources: [.copy("Learners")]),
    .executableTarget(
      name: "vsml",
      dependencies: [
        "VSMLCore", "VSML", "Evolution", "VSMLData", "VSMLBaselines", "VSMLCloning", "VSMLReports", "VSMLTraining",
        .target(name: "VSMLMPI", condition: .when(traits: ["MPI"])),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // Fuzz targets of the parsers: replays inputs in a normal build; built with
    // `-sanitize=fuzzer -DFUZZING` it is a libFuzzer binary (docs/RELIABILITY.md).
    .executableTarget(name: "VSMLFuzz", dependencies: ["VSMLCore", "VSMLData", "VSMLTraining"]),
    .testTarget(name: "VSMLCoreTests", dependencies: ["VSMLCore"]),
    .testTarget(name: "VSMLTests", dependencies: ["VSMLCore", "VSML"]),
    .testTarget(name: "EvolutionTests", dependencies: ["VSMLCore", "Evolution"]),
    .testTarget(name: "VSMLDataTests", dependencies: ["VSMLCore", "VSMLData"]),
    .testTarget(name: "VSMLReportsTests", dependencies: ["VSMLCore", "VSMLReports"]),
    .testTarget(name: "VSMLBaselinesTests", dependencies: ["VSMLCore", "VSML", "VSMLBaselines"]),
    .testTarget(
      name: "VSMLTrainingTests",
      dependencies: ["VSMLCore", "VSML", "Evolution", "VSMLData", "VSMLBaselines", "VSMLCloning", "VSMLReports", "VSMLTraining"]),
    .testTarget(name: "VSMLCLITests", dependencies: ["vsml"]),
  ],
  swiftLanguageModes: [.v6]
)
