// `Setup.explore` and `Setup.replayReport`: the search and the replay every
// front end calls, checked through their public results.

import Foundation
import Synchronization
import Testing
import PagewaitCore
import PagewaitPlugins

private func setup(_ scenario: String, _ strategy: String, _ parameters: Parameters = [:]) throws -> Setup {
    try registry.scenario(scenario).build(strategy: try registry.resolveStrategy(strategy), parameters: parameters)
}

private func request(_ method: ExplorationRequest.Method = .exhaustive, budget: Int? = nil, jobs: Int = 2,
                     configure: (inout ExplorationRequest) -> Void = { _ in }) -> ExplorationRequest {
    var r = ExplorationRequest()
    r.method = method
    r.budget = budget
    r.jobs = jobs
    configure(&r)
    return r
}

@Suite("Setup.explore")
struct ExplorationRequestTests {
    @Test("the minimal schedule is never longer than the schedule as found: ddmin shortens the choices, and a lenient replay of fewer choices may run longer to the violation",
          arguments: [("migrate-vs-faulters", "drop-loops", ExplorationRequest.Method.exhaustive), ("offline", "drop-early-put", .exhaustive),
                      ("migrate-vs-faulters", "drop-early-put", .pct), ("reuse", "drop-early-put", .pct),
                      ("thp-numa-fault", "legacy-numa-unpinned", .pct)])
    func minimalNoLongerThanFound(scenario: String, strategy: String, method: ExplorationRequest.Method) throws {
        let s = try setup(scenario, strategy)
        let r = s.explore(request(method, budget: method == .exhaustive ? 30_000 : 25, jobs: 1) {
            if method == .exhaustive { $0.maxDepth = 45; $0.sleepSets = false } else { $0.seed = 3 }
        })
        let found = try #require(r.found, "\(scenario) under \(strategy): nothing found"), minimal = try #require(r.minimal)
        #expect(minimal.steps.count <= found.steps.count, "\(scenario) under \(strategy), \(method): found \(found.steps.count), minimal \(minimal.steps.count)")
        #expect(r.violation != nil)
    }

    @Test("reclaim-race under put-and-wait-unlockless, exhaustive: the I3 diagnostic is followed on to the LOST_WAKEUP, and the minimal schedule replays strictly to that kind")
    func lostWakeupFoundShrunkAndReplayed() throws {
        let s = try setup("reclaim-race", "put-and-wait-unlockless")
        let r = s.explore(request())
        let v = try #require(r.violation)
        #expect(v.kind == .lostWakeup, "\(v)")
        #expect(r.predictor?.kind == .waitersUnsound)
        let found = try #require(r.found), minimal = try #require(r.minimal)
        #expect(r.best == minimal)
        #expect(minimal.steps.count <= found.steps.count)
        #expect(r.runs == nil && r.foundSeed == nil && r.shrinkSeconds != nil)

        let replay = try s.replayReport(ReplayRequest(schedule: minimal), scenario: "reclaim-race", strategy: "put-and-wait-unlockless")
        #expect(replay.outcome.violation?.kind == v.kind)
        #expect(replay.outcome.stale == nil)
        #expect(replay.text.contains("\nviolation: LOST_WAKEUP"))
        #expect(replay.perfetto == nil)
    }

    @Test("the same request gives the same schedules: the verdict does not depend on thread timing")
    func deterministic() throws {
        let s = try setup("reclaim-race", "put-and-wait-unlockless")
        let a = s.explore(request(jobs: 3)), b = s.explore(request(jobs: 3))
        #expect(a.found == b.found && a.minimal == b.minimal)
        #expect(a.violation?.description == b.violation?.description)
    }

    @Test("threads find the violation and schedule one thread finds: a parallel find is searched for again on one thread")
    func parallelFindIsCanonical() throws {
        let s = try setup("reclaim-race", "put-and-wait-unlockless")
        let one = s.explore(request(jobs: 1)), two = s.explore(request(jobs: 2))
        #expect(one.violation != nil)
        #expect(one.found == two.found && one.minimal == two.minimal)
        #expect(one.violation?.description == two.violation?.description && one.states == two.states)
    }

    @Test("put-and-wait, exhaustive: complete with no violation, nothing found and nothing shrunk",
          arguments: [Shard.whole, Shard(1, of: 2)])
    func safeIsComplete(shard: Shard) throws {
        let r = try setup("reclaim-race", "put-and-wait").explore(request { $0.shard = shard })
        #expect(r.violation == nil && r.predictor == nil)
        #expect(r.complete && r.bounds == nil)
        #expect(r.found == nil && r.best == nil && r.shrinkSeconds == nil)
        #expect(r.states > 1000 && r.transitions >= r.states - 1)
    }

    @Test("a depth bound turns the proof into a bounded search and says which bound cut it")
    func boundedSearch() throws {
        let r = try setup("reclaim-race", "put-and-wait").explore(request { $0.maxDepth = 20 })
        #expect(r.violation == nil && !r.complete)
        let bounds = try #require(r.bounds)
        #expect(bounds.hasPrefix("depth cuts ") && !bounds.hasPrefix("depth cuts 0,"))
        #expect(bounds.hasSuffix("state limit not hit"))
    }

    @Test("without shrinking the best schedule is the one found")
    func noShrink() throws {
        let r = try setup("reclaim-race", "put-and-wait-unlockless").explore(request { $0.shrink = false })
        #expect(r.minimal == nil && r.shrinkSeconds == nil)
        #expect(r.best != nil && r.best == r.found)
    }

