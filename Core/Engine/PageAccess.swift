// Page access rights and the reference primitives (kernel-model §2.1, I1,
// I2, I5). Every read or write of a page's flags or counts goes through
// `touch`, which is where use-after-put is caught.

extension Engine {
    /// The page a register names, after a range check.
    @inline(__always)
    func pageOperand(_ w: World, _ t: Int, _ r: Register) throws(Violation) -> PageRef {
        let ref = PageRef(register: w.tasks[t].registers[Int(r)])
        guard ref.pfn >= 0 && Int(ref.pfn) < w.pages.count else {
            throw Violation(.badProgram, task: t, pfn: ref.pfn, function: function(of: w, task: t),
                            detail: "r\(r) holds no page (pfn \(ref.pfn); the world has \(w.pages.count))")
        }
        return ref
    }

    /// Whether `t` may touch frame `pfn` now (kernel-model I5): it holds a
    /// reference, has frozen the page, holds the ptl of a PTE that maps or
    /// migration-maps it, or holds the mapping lock of the cache slot that
    /// points at it.
    func hasRight(_ w: World, _ t: Int, _ pfn: Int32) -> Bool {
        if w.references(of: t, on: pfn) > 0 { return true }
        let p = w.pages[Int(pfn)]
        if p.life == .frozen && Int(p.frozenBy) == t { return true }
        let held = w.tasks[t].heldLocks
        if !held.isEmpty {
            for i in w.ptes.indices where w.ptes[i].pfn == pfn && (w.ptes[i].kind == .present || w.ptes[i].kind == .migration) {
                if held.contains(.ptl(Int(w.ptes[i].mm))) { return true }
            }
            for i in w.cache.indices where w.cache[i].pfn == pfn {
                if held.contains(.mapping(Int(w.cache[i].file))) { return true }
            }
        }
        return false
    }

    /// Check an access to `ref`'s frame by `t`; throws UNSAFE_ACCESS,
    /// WRONG_USAGE (the frame was reused since `ref` was formed) or
    /// FATAL_UAF (its memmap is gone).
    @inline(__always)
    func touch(_ w: World, _ t: Int, _ ref: PageRef, _ what: @autoclosure () -> String) throws(Violation) {
        let p = w.pages[Int(ref.pfn)]
        if !p.memmapPresent {
            throw Violation(.fatalUAF, task: t, pfn: ref.pfn, function: function(of: w, task: t),
                            detail: "\(what()) after the memmap was hot-removed")
        }
        if hasRight(w, t, ref.pfn) { return }
        if p.gen != ref.gen {
            throw Violation(.wrongUsage, task: t, pfn: ref.pfn, function: function(of: w, task: t),
                            detail: "\(what()) with no reference; the frame was reused (gen \(ref.gen) -> \(p.gen))")
        }
        throw Violation(.unsafeAccess, task: t, pfn: ref.pfn, function: function(of: w, task: t),
                        detail: "\(what()) with no reference, ptl or mapping lock held")
    }

    /// Adjust `t`'s ledger entry for `pfn`, saturating: a wrong program
    /// shows up as a ledger mismatch, never as a trap.
    @inline(__always)
    func ledger(_ w: inout World, _ t: Int, _ pfn: Int32, _ delta: Int) {
        let i = t * w.pages.count + Int(pfn)
        let v = Int(w.refs[i]) + delta
        w.refs[i] = UInt8(clamping: v)
    }

    /// `put_page()`: drop one reference; the last one frees the page in the
    /// same step. `owned` says whether the reference is `t`'s own (ledger)
    /// or a mapping's (try_to_unmap).
    func putPage(_ w: inout World, _ t: Int, _ ref: PageRef, owned: Bool, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let pfn = ref.pfn
        let p = w.pages[Int(pfn)]
        if !p.memmapPresent || (owned && w.references(of: t, on: pfn) == 0) {
            try touch(w, t, ref, "put_page")
        }
        if p.life == .frozen {
            throw bug(.putPageTestzero, w, t, pfn: pfn, "the page is frozen by task \(p.frozenBy) (page_ref_freeze)")
        }
        if p.refcount <= 0 || p.life == .free {
            throw bug(.putPageTestzero, w, t, pfn: pfn, "refcount \(p.refcount)")
        }
        if p.refcount == 1, let reason = badPageReason(p) {
            throw Violation(.badPage, task: t, pfn: pfn, function: function(of: w, task: t),
                            detail: "last reference dropped: \(reason): bad page")
        }
        if owned { ledger(&w, t, pfn, -1) }
        let before = p.refcount
        w.pages[Int(pfn)].refcount -= 1
        if before == 1 {
            try freePage(&w, t, pfn)
            return StepEvent(task: t, site: site, .freed, pfn: pfn, a: Int64(before), b: 0)
        }
        return StepEvent(task: t, site: site, .refcount, pfn: pfn, a: Int64(before), b: Int64(before - 1))
    }

