/// What a page-table slot holds (kernel-model §1.3).
public enum PTEKind: UInt8, Hashable, Sendable, CustomStringConvertible {
    case none
    /// A present mapping: holds one reference and one mapcount on its page.
    case present
    /// A migration entry: holds **no** reference; valid only while the
    /// migrator holds the page locked and isolated.
    case migration
    case swap

    public var description: String {
        switch self {
        case .none: "none"
        case .present: "present"
        case .migration: "migration"
        case .swap: "swap"
        }
    }
}

/// One PTE: a mapping slot of one process (`mm`), guarded by that process's
/// page-table lock, `LockID.ptl(mm)`.
public struct PTE: Hashable, Sendable {
    public var kind: PTEKind
    public var pfn: Int32
    /// The process the slot belongs to; selects its ptl.
    public var mm: Int8

    public init(kind: PTEKind = .none, pfn: Int32 = -1, mm: Int8) {
        self.kind = kind
        self.pfn = pfn
        self.mm = mm
    }
}

/// One page-cache slot: `mapping->i_pages` at one index.
public struct CacheSlot: Hashable, Sendable {
    public var file: Int8
    /// The page the slot points at, or -1 (empty or a shadow entry).
    public var pfn: Int32

    public init(file: Int8, pfn: Int32 = -1) {
        self.file = file
        self.pfn = pfn
    }
}

extension PTE: StateIdentity {
    public func combineIdentity(into h: inout StableHasher) {
        h.combine(kind.rawValue); h.combine(pfn); h.combine(mm)
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
