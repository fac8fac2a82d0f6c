// Page locks of several pages, in one wait-queue bucket or in their own:
// the world's `pages`, the kernel's `waitBuckets`, and lock chains over
// them; and how runs count what the wait-for graph and the CPU model find
// (deadlocks apart from hangs, a budget-cut spinning run as LIVELOCK).

import Testing
import PagewaitCore
@testable import PagewaitPlugins

private let abbaPath = repositoryRoot.appendingPathComponent("Examples/scenarios/abba-pages.toml").path

private func abbaPages(_ strategy: String, _ parameters: Parameters = [:]) throws -> Setup {
    let text = try String(contentsOfFile: abbaPath, encoding: .utf8)
    let spec = try ScenarioFile.parse(text, path: abbaPath, registry: registry)
    return try spec.build(strategy: try registry.resolveStrategy(strategy), parameters: parameters)
}

/// Two chains on P and two on page 1, each locking and unlocking its page
/// once: contention on both pages at once.
private func twoPageContention(_ strategy: String, buckets: Int64) throws -> Setup {
    let spec = ScenarioSpec(
        name: "two-pages", summary: "", parameters: ["mappings": 0, "pages": 2, "waitBuckets": buckets],
        actors: [ActorSpec(LockChain(), count: 2, LockChain.parameters([(.lockPage, 0), (.unlockPage, 0)]), name: "p"),
                 ActorSpec(LockChain(), count: 2, LockChain.parameters([(.lockPage, 1), (.unlockPage, 1)]), name: "q")])
    return try spec.build(strategy: try registry.resolveStrategy(strategy), parameters: [:])
}

@Suite("Page locks of several pages, and what runs count")
struct LockPagesTests {
    /// The example takes P and page 1 in opposite orders: a DEADLOCK under
    /// every page-lock design, whether or not the two pages share a bucket,
    /// printed with the chain's line names; replaying the schedule ends in
    /// the same chain.
    @Test("abba-pages: DEADLOCK naming both lines and both pages, in one bucket and in two",
          arguments: ["legacy", "rewrite-fair", "unfair-5"], [Int64(1), 256])
    func abbaDeadlock(strategy: String, buckets: Int64) throws {
        let setup = try abbaPages(strategy, ["waitBuckets": buckets])
        let pfn1 = Layout(mappings: 0, pages: 2).page(1)
        #expect(pfn1 != Layout.pagePfn && pfn1 != Layout.newPagePfn)
        let sameBucket = setup.engine.config.waitTable.bucket(of: pfn1) == setup.engine.config.waitTable.bucket(of: Layout.pagePfn)
        #expect(sameBucket == (buckets == 1))
        let r = exploreOutcome(setup)
        let v = try #require(r.violation, "\(strategy), \(buckets) buckets")
        #expect(v.kind == .deadlock)
        for words in ["(forward) waits for PG_locked of page", "(backward) waits for PG_locked of page",
                      "of page \(pfn1)", "of page \(Layout.pagePfn)"] {
            #expect(v.detail.contains(words), "\(v.detail)")
        }
        #expect(replayViolation(setup, try #require(r.minimal ?? r.found))?.detail == v.detail)
    }

    /// Chains that each take one page never deadlock; with both pages in one
    /// bucket every unlock's wake walk passes the other page's waiters and
    /// must leave them queued (break `wake_page_function`'s key match and
    /// they wake for the wrong page). The shared bucket is a different state
    /// space — the knob reaches the kernel — with the same verdict; and the
    /// reductions keep it: the same end states and findings without them.
    @Test("two pages contended at once: every run ends in one bucket and in two; reductions on and off agree",
          arguments: ["legacy", "put-and-wait", "rewrite-fair"])
    func sharedBucket(strategy: String) throws {
        var counts: [Int64: Int] = [:]
        for buckets: Int64 in [1, 256] {
            let setup = try twoPageContention(strategy, buckets: buckets)
            let r = exploreOutcome(setup)
            #expect(r.violation == nil, "\(strategy), \(buckets) buckets: \(r.violation.map { "\($0)" } ?? "")")
            #expect(ExplorationVerdict(r).isProof, "\(strategy), \(buckets) buckets")
            counts[buckets] = r.states
            // Sleep sets and merging keep every end state; symmetry and dead
            // variables fold them into classes, so those keep the findings.
            let full = summarise(setup, ExplorationBounds(sleepSets: false, stepMerging: false, symmetry: false, deadVariables: false))
            let merged = summarise(setup, ExplorationBounds(symmetry: false, deadVariables: false))
            let reduced = summarise(setup, ExplorationBounds())
            #expect(merged.ends == full.ends && merged.findings == full.findings, "\(strategy), \(buckets) buckets")
            #expect(reduced.findings == full.findings && reduced.states.count < full.states.count, "\(strategy), \(buckets) buckets")
        }
        #expect(counts[1] != counts[256], "\(strategy): sharing a bucket changed nothing the search saw: \(counts)")
    }

