// The `pagewait` commands, run in-process exactly as the command line
// parses them.

import ArgumentParser
import Foundation
import Testing
@testable import PagewaitCommands
import PagewaitPlugins

func temporaryFile(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("pagewait-\(getpid())-\(name)").path
}

@Suite("pagewait commands")
struct CommandTests {
    @Test("compare --format json prints one document whose rows carry scenario, strategy, faulters, seeds, successRate, meanPasses and hangs, for every strategy × faulters × scenario cell")
    func compareJSON() throws {
        let path = temporaryFile("compare.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command = try Compare.parse(["--seeds", "40", "--format", "json", "--output", path])
        // The default matrix holds strategies that hang: exit status 1.
        #expect(throws: ExitCode(1)) { try command.run() }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let rows = try #require(doc["rows"] as? [[String: Any]])
        let scenarios = Comparison.defaultScenarios, strategies = Comparison.defaultStrategies
        // Four faulter counts for each scenario but reclaim-race's one.
        #expect(rows.count == strategies.count * (4 * (scenarios.count - 1) + 1))
        for row in rows {
            for key in ["scenario", "strategy", "faulters", "seeds", "successRate", "meanPasses", "hangs"] {
                #expect(row[key] != nil, "missing \(key)")
            }
            #expect(row["seeds"] as? Int == 40)
            let rate = try #require(row["successRate"] as? Double)
            #expect((0...1).contains(rate))
        }
        #expect(Set(rows.compactMap { $0["strategy"] as? String }) == Set(strategies))
        #expect(Set(rows.compactMap { $0["scenario"] as? String }) == Set(scenarios))
    }

    @Test("compare --svg writes a standalone SVG with one line per strategy")
    func compareSVG() throws {
        let svg = temporaryFile("chart.svg"), out = temporaryFile("out.txt")
        defer { for p in [svg, out] { try? FileManager.default.removeItem(atPath: p) } }
        let command = try Compare.parse(["--seeds", "20", "--scenario", "migrate-vs-faulters",
                                         "--strategy", "legacy", "--strategy", "put-and-wait", "--svg", svg, "-o", out])
        try command.run()
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(text.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(text.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(text.contains(">legacy<") && text.contains(">put-and-wait<"))
        let table = try String(contentsOfFile: out, encoding: .utf8)
        #expect(table.contains("migrate-vs-faulters") && table.contains("success %"))
    }

    @Test("bad arguments are refused with a message naming the problem", arguments: [
        (["run", "no-such-scenario"], "no scenario named 'no-such-scenario'"),
        (["run", "offline", "--strategy", "legacyy"], "no strategy named 'legacyy'"),
        (["run", "offline", "--seeds", "0"], "--seeds 0 is out of range: allowed 1...1,000,000"),
        (["run", "offline", "--param", "think"], "--param expects name=integer"),
        (["run", "offline", "--param", "thnik=3"], "no parameter 'thnik'"),
        (["compare", "--faulters", "1,x"], "--faulters expects"),
        (["compare", "--sweep", "mappings"], "--sweep expects"),
        (["run", "Examples/scenarios/missing.toml"], "scenario file 'Examples/scenarios/missing.toml': no such file"),
    ])
    func badArguments(arguments: [String], message: String) throws {
        do {
            var command = try Pagewait.parseAsRoot(arguments)
            try command.run()
            Issue.record("accepted \(arguments)")
        } catch {
            let text = Pagewait.message(for: error)
            #expect(text.contains(message), "\(text)")
            #expect(Pagewait.exitCode(for: error) != .success)
        }
    }

    @Test("unfair-N resolves for any N and is listed as unfair-5")
    func unfairFamily() throws {
        let r = BuiltinPlugins.registry()
        #expect(try r.resolveStrategy("unfair-0").name == "unfair-0")
        #expect(try r.resolveStrategy("unfair-12").kernel.waitCore == .v5_9(unfairness: 12))
        #expect(r.names(.strategy).contains("unfair-5"))
        #expect(throws: (any Error).self) { try r.resolveStrategy("unfair-x") }
    }
}

@Suite("pagewait explore")
struct ExploreCommandTests {
    @Test("explore exits 1 with a violation and prints a JSON verdict whose minimal schedule replays to the same kind; exits 0 when the space holds none")
    func exploreVerdicts() throws {
        let out = temporaryFile("explore.json"), trace = temporaryFile("explore-trace.json")
        defer { for p in [out, trace] { try? FileManager.default.removeItem(atPath: p) } }
        let bad = try Explore.parse(["reclaim-race", "--strategy", "put-and-wait-unlockless", "--quiet", "--format", "json", "-o", out, "--trace-out", trace])
        #expect(throws: ExitCode(1)) { try bad.run() }
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        #expect(doc["verdict"] as? String == "violation")
        #expect(doc["kind"] as? String == "LOST_WAKEUP")
        let schedule = try #require(doc["minimalSchedule"] as? String)
        let traceDoc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: trace))) as? [String: Any])
        #expect((traceDoc["traceEvents"] as? [Any])?.isEmpty == false)

