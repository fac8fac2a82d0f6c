// Fingerprints name states in a shard's output and across runs, so the
// identity code may get faster but never feed the hasher differently. Here
// each state along random walks of every built-in scenario is hashed once
// by the engine and once by a plain field-by-field reference written out
// below, in the documented order; the two must agree bit for bit.

import Testing
@testable import PagewaitCore
import PagewaitPlugins

/// The identity of `w`, fed one field at a time in the order each type's
/// `combineIdentity` documents, with only `controlCounters` of the counters.
func referenceFingerprint(_ w: World, controlCounters: [Int32]) -> UInt64 {
    var h = StableHasher()
    for p in w.pages {
        h.combine(p.flags.rawValue); h.combine(p.refcount); h.combine(p.mapcount); h.combine(p.life.rawValue)
        h.combine(p.frozenBy); h.combine(p.gen); h.combine(p.mapping); h.combine(p.isolatedBy)
        h.combine(p.lockOwner); h.combine(p.memmapPresent); h.combine(p.writebackBy)
    }
    for e in w.ptes { h.combine(e.kind.rawValue | e.level.rawValue << 4); h.combine(e.pfn); h.combine(e.mm) }
    for c in w.cache { h.combine(c.file); h.combine(c.pfn) }
    for t in w.tasks {
        h.combine(t.program); h.combine(t.pc)
        for i in 0..<TaskState.registerCount { h.combine(t.registers[i]) }
        h.combine(t.state.rawValue); h.combine(t.blocked); h.combine(t.pending.rawValue); h.combine(t.finished)
        h.combine(t.heldLocks.low)
        if t.heldLocks.high != 0 { h.combine(0x6C6F_636B_7365_7432 as UInt64); h.combine(t.heldLocks.high) }
        h.combine(t.heldBucket); h.combine(t.frame.kind.rawValue); h.combine(t.snapshot.rawValue)
        switch t.frame {
        case .none: break
        case .wait(let f):
            h.combine(f.phase); h.combine(f.page.register); h.combine(f.bit.rawValue); h.combine(f.state.rawValue)
            h.combine(f.behavior); h.combine(f.resultRegister); h.combine(f.release); h.combine(f.bitSet)
            h.combine(f.result); h.combine(f.unfairness); h.combine(f.requeues); h.combine(f.thrashing); h.combine(f.delayacct)
        case .wake(let f):
            h.combine(f.phase); h.combine(f.page.register); h.combine(f.bit.rawValue); h.combine(f.bucket); h.combine(f.next)
            h.combine(f.nextIsBookmark); h.combine(f.pageMatch); h.combine(f.nrExclusive); h.combine(f.count)
            h.combine(f.resumeFromBookmark); h.combine(f.woken.low); h.combine(f.woken.high)
        }
        let e = t.entry
        h.combine(e.page.register); h.combine(e.bit.rawValue); h.combine(e.flags.rawValue); h.combine(e.onList); h.combine(e.bucket)
        h.combine(t.stats.psiEnter &- t.stats.psiLeave); h.combine(t.stats.delayacctStart &- t.stats.delayacctEnd)
    }
    for r in w.refs { h.combine(r) }
    h.combine(w.queue.count)
    for q in w.queue { h.combine(q.bucket); h.combine(q.task); h.combine(q.isBookmark) }
    for c in controlCounters { h.combine(w.counters.indices.contains(Int(c)) ? w.counters[Int(c)] : 0) }
    // Mutexes and rwsems, only once a program has taken one.
    if !w.sleepLocks.isEmpty {
        h.combine(0x736C_6565_706C_6B73 as UInt64)
        h.combine(w.sleepLocks.count)
        for l in w.sleepLocks {
            h.combine(l.owner); h.combine(l.readers.low); h.combine(l.readers.high); h.combine(l.handoff)
            h.combine(l.waiters.count)
            for x in l.waiters { h.combine(x.task); h.combine(x.mode.rawValue) }
        }
    }
    // The CPUs (scenarios that declare them): fed only when there is any.
    if !w.cpu.running.isEmpty || w.cpu.resched != 0 || w.cpu.pending != 0 {
        h.combine(Int32(w.cpu.running.count))
        for t in w.cpu.running { h.combine(t) }
        h.combine(w.cpu.resched); h.combine(w.cpu.pending)
    }
    return h.value
}

@Suite("Fingerprint reference")
struct FingerprintReferenceTests {
    @Test("the engine's fingerprint and the world's identity hash feed exactly the reference's fields in its order, on walks of every built-in and zoo scenario under every strategy")
    func fingerprintMatchesReference() throws {
        var states = 0, waits = 0, wakes = 0
        for spec in BuiltinScenarios.all + ZooEntries.scenarios {
            for (index, name) in registry.names(.strategy).enumerated() {
                guard let setup = try? spec.build(strategy: try registry.strategy(name), parameters: Parameters()) else { continue }
                let engine = setup.engine
                let allCounters = setup.world.counters.indices.map { Int32($0) }
                for walk in 0..<4 {
                    var rng = SplitMix64(seed: UInt64(index * 100 + walk + 1))
                    var w = setup.world
                    for step in 0..<200 {
                        states += 1
                        if w.tasks.contains(where: { $0.frame.kind == .wait }) { waits += 1 }
                        if w.tasks.contains(where: { $0.frame.kind == .wake }) { wakes += 1 }
                        #expect(engine.fingerprint(w) == referenceFingerprint(w, controlCounters: engine.controlCounters),
                                "\(spec.name) under \(name), walk \(walk) step \(step): the fingerprint differs from the reference")
                        #expect(w.identityHash == referenceFingerprint(w, controlCounters: allCounters),
                                "\(spec.name) under \(name), walk \(walk) step \(step): the identity hash differs from the reference")
                        let enabled = Array(engine.enabledTasks(w))
                        guard !enabled.isEmpty else { break }
                        var next = w
                        guard (try? engine.step(&next, task: enabled[rng.below(enabled.count)])) != nil else { break }
                        w = next
                    }
                }
            }
        }
        #expect(states > 1000 && waits > 0 && wakes > 0, "the walks met \(states) states, \(waits) inside a wait, \(wakes) inside a wake; the test checks little")
    }
}
