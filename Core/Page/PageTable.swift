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

/// A spinlock a program takes explicitly: a page-table lock or a mapping lock.
///
/// The hashed wait-queue locks are taken only inside the wait/wake cores and
/// are tracked separately (`TaskState.heldBucket`).
public struct LockID: Hashable, Sendable, CustomStringConvertible {
    public var raw: UInt8
    @inlinable public init(raw: UInt8) { self.raw = raw }

    public static let maxProcesses = 32
    /// `pte_lockptr()`: one page-table lock per process in this model.
    public static func ptl(_ mm: Int) -> LockID { LockID(raw: UInt8(mm)) }
    /// `mapping->i_pages` lock of one file.
    public static func mapping(_ file: Int) -> LockID { LockID(raw: UInt8(32 + file)) }

    @inlinable public var bit: UInt64 { 1 << UInt64(raw) }

    public var description: String {
        raw < 32 ? "ptl(mm \(raw))" : "i_pages lock(file \(raw - 32))"
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
