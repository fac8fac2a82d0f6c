// A frame's life: allocation, isolation from and return to the LRU
// (migration's and reclaim's claim on a page, kernel-model §2.8, §2.11),
// freeing a page frozen by its owner, and memory hot-remove (§2.10). The
// last put of a page frees it too, inside `putPage` (PageAccess.swift).

/// Page life cycle.
public enum LifecycleOp: Hashable, Sendable {
    /// Allocate `pfn` if it is free (result 1), else result 0. gen+1, ref 1.
    case allocPage(pfn: PFN, into: Register, result: Register)
    /// isolate_lru_page: needs PG_lru; clears it and takes an isolation ref.
    case isolateLRU(Register, result: Register)
    /// putback_lru_page: set PG_lru, drop the isolation ref.
    case putbackLRU(Register)
    /// Free a page frozen by this task (reclaim): bad-page check, flags cleared.
    case freeFrozenPage(Register)
    /// Remove the frame's memmap (`remove_memory`): BUG on a frame still in use or frozen.
    case hotRemove(Register)
}

extension Op {
    /// Allocate `pfn` if it is free (result 1), else result 0. gen+1, ref 1.
    public static func allocPage(pfn: PFN, into r: Register, result: Register) -> Op { .lifecycle(.allocPage(pfn: pfn, into: r, result: result)) }
    /// isolate_lru_page: needs PG_lru; clears it and takes an isolation ref.
    public static func isolateLRU(_ page: Register, result: Register) -> Op { .lifecycle(.isolateLRU(page, result: result)) }
    /// putback_lru_page: set PG_lru, drop the isolation ref.
    public static func putbackLRU(_ page: Register) -> Op { .lifecycle(.putbackLRU(page)) }
    /// Free a page frozen by this task (reclaim): bad-page check, flags cleared.
    public static func freeFrozenPage(_ page: Register) -> Op { .lifecycle(.freeFrozenPage(page)) }
    /// Remove the frame's memmap (`remove_memory`): BUG on a frame still in use or frozen.
    public static func hotRemove(_ page: Register) -> Op { .lifecycle(.hotRemove(page)) }
}

extension LifecycleOp {
    var kernelName: String {
        switch self {
        case .allocPage: "alloc_page"
        case .isolateLRU: "isolate_lru_page"
        case .putbackLRU: "putback_lru_page"
        case .freeFrozenPage: "free_unref_page"
        case .hotRemove: "arch_remove_memory"
        }
    }

    var listing: String {
        switch self {
        case .allocPage(let pfn, let into, let result): "r\(into), r\(result) = alloc_page(pfn \(pfn)) (page, ok)"
        case .isolateLRU(let p, let result): "r\(result) = \(kernelName)(r\(p))"
        case .putbackLRU(let p), .freeFrozenPage(let p), .hotRemove(let p): "\(kernelName)(r\(p))"
        }
    }

    var registers: [Register] {
        switch self {
        case .putbackLRU(let r), .freeFrozenPage(let r), .hotRemove(let r): [r]
        case .allocPage(_, let a, let b), .isolateLRU(let a, let b): [a, b]
        }
    }

    /// Registers the operation always writes and does not read first
    /// (`LiveRegisters`): what they held before it is dead. A register
    /// written only on some outcomes is not among them.
    var kills: [Register] {
        switch self {
        // allocPage writes the page only when the allocation succeeds.
        case .allocPage(_, _, let b): [b]
        case .isolateLRU(let a, let b): LiveRegisters.result(b, after: a)
        case .putbackLRU, .freeFrozenPage, .hotRemove: []
        }
    }

    var gate: Engine.Gate { .free }

    func problem(length: Int32, behaviors: Int) -> String? { nil }
}

