// The zoo runner's judgement on entries built to fail one way each: an
// entry is ok only when its buggy configuration shows an expected violation
// and every fixed one is proved, and says why when it is not.

import Testing
import PagewaitCore
import PagewaitPlugins

/// One locker taking the lock once: nothing can go wrong, and the whole
/// state space is a handful of states.
let loneLocker = ScenarioSpec(
    name: "zoo-test-lone-locker", summary: "one locker, one lock_page", parameters: ["mappings": 0],
    actors: [ActorSpec(Locker(), count: 1, ["iterations": 1, "hold": 1, "think": 0])])

/// The built-in registry with `entries` and their scenarios added.
func zooRegistry(_ entries: [BugEntry] = [], scenarios: [ScenarioSpec] = [loneLocker]) throws -> Registry {
    var r = BuiltinPlugins.registry()
    for s in scenarios { try r.register(s) }
    for e in entries { try r.register(e) }
    return r
}

func bogus(_ id: String = "Z90", scenario: String = "reclaim-race", buggy: String, fixed: [String] = [],
           check: BugEntry.Check = .violation([.lostWakeup, .hang]), bounds: BugEntry.Bounds = .init(),
           metrics: MetricsSpec? = nil) -> BugEntry {
    BugEntry(id, "a test entry", reference: "", functions: [], tags: [], scenario: scenario,
             buggy: BugConfiguration("buggy", strategy: buggy), fixed: fixed.map { BugConfiguration("fixed", strategy: $0) },
             check: check, bounds: bounds, metrics: metrics)
}

@Suite("zoo runner")
struct ZooRunnerTests {
    let runner: ZooRunner

    init() throws {
        runner = ZooRunner(registry: try zooRegistry(), jobs: 1)
    }

    @Test("an entry whose buggy configuration comes out clean is not ok, and says the exhaustive search found nothing")
    func cleanBuggy() {
        let r = runner.run(bogus(scenario: loneLocker.name, buggy: "legacy"))
        #expect(!r.ok)
        let buggy = r.configurations[0]
        #expect(buggy.search(.exhaustive)?.verdict == .proof)
        #expect(buggy.problems.contains { $0.hasPrefix("exhaustive: no counterexample") }, "\(buggy.problems)")
    }

    @Test("a violation of a kind the entry does not expect makes it not ok, naming the kind found and the kinds expected")
    func unexpectedKind() {
        let r = runner.run(bogus(buggy: "put-and-wait-unlockless", check: .violation([.deadlock])))
        #expect(!r.ok)
        #expect(r.configurations[0].search(.exhaustive)?.kind == .lostWakeup)
        #expect(r.configurations[0].problems == ["exhaustive: LOST_WAKEUP is not the expected DEADLOCK"])
    }

