// Page tables (kernel-model §1.3): reading a PTE, and the rmap walk's
// changes to it for migration (try_to_unmap to a migration entry,
// remove_migration_pte) and reclaim (try_to_unmap). Each runs under the
// PTE's ptl, which the program takes first; a change without it is
// LOCK_MISUSE.

/// Page tables (each op under the PTE's ptl).
public enum PageTableOp: Hashable, Sendable {
    /// result = kind raw value; page = the PTE's page at its current generation.
    case readPTE(slot: Int32, kind: Register, page: Register)
    /// try_to_unmap for migration: PRESENT(P) -> MIGRATION(P), mapcount-1, put.
    case unmapToMigration(slot: Int32, page: Register)
    /// remove_migration_pte: MIGRATION(P) -> PRESENT(target), get, mapcount+1.
    case removeMigrationPTE(slot: Int32, target: Register)
    /// try_to_unmap for reclaim: PRESENT(P) -> NONE, mapcount-1, put.
    case unmapPTE(slot: Int32, page: Register)
}

extension Op {
    /// result = kind raw value; page = the PTE's page at its current generation.
    public static func readPTE(slot: Int32, kind: Register, page: Register) -> Op { .pageTable(.readPTE(slot: slot, kind: kind, page: page)) }
    /// try_to_unmap for migration: PRESENT(P) -> MIGRATION(P), mapcount-1, put.
    public static func unmapToMigration(slot: Int32, page: Register) -> Op { .pageTable(.unmapToMigration(slot: slot, page: page)) }
    /// remove_migration_pte: MIGRATION(P) -> PRESENT(target), get, mapcount+1.
    public static func removeMigrationPTE(slot: Int32, target: Register) -> Op { .pageTable(.removeMigrationPTE(slot: slot, target: target)) }
    /// try_to_unmap for reclaim: PRESENT(P) -> NONE, mapcount-1, put.
    public static func unmapPTE(slot: Int32, page: Register) -> Op { .pageTable(.unmapPTE(slot: slot, page: page)) }
}

extension PageTableOp {
    var kernelName: String {
        switch self {
        case .readPTE: "read PTE"
        case .unmapToMigration: "try_to_unmap (migration entry)"
        case .removeMigrationPTE: "remove_migration_pte"
        case .unmapPTE: "try_to_unmap"
        }
    }

    var listing: String {
        switch self {
        case .readPTE(let slot, let kind, let page): "r\(kind), r\(page) = read PTE slot \(slot) (kind, page)"
        case .unmapToMigration(let slot, let p), .unmapPTE(let slot, let p): "\(kernelName)(r\(p), PTE slot \(slot))"
        case .removeMigrationPTE(let slot, let target): "remove_migration_pte(PTE slot \(slot), r\(target))"
        }
    }

    var registers: [Register] {
        switch self {
        case .unmapToMigration(_, let r), .removeMigrationPTE(_, let r), .unmapPTE(_, let r): [r]
        case .readPTE(_, let a, let b): [a, b]
        }
    }

    /// Registers the operation always writes and does not read first
    /// (`LiveRegisters`): what they held before it is dead. A register
    /// written only on some outcomes is not among them.
    var kills: [Register] {
        switch self {
        case .readPTE(_, let a, let b): [a, b]
        case .unmapToMigration, .removeMigrationPTE, .unmapPTE: []
        }
    }

    var gate: Engine.Gate { .free }

    func problem(length: Int32, behaviors: Int) -> String? { nil }
}

extension Engine {
    func execute(_ op: PageTableOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let event: StepEvent
        switch op {
        case .readPTE(let slot, let kindOut, let pageOut):
            // The fault path reads the PTE with a plain load: without the ptl
            // in handle_pte_fault (`*vmf->pte`, then barrier(), v4.19; later
            // kernels use ptep_get), under it in __migration_entry_wait.
            let pte = try pteOperand(w, t, slot, level: .pte, .plain)
            event = readEntry(&w, t, pte, slot: slot, kind: kindOut, page: pageOut, site: site)
        case .unmapToMigration(let slot, let r):
            event = try tryToUnmapOne(&w, t, slot: slot, level: .pte, page: r, leaving: .migration, site: site)
        case .removeMigrationPTE(let slot, let r):
            event = try removeMigrationEntry(&w, t, slot: slot, level: .pte, target: r, "remove_migration_pte", site: site)
        case .unmapPTE(let slot, let r):
            event = try tryToUnmapOne(&w, t, slot: slot, level: .pte, page: r, leaving: .none, site: site)
        }
        try advance(&w, t)
        return event
    }

    /// The entry's kind and page into registers: the fault path's read of
    /// a PTE or PMD, already loaded.
    func readEntry(_ w: inout World, _ t: Int, _ pte: PTE, slot: Int32, kind kindOut: Register, page pageOut: Register,
                   site: StepEvent.Site) -> StepEvent {
        w.tasks[t].registers[Int(kindOut)] = Int64(pte.kind.rawValue)
        let pfn = pte.pfn
        // migration_entry_to_page / pte_page / pmd_page: arithmetic, no
        // access to the page; the generation the pointer carries is the model's.
        w.tasks[t].registers[Int(pageOut)] = !pfn.isNone ? PageRef(pfn: pfn, gen: load(w, .frame(pfn), .modelOnly).gen).register : -1
        return StepEvent(task: t, site: site, .pteRead, pfn: pfn, a: Int64(slot), b: Int64(pte.kind.rawValue))
    }