extension Engine {
    func execute(_ op: LifecycleOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let event: StepEvent
        switch op {
        case .allocPage(let pfn, let into, let out):
            guard !pfn.isNone && pfn.index < w.pages.count else {
                throw Violation(.badProgram, task: t, pfn: pfn, function: function(of: w, task: t), detail: "no frame \(pfn)")
            }
            // Which frames are free is the allocator's (its free lists, under
            // zone->lock); here, the model's record of the frame.
            let page = load(w, .frame(pfn), .modelOnly)
            guard page.life == .free && page.memmapPresent else {
                w.tasks[t].registers[Int(out)] = 0
                event = StepEvent(task: t, site: site, .allocFailed, pfn: pfn)
                break
            }
            var fresh = PageFrame()
            fresh.gen = page.gen &+ 1
            fresh.refcount = 1
            fresh.life = .inUse
            // prep_new_page sets up a frame nobody else can see yet: plain
            // stores, but for set_page_refcounted's atomic_set (unordered).
            store(&w, .frame(pfn), fresh, .plain)
            ledger(&w, t, pfn, 1)
            w.tasks[t].registers[Int(into)] = PageRef(pfn: pfn, gen: fresh.gen).register
            w.tasks[t].registers[Int(out)] = 1
            event = StepEvent(task: t, site: site, .allocated, pfn: pfn, a: Int64(fresh.gen))
        case .isolateLRU(let r, let out):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "isolate_lru_page")
            // isolate_lru_page: VM_BUG_ON_PAGE(!page_count(page)), an
            // atomic_read; then PageLRU, a test_bit (mm/vmscan.c).
            if load(w, .refcount(p.pfn), .relaxed) == 0 { throw bug(.isolateLRUPage, w, t, pfn: p.pfn, "refcount 0") }
            if load(w, .flags(p.pfn), .relaxed).contains(.lru) && load(w, .frame(p.pfn), .modelOnly).life == .inUse {
                // Under the LRU lock: ClearPageLRU, a clear_bit, and get_page's
                // atomic_inc, both unordered.
                rmw(&w, .flags(p.pfn), .relaxed) { _ = $0.remove(.lru) }
                rmw(&w, .frame(p.pfn), .modelOnly) { $0.isolatedBy = TaskID(t) }
                rmw(&w, .refcount(p.pfn), .relaxed) { $0 += 1 }
                ledger(&w, t, p.pfn, 1)
                w.tasks[t].registers[Int(out)] = 1
                event = StepEvent(task: t, site: site, .lru, pfn: p.pfn, a: 1)
            } else {
                w.tasks[t].registers[Int(out)] = 0
                event = StepEvent(task: t, site: site, .lru, pfn: p.pfn, a: -1)
            }
        case .putbackLRU(let r):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "putback_lru_page")
            // lru_cache_add: VM_BUG_ON_PAGE(PageLRU(page)), a test_bit (mm/swap.c).
            if load(w, .flags(p.pfn), .relaxed).contains(.lru) { throw bug(.lruCacheAdd, w, t, pfn: p.pfn, "PG_lru is already set") }
            // __pagevec_lru_add_fn: SetPageLRU, a set_bit, unordered. (It may
            // be followed by an smp_mb() in some versions; not recorded.)
            rmw(&w, .flags(p.pfn), .relaxed) { _ = $0.insert(.lru) }
            rmw(&w, .frame(p.pfn), .modelOnly) { $0.isolatedBy = .none }
            _ = try putPage(&w, t, p, owned: true, site: site)
            event = StepEvent(task: t, site: site, .lru, pfn: p.pfn, a: 0)
        case .freeFrozenPage(let r):
            let p = try pageOperand(&w, t, r)
            let page = load(w, .frame(p.pfn), .modelOnly)
            guard page.life == .frozen && page.frozenBy.index == t else {
                throw Violation(.badProgram, task: t, pfn: p.pfn, function: function(of: w, task: t), detail: "free of a page this task has not frozen")
            }
            try freePage(&w, t, p.pfn)
            // The references frozen into the zero go with the page.
            store(&w, .ledger(t, p.pfn), 0, .modelOnly)
            event = StepEvent(task: t, site: site, .freed, pfn: p.pfn)
        case .hotRemove(let r):
            let p = try pageOperand(&w, t, r)
            // remove_memory works on offline frames: what is free and whether
            // the memmap is there is the model's record.
            let page = load(w, .frame(p.pfn), .modelOnly)
            if page.life != .free && page.memmapPresent {
                throw bug(.removeMemory, w, t, pfn: p.pfn, "the frame is \(page.life == .frozen ? "frozen" : "in use, refcount \(page.refcount)")")
            }
            rmw(&w, .frame(p.pfn), .modelOnly) { $0.memmapPresent = false }
            event = StepEvent(task: t, site: site, .hotRemove, pfn: p.pfn)
        }
        try advance(&w, t)
        return event
    }

    /// The one frame each operation names: by number for `allocPage`, by
    /// register for the others.
    func footprint(of op: LifecycleOp, _ t: Int, in w: World, into f: inout Footprint) {
        switch op {
        case .allocPage(let pfn, _, _):
            f.page(pfn)
        case .isolateLRU(let r, _), .putbackLRU(let r), .freeFrozenPage(let r), .hotRemove(let r):
            f.page(pfn(in: r, of: t, w))
        }
    }
}
