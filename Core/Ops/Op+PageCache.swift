// The page cache (kernel-model §2.9, §2.11): finding a file's page in its
// slot, and the two changes migration and reclaim make to a slot under the
// mapping's i_pages lock — migrate_page_move_mapping's replace and
// __remove_mapping's delete — with the kernel's BUG_ONs on the pages' locks.

/// Page-cache slots (changes under the file's i_pages lock).
public enum PageCacheOp: Hashable, Sendable {
    /// Read a page-cache slot.
    case findCachePage(slot: Int32, into: Register)
    /// migrate_page_move_mapping 'c': slot := new (+1 ref on new).
    case cacheReplace(slot: Int32, new: Register)
    /// __remove_mapping 'c': slot := empty (the cache's ref goes with the freeze).
    case cacheRemove(slot: Int32)
}

extension Op {
    /// Read a page-cache slot.
    public static func findCachePage(slot: Int32, into r: Register) -> Op { .pageCache(.findCachePage(slot: slot, into: r)) }
    /// migrate_page_move_mapping 'c': slot := new (+1 ref on new).
    public static func cacheReplace(slot: Int32, new: Register) -> Op { .pageCache(.cacheReplace(slot: slot, new: new)) }
    /// __remove_mapping 'c': slot := empty (the cache's ref goes with the freeze).
    public static func cacheRemove(slot: Int32) -> Op { .pageCache(.cacheRemove(slot: slot)) }
}

extension PageCacheOp {
    var kernelName: String {
        switch self {
        case .findCachePage: "find_get_page"
        case .cacheReplace: "xas_store"
        case .cacheRemove: "__delete_from_page_cache"
        }
    }

    var listing: String {
        switch self {
        case .findCachePage(let slot, let into): "r\(into) = find_get_page(cache slot \(slot))"
        case .cacheReplace(let slot, let new): "xas_store(cache slot \(slot), r\(new))"
        case .cacheRemove(let slot): "__delete_from_page_cache(cache slot \(slot))"
        }
    }

    var registers: [Register] {
        switch self {
        case .findCachePage(_, let r), .cacheReplace(_, let r): [r]
        case .cacheRemove: []
        }
    }

    var gate: Engine.Gate { .free }

    func problem(length: Int32, behaviors: Int) -> String? { nil }
}

extension Engine {
    func execute(_ op: PageCacheOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let event: StepEvent
        switch op {
        case .findCachePage(let slot, let into):
            let s = try cacheOperand(w, t, slot)
            w.tasks[t].registers[Int(into)] = s.pfn >= 0 ? PageRef(pfn: s.pfn, gen: w.pages[Int(s.pfn)].gen).register : -1
            event = StepEvent(task: t, site: site, .cache, pfn: s.pfn, a: Int64(slot), b: Int64(s.pfn))
        case .cacheReplace(let slot, let r):
            let new = try pageOperand(w, t, r)
            let s = try cacheOperand(w, t, slot, locked: true)
            try touch(w, t, new, "page cache replace")
            if s.pfn >= 0 {
                let old = w.pages[Int(s.pfn)]
                if !old.isLocked { throw bug(.moveOldUnlocked, w, t, pfn: s.pfn, "the old page is not locked") }
                if !w.pages[Int(new.pfn)].isLocked { throw bug(.moveNewUnlocked, w, t, pfn: new.pfn, "the new page is not locked") }
                if old.flags.contains(.writeback) { throw bug(.migratePageWriteback, w, t, pfn: s.pfn, "PG_writeback is set") }
            } else if !w.pages[Int(new.pfn)].isLocked {
                throw bug(.moveNewUnlocked, w, t, pfn: new.pfn, "the new page is not locked")
            }
            try checkGetPage(w, t, new.pfn)
            if s.pfn >= 0 && w.pages[Int(s.pfn)].mapping == slot { w.pages[Int(s.pfn)].mapping = -1 }
            w.cache[Int(slot)].pfn = new.pfn
            w.pages[Int(new.pfn)].mapping = slot
            w.pages[Int(new.pfn)].refcount += 1
            event = StepEvent(task: t, site: site, .cache, pfn: new.pfn, a: Int64(slot), b: Int64(new.pfn))
        case .cacheRemove(let slot):
            let s = try cacheOperand(w, t, slot, locked: true)
            if s.pfn >= 0 {
                let page = w.pages[Int(s.pfn)]
                if !page.isLocked { throw bug(.removeMappingUnlocked, w, t, pfn: s.pfn, "the page is not locked") }
                if page.mapping != slot { throw bug(.removeMappingForeign, w, t, pfn: s.pfn, "slot \(slot) points at a page whose mapping is \(page.mapping)") }
            }
            if s.pfn >= 0 && w.pages[Int(s.pfn)].mapping == slot { w.pages[Int(s.pfn)].mapping = -1 }
            w.cache[Int(slot)].pfn = -1
            event = StepEvent(task: t, site: site, .cache, pfn: s.pfn, a: Int64(slot), b: -1)
        }
        try advance(&w, t)
        return event
    }

    /// The slot and the page it holds now; a replace also the new page.
    func footprint(of op: PageCacheOp, _ t: Int, in w: World, into f: inout Footprint) {
        let slot: Int32
        switch op {
        case .findCachePage(let s, _), .cacheRemove(let s):
            slot = s
        case .cacheReplace(let s, let r):
            slot = s
            f.page(pfn(in: r, of: t, w))
        }
        f.slot(slot)
        if slot >= 0 && Int(slot) < w.cache.count { f.page(w.cache[Int(slot)].pfn) }
    }

    /// The page-cache slot `slot`; with `locked`, the caller must hold its
    /// file's i_pages lock.
    func cacheOperand(_ w: World, _ t: Int, _ slot: Int32, locked: Bool = false) throws(Violation) -> CacheSlot {
        guard slot >= 0 && Int(slot) < w.cache.count else {
            throw Violation(.badProgram, task: t, function: function(of: w, task: t), detail: "no page-cache slot \(slot) (the world has \(w.cache.count))")
        }
        let s = w.cache[Int(slot)]
        if locked && !w.tasks[t].holds(.mapping(Int(s.file))) {
            throw Violation(.lockMisuse, task: t, pfn: s.pfn, function: function(of: w, task: t), detail: "page-cache slot \(slot) changed without the i_pages lock of file \(s.file)")
        }
        return s
    }
}
