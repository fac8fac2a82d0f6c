// Page operands and the primitives several operations share: put_page and
// the free path, the ledger, test-and-set, and the kernel's assertions on a
// page (kernel-model §2.1, I1, I2, I5). Like every step, they reach page
// words, PTEs, cache slots, wait-entry flags and the ledger only through the
// memory door (`load`, `store`, `rmw`, Core/Memory/MemoryAccess.swift), with
// the order of the kernel code they model, behind the rights check `touch`
// (Core/Memory/AccessRights.swift) wherever the kernel needs a right; that
// check is where a use after put is caught.

extension Engine {
    /// The page a register names, after a range check. The world is
    /// `inout` though only read: every caller holds it `inout`, and passing
    /// it by value made a 76-byte copy of it at the start of each operation
    /// (kept even with this inlined). The same holds for `touch` and the
    /// checks below (`checkUnlocker`, `checkRmapWalk`, `checkGetPage`).
    @inline(__always)
    func pageOperand(_ w: inout World, _ t: Int, _ r: Register) throws(Violation) -> PageRef {
        let ref = PageRef(register: w.tasks[t].registers[Int(r)])
        guard !ref.pfn.isNone && ref.pfn.index < w.pages.count else {
            throw Violation(.badProgram, task: t, pfn: ref.pfn, function: function(of: w, task: t),
                            detail: "r\(r) holds no page (pfn \(ref.pfn); the world has \(w.pages.count))")
        }
        return ref
    }

    /// Adjust `t`'s ledger entry for `pfn`, saturating: a wrong program
    /// shows up as a ledger mismatch, never as a trap.
    @inline(__always)
    func ledger(_ w: inout World, _ t: Int, _ pfn: PFN, _ delta: Int) {
        rmw(&w, .ledger(t, pfn), .modelOnly) { $0 = UInt8(clamping: Int($0) + delta) }
    }

    /// `put_page()`: drop one reference; the last one frees the page in the
    /// same step. `owned` says whether the reference is `t`'s own (ledger)
    /// or a mapping's (try_to_unmap).
    func putPage(_ w: inout World, _ t: Int, _ ref: PageRef, owned: Bool, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let pfn = ref.pfn
        let p = load(w, .frame(pfn), .modelOnly)
        // The right put_page uses is the reference it drops: checked only
        // when the memmap is gone or, for the task's own, the ledger shows none.
        if !p.memmapPresent || (owned && w.references(of: t, on: pfn) == 0) {
            try touch(&w, t, ref, "put_page")
        }
        if p.life == .frozen {
            throw bug(.putPageTestzero, w, t, pfn: pfn, "the page is frozen by task \(p.frozenBy) (page_ref_freeze)")
        }
        // put_page_testzero: VM_BUG_ON_PAGE(page_ref_count(page) == 0), an
        // atomic_read (include/linux/mm.h).
        let seen = load(w, .refcount(pfn), .relaxed)
        if seen <= 0 || p.life == .free {
            throw bug(.putPageTestzero, w, t, pfn: pfn, "refcount \(seen)")
        }
        // What the atomic_dec_and_test below reads decides the free; under
        // `--memory arm` the atomic_read above may be older than it.
        let count = rmwValue(w, .refcount(pfn))
        // The free path's check, made before the count drops so that a bad
        // page leaves the world as it was.
        if count == 1, let reason = badPageReason(load(w, .frame(pfn), .plain, afterFullRMWOf: .refcount(pfn))) {
            throw Violation(.badPage, task: t, pfn: pfn, function: function(of: w, task: t),
                            detail: "last reference dropped: \(reason): bad page")
        }
        if owned { ledger(&w, t, pfn, -1) }
        // page_ref_dec_and_test: atomic_dec_and_test, fully ordered.
        rmw(&w, .refcount(pfn), .fullyOrdered) { $0 -= 1 }
        if count == 1 {
            try freePage(&w, t, pfn)
            return StepEvent(task: t, site: site, .freed, pfn: pfn, a: Int64(count), b: 0)
        }
        return StepEvent(task: t, site: site, .refcount, pfn: pfn, a: Int64(count), b: Int64(count - 1))
    }