        let replayOut = temporaryFile("replay.txt")
        defer { try? FileManager.default.removeItem(atPath: replayOut) }
        let replay = try Replay.parse([schedule, "--scenario", "reclaim-race", "--strategy", "put-and-wait-unlockless", "-o", replayOut])
        #expect(throws: ExitCode(1)) { try replay.run() }
        #expect(try String(contentsOfFile: replayOut, encoding: .utf8).contains("violation: LOST_WAKEUP"))

        let good = try Explore.parse(["reclaim-race", "--strategy", "noref", "--quiet", "--format", "json", "-o", out])
        try good.run()
        let ok = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        #expect(ok["verdict"] as? String == "proof" && ok["proof"] as? Bool == true && ok["complete"] as? Bool == true)
    }

    @Test("explore refuses a malformed shard, budget or PCT depth", arguments: [
        ["offline", "--shard", "2/2"], ["offline", "--shard", "x"], ["offline", "--budget", "0"], ["offline", "--pct-depth", "0"],
    ])
    func badOptions(arguments: [String]) {
        #expect(throws: (any Error).self) { _ = try Explore.parse(arguments) }
    }

    @Test("run offline prints the distribution of outer iterations: one row per count, the rows' seeds add up to --seeds, and legacy with three faulters piles up at the budget while put-and-wait finishes below it")
    func offlineHistogram() throws {
        func rows(_ strategy: String) throws -> [(iterations: Int, seeds: Int)] {
            let registry = BuiltinPlugins.registry()
            let setup = try registry.scenario("offline").build(strategy: try registry.resolveStrategy(strategy), parameters: ["faulters": 3])
            let outcomes = SeedSweep(setup: setup, seeds: 1..<201, jobs: 2).run()
            let summary = CellSummary(scenario: "offline", strategy: strategy, faulters: 3, mappings: 2, outcomes: outcomes)
            let text = RunReport.text(summary, setup: setup, outcomes: outcomes, elapsed: 0)
            return text.split(separator: "\n").compactMap { line in
                let words = line.split(separator: " ")
                guard words.count >= 4, words[1] == "iterations:", words[3] == "seeds" else { return nil }
                return (Int(words[0]) ?? -1, Int(words[2]) ?? -1)
            }
        }
        let budget = Int(try BuiltinPlugins.registry().scenario("offline").parameters["budget"] ?? 10)
        for strategy in ["legacy", "put-and-wait"] {
            let r = try rows(strategy)
            #expect(r.map(\.seeds).reduce(0, +) == 200, "\(strategy): \(r)")
            #expect(r.map(\.iterations) == r.map(\.iterations).sorted() && Set(r.map(\.iterations)).count == r.count)
        }
        let legacy = try rows("legacy"), putAndWait = try rows("put-and-wait")
        #expect(legacy.max { $0.seeds < $1.seeds }?.iterations == budget, "\(legacy)")
        #expect(putAndWait.allSatisfy { $0.iterations < budget }, "\(putAndWait)")
    }

    @Test("the bash, zsh and fish completion scripts offer the subcommands and every built-in strategy and scenario name")
    func completionScripts() {
        let registry = BuiltinPlugins.registry()
        for shell in [CompletionShell.bash, .zsh, .fish] {
            let script = Pagewait.completionScript(for: shell)
            for name in ["compare", "explore", "replay"] + registry.names(.strategy) + registry.names(.scenario) {
                #expect(script.contains(name), "\(shell) script lacks \(name)")
            }
        }
    }
}
