// Every command the tool prints for the user to run is run here, through a
// shell as the user pastes it, and must reproduce what was reported: the
// same violation at the same step, the same first sign.

import Foundation
import Testing
@testable import PagewaitCommands

/// Run `command` with /bin/sh, the `pagewait` under test first on PATH.
func runShell(_ command: String) throws -> ProcessOutput {
    let path = try testBuildDirectory().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    return try runProcess("/bin/sh", ["-c", command], environment: ["PATH": path])
}

/// The text after `prefix` on the first line that starts with it (after indentation).
func field(_ prefix: String, in text: String) -> String? {
    text.split(separator: "\n").lazy.map { $0.drop { $0 == " " } }.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
}

/// Each printed command (`label: pagewait ...`) with the finding it
/// reproduces (the nearest line above it that is not indented) and the
/// first sign printed with it, if any.
func printedCommands(_ text: String, label: String) -> [(above: String, command: String, firstSign: String?)] {
    let lines = text.split(separator: "\n").map(String.init)
    return lines.indices.dropFirst().compactMap { i in
        let line = lines[i].drop { $0 == " " }
        guard line.hasPrefix("\(label): pagewait ") else { return nil }
        let finding = lines[..<i].lastIndex { !$0.hasPrefix(" ") } ?? 0
        let between = lines[(finding + 1)..<i].joined(separator: "\n")
        return (lines[finding], String(line.dropFirst("\(label): ".count)), field("first sign: ", in: between))
    }
}

