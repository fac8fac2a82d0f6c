// Known-bugs Z5 in the engine: PG_waiters in a word of its own
// (PageLockWord). Without unlock_page's barrier the store-buffering shape
// loses a wakeup under tso and nowhere else; the barrier or the shared word
// close it under both models. The searches are exhaustive over a holder
// and one locker, so each verdict holds for every interleaving.

import Testing
@testable import PagewaitCore
import PagewaitPlugins

@Suite("Z5: PG_waiters in a word of its own")
struct Z5EngineTests {
    static func setup(_ strategy: String, _ memory: MemoryModel) throws -> Setup {
        try zooSetup("z5-unlock-vs-waiter", strategy, memory)
    }

    @Test("LOST_WAKEUP exactly for the separate word without the barrier under tso; every other variant and model is proved",
          arguments: ["separate-waiters", "separate-waiters-mb", "legacy"], [MemoryModel.sc, .tso])
    func verdicts(strategy: String, memory: MemoryModel) throws {
        let r = summarise(try Self.setup(strategy, memory), ExplorationBounds())
        #expect(r.result.complete)
        // The search goes on past violations (`summarise`): its findings are every kind it met.
        if strategy == "separate-waiters" && memory == .tso {
            #expect(r.findings == [ViolationKind.lostWakeup.rawValue], "\(strategy) under \(memory): \(r.findings)")
        } else {
            #expect(r.findings.isEmpty, "\(strategy) under \(memory): \(r.findings)")
        }
    }

    @Test("under tso the separate-word searches reach every end state sc reaches, and the reductions asked for change no state or finding",
          arguments: ["separate-waiters", "separate-waiters-mb"])
    func tsoContainsSC(strategy: String) throws {
        let off = ExplorationBounds(sleepSets: false, stepMerging: false, symmetry: false, deadVariables: false)
        let sc = summarise(try Self.setup(strategy, .sc), off)
        let tso = summarise(try Self.setup(strategy, .tso), off)
        let asked = summarise(try Self.setup(strategy, .tso), ExplorationBounds())
        #expect(sc.ends.isSubset(of: tso.ends))
        #expect(tso.states.count > sc.states.count, "nothing was ever buffered")
        #expect(asked.findings == tso.findings && asked.result.violation?.kind == tso.result.violation?.kind)
        // Under sc the reductions keep the findings too (none).
        let scReduced = summarise(try Self.setup(strategy, .sc), ExplorationBounds())
        #expect(scReduced.findings == sc.findings && sc.findings.isEmpty)
    }

    @Test("the unlock's buffered store of PG_locked's word keeps a SetPageWaiters that lands before its flush; a store of the shared word erases it")
    func separateWordStore() throws {
        let setup = try Self.setup("separate-waiters", .tso)
        let e = setup.engine
        var w = setup.world
        let p = PFN(0)
        w.pages[0].flags.insert(.locked)
        let locked = w.pages[0].flags
        w.storeBuffers.current = 0
        e.store(&w, .lockWord(p), locked.subtracting(.locked), .release)
        #expect(w.pages[0].flags.contains(.locked), "the release store reached memory at once")
        #expect(!e.load(w, .flags(p), .relaxed).contains(.locked), "the unlocker does not see its own store")
        // Another task sets PG_waiters in its own word (a locked RMW: its
        // own buffer drains, the unlocker's does not).
        w.storeBuffers.current = 1
        e.rmw(&w, .waitersWord(p), .relaxed) { $0 = true }
        #expect(e.load(w, .flags(p), .relaxed).contains(.locked), "another task sees the buffered clear")
        #expect(w.storeBuffers.nonEmpty.contains(0))
        _ = try e.step(&w, task: StoreBuffers.flushBase + 0)
        #expect(!w.pages[0].flags.contains(.locked) && w.pages[0].flags.contains(.waiters), "the flush wiped PG_waiters")
        // The same with a store of the whole flags word: the lost update.
        var v = setup.world
        v.pages[0].flags.insert(.locked)
        v.storeBuffers.current = 0
        e.store(&v, .flags(p), locked.subtracting(.locked), .release)
        v.storeBuffers.current = 1
        e.rmw(&v, .waitersWord(p), .relaxed) { $0 = true }
        _ = try e.step(&v, task: StoreBuffers.flushBase + 0)
        #expect(!v.pages[0].flags.contains(.waiters))
    }

    @Test("a buffered store of PG_locked's own word and one of the shared word are different states")
    func identity() throws {
        let setup = try Self.setup("separate-waiters", .tso)
        var a = setup.world, b = setup.world
        let f = setup.world.pages[0].flags
        a.storeBuffers.current = 0
        b.storeBuffers.current = 0
        setup.engine.store(&a, .lockWord(PFN(0)), f, .release)
        setup.engine.store(&b, .flags(PFN(0)), f, .release)
        #expect(setup.engine.fingerprint(a) != setup.engine.fingerprint(b))
    }

    @Test("the separate-word strategies unlock with a release store and a load; the shared word with one RMW")
    func programs() throws {
        func ops(_ strategy: String) throws -> [Op] { try Self.setup(strategy, .sc).engine.programs[0].instructions.map(\.op) }
        #expect(try ops("separate-waiters").contains(.releaseLocked(0)))
        #expect(try ops("separate-waiters").contains { if case .flag(.testWaitersWord(_, false, _)) = $0 { true } else { false } })
        #expect(try ops("separate-waiters-mb").contains { if case .flag(.testWaitersWord(_, true, _)) = $0 { true } else { false } })
        #expect(try !ops("legacy").contains { if case .flag(.releaseLocked) = $0 { true } else { false } })
    }
}
