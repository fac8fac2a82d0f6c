// The commands print what `Setup.explore` and `Setup.replayReport` return,
// so every front end calling those shows the same thing.

import ArgumentParser
import Foundation
import Testing
@testable import PagewaitCommands
import PagewaitCore
import PagewaitPlugins

@Suite("pagewait explore and replay print the shared reports")
struct SharedReportTests {
    static func setup(_ scenario: String, _ strategy: String) throws -> Setup {
        let r = BuiltinPlugins.registry()
        return try r.scenario(scenario).build(strategy: try r.resolveStrategy(strategy), parameters: [:])
    }

    @Test("replay prints replayReport's text byte for byte, text and JSON, with and without a seed",
          arguments: [[], ["--format", "json"], ["--seed", "3"], ["--seed", "3", "--format", "json"]])
    func replayText(extra: [String]) throws {
        let s = try Self.setup("reclaim-race", "put-and-wait-unlockless")
        let json = extra.contains("json")
        let request: ReplayRequest
        var arguments: [String]
        if extra.contains("--seed") {
            request = try #require(ReplayRequest.seeded(3, setup: s, json: json))
            arguments = extra
        } else {
            var r = ExplorationRequest()
            r.jobs = 1
            let best = try #require(s.explore(r).best)
            request = ReplayRequest(schedule: best, json: json)
            arguments = [best.description] + extra
        }
        let expected = try s.replayReport(request, scenario: "reclaim-race", strategy: "put-and-wait-unlockless").text

        let out = temporaryFile("shared-replay-\(extra.joined())")
        defer { try? FileManager.default.removeItem(atPath: out) }
        arguments += ["--scenario", "reclaim-race", "--strategy", "put-and-wait-unlockless", "-o", out]
        let command = try Replay.parse(arguments)
        do { try command.run() } catch let e as ExitCode { #expect(e == ExitCode(1) || e == .success) }
        #expect(try String(contentsOfFile: out, encoding: .utf8) == expected)
    }

    @Test("explore --format json reports what Setup.explore found: the verdict, the counts and the minimal schedule; the violation and first sign are those replay reports for that schedule, at the same steps")
    func exploreJSON() throws {
        let s = try Self.setup("reclaim-race", "put-and-wait-unlockless")
        var request = ExplorationRequest()
        request.jobs = 1
        let r = s.explore(request)

        let out = temporaryFile("shared-explore.json")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let command = try Explore.parse(["reclaim-race", "--strategy", "put-and-wait-unlockless", "--jobs", "1", "--quiet", "--format", "json", "-o", out])
        #expect(throws: ExitCode(1)) { try command.run() }
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        let replayed = try s.replayReport(ReplayRequest(schedule: try #require(r.best)), scenario: "reclaim-race", strategy: "put-and-wait-unlockless")
        #expect(doc["kind"] as? String == r.violation?.kind.rawValue)
        #expect(doc["detail"] as? String == replayed.outcome.violation?.description)
        #expect(doc["predictor"] as? String == replayed.firstSign?.description)
        #expect(replayed.firstSign != nil)
        #expect(doc["minimalSchedule"] as? String == r.best?.description)
        #expect(doc["foundLength"] as? Int == r.found?.steps.count)
        #expect(doc["states"] as? Int == r.states && doc["transitions"] as? Int == r.transitions)
        #expect(doc["shard"] as? String == "0/1")
    }
}
