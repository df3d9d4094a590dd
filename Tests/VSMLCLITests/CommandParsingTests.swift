import ArgumentParser
import XCTest
@testable import vsml

final class CommandParsingTests: XCTestCase {
  func testLayerSizes() {
    XCTAssertEqual(LayerSizes(argument: "784,10")?.sizes, [784, 10])
    XCTAssertEqual(LayerSizes(argument: "784, 32 ,10")?.sizes, [784, 32, 10])
    XCTAssertNil(LayerSizes(argument: "784"))
    XCTAssertNil(LayerSizes(argument: "784,0"))
    XCTAssertNil(LayerSizes(argument: "-3,10"))
    XCTAssertNil(LayerSizes(argument: "a,b"))
    XCTAssertNil(LayerSizes(argument: "784,,10"))
  }

  func testInfoParses() throws {
    let command = try VSMLCommand.parseAsRoot(["info", "--layers", "784,10", "--json"])
    let info = try XCTUnwrap(command as? InfoCommand)
    XCTAssertEqual(info.layers.sizes, [784, 10])
    XCTAssertTrue(info.json)
  }

  func testBenchRejectsBadValues() {
    XCTAssertThrowsError(try VSMLCommand.parseAsRoot(["bench", "--population", "0"]))
    XCTAssertThrowsError(try VSMLCommand.parseAsRoot(["bench", "--steps", "-1"]))
    XCTAssertThrowsError(try VSMLCommand.parseAsRoot(["bench", "--layers", "0,10"]))
    XCTAssertThrowsError(try VSMLCommand.parseAsRoot(["bench", "--threads", "0"]))
    XCTAssertThrowsError(try VSMLCommand.parseAsRoot(["bench", "--model", "nope"]))
    XCTAssertThrowsError(try VSMLCommand.parseAsRoot(["bench", "--unknown-option"]))
    XCTAssertNoThrow(try VSMLCommand.parseAsRoot(["bench", "--model", "meta-rnn", "--population", "64"]))
  }

  func testTrainNeedsExactlyOneOfOutAndResume() {
    XCTAssertThrowsError(try VSMLCommand.parseAsRoot(["train"]))
    XCTAssertThrowsError(try VSMLCommand.parseAsRoot(["train", "--out", "a", "--resume", "b"]))
    XCTAssertThrowsError(try VSMLCommand.parseAsRoot(["train", "--resume", "b", "--set", "es.pairs=2"]))
    XCTAssertThrowsError(try VSMLCommand.parseAsRoot(["train", "--out", "a", "--model", "transformer"]))
    XCTAssertNoThrow(try VSMLCommand.parseAsRoot(["train", "--out", "a", "--iterations", "2", "--set", "es.pairs=2"]))
    XCTAssertNoThrow(try VSMLCommand.parseAsRoot(["train", "--resume", "a", "--iterations", "3"]))
  }

  func testEvaluateNeedsOneLearner() {
    XCTAssertThrowsError(try VSMLCommand.parseAsRoot(["evaluate"]))
    XCTAssertThrowsError(try VSMLCommand.parseAsRoot(["evaluate", "--checkpoint", "init", "--model", "sgd"]))
    XCTAssertThrowsError(try VSMLCommand.parseAsRoot(["evaluate", "--checkpoint", "init", "--split", "train"]))
    let e = try? VSMLCommand.parseAsRoot(["evaluate", "--checkpoint", "init", "--datasets", "fashion-mnist", "--episodes", "2", "--steps", "100", "--json"])
    XCTAssertEqual((e as? EvaluateCommand)?.episodes, 2)
  }

  func testHelpMentionsEveryCommand() {
    let help = VSMLCommand.helpMessage()
    for name in ["info", "bench", "data", "train", "evaluate", "demo"] {
      XCTAssertTrue(help.contains(name), "help lacks \(name)")
    }
  }
}