@Suite("printed commands reproduce what was reported")
struct PrintedCommandTests {
    /// A scenario file in a directory whose name needs quoting.
    static func raceFile(_ dir: URL) throws -> String {
        let path = dir.appendingPathComponent("my race.toml").path
        try "name = \"my-race\"\nbase = \"reclaim-race\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Run explore's replay line and check it reports explore's violation
    /// and first sign, at the same steps.
    static func checkExploreReplay(_ explore: ProcessOutput) throws {
        #expect(explore.status == 1, "\(explore)")
        let violation = try #require(field("verdict: VIOLATION ", in: explore.stdout))
        let firstSign = field("first sign: ", in: explore.stdout)
        let command = try #require(field("replay: ", in: explore.stdout))
        let replay = try runShell(command)
        #expect(replay.status == 1, "\(command)\n\(replay)")
        #expect(field("violation: ", in: replay.stdout) == violation, "\(command)")
        let replayed = field("note: first sign, at step ", in: replay.stdout)
        #expect(replayed?.split(separator: ":", maxSplits: 1).last.map { $0.dropFirst() }.map(String.init) == firstSign, "\(command)")
        if let firstSign, let replayed {
            // "at step N" means the same in both.
            #expect(firstSign.contains("at step \(replayed.prefix { $0 != ":" }):"), "\(firstSign) vs \(replayed)")
        }
    }

    @Test("explore of a scenario file: the replay line names the file, quoted, and reproduces the violation and its first sign at the same steps")
    func exploreScenarioFile() throws {
        let dir = try scratchDirectory("printed-explore")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try Self.raceFile(dir)
        let r = try runPagewait(["explore", file, "--strategy", "put-and-wait-unlockless", "--quiet"])
        let command = try #require(field("replay: ", in: r.stdout))
        #expect(command.contains(shellQuoted(file)), "\(command)")
        #expect(field("first sign: ", in: r.stdout) != nil, "\(r)")
        try Self.checkExploreReplay(r)
    }

    @Test("explore --scheduler random with parameters and timing: the replay line keeps them and reproduces")
    func exploreRandom() throws {
        let r = try runPagewait(["explore", "reclaim-race", "--strategy", "put-and-wait-unlockless", "--scheduler", "random",
                                 "--param", "preemptInWindow=1000", "--preempt-length", "400", "--quiet"])
        #expect(field("replay: ", in: r.stdout)?.contains("--param preemptInWindow=1000") == true, "\(r)")
        try Self.checkExploreReplay(r)
    }

    @Test("explore with a plugin: the replay line loads it and reproduces")
    func explorePlugin() throws {
        let plugin = try Installation.plugin.get()
        let r = try runPagewait(["explore", "reclaim-race", "--strategy", "c-unlockless", "--plugin", plugin, "--param", "think=1", "--quiet"])
        #expect(field("replay: ", in: r.stdout)?.contains("--plugin") == true, "\(r)")
        try Self.checkExploreReplay(r)
    }

    @Test("run's replay line keeps the scenario file, mappings, timing, step budget and seed, and reproduces the first failure")
    func runReplay() throws {
        let dir = try scratchDirectory("printed-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("busy page.toml").path
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("Examples/scenarios/busy-page.toml").path, toPath: file)
        let r = try runPagewait(["run", file, "--strategy", "drop-loops", "--mappings", "3", "--wake-latency", "5",
                                 "--max-steps", "50000", "--seed", "7", "--seeds", "30"])
        #expect(r.status == 1, "\(r)")
        let failure = try #require(field("first failure (seed ", in: r.stdout)).split(separator: ":", maxSplits: 1)[1].dropFirst()
        let firstSign = field("first sign: ", in: r.stdout)
        let command = try #require(field("replay: ", in: r.stdout))
        #expect(command.contains(shellQuoted(file)), "\(command)")
        let replay = try runShell(command)
        #expect(replay.status == 1, "\(replay)")
        #expect(field("violation: ", in: replay.stdout) == String(failure), "\(command)")
        #expect(field("note: first sign, at step ", in: replay.stdout).map { String($0.drop { $0 != ":" }.dropFirst(2)) } == firstSign, "\(command)")
    }

    @Test("run whose first failure is the PG_waiters diagnostic prints what its replay line reports: the hang, and the diagnostic as first sign at the same step")
    func runFirstSign() throws {
        let r = try runPagewait(["run", "reclaim-race", "--strategy", "put-and-wait-unlockless", "--param", "preemptInWindow=1000",
                                 "--preempt-length", "400", "--seed", "550", "--seeds", "10"])
        #expect(r.status == 1, "\(r)")
        let failure = try #require(field("first failure (seed ", in: r.stdout)).split(separator: ":", maxSplits: 1)[1].dropFirst()
        let firstSign = try #require(field("first sign: ", in: r.stdout))
        #expect(failure.hasPrefix("LOST_WAKEUP") && firstSign.hasPrefix("WAITERS_UNSOUND"), "\(r)")
        let replay = try runShell(try #require(field("replay: ", in: r.stdout)))
        #expect(field("violation: ", in: replay.stdout) == String(failure))
        #expect(field("note: first sign, at step ", in: replay.stdout).map { String($0.drop { $0 != ":" }.dropFirst(2)) } == firstSign)
    }

    /// Every `replay:` line of a compare report reproduces the finding
    /// printed above it.
    static func checkCompareReplays(_ text: String) throws -> Int {
        let commands = printedCommands(text, label: "replay")
        for (above, command, firstSign) in commands {
            let reported = try #require(above.range(of: " faulters: ").map { String(above[$0.upperBound...]) })
            let replay = try runShell(command)
            #expect(replay.status == 1, "\(command)\n\(replay)")
            #expect(field("violation: ", in: replay.stdout) == reported, "\(command)")
            let replayedSign = field("note: first sign, at step ", in: replay.stdout).map { String($0.drop { $0 != ":" }.dropFirst(2)) }
            #expect(replayedSign == firstSign, "\(command)")
        }
        return commands.count
    }

    @Test("compare's replay lines keep --param, --mappings, timing, the step budget and a scenario file, and reproduce each finding")
    func compareReplays() throws {
        let dir = try scratchDirectory("printed-compare")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("busy page.toml").path
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("Examples/scenarios/busy-page.toml").path, toPath: file)
        let r = try runPagewait(["compare", "--scenario", "reuse", "--scenario", file, "--strategy", "drop-loops", "--strategy", "drop-early-put",
                                 "--faulters", "1,2", "--mappings", "2", "--param", "delay=3", "--wake-latency", "3",
                                 "--max-steps", "100000", "--seed", "5", "--seeds", "20"])
        #expect(r.status == 1, "\(r)")
        let lines = printedCommands(r.stdout, label: "replay").map(\.command)
        #expect(lines.contains { $0.contains(shellQuoted(file)) }, "\(r)")
        #expect(lines.allSatisfy { $0.contains("--mappings 2 --param delay=3") && $0.contains("--wake-latency 3") && $0.contains("--max-steps 100000") }, "\(lines)")
        #expect(try Self.checkCompareReplays(r.stdout) == 8)

        let sweep = try runPagewait(["compare", "--scenario", "reuse", "--sweep", "think=0,3", "--strategy", "drop-loops", "--faulters", "1", "--seeds", "10"])
        #expect(printedCommands(sweep.stdout, label: "replay").map(\.command).filter { $0.contains("--param think=") }.count == 2, "\(sweep)")
        #expect(try Self.checkCompareReplays(sweep.stdout) == 2)
    }

    @Test("compare with a plugin: the replay and explore lines load it; explore reproduces the exhaustive verdict's kind and first sign")
    func comparePlugin() throws {
        let plugin = try Installation.plugin.get()
        let r = try runPagewait(["compare", "--plugin", plugin, "--scenario", "reclaim-race", "--strategy", "c-unlockless",
                                 "--param", "preemptInWindow=1000", "--preempt-length", "400", "--seeds", "600"])
        #expect(r.status == 1, "\(r)")
        let replays = printedCommands(r.stdout, label: "replay")
        #expect(!replays.isEmpty && replays.allSatisfy { $0.command.contains("--plugin") }, "\(r)")
        _ = try Self.checkCompareReplays(r.stdout)

        let (above, command, _) = try #require(printedCommands(r.stdout, label: "explore").first, "\(r)")
        #expect(command.contains("--plugin") && command.contains("--param preemptInWindow=1000"), "\(command)")
        let kinds = try #require(above.range(of: "exhaustive: ").map { above[$0.upperBound...] })
        let explore = try runShell(command + " --quiet")
        #expect(explore.status == 1, "\(explore)")
        let verdict = try #require(field("verdict: VIOLATION ", in: explore.stdout))
        let sign = field("first sign: ", in: explore.stdout)
        let expected = verdict.prefix { $0 != ":" } + (sign.map { " (first sign: \($0.prefix { $0 != ":" }))" } ?? "")
        #expect(String(kinds) == expected, "\(above)\n\(explore)")
    }

    @Test("the Perfetto trace names the violation the report names, and the first sign separately at the report's step")
    func perfettoNamesTheReportedViolation() throws {
        let dir = try scratchDirectory("printed-trace")
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("trace.json").path
        let r = try runPagewait(["explore", "reclaim-race", "--strategy", "put-and-wait-unlockless", "--quiet", "--trace-out", trace])
        let violation = try #require(field("verdict: VIOLATION ", in: r.stdout))
        let firstSign = try #require(field("first sign: ", in: r.stdout))
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: trace))) as? [String: Any])
        let events = try #require(doc["traceEvents"] as? [[String: Any]])
        func instant(_ cat: String) -> [String: Any]? {
            events.first { $0["ph"] as? String == "i" && $0["cat"] as? String == cat }?["args"] as? [String: Any]
        }
        #expect(instant("violation")?["violation"] as? String == violation)
        #expect(instant("first sign")?["violation"] as? String == firstSign)
    }
}