    /// The allocator's free path: PG_locked must be clear ("bad page"), then
    /// every flag goes, a stale PG_waiters included (kernel-model §1.2).
    func freePage(_ w: inout World, _ t: Int, _ pfn: Int32) throws(Violation) {
        if let reason = badPageReason(w.pages[Int(pfn)]) {
            throw Violation(.badPage, task: t, pfn: pfn, function: function(of: w, task: t), detail: "page freed: \(reason)")
        }
        w.pages[Int(pfn)].flags = []
        w.pages[Int(pfn)].refcount = 0
        w.pages[Int(pfn)].life = .free
        w.pages[Int(pfn)].frozenBy = -1
        w.pages[Int(pfn)].isolatedBy = -1
        w.pages[Int(pfn)].lockOwner = -1
        w.pages[Int(pfn)].mapping = -1
    }

    /// What free_pages_check() (mm/page_alloc.c, v4.19) would call bad
    /// about a page being freed, or nil: a flag of PAGE_FLAGS_CHECK_AT_FREE
    /// the model has (PG_locked, PG_writeback, PG_private), a nonzero
    /// mapcount, or a page still in the page cache. PG_lru is left out: the
    /// kernel's put path takes the page off the LRU first
    /// (__page_cache_release), which the model does not spell out.
    func badPageReason(_ p: PageFrame) -> String? {
        if p.isLocked { return "PG_locked set (locked by task \(p.lockOwner))" }
        if p.flags.contains(.writeback) { return "PG_writeback set" }
        if p.flags.contains(.private) { return "PG_private set" }
        if p.mapcount != 0 { return "nonzero mapcount \(p.mapcount)" }
        if p.mapping >= 0 { return "non-NULL mapping (still in page-cache slot \(p.mapping))" }
        return nil
    }

    /// try_to_unmap() and remove_migration_ptes() walk the rmap of `pfn`;
    /// for a page-cache page that needs its page lock (rmap_walk_file).
    @inline(__always)
    func checkRmapWalk(_ w: World, _ t: Int, _ pfn: Int32) throws(Violation) {
        let p = w.pages[Int(pfn)]
        if p.life != .free && p.mapping >= 0 && !p.isLocked {
            throw bug(.rmapWalkFile, w, t, pfn: pfn, "a page-cache page that is not locked")
        }
    }

    /// The get_page() inside another primitive (remove_migration_pte,
    /// migrate_page_move_mapping's cache reference).
    @inline(__always)
    func checkGetPage(_ w: World, _ t: Int, _ pfn: Int32) throws(Violation) {
        let p = w.pages[Int(pfn)]
        if p.refcount <= 0 || p.life != .inUse {
            throw bug(.getPage, w, t, pfn: pfn, "refcount \(p.refcount)")
        }
    }

    /// Atomically set `bit`, as test_and_set_bit_lock; true if it was clear.
    /// `owner` becomes the lock owner when the bit is PG_locked.
    @inline(__always)
    func testAndSet(_ w: inout World, _ pfn: Int32, _ bit: PageFlags, owner: Int) -> Bool {
        if w.pages[Int(pfn)].flags.contains(bit) { return false }
        w.pages[Int(pfn)].flags.insert(bit)
        if bit == .locked { w.pages[Int(pfn)].lockOwner = Int16(owner) }
        return true
    }

    /// Clearing PG_locked is the owner's alone (kernel-model I2).
    @inline(__always)
    func checkUnlocker(_ w: World, _ t: Int, _ pfn: Int32) throws(Violation) {
        let p = w.pages[Int(pfn)]
        if p.isLocked && Int(p.lockOwner) != t {
            throw Violation(.unlockByNonOwner, task: t, pfn: pfn, function: function(of: w, task: t),
                            detail: "PG_locked cleared by task \(t) but held by task \(p.lockOwner)")
        }
    }
}
