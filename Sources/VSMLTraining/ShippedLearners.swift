import Foundation

/// Learned algorithms that ship with the project (safetensors files in the package's resources),
/// addressable by name wherever a checkpoint is accepted.
public enum ShippedLearners {
  /// `scratch`: meta-trained from scratch by ES on MNIST; `backprop` and `backprop-random-init`:
  /// online SGD cloned into the cell (docs/CLONING.md); `improved`: `backprop-random-init`
  /// meta-improved by ES on MNIST; `backprop-deep`: online backprop through a hidden layer of 32
  /// (a [784, 32, 10] network with a backward sweep, two sub-RNN blocks); `general`: a committee
  /// (`CommitteeLearner`) of `backprop-deep` with its eight named gains tuned by ES
  /// (`es.scaleGroups`) on a diverse mixture of images and generated tables without Fashion-MNIST
  /// (experiments/general-tables-deep-scales{,-early}.json) and of `scratch`, their predictions
  /// mixed online by how well each predicts, chosen on validation splits.
  /// docs/RESULTS.md and docs/EXPERIMENTS.md have the command behind each.
  public static let names = ["scratch", "backprop", "backprop-random-init", "improved", "backprop-deep", "general"]
  /// The shipped learner `builtin` stands for: the best one on the validation split.
  public static let builtin = "general"

  /// Path of a shipped learner's file, or nil if `name` is not shipped.
  public static func path(of name: String) -> String? {
    let resolved = name == "builtin" ? builtin : name
    guard names.contains(resolved) else { return nil }
    return Bundle.module.path(forResource: resolved, ofType: "safetensors", inDirectory: "Learners")
  }
}