    @Test("a fixed configuration that shows a violation is not a proof, and the entry is not ok")
    func fixedViolates() {
        let r = runner.run(bogus(buggy: "put-and-wait-unlockless", fixed: ["put-and-wait-unlockless"]))
        #expect(!r.ok)
        #expect(r.configurations[0].ok, "\(r.configurations[0].problems)")
        #expect(r.configurations[1].problems.count == 1 && r.configurations[1].problems[0].hasPrefix("not a proof: VIOLATION LOST_WAKEUP"),
                "\(r.configurations[1].problems)")
    }

    @Test("a fixed configuration searched within a bound that cuts it is not a proof: the entry's bounds reach the search")
    func boundedIsNoProof() {
        let r = runner.run(bogus(scenario: loneLocker.name, buggy: "legacy", fixed: ["legacy"], bounds: .init(states: 2)))
        let fixed = r.configurations[1]
        #expect(fixed.search(.exhaustive)?.outcome.stateLimitHit == true)
        #expect(fixed.problems.contains { $0.hasPrefix("not a proof: no violation within bounds") }, "\(fixed.problems)")
    }

    @Test("with nothing wrong the entry is ok: the buggy violation is expected and every fixed configuration is a proof")
    func okEntry() {
        let r = runner.run(bogus(buggy: "put-and-wait-unlockless", fixed: ["put-and-wait"]))
        #expect(r.ok, "\(r.problems) \(r.configurations.map(\.problems))")
        #expect(r.configurations.map(\.role) == [.buggy, .fixed])
        #expect(r.configurations[1].search(.exhaustive)?.verdict == .proof)
    }

    @Test("pct and random searches are added after the exhaustive one; a miss within their runs is no problem, a found violation must be expected")
    func otherSchedulers() throws {
        let all = ZooRunner(registry: try zooRegistry(), methods: [.random, .pct], jobs: 1)
        #expect(all.methods == [.exhaustive, .pct, .random])
        let r = all.run(bogus("Z91", scenario: "killable-lockers", buggy: "unfair-5", check: .violation([.lostWakeup])))
        #expect(r.configurations[0].searches.map(\.method) == [.exhaustive, .pct, .random])
        #expect(r.ok, "\(r.configurations[0].problems)")
        let wrong = all.run(bogus("Z92", scenario: "killable-lockers", buggy: "unfair-5", check: .violation([.hang])))
        #expect(wrong.configurations[0].problems.contains("random: LOST_WAKEUP is not the expected HANG"), "\(wrong.configurations[0].problems)")
    }

    @Test("an entry's bounds out of their range are refused before anything runs, naming the entry, the bound and the range")
    func boundsOutOfRange() {
        let r = runner.run(bogus(buggy: "put-and-wait-unlockless", bounds: .init(states: 0, maxDepth: 100_001)))
        #expect(!r.ok && r.configurations.isEmpty)
        #expect(r.problems == ["Z90: bounds.states 0 is out of range: allowed 1...1,000,000,000",
                               "Z90: bounds.maxDepth 100001 is out of range: allowed 1...100,000"])
    }

    @Test("an entry that expects no violation of its buggy configuration is not ok")
    func nothingExpected() {
        let r = runner.run(bogus(buggy: "put-and-wait-unlockless", check: .violation([])))
        #expect(!r.ok && !r.problems.isEmpty)
    }

    @Test("a cancelled run is marked interrupted and not ok, and runs nothing more")
    func cancelled() {
        let r = runner.run(bogus(buggy: "put-and-wait-unlockless", fixed: ["put-and-wait"]), cancelled: { true })
        #expect(r.interrupted && !r.ok)
        #expect(r.configurations.allSatisfy { $0.searches.isEmpty })
    }

    @Test("a quantitative entry is ok when its numbers are computed and its claims hold; a claim that fails, or names no configuration, makes it not ok")
    func metricsClaims() {
        let seeds: Range<UInt64> = 1..<41
        func entry(_ claims: [MetricClaim]) -> BugEntry {
            bogus(scenario: "fairness", buggy: "rewrite-fair", fixed: ["unfair-5"], check: .metrics,
                  metrics: MetricsSpec(seeds: seeds, claims: claims))
        }
        let holds = runner.run(entry([MetricClaim("rewrite-fair", .mostRequeues, .atMost(0))]))
        #expect(holds.ok, "\(holds.problems) \(holds.configurations.map(\.problems))")
        #expect(holds.configurations.allSatisfy { $0.metrics?.runs == seeds.count })
        #expect(holds.configurations[0].claims.map(\.holds) == [true])

        let fails = runner.run(entry([MetricClaim("unfair-5", .mostRequeues, .atMost(-1))]))
        #expect(!fails.ok)
        #expect(fails.configurations[1].problems.contains { $0.hasPrefix("claim does not hold: unfair-5: most requeues") })

        let unknown = runner.run(entry([MetricClaim("noref", .mostRequeues, .atLeastThatOf("rewrite-fair"))]))
        #expect(!unknown.ok && unknown.problems == ["claim 'noref: most requeues by one waiter >= that of rewrite-fair': no configuration runs 'noref'"])
    }

    @Test("quantitative seeds out of range are refused before anything runs")
    func metricsSeedsOutOfRange() {
        let r = runner.run(bogus(scenario: "fairness", buggy: "rewrite-fair", check: .metrics,
                                 metrics: MetricsSpec(seeds: 0..<2_000_000)))
        #expect(r.problems == ["Z90: metrics seeds 2000000 is out of range: allowed 1...1,000,000"])
        #expect(r.configurations.isEmpty)
    }
}

@Suite("metric claims")
struct MetricClaimTests {
    static func metrics(requeues: Int32, handoffs: Int, unlocks: Int) -> FairnessMetrics {
        var m = FairnessMetrics()
        m.runs = 1
        m.mostRequeues = requeues
        m.handoffs = handoffs
        m.unlocks = unlocks
        return m
    }

