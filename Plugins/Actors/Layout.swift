import PagewaitCore

/// The world every built-in scenario shares (kernel-model §5, experiment
/// E(k, m)): one file page P in page-cache slot 0 of file 0, mapped by `m`
/// processes (PTE slot i belongs to process i), and a free frame N that
/// migration allocates as its target. Frames after N are free for reuse.
public struct Layout: Hashable, Sendable {
    public static let pagePfn: Int32 = 0
    public static let newPagePfn: Int32 = 1
    public static let cacheSlot: Int32 = 0
    public static let file = 0

    /// Number of processes mapping P.
    public var mappings: Int
    public var frames: Int

    public init(mappings: Int, frames: Int = 2) {
        self.mappings = mappings
        self.frames = frames
    }

    public var slots: [Int32] { (0..<Int32(mappings)).map { $0 } }

    /// The initial world: P in use (cache + one reference per mapping, + one
    /// for PG_private's buffers), uptodate and on the LRU; N and the rest free.
    public func world(tasks: [TaskState], counters: Int, pageFlags: PageFlags = [.uptodate, .lru]) -> World {
        let ptes = (0..<mappings).map { PTE(kind: .present, pfn: Self.pagePfn, mm: Int8($0)) }
        var w = World(pages: frames, ptes: ptes, cache: [CacheSlot(file: Int8(Self.file), pfn: Self.pagePfn)],
                      tasks: tasks, counters: counters)
        var p = PageFrame()
        p.life = .inUse
        p.gen = 1
        p.refcount = Int32(1 + mappings + (pageFlags.contains(.private) ? 1 : 0))
        p.mapcount = Int32(mappings)
        p.mapping = Self.cacheSlot
        p.flags = pageFlags
        w.pages[Int(Self.pagePfn)] = p
        return w
    }
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
