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
            let pte = try pteOperand(w, t, slot)
            w.tasks[t].registers[Int(kindOut)] = Int64(pte.kind.rawValue)
            let pfn = pte.pfn
            w.tasks[t].registers[Int(pageOut)] = pfn >= 0 ? PageRef(pfn: pfn, gen: w.pages[Int(pfn)].gen).register : -1
            event = StepEvent(task: t, site: site, .pteRead, pfn: pfn, a: Int64(slot), b: Int64(pte.kind.rawValue))
        case .unmapToMigration(let slot, let r):
            let p = try pageOperand(w, t, r)
            let pte = try pteOperand(w, t, slot, locked: true)
            try checkRmapWalk(w, t, p.pfn)
            guard pte.kind == .present && pte.pfn == p.pfn else {
                event = StepEvent(task: t, site: site, .pte, pfn: p.pfn, a: Int64(slot), b: Int64(pte.kind.rawValue))
                break
            }
            w.ptes[Int(slot)].kind = .migration
            w.pages[Int(p.pfn)].mapcount -= 1
            _ = try putPage(&w, t, p, owned: false, site: site)
            event = StepEvent(task: t, site: site, .pte, pfn: p.pfn, a: Int64(slot), b: Int64(PTEKind.migration.rawValue))
        case .removeMigrationPTE(let slot, let r):
            let target = try pageOperand(w, t, r)
            let pte = try pteOperand(w, t, slot, locked: true)
            try checkRmapWalk(w, t, target.pfn)
            guard pte.kind == .migration else {
                event = StepEvent(task: t, site: site, .pte, pfn: pte.pfn, a: Int64(slot), b: Int64(pte.kind.rawValue))
                break
            }
            try touch(w, t, target, "remove_migration_pte")
            try checkGetPage(w, t, target.pfn)
            w.ptes[Int(slot)] = PTE(kind: .present, pfn: target.pfn, mm: pte.mm)
            w.pages[Int(target.pfn)].refcount += 1
            w.pages[Int(target.pfn)].mapcount += 1
            event = StepEvent(task: t, site: site, .pte, pfn: target.pfn, a: Int64(slot), b: Int64(PTEKind.present.rawValue))
        case .unmapPTE(let slot, let r):
            let p = try pageOperand(w, t, r)
            let pte = try pteOperand(w, t, slot, locked: true)
            try checkRmapWalk(w, t, p.pfn)
            guard pte.kind == .present && pte.pfn == p.pfn else {
                event = StepEvent(task: t, site: site, .pte, pfn: p.pfn, a: Int64(slot), b: Int64(pte.kind.rawValue))
                break
            }
            w.ptes[Int(slot)] = PTE(kind: .none, pfn: -1, mm: pte.mm)
            w.pages[Int(p.pfn)].mapcount -= 1
            _ = try putPage(&w, t, p, owned: false, site: site)
            event = StepEvent(task: t, site: site, .pte, pfn: p.pfn, a: Int64(slot), b: Int64(PTEKind.none.rawValue))
        }
        try advance(&w, t)
        return event
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
        if slot >= 0 && Int(slot) < w.ptes.count { f.page(w.ptes[Int(slot)].pfn) }
    }

    /// The PTE in `slot`; with `locked`, the caller must hold its ptl.
    func pteOperand(_ w: World, _ t: Int, _ slot: Int32, locked: Bool = false) throws(Violation) -> PTE {
        guard slot >= 0 && Int(slot) < w.ptes.count else {
            throw Violation(.badProgram, task: t, function: function(of: w, task: t), detail: "no PTE slot \(slot) (the world has \(w.ptes.count))")
        }
        let pte = w.ptes[Int(slot)]
        if locked && !w.tasks[t].holds(.ptl(Int(pte.mm))) {
            throw Violation(.lockMisuse, task: t, pfn: pte.pfn, function: function(of: w, task: t), detail: "PTE slot \(slot) changed without its ptl (mm \(pte.mm))")
        }
        return pte
    }
}