    /// remove_migration_pte (or remove_migration_pmd) on the entry in
    /// `slot`: a migration entry becomes a present mapping of the page in
    /// register `r`, which gains a reference and a mapcount.
    func removeMigrationEntry(_ w: inout World, _ t: Int, slot: Int32, level: PageTableLevel, target r: Register, _ name: String,
                              site: StepEvent.Site) throws(Violation) -> StepEvent {
        let target = try pageOperand(&w, t, r)
        // page_vma_mapped_walk, under the ptl: plain.
        let pte = try pteOperand(w, t, slot, locked: true, level: level, .plain)
        try checkRmapWalk(&w, t, target.pfn)
        guard pte.kind == .migration else {
            return StepEvent(task: t, site: site, .pte, pfn: pte.pfn, a: Int64(slot), b: Int64(pte.kind.rawValue))
        }
        try touch(&w, t, target, name)
        try checkGetPage(&w, t, target.pfn)
        // remove_migration_pte: set_pte_at (set_pmd_at) under the lock, plain.
        store(&w, .pte(slot), PTE(kind: .present, pfn: target.pfn, mm: pte.mm, level: level), .plain)
        // get_page(new): page_ref_inc, unordered.
        rmw(&w, .refcount(target.pfn), .relaxed) { $0 += 1 }
        // page_add_file_rmap / page_add_anon_rmap:
        // atomic_inc_and_test(&page->_mapcount), fully ordered.
        rmw(&w, .mapcount(target.pfn), .fullyOrdered) { $0 += 1 }
        return StepEvent(task: t, site: site, .pte, pfn: target.pfn, a: Int64(slot), b: Int64(PTEKind.present.rawValue))
    }

    /// try_to_unmap_one on the entry in `slot`: if it still maps the page in
    /// register `r`, clear it (ptep_clear_flush, or pmdp_invalidate for a
    /// PMD) and leave `kind` there — a migration entry for the same page, or
    /// nothing — then drop the page's mapcount and the mapping's reference.
    /// Both unmap ops, and set_pmd_migration_entry, are this step.
    func tryToUnmapOne(_ w: inout World, _ t: Int, slot: Int32, level: PageTableLevel, page r: Register, leaving kind: PTEKind,
                       site: StepEvent.Site) throws(Violation) -> StepEvent {
        let p = try pageOperand(&w, t, r)
        // page_vma_mapped_walk reads the PTE under the ptl: plain.
        let pte = try pteOperand(w, t, slot, locked: true, level: level, .plain)
        try checkRmapWalk(&w, t, p.pfn)
        guard pte.kind == .present && pte.pfn == p.pfn else {
            return StepEvent(task: t, site: site, .pte, pfn: p.pfn, a: Int64(slot), b: Int64(pte.kind.rawValue))
        }
        // ptep_clear_flush, then (for migration) set_pte_at of the migration
        // entry, under the ptl. Recorded plain: asm-generic clears with plain
        // accesses, x86 with an xchg; the ptl orders either.
        store(&w, .pte(slot), PTE(kind: kind, pfn: kind == .migration ? pte.pfn : .none, mm: pte.mm, level: level), .plain)
        // page_remove_rmap: atomic_add_negative(-1, &page->_mapcount),
        // fully ordered (mm/rmap.c).
        rmw(&w, .mapcount(p.pfn), .fullyOrdered) { $0 -= 1 }
        _ = try putPage(&w, t, p, owned: false, site: site)
        return StepEvent(task: t, site: site, .pte, pfn: p.pfn, a: Int64(slot), b: Int64(kind.rawValue))
    }

    /// The PTE slot and the page it maps now; the page the register names
    /// for the ops that have one (the page unmapped, the migration target).
    func footprint(of op: PageTableOp, _ t: Int, in w: World, into f: inout Footprint) {
        let slot: Int32
        switch op {
        case .readPTE(let s, _, _):
            slot = s
        case .unmapToMigration(let s, let r), .removeMigrationPTE(let s, let r), .unmapPTE(let s, let r):
            slot = s
            f.page(pfn(in: r, of: t, w))
        }
        f.pte(slot)
        if slot >= 0 && Int(slot) < w.ptes.count { f.page(w.peek(.pte(slot)).pfn) }
    }

    /// The entry in `slot`, read with `order`; it must be of `level` (a PTE
    /// op on a PMD, or a PMD op on a PTE, is a wrong program); with
    /// `locked`, the caller must hold its lock (ptl or PMD lock).
    func pteOperand(_ w: World, _ t: Int, _ slot: Int32, locked: Bool = false, level: PageTableLevel, _ order: MemoryOrder) throws(Violation) -> PTE {
        guard slot >= 0 && Int(slot) < w.ptes.count else {
            throw Violation(.badProgram, task: t, function: function(of: w, task: t), detail: "no \(level) slot \(slot) (the world has \(w.ptes.count))")
        }
        let pte = load(w, .pte(slot), order)
        guard pte.level == level else {
            throw Violation(.badProgram, task: t, pfn: pte.pfn, function: function(of: w, task: t),
                            detail: "slot \(slot) is a \(pte.level), not a \(level)")
        }
        if locked && !w.tasks[t].holds(pte.lock) {
            throw Violation(.lockMisuse, task: t, pfn: pte.pfn, function: function(of: w, task: t),
                            detail: level == .pte ? "PTE slot \(slot) changed without its ptl (mm \(pte.mm))"
                                : "PMD slot \(slot) changed without its PMD lock (mm \(pte.mm))")
        }
        return pte
    }
}
