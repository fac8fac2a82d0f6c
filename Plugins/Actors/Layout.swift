import PagewaitCore

/// The world every built-in scenario shares (kernel-model §5, experiment
/// E(k, m)): one file page P in page-cache slot 0 of file 0, mapped by `m`
/// processes (PTE slot i belongs to process i), and a free frame N that
/// migration allocates as its target. Frames after N are free for reuse.
/// A scenario that sets `pages` has more file pages for lock chains to
/// lock (`page(_:)`): page k ≥ 1 has a page-cache slot of its own, on a frame after
/// the ones its shape reserves, referenced by the cache alone.
public struct Layout: Hashable, Sendable {
    public static let pagePfn = PFN(rawValue: 0)
    public static let newPagePfn = PFN(rawValue: 1)
    public static let cacheSlot: Int32 = 0
    public static let file = 0

    /// The frame a split gives the second part of P (`Op.splitFolio`).
    public static let splitPfn = PFN(rawValue: 2)

    /// The most file pages a scenario may have: P and three more, each
    /// pinned in a register of its own by a lock chain.
    public static let maxPages = 4

    /// Number of processes mapping P.
    public var mappings: Int
    /// File pages: P and `pages - 1` more.
    public var pages: Int
    public var frames: Int
    /// What P is and how it is mapped.
    public var shape: WorldShape
    /// Injected fault (kernel-model F9): PG_private is set without the page
    /// reference it stands for, so P's refcount is one below its ledger.
    public var privateWithoutRef: Bool

    public init(mappings: Int, pages: Int = 1, frames: Int = 2, shape: WorldShape = .filePage, privateWithoutRef: Bool = false) {
        precondition((1...Self.maxPages).contains(pages), "pages out of range")
        self.mappings = mappings
        self.pages = pages
        self.frames = max(frames, shape.frames) + pages - 1
        self.shape = shape
        self.privateWithoutRef = privateWithoutRef
    }

    public var slots: [Int32] { (0..<Int32(mappings)).map { $0 } }

    /// The frame of file page `k`: P for 0, else one of the frames after
    /// those the shape reserves. Which wait-queue bucket each lands in is
    /// the kernel's hash of the frame (`WaitQueueTable.bucket(of:)`).
    public func page(_ k: Int) -> PFN {
        k == 0 ? Self.pagePfn : PFN(rawValue: Int32(frames - pages + k))
    }

    /// The initial world: P in use (cache + one reference per mapping, + one
    /// for PG_private's buffers), uptodate and on the LRU; N and the rest
    /// free. An anonymous P has no page-cache slot; a huge P is mapped by
    /// PMDs, PROT_NONE ones when NUMA hinting has marked them.
    public func world(tasks: [TaskState], counters: Int, pageFlags: PageFlags = [.uptodate, .lru]) -> World {
        let kind: PTEKind = shape.protnone ? .protnone : .present
        let ptes = (0..<mappings).map { PTE(kind: kind, pfn: Self.pagePfn, mm: Int8($0), level: shape.level) }
        let cache = shape.anon ? [] : [CacheSlot(file: Int8(Self.file), pfn: Self.pagePfn)]
        var w = World(pages: frames, ptes: ptes, cache: cache, tasks: tasks, counters: counters)
        var p = PageFrame()
        p.life = .inUse
        p.gen = 1
        p.refcount = Int32((shape.anon ? 0 : 1) + mappings + (pageFlags.contains(.private) ? 1 : 0) - (privateWithoutRef ? 1 : 0))
        p.mapcount = Int32(mappings)
        p.mapping = shape.anon ? -1 : Self.cacheSlot
        p.flags = pageFlags
        w.pages[Self.pagePfn.index] = p
        for k in 1..<pages {
            let pfn = page(k)
            var q = PageFrame()
            q.life = .inUse
            q.gen = 1
            q.refcount = 1
            q.mapping = Int32(w.cache.count)
            q.flags = [.uptodate]
            w.cache.append(CacheSlot(file: Int8(Self.file), pfn: pfn))
            w.pages[pfn.index] = q
        }
        return w
    }
}

/// What the page P of a scenario is and how its processes map it.
public struct WorldShape: Hashable, Sendable {
    /// Anonymous memory: no page-cache slot, no cache reference.
    public var anon: Bool
    /// The level of the entries that map P: PTEs, or PMDs of a huge page.
    public var level: PageTableLevel
    /// The entries start as NUMA hinting entries (task_numa_work has run).
    public var protnone: Bool
    /// Frames the world needs: P, the migration target N, and more.
    public var frames: Int

    public init(anon: Bool = false, level: PageTableLevel = .pte, protnone: Bool = false, frames: Int = 2) {
        self.anon = anon
        self.level = level
        self.protnone = protnone
        self.frames = frames
    }

    /// The built-in scenarios' page: a file page mapped by PTEs.
    public static let filePage = WorldShape()
    /// An anonymous THP mapped by PMDs (mm/huge_memory.c).
    public static let anonHugePage = WorldShape(anon: true, level: .pmd)
    /// An anonymous THP whose PMDs NUMA hinting has made PROT_NONE.
    public static let anonHugePageNuma = WorldShape(anon: true, level: .pmd, protnone: true)
    /// An anonymous large folio mapped by PTEs, with a frame for the part a
    /// split makes its own folio (`Layout.splitPfn`).
    public static let anonLargeFolio = WorldShape(anon: true, frames: 3)
}

/// Register conventions of the built-in actors: r0 the page, r1 the new
/// page, r2 the pass, r3 rc, r4/r5 temporaries, r6 a loop count, r7 the
/// kernel helpers' scratch.
enum Reg {
    static let page: Register = 0
    static let newPage: Register = 1
    static let pass: Register = 2
    static let rc: Register = 3
    static let t0: Register = 4
    static let t1: Register = 5
    static let loop: Register = 6
}

/// -EAGAIN.
let eagain: Int64 = -11
