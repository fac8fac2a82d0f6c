// Splitting a large folio under migration (kernel-model §2.8, device
// migration of a partially mapped folio; mm/migrate_device.c and
// split_folio in mm/huge_memory.c, 2025). The model has no compound pages:
// a folio is one frame, and a split gives the part that one migration entry
// maps a frame of its own. Like split_huge_page_to_list, the new folio comes
// back locked and with a reference for the caller, and the migration entry
// that mapped that part now names it: whoever removes the migration entries
// afterwards must remove this one too, and unlock the new folio
// (remove_migration_ptes on each folio of the split, then folio_unlock).

/// Folio splits.
public enum FolioOp: Hashable, Sendable {
    /// Split the part of the locked folio in register `page` that the
    /// migration entry in PTE `slot` maps into frame `pfn`: a new folio,
    /// locked by the caller, with one reference the caller holds (pointer in
    /// `into`); the entry now names it.
    case splitFolio(Register, slot: Int32, pfn: PFN, into: Register)
}

extension Op {
    /// Split the part of the locked folio in `page` that the migration entry
    /// in PTE `slot` maps into frame `pfn` (pointer in `into`).
    public static func splitFolio(_ page: Register, slot: Int32, pfn: PFN, into r: Register) -> Op {
        .folio(.splitFolio(page, slot: slot, pfn: pfn, into: r))
    }
}

extension FolioOp {
    var kernelName: String {
        switch self {
        case .splitFolio: "split_folio"
        }
    }

    var listing: String {
        switch self {
        case .splitFolio(let p, let slot, let pfn, let into): "r\(into) = split_folio(r\(p), PTE slot \(slot), pfn \(pfn))"
        }
    }

    var registers: [Register] {
        switch self {
        case .splitFolio(let a, _, _, let b): [a, b]
        }
    }

    /// Registers the operation always writes and does not read first
    /// (`LiveRegisters`): what they held before it is dead. A register
    /// written only on some outcomes is not among them.
    var kills: [Register] {
        switch self {
        case .splitFolio(let a, _, _, let b): LiveRegisters.result(b, after: a)
        }
    }

    var gate: Engine.Gate { .free }

    func problem(length: Int32, behaviors: Int) -> String? {
        switch self {
        case .splitFolio(_, let slot, let pfn, _) where slot < 0 || pfn.isNone: "split_folio of PTE slot \(slot) into frame \(pfn)"
        default: nil
        }
    }
}

extension Engine {
    func execute(_ op: FolioOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let event: StepEvent
        switch op {
        case .splitFolio(let r, let slot, let pfn, let into):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "split_folio")
            // The caller holds the folio locked (split_huge_page_to_list:
            // VM_BUG_ON_PAGE(!PageLocked(head))); the model asks for its owner.
            let owner = load(w, .lockOwner(p.pfn), .modelOnly)
            guard load(w, .flags(p.pfn), .relaxed).contains(.locked) && owner.index == t else {
                throw Violation(.badProgram, task: t, pfn: p.pfn, function: function(of: w, task: t), detail: "split_folio of a folio this task has not locked")
            }
            // The entry is changed under its ptl, as remove_migration_pte does.
            let pte = try pteOperand(w, t, slot, locked: true, level: .pte, .plain)
            guard pte.kind == .migration && pte.pfn == p.pfn else {
                throw Violation(.badProgram, task: t, pfn: p.pfn, function: function(of: w, task: t),
                                detail: "split_folio: PTE slot \(slot) is \(pte.kind), not a migration entry for pfn \(p.pfn)")
            }
            guard pfn.index < w.pages.count, load(w, .frame(pfn), .modelOnly).life == .free else {
                throw Violation(.badProgram, task: t, pfn: pfn, function: function(of: w, task: t), detail: "split_folio into frame \(pfn), which is not a free frame")
            }
            // The new folio: set up before anyone else can see it (plain),
            // locked for the caller, one reference the caller holds, in the
            // old folio's mapping (anon here: none).
            var part = PageFrame()
            part.gen = load(w, .frame(pfn), .modelOnly).gen &+ 1
            part.refcount = 1
            part.life = .inUse
            part.flags = [.locked, .uptodate]
            part.lockOwner = TaskID(t)
            part.lockedSince = Int32(truncatingIfNeeded: w.stats.steps)
            part.mapping = load(w, .mapping(p.pfn), .plain)
            store(&w, .frame(pfn), part, .plain)
            ledger(&w, t, pfn, 1)
            // The migration entry now names the new folio (set_pte_at, plain).
            store(&w, .pte(slot), PTE(kind: .migration, pfn: pfn, mm: pte.mm, level: .pte), .plain)
            w.tasks[t].registers[Int(into)] = PageRef(pfn: pfn, gen: part.gen).register
            event = StepEvent(task: t, site: site, .allocated, pfn: pfn, a: Int64(part.gen))
        }
        try advance(&w, t)
        return event
    }

    /// The folio split, the new frame, and the PTE slot with its page.
    func footprint(of op: FolioOp, _ t: Int, in w: World, into f: inout Footprint) {
        switch op {
        case .splitFolio(let r, let slot, let frame, _):
            f.page(pfn(in: r, of: t, w))
            f.page(frame)
            f.pte(slot)
            if slot >= 0 && Int(slot) < w.ptes.count { f.page(w.peek(.pte(slot)).pfn) }
        }
    }
}
