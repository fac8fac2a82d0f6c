// Huge pages mapped by a PMD (kernel-model §1.3, PMD level; mm/huge_memory.c,
// mm/migrate.c): the fault path's read of a PMD, THP migration's PMD
// migration entry (set_pmd_migration_entry, remove_migration_pmd; v4.14,
// 616b8371539a), and the NUMA hinting fault's own migration of a
// PROT_NONE PMD (do_huge_pmd_numa_page's clear_pmdnuma and
// migrate_misplaced_transhuge_page's switch of the PMD to the new page,
// v4.19). A PMD lives in a page-table slot of level `.pmd` and every change
// to it runs under the process's PMD lock (`LockID.pmd(mm)`), which the
// program takes first; a change without it is LOCK_MISUSE.

/// PMD-mapped huge pages (each change under the PMD lock).
public enum HugePageOp: Hashable, Sendable {
    /// `*pmd`: result = kind raw value; page = `pmd_page()` (or the
    /// migration entry's page) at its current generation.
    case readPMD(slot: Int32, kind: Register, page: Register)
    /// set_pmd_migration_entry: PRESENT(P) -> MIGRATION(P), mapcount-1, put.
    case setPMDMigrationEntry(slot: Int32, page: Register)
    /// remove_migration_pmd: MIGRATION(P) -> PRESENT(target), get, mapcount+1.
    case removeMigrationPMD(slot: Int32, target: Register)
    /// do_huge_pmd_numa_page's clear_pmdnuma: PROTNONE(P) -> PRESENT(P)
    /// (pmd_modify to the VMA's protection, set_pmd_at).
    case clearPMDNuma(slot: Int32)
    /// migrate_misplaced_transhuge_page: PROTNONE(P) -> PRESENT(new)
    /// (page_add_anon_rmap on the new page, set_pmd_at): the new page's
    /// allocation reference becomes the mapping's.
    case setHugePMD(slot: Int32, new: Register)
    /// page_remove_rmap(page, true) of a huge page the PMD no longer maps:
    /// mapcount-1; the mapping's reference is the caller's to put
    /// ("Drop the rmap reference").
    case removeHugeRmap(Register)
}

extension Op {
    /// `*pmd`: result = kind raw value; page = `pmd_page()` at its current generation.
    public static func readPMD(slot: Int32, kind: Register, page: Register) -> Op { .hugePage(.readPMD(slot: slot, kind: kind, page: page)) }
    /// set_pmd_migration_entry: PRESENT(P) -> MIGRATION(P), mapcount-1, put.
    public static func setPMDMigrationEntry(slot: Int32, page: Register) -> Op { .hugePage(.setPMDMigrationEntry(slot: slot, page: page)) }
    /// remove_migration_pmd: MIGRATION(P) -> PRESENT(target), get, mapcount+1.
    public static func removeMigrationPMD(slot: Int32, target: Register) -> Op { .hugePage(.removeMigrationPMD(slot: slot, target: target)) }
    /// clear_pmdnuma: PROTNONE(P) -> PRESENT(P).
    public static func clearPMDNuma(slot: Int32) -> Op { .hugePage(.clearPMDNuma(slot: slot)) }
    /// migrate_misplaced_transhuge_page: PROTNONE(P) -> PRESENT(new).
    public static func setHugePMD(slot: Int32, new: Register) -> Op { .hugePage(.setHugePMD(slot: slot, new: new)) }
    /// page_remove_rmap(page, true): mapcount-1, the mapping's reference to the caller.
    public static func removeHugeRmap(_ page: Register) -> Op { .hugePage(.removeHugeRmap(page)) }
}

extension HugePageOp {
    var kernelName: String {
        switch self {
        case .readPMD: "read PMD"
        case .setPMDMigrationEntry: "set_pmd_migration_entry"
        case .removeMigrationPMD: "remove_migration_pmd"
        case .clearPMDNuma: "set_pmd_at (clear_pmdnuma)"
        case .setHugePMD: "set_pmd_at (migrate_misplaced_transhuge_page)"
        case .removeHugeRmap: "page_remove_rmap (compound)"
        }
    }

    var listing: String {
        switch self {
        case .readPMD(let slot, let kind, let page): "r\(kind), r\(page) = read PMD slot \(slot) (kind, page)"
        case .setPMDMigrationEntry(let slot, let p): "set_pmd_migration_entry(r\(p), PMD slot \(slot))"
        case .removeMigrationPMD(let slot, let target): "remove_migration_pmd(PMD slot \(slot), r\(target))"
        case .clearPMDNuma(let slot): "set_pmd_at(PMD slot \(slot), pmd_modify(vma->vm_page_prot))"
        case .setHugePMD(let slot, let new): "set_pmd_at(PMD slot \(slot), mk_huge_pmd(r\(new)))"
        case .removeHugeRmap(let p): "page_remove_rmap(r\(p), true)"
        }
    }

    var registers: [Register] {
        switch self {
        case .readPMD(_, let a, let b): [a, b]
        case .setPMDMigrationEntry(_, let r), .removeMigrationPMD(_, let r), .setHugePMD(_, let r), .removeHugeRmap(let r): [r]
        case .clearPMDNuma: []
        }
    }

