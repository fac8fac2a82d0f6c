// Safety and fairness properties of the strategies under the random
// scheduler (kernel-model F3–F6, F13, §5.9, §5.10, §5.12).

import Testing
import PagewaitCore
import PagewaitPlugins

@Suite("Safety and fairness under random schedules")
struct SafetyTests {
    /// F3 needs the faulter off the CPU inside its reference window for the
    /// whole failed migration: preempt it there every time, for long.
    static let longPreemption: Parameters = ["preemptInWindow": 1000]
    static let longTiming = SchedulerTiming(preemptLength: 400)

    @Test("reclaim-race: put-and-wait with the old unlockless reclaim loses a wakeup — the faulter sleeps on a freed page (F3)")
    func unlocklessLosesWakeup() throws {
        let s = try sweep("reclaim-race", "put-and-wait-unlockless", Self.longPreemption, seeds: 1..<20_001, timing: Self.longTiming)
        #expect(s.lostWakeups > 0)
        // Caught either when PG_waiters goes wrongly clear under the sleeper
        // (I3) or at quiescence.
        #expect(s.firstFailure?.contains("LOST_WAKEUP") == true || s.firstFailure?.contains("WAITERS_UNSOUND") == true)
    }

    @Test("reclaim-race: the same schedules never lose a wakeup under unlock_page, the conditional clear, waiters-as-reference, legacy or noref (F4, §5.9)",
          arguments: ["put-and-wait", "put-and-wait-cond", "put-and-wait-waitersref", "legacy", "noref"])
    func safeReclaimVariants(strategy: String) throws {
        let s = try sweep("reclaim-race", strategy, Self.longPreemption, seeds: 1..<20_001, timing: Self.longTiming)
        #expect(s.violations == 0, "\(s.firstFailure ?? "")")
    }

    @Test("reuse: the real DROP never touches the page after its put; DROP that loops and DROP that puts early do (F5, F6)")
    func dropMustNotTouchThePage() throws {
        let safe = try sweep("reuse", "put-and-wait")
        #expect(safe.violations == 0)
        for ablation in ["drop-loops", "drop-early-put"] {
            let s = try sweep("reuse", ablation)
            #expect(s.violations > 0, "\(ablation)")
            let kinds = ["UNSAFE_ACCESS", "WRONG_USAGE", "FATAL_UAF"]
            #expect(kinds.contains { s.firstFailure?.hasPrefix($0) == true }, "\(ablation): \(s.firstFailure ?? "none")")
        }
    }

    @Test("fairness: the fair rewrite never requeues a woken waiter; unfair-N requeues at most N times; the v4.19 core requeues (F13, §5.12)")
    func requeueBounds() throws {
        #expect(try sweep("fairness", "rewrite-fair").maxRequeues == 0)
        for n in [0, 1, 2, 5] {
            let s = try sweep("fairness", "unfair-\(n)")
            #expect(s.maxRequeues <= Int32(n), "unfair-\(n): \(s.maxRequeues)")
            #expect(s.violations == 0)
        }
        #expect(try sweep("fairness", "put-and-wait").maxRequeues > 0)
    }

    @Test("wake walk: with bookmarks no q.lock hold visits more than 65 entries, and 80 waiters do fill a whole chunk; without them one hold visits all 80 (§5.10, F11)")
    func bookmarkChunks() throws {
        let with = try sweep("wake-walk", "noref", seeds: 1..<51)
        let without = try sweep("wake-walk", "no-bookmarks", seeds: 1..<51)
        #expect(with.longestWakeChunk == 65)
        #expect(without.longestWakeChunk == 80)
        #expect(with.violations == 0 && without.violations == 0)
    }

    @Test("every strategy and scenario runs with no violation except the forbidden designs, and the offline livelock under the legacy fault path (F2)",
          arguments: BuiltinPlugins.strategies.map(\.name).filter { !$0.hasPrefix("drop-") })
    func noViolationsByDefault(strategy: String) throws {
        for scenario in ["migrate-vs-faulters", "offline", "fairness", "reuse"] {
            let s = try sweep(scenario, strategy, seeds: 1..<101)
            let livelocks = scenario == "offline" ? Int((s.budgetHitRate * Double(s.seeds)).rounded()) : 0
            #expect(s.violations == livelocks, "\(scenario): \(s.firstFailure ?? "")")
            if livelocks > 0 { #expect(strategy.hasPrefix("legacy") && s.firstFailure?.hasPrefix("LIVELOCK") == true) }
        }
    }
}
