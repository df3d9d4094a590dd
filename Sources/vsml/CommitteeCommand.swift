import ArgumentParser
import Foundation
import VSMLCore
import VSMLTraining

struct CommitteeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "committee",
    abstract: "Combine learned learners into one file whose predictions are mixed online (docs/METHOD.md §10).",
    discussion: """
      Each member learns from its own error as it would alone; at every example the committee \
      predicts the members' probabilities mixed by how well each has predicted so far, and after \
      each example gives --share of the weight back to every member evenly (a Bayesian mixture \
      with fixed share). Members are shipped learner names, run directories or .safetensors files \
      of VSML learners. The result is evaluated like any learner: vsml evaluate --checkpoint FILE.
      """)

  @Argument(help: "Two or more learners: shipped name, run directory or .safetensors file.")
  var members: [String]

  @Option(help: "Fraction of the weight spread evenly over the members after each example, in [0, 1).")
  var share = ModelConfiguration.defaultShare

  @Option(help: "The .safetensors file to write (atomically).")
  var out: String

  @Flag(help: "Print one JSON object.")
  var json = false

  func validate() throws {
    guard members.count >= 2 else { throw ValidationError("give at least two members; got \(members.count)") }
    guard share.isFinite, share >= 0, share < 1 else { throw ValidationError("--share must lie in [0, 1); got \(share)") }
  }

  func run() throws {
    let learned = try members.map { try LearnedParameters(contentsOf: try LearnerSource.learnedFile($0)) }
    let committee = try LearnedParameters.committee(of: learned, share: share)
    // Members' VSML tensors do not depend on the data shape; the file records the default one.
    try committee.write(to: out, inputSize: LearnedParameters.defaultInputSize, classCount: LearnedParameters.defaultClassCount)
    if json {
      try printJSON(["out": out, "members": members, "share": share, "meta_parameters": committee.parameters.count])
    } else {
      print("wrote \(out): a committee of \(members.joined(separator: ", ")) (share \(share), \(committee.parameters.count) meta-parameters)")
    }
  }
}
