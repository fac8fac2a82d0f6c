/// A deterministic 64-bit hash, the same in every process (Swift's
/// `Hasher` is seeded per process, so it cannot name a state in a shard's
/// output or across runs).
public struct StableHasher: Sendable {
    @usableFromInline var state: UInt64 = 0x243F_6A88_85A3_08D3

    @inlinable public init() {}

    @inlinable public mutating func combine(_ v: UInt64) {
        state = (state ^ (v &* 0x9E37_79B9_7F4A_7C15)).rotateLeft(27) &* 0xBF58_476D_1CE4_E5B9 &+ 0x94D0_49BB_1331_11EB
    }

    @inlinable public mutating func combine(_ v: Int64) { combine(UInt64(bitPattern: v)) }
    @inlinable public mutating func combine<I: FixedWidthInteger>(_ v: I) { combine(UInt64(truncatingIfNeeded: v)) }
    @inlinable public mutating func combine(_ b: Bool) { combine(b ? 1 as UInt64 : 0) }

    /// SplitMix64's finaliser, so nearby states land far apart.
    @inlinable public var value: UInt64 {
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension UInt64 {
    @inlinable func rotateLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}

extension Engine {
    /// The state of `w` as exploration sees it: everything a future step
    /// can read. Left out, so that states that behave alike are one state:
    /// statistics (`WorldStats`, per-task counts; accounting enters minus
    /// leaves stays in), counters no program reads, preemption hints (the
    /// scheduler's business).
    public func fingerprint(_ w: World) -> UInt64 {
        var h = StableHasher()
        for p in w.pages {
            h.combine(p.flags.rawValue); h.combine(p.refcount); h.combine(p.mapcount); h.combine(p.life.rawValue)
            h.combine(p.frozenBy); h.combine(p.gen); h.combine(p.mapping); h.combine(p.isolatedBy)
            h.combine(p.lockOwner); h.combine(p.memmapPresent)
        }
        for e in w.ptes { h.combine(e.kind.rawValue); h.combine(e.pfn); h.combine(e.mm) }
        for c in w.cache { h.combine(c.file); h.combine(c.pfn) }
        for t in w.tasks {
            h.combine(t.program); h.combine(t.pc)
            for i in 0..<TaskState.registerCount { h.combine(t.registers[i]) }
            h.combine(t.state.rawValue); h.combine(t.blocked); h.combine(t.pending.rawValue); h.combine(t.finished)
            h.combine(t.heldLocks); h.combine(t.heldBucket); h.combine(t.frame.rawValue); h.combine(t.snapshot.rawValue)
            if t.frame == .wait {
                let f = t.wait
                h.combine(f.phase); h.combine(f.page.register); h.combine(f.bit.rawValue); h.combine(f.state.rawValue)
                h.combine(f.behavior); h.combine(f.resultRegister); h.combine(f.release); h.combine(f.bitSet)
                h.combine(f.result); h.combine(f.unfairness); h.combine(f.requeues); h.combine(f.thrashing); h.combine(f.delayacct)
            }
            if t.frame == .wake {
                let f = t.wake
                h.combine(f.phase); h.combine(f.page.register); h.combine(f.bit.rawValue); h.combine(f.bucket); h.combine(f.next)
                h.combine(f.nextIsBookmark); h.combine(f.pageMatch); h.combine(f.nrExclusive); h.combine(f.count)
                h.combine(f.resumeFromBookmark)
            }
            let e = t.entry
            h.combine(e.page.register); h.combine(e.bit.rawValue); h.combine(e.flags.rawValue); h.combine(e.onList); h.combine(e.bucket)
            h.combine(t.stats.psiEnter &- t.stats.psiLeave); h.combine(t.stats.delayacctStart &- t.stats.delayacctEnd)
        }
        for r in w.refs { h.combine(r) }
        h.combine(w.queue.count)
        for q in w.queue { h.combine(q.bucket); h.combine(q.task); h.combine(q.isBookmark) }
        for c in controlCounters { h.combine(w.counters.indices.contains(Int(c)) ? w.counters[Int(c)] : 0) }
        return h.value
    }
}
