// The seed patch's story as properties of the model at the built-in
// defaults (kernel-model §5; docs/scenarios.md), each over 1,000 seeds.
// Expected values are relations between strategies and faulter counts,
// never numbers copied from a run.

import Testing
import PagewaitCore
import PagewaitPlugins

@Suite("The seed's story, over 1,000 seeds")
struct SeedStoryTests {
    @Test("with no faulters every strategy migrates the page in every seed (§5.1)", arguments: BuiltinPlugins.strategies.map(\.name))
    func noFaultersAlwaysSucceeds(strategy: String) throws {
        let s = try sweep("migrate-vs-faulters", strategy, ["faulters": 0])
        #expect(s.successRate == 1, "\(strategy): \(s.successRate)")
        #expect(s.violations == 0)
    }

    @Test("legacy: one faulter sometimes lets migration succeed, sometimes not; success falls with every faulter added, and three faulters halve it at least (§5.2, §5.3)")
    func legacyFallsWithFaulters() throws {
        let s1 = try sweep("migrate-vs-faulters", "legacy", ["faulters": 1])
        let s2 = try sweep("migrate-vs-faulters", "legacy", ["faulters": 2])
        let s3 = try sweep("migrate-vs-faulters", "legacy", ["faulters": 3])
        // Strictly between 0 and 1 at 95 % confidence.
        #expect(s1.successLow > 0 && s1.successHigh < 1, "S(1) = \(s1.successRate)")
        #expect(s2.successRate < s1.successRate && s3.successRate <= s2.successRate)
        #expect(s3.successRate <= 0.5 * s1.successRate, "S(3) = \(s3.successRate), S(1) = \(s1.successRate)")
    }

    @Test("put-and-wait succeeds in at least 95 % of seeds with up to three faulters, and more often than legacy with every faulter count (§5.4)", arguments: [1, 2, 3])
    func putAndWaitBeatsLegacy(faulters: Int) throws {
        let paw = try successRate("put-and-wait", faulters: faulters)
        let legacy = try successRate("legacy", faulters: faulters)
        #expect(paw >= 0.95, "S = \(paw)")
        #expect(paw > legacy, "put-and-wait \(paw) vs legacy \(legacy)")
    }

    @Test("put-and-wait gets worse as preemption inside its reference window gets likelier (§5.4)")
    func putAndWaitPreemptionWindow() throws {
        let rates = try [0, 200, 1000].map { try successRate("put-and-wait", faulters: 3, ["preemptInWindow": Int64($0)]) }
        #expect(rates[0] > rates[1] && rates[1] > rates[2], "\(rates)")
    }

    @Test("noref: no migration pass ever fails because of a faulter's reference (§5.5)", arguments: [1, 2, 3])
    func norefNeverBlamesFaulters(faulters: Int) throws {
        let s = try sweep("migrate-vs-faulters", "noref", ["faulters": Int64(faulters)])
        #expect(s.eagain["eagain_extra_ref"] == 0 && s.eagain["eagain_freeze_race"] == 0, "\(s.eagain)")
        #expect(s.successRate == 1)
    }

    @Test("legacy's PTE work grows with both mappings and faulters (§5.6)")
    func legacyCostGrows() throws {
        let base = try sweep("migrate-vs-faulters", "legacy", ["faulters": 1, "mappings": 2]).meanPTEOps
        let moreFaulters = try sweep("migrate-vs-faulters", "legacy", ["faulters": 3, "mappings": 2]).meanPTEOps
        let moreMappings = try sweep("migrate-vs-faulters", "legacy", ["faulters": 1, "mappings": 4]).meanPTEOps
        #expect(moreFaulters > base && moreMappings > base, "base \(base), k=3 \(moreFaulters), m=4 \(moreMappings)")
    }

    @Test("each pass that gets past the page lock costs 2·m PTE operations (§5.6)", arguments: ["legacy", "put-and-wait"])
    func pteCostPerPass(strategy: String) throws {
        for m in [1, 2, 3] {
            let s = try sweep("migrate-vs-faulters", strategy, ["faulters": 2, "mappings": Int64(m)], seeds: 1..<201)
            let passesPastLock = s.meanPasses - Double(s.eagain["eagain_lock_busy"] ?? 0) / Double(s.seeds)
            #expect(abs(s.meanPTEOps - 2 * Double(m) * passesPastLock) < 1e-9, "m=\(m): \(s.meanPTEOps) vs \(passesPastLock) passes")
        }
    }

    @Test("offline with two or more faulters: legacy hits its iteration budget in most seeds; put-and-wait and noref finish within a few iterations (§5.7)", arguments: [2, 3])
    func offlineLivelock(faulters: Int) throws {
        let legacy = try sweep("offline", "legacy", ["faulters": Int64(faulters)])
        #expect(legacy.budgetHitRate > 0.5, "legacy budget hit \(legacy.budgetHitRate)")
        for strategy in ["put-and-wait", "noref"] {
            let s = try sweep("offline", strategy, ["faulters": Int64(faulters)])
            #expect(s.budgetHitRate == 0, "\(strategy)")
            // One iteration migrates, the next finds the range free; a
            // third at most when a pass fails on the brief reference window.
            #expect(s.offlineP99 <= 3, "\(strategy): p99 \(s.offlineP99)")
        }
    }

    @Test("the unmap-to-check window: more mappings make legacy worse and put-and-wait (preempted in its window) better")
    func windowSensitivity() throws {
        let preempt: Parameters = ["preemptInWindow": 100]
        let legacy = try [1, 2, 4].map { try successRate("legacy", faulters: 2, preempt.merging(["mappings": Int64($0)]) { $1 }) }
        let paw = try [1, 4].map { try successRate("put-and-wait", faulters: 2, preempt.merging(["mappings": Int64($0)]) { $1 }) }
        #expect(legacy[0] > legacy[1] && legacy[1] > legacy[2], "legacy \(legacy)")
        #expect(paw[1] > paw[0], "put-and-wait \(paw)")
    }

    @Test("legacy-unlock migrates exactly as legacy does: the reclaim revert alone fixes nothing for F1 (same seeds, same outcomes)")
    func reclaimRevertAloneChangesNothing() throws {
        for k in [1, 3] {
            let a = try sweep("migrate-vs-faulters", "legacy", ["faulters": Int64(k)], seeds: 1..<301)
            let b = try sweep("migrate-vs-faulters", "legacy-unlock", ["faulters": Int64(k)], seeds: 1..<301)
            #expect(a.successRate == b.successRate && a.meanPasses == b.meanPasses)
        }
    }
}
