import ArgumentParser
import Foundation
import VSML
import VSMLBaselines
import VSMLCore

struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure the inner loop: the fast path over a population, and the float64 reference path, in one run.")

  @Option(help: "Layer sizes: input, hidden..., output.")
  var layers = LayerSizes([784, 10])

  @Option(help: "Learner to measure: vsml (fast and reference paths), or a baseline: \(BaselineModel.allCases.map(\.rawValue).joined(separator: ", ")).")
  var model = "vsml"

  @Option(help: "Independent episodes (parameter sets with their own data) run across threads.")
  var population = 16

  @Option(help: "Examples per episode.")
  var steps = 200

  @Flag(help: "Run the backward sweep after every forward pass (as backprop-deep does).")
  var backwardPass = false

  @Flag(help: "LayerNorm on every outgoing message (model.layerNorm; on by default in gradient meta-training).")
  var layerNorm = false

  @Flag(help: "Measure one gradient meta-step instead: the gradient of the mean loss of --population episodes of --steps examples through the whole episode (checkpointed reverse pass), beside a forward pass of the same episodes, with the process's peak memory.")
  var gradient = false

  @Option(help: "With --gradient: steps between checkpoints (default: the length that minimises memory).")
  var segmentLength: Int?

  @Flag(help: "Also measure this machine's FMA peak on the selected kernel path (and its AMX bf16 peak where available) and report the share reached.")
  var peak = false

  @OptionGroup var compute: ComputeOptions

  @OptionGroup var arithmetic: PrecisionOptions

  @Flag(help: "Print one JSON object.")
  var json = false

  func validate() throws {
    guard model == "vsml" || BaselineModel(rawValue: model) != nil else {
      throw ValidationError("unknown --model '\(model)'; choose vsml or one of \(BaselineModel.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    try requireOption(population, in: OptionLimits.episodes, "population")
    try requireOption(steps, in: OptionLimits.steps, "steps")
    if let segmentLength { try requireOption(segmentLength, in: OptionLimits.steps, "segment-length") }
    if gradient && model != "vsml" { throw ValidationError("--gradient measures the VSML meta-gradient; drop --model \(model)") }
    if gradient && arithmetic.precision != .fp32 { throw ValidationError("--gradient runs in fp32; drop --precision") }
  }

  func run() throws {
    if let baseline = BaselineModel(rawValue: model) {
      let sizes = layers.sizes
      let learner = try baseline.makeLearner(inputSize: sizes.first!, classCount: sizes.last!)
      try MemoryBudget.require(
        learner.episodeMemory(concurrent: min(compute.threads, population), retained: population, length: steps),
        for: "--layers \(layers) with --population \(population), --steps \(steps) on \(compute.threads) threads")
      let r = benchmarkLearner(learner, population: population, steps: steps, threads: compute.threads, seed: compute.seed)
      if json {
        try printJSON([
          "model": model, "input_size": sizes.first!, "classes": sizes.last!, "population": population, "steps": steps,
          "threads": compute.threads, "example_steps_per_s": r.exampleStepsPerSecond, "wall_s": r.seconds,
          "meta_parameters": learner.parameterCount,
        ])
      } else {
        print("\(model): \(sizes.first!) inputs, \(sizes.last!) classes, \(learner.parameterCount) meta-parameters")
        print(String(format: "population %ld, %ld steps, %ld threads: %.0f example-steps/s", population, steps, compute.threads, r.exampleStepsPerSecond))
      }
      return
    }
    let config = VSMLConfiguration(layerSizes: layers.sizes, subRNN: .init(layerNorm: layerNorm), backwardPass: backwardPass)
    let network = try VSMLNetwork(config)
    if gradient { return try runGradient(config, network: network) }
    try MemoryBudget.require(
      MemoryBudget.sum(  // plus the float64 reference path's state, about twice the fast path's
        network.episodeMemory(concurrent: min(compute.threads, population), retained: population, length: steps),
        MemoryBudget.product(network.stateCount, 16)),
      for: "--layers \(layers) with --population \(population), --steps \(steps) on \(compute.threads) threads")
    var bench = VSMLBenchmark(configuration: config, population: population, steps: steps, threads: compute.threads, seed: compute.seed)
    bench.precision = arithmetic.precision
    let r = try bench.run()
    var peakFlops: Double?, amxPeakFlops: Double?
    if peak {
      // One measurement per thread, run at the same time, summed.
      let perThread = ResultSlots<Double>(count: compute.threads)
      parallelFor(count: compute.threads, threads: compute.threads) { perThread[$0] = measureFMAPeak() }
      peakFlops = perThread.values.reduce(0, +)
      if KernelPath.amx.isAvailable {
        let amxThread = ResultSlots<Double>(count: compute.threads)
        parallelFor(count: compute.threads, threads: compute.threads) { amxThread[$0] = KernelPath.amxBF16Peak() ?? 0 }
        amxPeakFlops = amxThread.values.reduce(0, +)
      }
    }
    if json {
      var object: [String: Any] = [
        "layers": layers.sizes, "backward_pass": backwardPass, "layer_norm": layerNorm, "population": population, "steps": steps,
        "threads": compute.threads, "example_steps_per_s": r.exampleStepsPerSecond, "connection_ticks_per_s": r.connectionTicksPerSecond,
        "reference_example_steps_per_s": r.referenceExampleStepsPerSecond, "speedup_vs_reference": r.speedupVsReference,
        "matrix_gflops": r.matrixFlopsPerSecond / 1e9, "wall_s": r.wallSeconds,
        "connection_ticks_per_example": r.connectionTicksPerExample,
        "kernel": arithmetic.precision.kernelName,
        "precision": arithmetic.precision.rawValue, "kernels_available": KernelPath.available.map(\.rawValue),
      ]
      if let amxPeakFlops { object["amx_bf16_peak_gflops"] = amxPeakFlops / 1e9 }
      if let peakFlops {
        object["fma_peak_gflops"] = peakFlops / 1e9
        object["share_of_peak"] = r.matrixFlopsPerSecond / peakFlops
      }
      try printJSON(object)
    } else {
      print("layers \(layers)\(layerNorm ? " with LayerNorm" : ""), population \(population), \(steps) steps, \(compute.threads) threads, kernel \(arithmetic.precision.kernelName), precision \(arithmetic.precision)")
      print(String(format: "fast path       %10.0f example-steps/s  %8.1f M connection-ticks/s", r.exampleStepsPerSecond, r.connectionTicksPerSecond / 1e6))
      print(String(format: "reference path  %10.1f example-steps/s  (float64, scalar)", r.referenceExampleStepsPerSecond))
      print(String(format: "speed-up        %10.0fx", r.speedupVsReference))
      print(String(format: "matrix product  %10.1f GFLOP/s", r.matrixFlopsPerSecond / 1e9))
      if let peakFlops {
        print(String(format: "FMA peak        %10.1f GFLOP/s measured; the matrix product reaches %.0f %%", peakFlops / 1e9, 100 * r.matrixFlopsPerSecond / peakFlops))
      }
      if let amxPeakFlops { print(String(format: "AMX bf16 peak   %10.1f GFLOP/s measured", amxPeakFlops / 1e9)) }
    }
  }

  /// `--gradient`: one meta-step's time and memory.
  private func runGradient(_ config: VSMLConfiguration, network: VSMLNetwork) throws {
    let meta = VSMLMetaGradient(network: network, segmentLength: segmentLength)
    try MemoryBudget.require(
      MemoryBudget.sum(meta.memoryBytes(steps: steps).flatMap { MemoryBudget.product($0, min(compute.threads, population)) },
                       network.episodeMemory(concurrent: min(compute.threads, population), retained: population, length: steps)),
      for: "--gradient --layers \(layers) with --population \(population), --steps \(steps) on \(compute.threads) threads")
    let bench = VSMLGradientBenchmark(
      configuration: config, population: population, steps: steps, threads: compute.threads, seed: compute.seed,
      segmentLength: segmentLength)
    let r = try bench.run()
    let peak = peakResidentBytes()
    if json {
      try printJSON([
        "gradient": true, "layers": layers.sizes, "backward_pass": backwardPass, "layer_norm": layerNorm, "population": population, "steps": steps,
        "threads": compute.threads, "kernel": KernelPath.selected.rawValue,
        "meta_step_s": r.gradientSeconds, "forward_s": r.forwardSeconds, "gradient_over_forward": r.gradientSeconds / r.forwardSeconds,
        "segment_length": r.segmentLength, "tape_bytes_per_episode": r.tapeBytesPerEpisode,
        "checkpoint_bytes_per_episode": r.checkpointBytesPerEpisode, "peak_resident_bytes": peak,
        "gradient_norm": r.gradientNorm, "mean_loss": r.meanLoss,
      ])
    } else {
      print("gradient meta-step: layers \(layers), \(population) episode(s) of \(steps) steps, \(compute.threads) threads, kernel \(KernelPath.selected.rawValue)")
      print(String(format: "meta-step       %8.2f s  (forward pass alone %.2f s: %.1fx)", r.gradientSeconds, r.forwardSeconds, r.gradientSeconds / r.forwardSeconds))
      print(String(format: "memory          %8.1f MiB peak resident; per episode %.1f MiB segment records (%ld steps) + %.1f MiB checkpoints",
                   Double(peak) / 1048576, Double(r.tapeBytesPerEpisode) / 1048576, r.segmentLength, Double(r.checkpointBytesPerEpisode) / 1048576))
      print(String(format: "gradient norm   %8.4g  (mean loss %.4f)", r.gradientNorm, r.meanLoss))
    }
  }
}