    @Test("PCT finds DROP-that-loops' use after put and names the seed; the run count stops there")
    func pctNamesTheSeed() throws {
        let s = try setup("reuse", "drop-loops")
        let r = s.explore(request(.pct, budget: 500) { $0.seed = 3 })
        #expect(r.violation != nil)
        let seed = try #require(r.foundSeed)
        #expect(r.runs == Int(seed - 3) + 1)
        // The seed alone reproduces the run that found it.
        let again = s.explore(request(.pct, budget: 1) { $0.seed = seed; $0.shrink = false })
        #expect(again.found == r.found)
        #expect(try #require(r.best).steps.count <= r.found?.steps.count ?? 0)
    }

    @Test("random search under put-and-wait: every run of the budget tried, none fails, progress reported once per run in order")
    func randomRunsTheBudget() throws {
        let seen = Mutex<[Int]>([])
        let r = try setup("reuse", "put-and-wait").explore(request(.random, budget: 40)) { p in
            if case .runs(let n) = p { seen.withLock { $0.append(n) } }
        }
        #expect(r.violation == nil && r.found == nil)
        #expect(r.runs == 40 && r.states > 0)
        #expect(seen.withLock { $0 } == Array(1...40))
    }

    @Test("an exhaustive search reports its states as it goes")
    func exhaustiveProgress() throws {
        let last = Mutex(0)
        let r = try setup("reclaim-race", "put-and-wait").explore(request(jobs: 1)) { p in
            if case .states(let n) = p { last.withLock { $0 = max($0, n) } }
        }
        #expect(last.withLock { $0 } > 0 && last.withLock { $0 } <= r.states)
    }
}

@Suite("Setup.replayReport")
struct ReplayReportTests {
    @Test("a schedule naming a task that does not exist is a StaleScheduleError naming the step and the task, on one line")
    func staleTask() throws {
        let s = try setup("migrate-vs-faulters", "legacy")
        do {
            _ = try s.replayReport(ReplayRequest(schedule: Schedule([0, 1, 9])), scenario: "migrate-vs-faulters", strategy: "legacy")
            Issue.record("accepted a stale schedule")
        } catch {
            #expect(error.step == 2)
            #expect(error.message.hasPrefix("stale schedule: step 2 names task 9: no task 9 (there are 3)"), "\(error.message)")
            #expect(error.message.hasSuffix("was it recorded for migrate-vs-faulters under legacy with these parameters?"))
            #expect(error.description == error.message && !error.message.contains("\n"))
        }
    }

    @Test("a schedule that goes on after the run ended is stale too")
    func staleTail() throws {
        let s = try setup("migrate-vs-faulters", "legacy")
        let seeded = try #require(ReplayRequest.seeded(2, setup: s))
        var longer = seeded
        longer.schedule = Schedule(seeded.schedule.steps + [1])
        do {
            _ = try s.replayReport(longer, scenario: "migrate-vs-faulters", strategy: "legacy")
            Issue.record("accepted a schedule longer than its run")
        } catch {
            #expect(error.message.contains("but the schedule goes on for 1 more"), "\(error.message)")
        }
    }

    @Test("a seeded request replays to the seeded run's end, says which seed, and adds no note")
    func seeded() throws {
        let s = try setup("migrate-vs-faulters", "legacy")
        let request = try #require(ReplayRequest.seeded(3, setup: s))
        let o = try #require(request.seededOutcome)
        let r = try s.replayReport(request, scenario: "migrate-vs-faulters", strategy: "legacy")
        #expect(r.outcome.end == o.end && r.outcome.steps == o.steps)
        let lines = r.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first?.hasSuffix("; \(request.schedule.steps.count) steps from seed 3") == true)
        let end = ReplayReport.endLines(r.outcome, unfinished: ReplayReport.unfinished(r.outcome.world, setup: s))
        // Three header lines, one per step, the end, and the final newline.
        #expect(lines.count == 3 + r.outcome.steps + end.count + 1)
        #expect(Array(lines.suffix(end.count + 1).dropLast()).map(String.init) == end)
        #expect(!r.text.contains("note: "))
        #expect(r.text.hasSuffix("\n"))
    }

    @Test("JSON: one document with a step per step taken and the outcome; a Perfetto trace only when asked for")
    func jsonAndPerfetto() throws {
        let s = try setup("reclaim-race", "put-and-wait-unlockless")
        let found = try #require(s.explore(request { $0.shrink = false }).found)
        let r = try s.replayReport(ReplayRequest(schedule: found, json: true, perfetto: true), scenario: "reclaim-race", strategy: "put-and-wait-unlockless")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [String: Any])
        #expect((doc["steps"] as? [Any])?.count == r.outcome.steps)
        #expect(doc["stepsTaken"] as? Int == r.outcome.steps)
        #expect(doc["schedule"] as? String == found.description)
        #expect((doc["violation"] as? [String: Any])?["kind"] as? String == r.outcome.violation?.kind.rawValue)
        #expect(doc["seed"] == nil)
        let trace = try #require(r.perfetto)
        let traceDoc = try #require(try JSONSerialization.jsonObject(with: Data(trace.utf8)) as? [String: Any])
        #expect((traceDoc["traceEvents"] as? [Any])?.isEmpty == false)
    }
}
