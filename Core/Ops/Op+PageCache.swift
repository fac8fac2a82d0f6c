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

    /// Registers the operation always writes and does not read first
    /// (`LiveRegisters`): what they held before it is dead. A register
    /// written only on some outcomes is not among them.
    var kills: [Register] {
        switch self {
        case .findCachePage(_, let r): [r]
        case .cacheReplace, .cacheRemove: []
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
            // find_get_page's lockless lookup: rcu_dereference of the slot, a
            // READ_ONCE whose address dependency orders the reads through it.
            // MemoryOrder has no name for that dependency ordering; recorded
            // as relaxed, which is weaker.
            let s = try cacheOperand(w, t, slot, .relaxed)
            // The pointer's generation is the model's: no access to the page.
            w.tasks[t].registers[Int(into)] = !s.pfn.isNone ? PageRef(pfn: s.pfn, gen: load(w, .frame(s.pfn), .modelOnly).gen).register : -1
            event = StepEvent(task: t, site: site, .cache, pfn: s.pfn, a: Int64(slot), b: Int64(s.pfn.rawValue))
        case .cacheReplace(let slot, let r):
            let new = try pageOperand(&w, t, r)
            // The slot, looked up under the i_pages lock: plain.
            let s = try cacheOperand(w, t, slot, locked: true, .plain)
            try touch(&w, t, new, "page cache replace")
            // move_to_new_page's and migrate_page's BUG_ONs: PageLocked and
            // PageWriteback are test_bits.
            if !s.pfn.isNone {
                let old = load(w, .flags(s.pfn), .relaxed)
                if !old.contains(.locked) { throw bug(.moveOldUnlocked, w, t, pfn: s.pfn, "the old page is not locked") }
                if !load(w, .flags(new.pfn), .relaxed).contains(.locked) { throw bug(.moveNewUnlocked, w, t, pfn: new.pfn, "the new page is not locked") }
                if old.contains(.writeback) { throw bug(.migratePageWriteback, w, t, pfn: s.pfn, "PG_writeback is set") }
            } else if !load(w, .flags(new.pfn), .relaxed).contains(.locked) {
                throw bug(.moveNewUnlocked, w, t, pfn: new.pfn, "the new page is not locked")
            }
            try checkGetPage(&w, t, new.pfn)
            // move_to_new_page: page->mapping = NULL once the old page has
            // moved, plain; the model does it here, and only if the old page
            // still names this slot.
            if !s.pfn.isNone { rmw(&w, .mapping(s.pfn), .plain) { if $0 == slot { $0 = -1 } } }
            // migrate_page_move_mapping, under the i_pages lock:
            // radix_tree_replace_slot (xas_store from v4.20) publishes the new
            // page with rcu_assign_pointer, a release store; newpage->mapping
            // is a plain store; page_ref_add(newpage) an unordered atomic_add.
            store(&w, .cacheSlot(slot), CacheSlot(file: s.file, pfn: new.pfn), .release)
            store(&w, .mapping(new.pfn), slot, .plain)
            rmw(&w, .refcount(new.pfn), .relaxed) { $0 += 1 }
            event = StepEvent(task: t, site: site, .cache, pfn: new.pfn, a: Int64(slot), b: Int64(new.pfn.rawValue))
        case .cacheRemove(let slot):
            // The slot, under the i_pages lock: plain.
            let s = try cacheOperand(w, t, slot, locked: true, .plain)
            if !s.pfn.isNone {
                // __remove_mapping: BUG_ON(!PageLocked(page)), a test_bit, and
                // BUG_ON(mapping != page_mapping(page)), a plain read.
                if !load(w, .flags(s.pfn), .relaxed).contains(.locked) { throw bug(.removeMappingUnlocked, w, t, pfn: s.pfn, "the page is not locked") }
                let mapping = load(w, .mapping(s.pfn), .plain)
                if mapping != slot { throw bug(.removeMappingForeign, w, t, pfn: s.pfn, "slot \(slot) points at a page whose mapping is \(mapping)") }
                // __delete_from_page_cache: page->mapping = NULL, plain.
                store(&w, .mapping(s.pfn), -1, .plain)
            }
            // ... and the slot gets the shadow entry: rcu_assign_pointer
            // (radix tree, xas_store from v4.20), a release store.
            store(&w, .cacheSlot(slot), CacheSlot(file: s.file, pfn: .none), .release)
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
        if slot >= 0 && Int(slot) < w.cache.count { f.page(w.peek(.cacheSlot(slot)).pfn) }
    }

    /// The page-cache slot `slot`, read with `order`; with `locked`, the
    /// caller must hold its file's i_pages lock.
    func cacheOperand(_ w: World, _ t: Int, _ slot: Int32, locked: Bool = false, _ order: MemoryOrder) throws(Violation) -> CacheSlot {
        guard slot >= 0 && Int(slot) < w.cache.count else {
            throw Violation(.badProgram, task: t, function: function(of: w, task: t), detail: "no page-cache slot \(slot) (the world has \(w.cache.count))")
        }
        let s = load(w, .cacheSlot(slot), order)
        if locked && !w.tasks[t].holds(.mapping(Int(s.file))) {
            throw Violation(.lockMisuse, task: t, pfn: s.pfn, function: function(of: w, task: t), detail: "page-cache slot \(slot) changed without the i_pages lock of file \(s.file)")
        }
        return s
    }
}