    /// The allocator's free path: PG_locked must be clear ("bad page"), then
    /// every flag goes, a stale PG_waiters included (kernel-model §1.2).
    func freePage(_ w: inout World, _ t: Int, _ pfn: PFN) throws(Violation) {
        if let reason = badPageReason(load(w, .frame(pfn), .plain)) {
            throw Violation(.badPage, task: t, pfn: pfn, function: function(of: w, task: t), detail: "page freed: \(reason)")
        }
        // free_pages_prepare: page->flags &= ~PAGE_FLAGS_CHECK_AT_PREP and
        // page->mapping = NULL, plain (nobody else holds the page); the
        // rest is the model's record of the frame.
        rmw(&w, .frame(pfn), .plain) { p in
            p.flags = []
            p.refcount = 0
            p.life = .free
            p.frozenBy = .none
            p.isolatedBy = .none
            p.lockOwner = .none
            p.writebackBy = .none
            p.mapping = -1
        }
    }

    /// What free_pages_check() (mm/page_alloc.c, v4.19) would call bad
    /// about a page being freed, or nil: a flag of PAGE_FLAGS_CHECK_AT_FREE
    /// the model has (PG_locked, PG_writeback, PG_private), a nonzero
    /// mapcount, or a page still in the page cache. PG_lru is left out: the
    /// kernel's put path takes the page off the LRU first
    /// (__page_cache_release), which the model does not spell out. The
    /// caller loads the frame: free_pages_check's reads are plain.
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
    func checkRmapWalk(_ w: inout World, _ t: Int, _ pfn: PFN) throws(Violation) {
        // rmap_walk: PageAnon reads page->mapping (plain); rmap_walk_file's
        // VM_BUG_ON_PAGE(!PageLocked(page)) is a test_bit. A free frame is
        // the model's case, which the kernel never walks.
        if load(w, .frame(pfn), .modelOnly).life != .free && load(w, .mapping(pfn), .plain) >= 0
            && !load(w, .flags(pfn), .relaxed).contains(.locked) {
            throw bug(.rmapWalkFile, w, t, pfn: pfn, "a page-cache page that is not locked")
        }
    }

    /// The get_page() inside another primitive (remove_migration_pte,
    /// migrate_page_move_mapping's cache reference).
    @inline(__always)
    func checkGetPage(_ w: inout World, _ t: Int, _ pfn: PFN) throws(Violation) {
        // get_page: VM_BUG_ON_PAGE(page_ref_count(page) <= 0), an
        // atomic_read; the frame's life is the model's.
        let count = load(w, .refcount(pfn), .relaxed)
        if count <= 0 || load(w, .frame(pfn), .modelOnly).life != .inUse {
            throw bug(.getPage, w, t, pfn: pfn, "refcount \(count)")
        }
    }

    /// Atomically set `bit`; true if it was clear. `order` is the kernel
    /// primitive's: test_and_set_bit_lock is `.acquire`, test_and_set_bit
    /// `.fullyOrdered`. `owner` becomes the lock owner when the bit is
    /// PG_locked.
    @inline(__always)
    func testAndSet(_ w: inout World, _ pfn: PFN, _ bit: PageFlags, owner: Int, _ order: MemoryOrder) -> Bool {
        let wasSet = rmw(&w, .flags(pfn), order) { flags -> Bool in
            if flags.contains(bit) { return true }
            flags.insert(bit)
            return false
        }
        if wasSet { return false }
        if bit == .locked { setLockOwner(&w, pfn, owner) }
        return true
    }

    /// The model's record of who holds PG_locked (kernel-model I2), kept
    /// with the bit; the kernel has no such field. -1: nobody.
    @inline(__always)
    func setLockOwner(_ w: inout World, _ pfn: PFN, _ owner: Int) {
        store(&w, .lockOwner(pfn), TaskID(owner), .modelOnly)
    }

    /// Clearing PG_locked is the owner's alone (kernel-model I2): a check
    /// on the model's record, which the kernel cannot make.
    @inline(__always)
    func checkUnlocker(_ w: inout World, _ t: Int, _ pfn: PFN) throws(Violation) {
        let p = load(w, .frame(pfn), .modelOnly)
        if p.isLocked && p.lockOwner.index != t {
            throw Violation(.unlockByNonOwner, task: t, pfn: pfn, function: function(of: w, task: t),
                            detail: "PG_locked cleared by task \(t) but held by task \(p.lockOwner)")
        }
    }
}
