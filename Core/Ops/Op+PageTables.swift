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
            let pte = try pteOperand(w, t, slot, .plain)
            w.tasks[t].registers[Int(kindOut)] = Int64(pte.kind.rawValue)
            let pfn = pte.pfn
            // migration_entry_to_page / pte_page: arithmetic, no access to the
            // page; the generation the pointer carries is the model's.
            w.tasks[t].registers[Int(pageOut)] = pfn >= 0 ? PageRef(pfn: pfn, gen: load(w, .frame(pfn), .modelOnly).gen).register : -1
            event = StepEvent(task: t, site: site, .pteRead, pfn: pfn, a: Int64(slot), b: Int64(pte.kind.rawValue))
        case .unmapToMigration(let slot, let r):
            event = try tryToUnmapOne(&w, t, slot: slot, page: r, leaving: .migration, site: site)
        case .removeMigrationPTE(let slot, let r):
            let target = try pageOperand(w, t, r)
            // page_vma_mapped_walk, under the ptl: plain.
            let pte = try pteOperand(w, t, slot, locked: true, .plain)
            try checkRmapWalk(w, t, target.pfn)
            guard pte.kind == .migration else {
                event = StepEvent(task: t, site: site, .pte, pfn: pte.pfn, a: Int64(slot), b: Int64(pte.kind.rawValue))
                break
            }
            try touch(w, t, target, "remove_migration_pte")
            try checkGetPage(w, t, target.pfn)
            // remove_migration_pte: set_pte_at under the ptl, plain.
            store(&w, .pte(slot), PTE(kind: .present, pfn: target.pfn, mm: pte.mm), .plain)
            // get_page(new): page_ref_inc, unordered.
            rmw(&w, .refcount(target.pfn), .relaxed) { $0 += 1 }
            // page_add_file_rmap / page_add_anon_rmap:
            // atomic_inc_and_test(&page->_mapcount), fully ordered.
            rmw(&w, .mapcount(target.pfn), .fullyOrdered) { $0 += 1 }
            event = StepEvent(task: t, site: site, .pte, pfn: target.pfn, a: Int64(slot), b: Int64(PTEKind.present.rawValue))
        case .unmapPTE(let slot, let r):
            event = try tryToUnmapOne(&w, t, slot: slot, page: r, leaving: .none, site: site)
        }
        try advance(&w, t)
        return event
    }

    /// try_to_unmap_one on the PTE in `slot`: if it still maps the page in
    /// register `r`, clear it (ptep_clear_flush) and leave `kind` there — a
    /// migration entry for the same page, or nothing — then drop the page's
    /// mapcount and the mapping's reference. Both unmap ops are this step.
    private func tryToUnmapOne(_ w: inout World, _ t: Int, slot: Int32, page r: Register, leaving kind: PTEKind,
                               site: StepEvent.Site) throws(Violation) -> StepEvent {
        let p = try pageOperand(w, t, r)
        // page_vma_mapped_walk reads the PTE under the ptl: plain.
        let pte = try pteOperand(w, t, slot, locked: true, .plain)
        try checkRmapWalk(w, t, p.pfn)
        guard pte.kind == .present && pte.pfn == p.pfn else {
            return StepEvent(task: t, site: site, .pte, pfn: p.pfn, a: Int64(slot), b: Int64(pte.kind.rawValue))
        }
        // ptep_clear_flush, then (for migration) set_pte_at of the migration
        // entry, under the ptl. Recorded plain: asm-generic clears with plain
        // accesses, x86 with an xchg; the ptl orders either.
        store(&w, .pte(slot), PTE(kind: kind, pfn: kind == .migration ? pte.pfn : -1, mm: pte.mm), .plain)
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

    /// The PTE in `slot`, read with `order`; with `locked`, the caller must
    /// hold its ptl.
    func pteOperand(_ w: World, _ t: Int, _ slot: Int32, locked: Bool = false, _ order: MemoryOrder) throws(Violation) -> PTE {
        guard slot >= 0 && Int(slot) < w.ptes.count else {
            throw Violation(.badProgram, task: t, function: function(of: w, task: t), detail: "no PTE slot \(slot) (the world has \(w.ptes.count))")
        }
        let pte = load(w, .pte(slot), order)
        if locked && !w.tasks[t].holds(.ptl(Int(pte.mm))) {
            throw Violation(.lockMisuse, task: t, pfn: pte.pfn, function: function(of: w, task: t), detail: "PTE slot \(slot) changed without its ptl (mm \(pte.mm))")
        }
        return pte
    }
}