    /// Registers the operation always writes and does not read first
    /// (`LiveRegisters`): what they held before it is dead. A register
    /// written only on some outcomes is not among them.
    var kills: [Register] {
        switch self {
        case .readPMD(_, let a, let b): [a, b]
        case .setPMDMigrationEntry, .removeMigrationPMD, .setHugePMD, .removeHugeRmap, .clearPMDNuma: []
        }
    }

    var gate: Engine.Gate { .free }

    func problem(length: Int32, behaviors: Int) -> String? { nil }
}

extension Engine {
    func execute(_ op: HugePageOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let event: StepEvent
        switch op {
        case .readPMD(let slot, let kindOut, let pageOut):
            // The fault path reads the PMD with a plain load: without the
            // lock in __handle_mm_fault (`vmf.orig_pmd = *vmf.pmd`), under it
            // in pmd_migration_entry_wait and do_huge_pmd_numa_page.
            let pmd = try pteOperand(w, t, slot, level: .pmd, .plain)
            event = readEntry(&w, t, pmd, slot: slot, kind: kindOut, page: pageOut, site: site)
        case .setPMDMigrationEntry(let slot, let r):
            event = try tryToUnmapOne(&w, t, slot: slot, level: .pmd, page: r, leaving: .migration, site: site)
        case .removeMigrationPMD(let slot, let r):
            event = try removeMigrationEntry(&w, t, slot: slot, level: .pmd, target: r, "remove_migration_pmd", site: site)
        case .clearPMDNuma(let slot):
            // Under the PMD lock: plain.
            let pmd = try pteOperand(w, t, slot, locked: true, level: .pmd, .plain)
            if pmd.kind == .protnone {
                // pmd_modify + set_pmd_at, under the PMD lock: plain. The
                // page stays mapped: reference and mapcount are unchanged.
                store(&w, .pte(slot), PTE(kind: .present, pfn: pmd.pfn, mm: pmd.mm, level: .pmd), .plain)
            }
            event = StepEvent(task: t, site: site, .pte, pfn: pmd.pfn, a: Int64(slot),
                              b: Int64((pmd.kind == .protnone ? PTEKind.present : pmd.kind).rawValue))
        case .setHugePMD(let slot, let r):
            let new = try pageOperand(&w, t, r)
            let pmd = try pteOperand(w, t, slot, locked: true, level: .pmd, .plain)
            guard pmd.kind == .protnone else {
                // The caller rechecks pmd_same under the lock first.
                throw Violation(.badProgram, task: t, pfn: pmd.pfn, function: function(of: w, task: t),
                                detail: "set_pmd_at on PMD slot \(slot), which is \(pmd.kind), not a NUMA hinting entry")
            }
            try touch(&w, t, new, "page_add_anon_rmap")
            try checkGetPage(&w, t, new.pfn)
            // page_add_anon_rmap(new_page, compound): atomic_inc_and_test of
            // the compound mapcount, fully ordered; the allocation reference
            // the task held becomes the mapping's (the ledger moves it).
            rmw(&w, .mapcount(new.pfn), .fullyOrdered) { $0 += 1 }
            ledger(&w, t, new.pfn, -1)
            // pmdp_huge_clear_flush_notify + set_pmd_at, under the PMD lock: plain.
            store(&w, .pte(slot), PTE(kind: .present, pfn: new.pfn, mm: pmd.mm, level: .pmd), .plain)
            event = StepEvent(task: t, site: site, .pte, pfn: new.pfn, a: Int64(slot), b: Int64(PTEKind.present.rawValue))
        case .removeHugeRmap(let r):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "page_remove_rmap")
            let mapped = load(w, .mapcount(p.pfn), .relaxed)
            guard mapped > 0 else {
                throw Violation(.badProgram, task: t, pfn: p.pfn, function: function(of: w, task: t),
                                detail: "page_remove_rmap of a page with mapcount \(mapped)")
            }
            // page_remove_rmap: atomic_add_negative(-1, compound_mapcount),
            // fully ordered (mm/rmap.c); the mapping's reference passes to
            // the task, which drops it with put_page.
            rmw(&w, .mapcount(p.pfn), .fullyOrdered) { $0 -= 1 }
            ledger(&w, t, p.pfn, 1)
            event = StepEvent(task: t, site: site, .nothing, pfn: p.pfn)
        }
        try advance(&w, t)
        return event
    }

    /// The PMD slot and the page it maps now; the page the register names
    /// for the ops that have one (the page unmapped, the migration target,
    /// the new page, the page whose rmap goes).
    func footprint(of op: HugePageOp, _ t: Int, in w: World, into f: inout Footprint) {
        let slot: Int32
        switch op {
        case .readPMD(let s, _, _), .clearPMDNuma(let s):
            slot = s
        case .setPMDMigrationEntry(let s, let r), .removeMigrationPMD(let s, let r), .setHugePMD(let s, let r):
            slot = s
            f.page(pfn(in: r, of: t, w))
        case .removeHugeRmap(let r):
            f.page(pfn(in: r, of: t, w))
            return
        }
        f.pte(slot)
        if slot >= 0 && Int(slot) < w.ptes.count { f.page(w.peek(.pte(slot)).pfn) }
    }
}
