import Foundation
import ProcessSupport
@testable import PagewaitFuzz
import Testing

/// The command-line fuzz target's harness: it must fuzz the real option
/// set, and its checks must be able to fail.
@Suite("fuzz-command-line harness")
struct CommandLineFuzzTests {
    static let fuzzer = CommandLineFuzzer()

    @Test("every fuzzed command's options are read from its help, and each option that takes a value has values to try")
    func optionsFromHelp() {
        for command in Self.fuzzer.commands {
            #expect(!command.options.isEmpty, "\(command.name): no options read from --experimental-dump-help")
            for option in command.options where option.takesValue {
                #expect(!option.values.isEmpty, "\(command.name) \(option.name)")
            }
        }
        let explore = Set((Self.fuzzer.commands.first { $0.name == "explore" }?.options ?? []).map(\.name))
        let expected: Set = ["--shard", "--budget", "--jobs", "--scheduler", "--trace-out"]
        #expect(explore.isSuperset(of: expected))
    }

    @Test("the checks catch what they exist to catch: an undocumented status, a proof for a shard or a budget-cut search, exit 2 without one error line")
    func checksCanFail() {
        func outcome(_ args: [String], _ status: Int32, out: String = "", err: String = "") -> CommandLineFuzzer.Outcome {
            .init(arguments: args, status: status, standardOutput: out, standardError: err)
        }
        let proof = "  verdict: no violation; ... a proof for this scenario (up to ...)\n  states 3000, transitions 9\n"
        #expect(CommandLineFuzzer.check(outcome(["run", "offline"], 64)) != nil)
        #expect(CommandLineFuzzer.check(outcome(["list"], 1)) != nil)
        #expect(CommandLineFuzzer.check(outcome(["run", "x"], 2, err: "no such thing\n")) != nil)
        #expect(CommandLineFuzzer.check(outcome(["explore", "offline", "--shard", "1/2"], 0, out: proof)) != nil)
        #expect(CommandLineFuzzer.check(outcome(["explore", "offline", "--budget", "3000"], 0, out: proof)) != nil)
        #expect(CommandLineFuzzer.check(outcome(["explore", "offline", "--budget", "3001"], 0, out: proof)) == nil)
        #expect(CommandLineFuzzer.check(outcome(["run", "x"], 2, err: "Error: no scenario named 'x'\n")) == nil)
    }

    @Test("random inputs keep every promise (a smoke run of the target's checks; the campaign is docs/fuzzing.md's)")
    func randomInputs() throws {
        // Each input runs in a `pagewait` process of its own: in this process
        // the harness's capture of descriptors 1 and 2 would also catch what
        // the test runner prints for other tests running at the same time.
        let pagewait = try testBuildDirectory().appendingPathComponent("pagewait").path
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<60 {
            var bytes: [UInt8] = []
            for _ in 0..<48 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes.append(UInt8(truncatingIfNeeded: state >> 56))
            }
            let (arguments, scenarioText) = Self.fuzzer.arguments(bytes)
            _ = FileManager.default.createFile(atPath: Self.fuzzer.scenarioFile, contents: Data(scenarioText.utf8))
            let r = try runProcess(pagewait, arguments)
            let outcome = CommandLineFuzzer.Outcome(arguments: arguments, status: r.status, standardOutput: r.stdout, standardError: r.stderr)
            if let what = CommandLineFuzzer.check(outcome) {
                Issue.record("\(CommandLineFuzzer.Problem(arguments: arguments, what: what))")
            }
        }
    }
}