    @Test("a page the scenario lacks, pages or waitBuckets out of range: refused, naming the line, the value and the range")
    func refusals() throws {
        let onePage = ScenarioSpec(name: "one-page", summary: "", parameters: ["mappings": 0],
                                   actors: [ActorSpec(LockChain(), count: 1, LockChain.parameters([(.lockPage, 1), (.unlockPage, 1)]), name: "q")])
        #expect { _ = try onePage.build(strategy: try registry.strategy("legacy"), parameters: [:]) } throws: { error in
            "\(error)".contains("actor 'q': lock_page 1: the scenario has 1 page (0...0); set pages = 2")
        }
        for (key, value, range) in [("pages", Int64(5), "1...4"), ("pages", 0, "1...4"), ("waitBuckets", 0, "1...256"), ("waitBuckets", 257, "1...256")] {
            #expect { _ = try abbaPages("legacy", [key: value]) } throws: { error in
                "\(error)".contains("parameter \(key) \(value) is out of range: allowed \(range)")
            }
        }
        // The knobs exist only where a scenario names them.
        #expect { _ = try buildAny("multi-lock", "legacy", ["pages": 2]) } throws: { error in
            "\(error)".contains("no parameter 'pages'")
        }
    }

    /// Z14's random runs: a wait-for cycle is a deadlock, not a hang, in the
    /// summary (counted once, and every such run replays to it).
    @Test("multi-lock over random seeds: deadlocks are counted as deadlocks, not hangs")
    func deadlocksCountedApart() throws {
        let s = try sweep("multi-lock", "legacy", [:], seeds: 1..<301)
        #expect(s.deadlocks > 0, "no seed of 300 deadlocked")
        #expect(s.hangs == 0)
        #expect(s.violations == s.deadlocks)
        #expect(s.firstFailure?.hasPrefix("DEADLOCK") == true)
    }

    /// Z15's random runs without preemption: a seed whose spinner keeps the
    /// kworker's CPU never ends, and the budget-cut run is judged LIVELOCK
    /// (the cycle at its end), as its seeded replay judges it; with full
    /// preemption no run is. The replay names what each task waits for: a
    /// work item, work, a CPU.
    @Test("z15-hmm-drain over random seeds: budget-cut spinning runs are LIVELOCK without preemption, none with full preemption")
    func randomLivelock() throws {
        let none = try buildAny("z15-hmm-drain", "noref", ["preemption": 0])
        let outcomes = (1..<21).map { none.run(seed: UInt64($0), maxSteps: 5_000) }
        let livelocked = outcomes.filter { $0.violation?.kind == .livelock }
        #expect(!livelocked.isEmpty, "no seed of 20 livelocked")
        #expect(livelocked.allSatisfy { $0.end == .stepLimit })
        // Every budget-cut run here is a livelock: nothing else stops these tasks.
        #expect(livelocked.count == outcomes.filter { $0.end == .stepLimit }.count)
        let o = try #require(livelocked.first)
        let request = try #require(ReplayRequest.seeded(o.seed, setup: none, maxSteps: 5_000))
        let report = try none.replayReport(request, scenario: "z15-hmm-drain", strategy: "noref")
        #expect(report.text.contains("violation: \(o.violation!)"), "\(report.text.suffix(600))")
        #expect(!report.text.contains("ended differently"))
        #expect(report.text.contains("asleep in flush_work") && report.text.contains("on CPU 1's work item"))
        #expect(report.text.contains("waits for CPU 1, which hmm-faulter keeps"))
        #expect(!report.text.contains("pfn -1"))
        let full = try buildAny("z15-hmm-drain", "noref", ["preemption": 2])
        #expect((1..<21).allSatisfy { full.run(seed: UInt64($0), maxSteps: 5_000).violation == nil })
    }

    @Test("explore's random and PCT searches judge a budget-cut run on CPUs as run does: Z15's LIVELOCK is found without preemption, its schedule replays to the same violation, and full preemption finds none")
    func exploreSamplesLivelock() throws {
        let none = try buildAny("z15-hmm-drain", "noref", ["preemption": 0])
        let full = try buildAny("z15-hmm-drain", "noref", ["preemption": 2])
        for method in [ExplorationRequest.Method.pct, .random] {
            var request = ExplorationRequest()
            request.method = method
            request.budget = 20
            let o = none.explore(request)
            let v = try #require(o.violation, "\(method): no violation in 20 runs")
            #expect(v.kind == .livelock, "\(method): \(v)")
            let found = try #require(o.found)
            let report = try none.replayReport(ReplayRequest(schedule: found), scenario: "z15-hmm-drain", strategy: "noref")
            #expect(report.text.contains("violation: \(v)"), "\(method): \(report.text.suffix(600))")
            request.budget = 5
            #expect(full.explore(request).violation == nil, "\(method) under full preemption")
        }
    }
}