    @Test("bounds and comparisons hold or fail as stated, at the boundary included")
    func bounds() throws {
        let m = ["a": Self.metrics(requeues: 5, handoffs: 1, unlocks: 2), "b": Self.metrics(requeues: 3, handoffs: 1, unlocks: 4)]
        #expect(try MetricClaim("a", .mostRequeues, .atMost(5)).holds(m).get())
        #expect(try !MetricClaim("a", .mostRequeues, .atMost(4)).holds(m).get())
        #expect(try MetricClaim("a", .mostRequeues, .atLeast(5)).holds(m).get())
        #expect(try MetricClaim("a", .handoffsPerUnlock, .atLeastThatOf("b")).holds(m).get())
        #expect(try !MetricClaim("a", .handoffsPerUnlock, .atMostThatOf("b")).holds(m).get())
        #expect(try MetricClaim("b", .mostRequeues, .atMostThatOf("a")).holds(m).get())
        guard case .failure(let e) = MetricClaim("c", .mostRequeues, .atMost(1)).holds(m) else {
            Issue.record("a claim about no configuration was judged")
            return
        }
        #expect(e.message == "no configuration runs 'c'")
    }

    @Test("ratios are handoffs over unlocks and steps over acquisitions, 0 when nothing was counted")
    func ratios() {
        var m = Self.metrics(requeues: 0, handoffs: 3, unlocks: 4)
        m.steps = 50
        m.acquisitions = 10
        #expect(m.value(.handoffsPerUnlock) == 0.75)
        #expect(m.value(.stepsPerAcquisition) == 5)
        #expect(FairnessMetrics().value(.handoffsPerUnlock) == 0)
        #expect(FairnessMetric.handoffsPerUnlock.format(2.0 / 3) == "0.67")
        #expect(FairnessMetric.handoffsPerUnlock.format(1.005) == "1.00" || FairnessMetric.handoffsPerUnlock.format(1.005) == "1.01")
        #expect(FairnessMetric.mostRequeues.format(7) == "7")
    }
}

@Suite("handoff observer")
struct HandoffObserverTests {
    static func metrics(_ strategy: String) throws -> FairnessMetrics {
        let setup = try registry.scenario("fairness").build(strategy: try registry.resolveStrategy(strategy), parameters: [:])
        return setup.fairnessMetrics(seeds: 1..<201, maxSteps: 200_000)
    }

    @Test("v4.19 never hands the lock over; 2a9127fcf229 and unfair-0 do, and never more often than the lock is released")
    func handoffs() throws {
        #expect(try Self.metrics("legacy").handoffs == 0)
        for strategy in ["rewrite-fair", "unfair-0"] {
            let m = try Self.metrics(strategy)
            #expect(m.handoffs > 0 && m.handoffs <= m.unlocks, "\(strategy): \(m)")
        }
    }

    @Test("every run that ends releases every lock it took: acquisitions equal unlocks, and cover the lockers' own count")
    func balanced() throws {
        let setup = try registry.scenario("fairness").build(strategy: try registry.resolveStrategy("unfair-5"), parameters: [:])
        for seed in UInt64(1)...50 {
            var scheduler = RandomScheduler(seed: seed, wakeLatency: RandomScheduler.defaultWakeLatency)
            var checkers: [any Checker] = [HandoffObserver(pages: setup.world.pages.count)]
            let r = setup.engine.run(setup.world, scheduler: &scheduler, checkers: &checkers)
            let h = try #require(checkers[0] as? HandoffObserver)
            #expect(r.violation == nil)
            #expect(h.acquisitions == h.unlocks, "seed \(seed)")
            #expect(h.acquisitions >= Int(r.world[.lockAcquired]), "seed \(seed)")
        }
    }

    @Test("the metrics' most requeues and bypasses are `pagewait run`'s for the same seeds")
    func sameAsRun() throws {
        for strategy in ["rewrite-fair", "unfair-5"] {
            let summary = try sweep("fairness", strategy, seeds: 1..<201)
            let m = try Self.metrics(strategy)
            #expect(m.mostRequeues == summary.maxRequeues && m.mostBypasses == summary.maxBypasses, "\(strategy)")
            #expect(m.runs == 200 && m.violations == summary.violations)
        }
    }
}
