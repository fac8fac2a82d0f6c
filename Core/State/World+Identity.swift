extension Engine {
    /// The state of `w` as exploration sees it: everything a future step
    /// can read (`World.combineIdentity`). Which counters are state depends
    /// on the programs, so the engine supplies them.
    public func fingerprint(_ w: World) -> UInt64 {
        var h = StableHasher()
        w.combineIdentity(into: &h, controlCounters: controlCounters)
        return h.value
    }
}

extension World: StateIdentity {
    /// Statistics no step reads back.
    public static var fieldsOutsideIdentity: Set<String> { ["stats"] }

    /// Every counter is identity here; `Engine.fingerprint` keeps only the
    /// counters some program reads.
    public func combineIdentity(into h: inout StableHasher) {
        combineIdentity(into: &h, controlCounters: counters.indices.map { Int32($0) })
    }

    /// The identity with only `controlCounters` of the counters: the others
    /// are observations (kernel-model §2.1 `count`), and leaving them out
    /// keeps states that behave alike one state.
    ///
    /// Pages and tasks are hashed in place through their buffers: a
    /// `for t in tasks` copies each (large) task out of the array first.
    @inlinable
    public func combineIdentity(into h: inout StableHasher, controlCounters: [Int32]) {
        pages.withUnsafeBufferPointer { b in
            for i in b.indices { b[i].combineIdentity(into: &h) }
        }
        for e in ptes { e.combineIdentity(into: &h) }
        for c in cache { c.combineIdentity(into: &h) }
        tasks.withUnsafeBufferPointer { b in
            for i in b.indices { b[i].combineIdentity(into: &h) }
        }
        for r in refs { h.combine(r) }
        h.combine(queue.count)
        for q in queue { q.combineIdentity(into: &h) }
        for c in controlCounters { h.combine(counters.indices.contains(Int(c)) ? counters[Int(c)] : 0) }
        combineSleepLockIdentity(renamedBy: nil, into: &h)
        cpu.combineIdentity(renamedBy: nil, into: &h)
        storeBuffers.combineIdentity(renamedBy: nil, into: &h)
        views.combineIdentity(renamedBy: nil, into: &h)
    }
}
