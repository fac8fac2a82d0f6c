/// Where a page frame is in its life (kernel-model §1.1 `life`).
///
/// A refcount of 0 means free *or* frozen; the kernel can only look at the
/// value, so behaviour never branches on this. It is the model's diagnostic
/// mirror, used by the checks.
public enum PageLife: UInt8, Hashable, Sendable {
    case free
    case inUse
    /// `page_ref_freeze()` succeeded; the freezing task owns the page.
    case frozen
}

/// One `struct page`: flags, reference count, mapcount, identity, lifecycle.
///
/// `gen` is bumped at every allocation, so "same pfn, new usage" can be told
/// apart even though the kernel itself cannot.
public struct PageFrame: Hashable, Sendable {
    public var flags: PageFlags = []
    /// `_refcount`.
    public var refcount: Int32 = 0
    /// Present PTEs mapping this page (the kernel's `_mapcount + 1`).
    public var mapcount: Int32 = 0
    public var life: PageLife = .free
    /// Task that froze the page, while `life == .frozen`.
    public var frozenBy: TaskID = .none
    public var gen: UInt32 = 0
    /// Page-cache slot that names this page as its contents' home, or -1 for anon.
    public var mapping: Int32 = -1
    /// Task that isolated it from the LRU (isolation holds one reference), or none.
    public var isolatedBy: TaskID = .none
    /// Task that set PG_locked, or none. Model-only: the kernel has no owner field.
    public var lockOwner: TaskID = .none
    /// The step at which `lockOwner` took PG_locked (`World.stats.steps`),
    /// for the wait-for report. An observation, outside the identity.
    public var lockedSince: Int32 = 0
    /// Task whose writeback (`set_page_writeback`) set PG_writeback and
    /// whose I/O completion will clear it, or none. Model-only: PG_writeback
    /// holds no reference, but truncation waits for it to clear, so the
    /// completion may touch the page until it clears the bit (I5).
    public var writebackBy: TaskID = .none
    /// False once memory hot-remove took the memmap away: any access is fatal.
    public var memmapPresent: Bool = true

    public init() {}

    public var isLocked: Bool { flags.contains(.locked) }
}

/// A task's pointer to a page: the pfn, plus the generation it was formed at.
///
/// The kernel compares pages by pointer only; the generation is the model's
/// way to tell that the pointer now names a different usage of the frame.
public struct PageRef: Hashable, Sendable, CustomStringConvertible {
    public var pfn: PFN
    public var gen: UInt32

    @inlinable public init(pfn: PFN, gen: UInt32) {
        self.pfn = pfn
        self.gen = gen
    }

    /// Registers hold plain integers; a page reference packs into one.
    @inlinable public init(register value: Int64) {
        pfn = PFN(rawValue: Int32(truncatingIfNeeded: value & 0xffff_ffff))
        gen = UInt32(truncatingIfNeeded: value >> 32)
    }

    @inlinable public var register: Int64 { Int64(gen) << 32 | Int64(UInt32(bitPattern: pfn.rawValue)) }

    public var description: String { "pfn \(pfn) (gen \(gen))" }
}

extension PageFrame: StateIdentity {
    public static var fieldsOutsideIdentity: Set<String> { ["lockedSince"] }

    @inlinable @inline(__always)
    public func combineIdentity(into h: inout StableHasher) {
        h.combine(flags.rawValue); h.combine(refcount); h.combine(mapcount); h.combine(life.rawValue)
        h.combine(frozenBy); h.combine(gen); h.combine(mapping); h.combine(isolatedBy)
        h.combine(lockOwner); h.combine(memmapPresent); h.combine(writebackBy)
    }
}

extension PageFrame {
    /// What changed in frame `pfn` between two worlds, in the order a trace
    /// names it: its life first (a free or an allocation explains the rest).
    static func changes(from a: PageFrame, to b: PageFrame, pfn: PFN, into out: inout [Change]) {
        if a.life != b.life || a.gen != b.gen { out.append(.life(pfn: pfn, from: a.life, to: b.life, gen: b.gen)) }
        if a.flags != b.flags {
            out.append(.flags(pfn: pfn, set: b.flags.subtracting(a.flags), cleared: a.flags.subtracting(b.flags)))
        }
        if a.lockOwner != b.lockOwner { out.append(.lockOwner(pfn: pfn, from: a.lockOwner, to: b.lockOwner)) }
        if a.writebackBy != b.writebackBy { out.append(.writebackOwner(pfn: pfn, from: a.writebackBy, to: b.writebackBy)) }
        if a.refcount != b.refcount { out.append(.refcount(pfn: pfn, from: a.refcount, to: b.refcount)) }
        if a.mapcount != b.mapcount { out.append(.mapcount(pfn: pfn, from: a.mapcount, to: b.mapcount)) }
        if a.isolatedBy != b.isolatedBy { out.append(.isolation(pfn: pfn, from: a.isolatedBy, to: b.isolatedBy)) }
        if a.mapping != b.mapping { out.append(.mapping(pfn: pfn, from: a.mapping, to: b.mapping)) }
        if a.memmapPresent && !b.memmapPresent { out.append(.memmapRemoved(pfn: pfn)) }
    }
}
