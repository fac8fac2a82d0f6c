/// What a page-table slot holds (kernel-model §1.3).
public enum PTEKind: UInt8, Hashable, Sendable, CustomStringConvertible {
    case none
    /// A present mapping: holds one reference and one mapcount on its page.
    case present
    /// A migration entry: holds **no** reference; valid only while the
    /// migrator holds the page locked and isolated.
    case migration
    case swap
    /// A NUMA hinting entry (`pte_protnone` / `pmd_protnone`, set by
    /// task_numa_work's change_prot_numa): the page stays mapped — the entry
    /// holds its reference and mapcount as a present one does — but an
    /// access faults (`do_numa_page`, `do_huge_pmd_numa_page`).
    case protnone

    public var description: String {
        switch self {
        case .none: "none"
        case .present: "present"
        case .migration: "migration"
        case .swap: "swap"
        case .protnone: "protnone"
        }
    }
}

extension PTEKind {
    /// The entry maps its page (present, or present but PROT_NONE for NUMA
    /// hinting): it holds one reference and one mapcount on it.
    @inlinable public var maps: Bool { self == .present || self == .protnone }
}

/// One page-table entry: a mapping slot of one process (`mm`), at PTE level
/// (guarded by the process's page-table lock, `LockID.ptl(mm)`) or at PMD
/// level, mapping a huge page (guarded by its PMD lock, `LockID.pmd(mm)`).
public struct PTE: Hashable, Sendable {
    public var kind: PTEKind
    public var pfn: PFN
    /// The process the slot belongs to; selects its lock.
    public var mm: Int8
    /// A PTE or a PMD; fixed for the slot's life.
    public var level: PageTableLevel

    public init(kind: PTEKind = .none, pfn: PFN = .none, mm: Int8, level: PageTableLevel = .pte) {
        self.kind = kind
        self.pfn = pfn
        self.mm = mm
        self.level = level
    }

    /// The lock that guards the slot: `pte_lockptr` or `pmd_lockptr`.
    @inlinable public var lock: LockID { level.lock(mm: Int(mm)) }
}

/// One page-cache slot: `mapping->i_pages` at one index.
public struct CacheSlot: Hashable, Sendable {
    public var file: Int8
    /// The page the slot points at, or none (empty or a shadow entry).
    public var pfn: PFN

    public init(file: Int8, pfn: PFN = .none) {
        self.file = file
        self.pfn = pfn
    }
}

extension PTE: StateIdentity {
    /// The level shares the kind's byte (kinds use its low four bits), so
    /// a PTE-level entry feeds exactly what it fed before PMDs existed.
    public func combineIdentity(into h: inout StableHasher) {
        h.combine(kind.rawValue | level.rawValue << 4); h.combine(pfn); h.combine(mm)
    }
}

extension CacheSlot: StateIdentity {
    public func combineIdentity(into h: inout StableHasher) {
        h.combine(file); h.combine(pfn)
    }
}

extension PTE {
    /// A PTE that changed, whole: its kind, page and process say it together.
    static func changes(from a: PTE, to b: PTE, slot: Int, into out: inout [Change]) {
        if a != b { out.append(.pte(slot: slot, from: a, to: b)) }
    }
}

extension CacheSlot {
    /// The page a slot points at; its file never changes.
    static func changes(from a: CacheSlot, to b: CacheSlot, slot: Int, into out: inout [Change]) {
        if a.pfn != b.pfn { out.append(.cache(slot: slot, from: a.pfn, to: b.pfn)) }
    }
}
