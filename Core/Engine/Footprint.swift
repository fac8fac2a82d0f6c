/// A field of `struct page`, as a footprint names it: one bit each, so a
/// footprint keeps the fields a step reads and those it writes in a byte.
public struct PageFields: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `page->flags` (`Location.flags`).
    public static let flags = PageFields(rawValue: 1 << 0)
    /// `page->_refcount`.
    public static let refcount = PageFields(rawValue: 1 << 1)
    /// `page->_mapcount`.
    public static let mapcount = PageFields(rawValue: 1 << 2)
    /// `page->mapping`.
    public static let mapping = PageFields(rawValue: 1 << 3)
    /// The fields only the model has (life, generation, freezer, lock and
    /// writeback owner, isolation, memmap presence: `Location.frame` with
    /// `.modelOnly` order).
    public static let model = PageFields(rawValue: 1 << 4)
    /// The whole frame (a `Location.frame` access of any other order: the
    /// allocator's and the free path's, the checks on several fields).
    public static let all: PageFields = [.flags, .refcount, .mapcount, .mapping, .model]
}

/// What one task's next step may read or write: the objects it touches
/// and, for pages, PTE slots, page-cache slots and control counters, which
/// of them it only reads. Two steps conflict when what one writes meets
/// what the other reads or writes; steps whose footprints do not conflict
/// commute and neither enables or disables the other, which is all
/// partial-order reduction and the movers (`Mover`) need. Wait-queue
/// buckets, program spinlocks and tasks count every access as a write.
///
/// Pages are a product: the frames touched (`pages`) and the fields read
/// and written on them (`pageReads`, `pageWrites`). A step that reads one
/// field of one page and writes another of a second is taken to read and
/// write both fields of both: coarse, but sound.
public struct Footprint: Hashable, Sendable {
    /// Page frames, by pfn mod 64.
    public var pages: UInt64 = 0
    /// The fields of the frames in `pages` the step reads, and writes.
    public var pageReads = PageFields()
    public var pageWrites = PageFields()
    /// Wait-queue buckets (their lock, list and entries), by number mod 64.
    public var buckets: UInt64 = 0
    /// Program spinlocks, by `LockID.raw` mod 64.
    public var locks: UInt64 = 0
    /// Tasks whose sleep state, signals, wait entry or reference ledger the
    /// step touches.
    public var tasks = TaskSet()
    /// PTE slots and page-cache slots touched, mod 64, and of them those
    /// written.
    public var ptes: UInt64 = 0
    public var pteWrites: UInt64 = 0
    public var cache: UInt64 = 0
    public var cacheWrites: UInt64 = 0
    /// Counters some program reads (the "done" flags): touched, and written.
    public var controlCounters = false
    public var controlWrites = false
    /// How the step commutes with other tasks' steps (`Mover`). Not part
    /// of `conflicts(with:)`: it says which steps may be merged into one
    /// transition, not which pairs commute.
    public var mover: Mover = .none

    public init() {}

    @inlinable public func conflicts(with o: Footprint) -> Bool {
        if buckets & o.buckets != 0 || locks & o.locks != 0 || !(tasks & o.tasks).isEmpty { return true }
        if pages & o.pages != 0
            && (pageWrites.rawValue & (o.pageReads.rawValue | o.pageWrites.rawValue)
                | o.pageWrites.rawValue & pageReads.rawValue) != 0 { return true }
        return ptes & o.pteWrites | pteWrites & o.ptes | cache & o.cacheWrites | cacheWrites & o.cache != 0
            || (controlWrites && o.controlCounters) || (o.controlWrites && controlCounters)
    }

    /// Everything either footprint touches: a run of steps taken as one
    /// transition touches what each of them does.
    @inlinable public mutating func formUnion(_ o: Footprint) {
        pages |= o.pages
        pageReads.formUnion(o.pageReads)
        pageWrites.formUnion(o.pageWrites)
        buckets |= o.buckets
        locks |= o.locks
        tasks = tasks | o.tasks
        ptes |= o.ptes
        pteWrites |= o.pteWrites
        cache |= o.cache
        cacheWrites |= o.cacheWrites
        controlCounters = controlCounters || o.controlCounters
        controlWrites = controlWrites || o.controlWrites
    }

    /// Whether every access `o` may make is one this footprint allows:
    /// what `o` reads, this one reads or writes; what `o` writes, this one
    /// writes. (The page product is compared factor by factor.)
    public func covers(_ o: Footprint) -> Bool {
        o.pages & ~pages == 0 && o.pageReads.subtracting(pageReads.union(pageWrites)).isEmpty
            && o.pageWrites.subtracting(pageWrites).isEmpty
            && o.buckets & ~buckets == 0 && o.locks & ~locks == 0 && (o.tasks - tasks).isEmpty
            && o.ptes & ~ptes == 0 && o.pteWrites & ~pteWrites == 0
            && o.cache & ~cache == 0 && o.cacheWrites & ~cacheWrites == 0
            && (!o.controlCounters || controlCounters) && (!o.controlWrites || controlWrites)
    }

    /// Meets every footprint but an empty one.
    public static let everything: Footprint = {
        var f = Footprint()
        f.pages = ~0
        f.pageReads = .all
        f.pageWrites = .all
        f.buckets = ~0
        f.locks = ~0
        f.ptes = ~0
        f.pteWrites = ~0
        f.cache = ~0
        f.cacheWrites = ~0
        f.controlCounters = true
        f.controlWrites = true
        f.tasks.low = ~0
        f.tasks.high = ~0
        return f
    }()

    /// Folding the numbers keeps the footprint one word: two locks 64
    /// apart meet, which is coarse but sound.
    mutating func lock(_ l: LockID) { locks |= 1 << UInt64(l.raw & 63) }
    /// Every field of frame `pfn`, written (an operation not yet declared
    /// field by field).
    mutating func page(_ pfn: PFN) { write(.all, pfn) }
    /// Fields of frame `pfn` read, or written (a read-modify-write is a write).
    mutating func read(_ fields: PageFields, _ pfn: PFN) {
        if !pfn.isNone { pages |= 1 << UInt64(pfn.index & 63); pageReads.formUnion(fields) }
    }
    mutating func write(_ fields: PageFields, _ pfn: PFN) {
        if !pfn.isNone { pages |= 1 << UInt64(pfn.index & 63); pageWrites.formUnion(fields) }
    }
    mutating func bucket(_ b: Int16) { if b >= 0 { buckets |= 1 << UInt64(Int(b) & 63) } }
    /// A PTE slot written (`pte`) or only read (`readPTE`).
    mutating func pte(_ s: Int32) { if s >= 0 { ptes |= 1 << UInt64(Int(s) & 63); pteWrites |= 1 << UInt64(Int(s) & 63) } }
    mutating func readPTE(_ s: Int32) { if s >= 0 { ptes |= 1 << UInt64(Int(s) & 63) } }
    /// A page-cache slot written (`slot`) or only read (`readSlot`).
    mutating func slot(_ s: Int32) { if s >= 0 { cache |= 1 << UInt64(Int(s) & 63); cacheWrites |= 1 << UInt64(Int(s) & 63) } }
    mutating func readSlot(_ s: Int32) { if s >= 0 { cache |= 1 << UInt64(Int(s) & 63) } }
}

/// What the local instructions after each pc can touch, found once per
/// engine: they run as part of the step before them.
struct LocalEffects: Sendable {
    /// Per global pc (program base + pc): the locals reachable after it
    /// read or write a control counter, write one, and the frames they
    /// `loadPage` (reading the frame's generation).
    var controlCounters: [Bool]
    var controlWrites: [Bool]
    var loadedPages: [UInt64]
}

extension Engine {
    /// For each pc, what the locals reachable from it (pc itself if local,
    /// and pc + 1) can touch. Linear in the program: the locals form a graph
    /// (fall-through, jumps, branches) whose strongly connected components
    /// (Tarjan 1972, iteratively) share one answer, combined in the reverse
    /// topological order Tarjan's algorithm finishes them in. A search per pc
    /// would be quadratic in a long run of locals.
    static func localEffects(ops: [Op], base: [Int], length: [Int], control: Set<Int32>) -> LocalEffects {
        var counters = Array(repeating: false, count: ops.count)
        var writes = Array(repeating: false, count: ops.count)
        var pages = Array(repeating: UInt64(0), count: ops.count)
        var done = Set<Int>()
        for p in base.indices {
            let first = base[p], n = length[p]
            // A shared range is worked out once.
            guard n > 0, done.insert(first).inserted else { continue }
            let reach = LocalReach(ops: ops[first ..< first + n], control: control)
            for pc in 0..<n {
                var c = false, cw = false, pg: UInt64 = 0
                if reach.isLocal(pc) { c = reach.counters[pc]; cw = reach.writes[pc]; pg = reach.pages[pc] }
                if reach.isLocal(pc + 1) { c = c || reach.counters[pc + 1]; cw = cw || reach.writes[pc + 1]; pg |= reach.pages[pc + 1] }
                counters[first + pc] = c
                writes[first + pc] = cw
                pages[first + pc] = pg
            }
        }
        return LocalEffects(controlCounters: counters, controlWrites: writes, loadedPages: pages)
    }

    /// The footprint of task `t`'s next step in `w`.
    ///
    /// A task's pc, registers, held-lock record, flags snapshot and ledger
    /// entries are its own: no other task's step reads or writes them, so a
    /// step names its own task only when it touches what others do too —
    /// its sleep state, pending signal, wait entry or frame (a wait, a wake
    /// walk, a signal operation).
    public func footprint(of t: Int, in w: World) -> Footprint {
        var f = Footprint()
        let task = w.tasks[t]
        let program = Int(task.program)
        let pc = Int(task.pc)
        let global = base[program] + min(pc, max(0, length[program] - 1))
        var localsShared = false
        if length[program] > 0 {
            f.controlCounters = local.controlCounters[global]
            f.controlWrites = local.controlWrites[global]
            let loaded = local.loadedPages[global]
            if loaded != 0 {
                f.pages |= loaded
                f.pageReads.insert(.model)
            }
            localsShared = f.controlCounters || f.pages != 0
        }
        if task.frame.kind != .none {
            f.tasks.insert(t)
            _ = footprintInFrame(of: task, t, in: w, into: &f)
            return f
        }
        guard pc < length[program] else { return f }
        let op = ops[base[program] + pc]
        switch op {
        case .waitWake, .signal: f.tasks.insert(t)
        default: break
        }
        footprint(of: op, t, in: w, into: &f)
        // The locals run as part of the step: if they read or bump a
        // control counter or form a page pointer, the step is no mover.
        if localsShared { f.mover = .none }
        return f
    }

    /// The frame whose pointer task `t` holds in register `r` (-1 or out
    /// of range if none: `Footprint.page` ignores a negative one).
    @inline(__always)
    func pfn(in r: Register, of t: Int, _ w: World) -> PFN {
        PageRef(register: w.tasks[t].registers[Int(r)]).pfn
    }
}

/// What the locals reachable from each local pc of one program touch: the
/// pc's own effect joined with its local successors'.
struct LocalReach {
    /// Per pc (meaningful for local ones): a control counter is read or
    /// bumped, and the frames `loadPage` forms, on some path of locals.
    private(set) var counters: [Bool]
    /// Whether a control counter is bumped on some path of locals.
    private(set) var writes: [Bool]
    private(set) var pages: [UInt64]
    private let local: [Bool]

    init(ops: ArraySlice<Op>, control: Set<Int32>) {
        // Built in locals and stored once: a nested function that read a
        // property would capture `self`, and every write would copy.
        let n = ops.count, first = ops.startIndex
        let local = ops.map(\.isLocal)
        var counters = Array(repeating: false, count: n)
        var writes = Array(repeating: false, count: n)
        var pages = Array(repeating: UInt64(0), count: n)
        // The locals' own effects and their successors (-1: none).
        var next = Array(repeating: (Int32(-1), Int32(-1)), count: n)
        for q in 0..<n where local[q] {
            // Only control operations are local.
            guard case .control(let op) = ops[first + q] else { continue }
            let flow = op.localFlow(at: q)
            next[q] = flow.next
            if let k = flow.counter {
                counters[q] = control.contains(k)
                if case .count = op { writes[q] = counters[q] }
            }
            if let pfn = flow.frame { pages[q] = 1 << UInt64(pfn.index & 63) }
        }
        func successor(_ q: Int, _ i: Int) -> Int? {
            let s = Int(i == 0 ? next[q].0 : next[q].1)
            return s >= 0 && s < n && local[s] ? s : nil
        }

        // Tarjan's strongly connected components, with an explicit stack.
        var index = Array(repeating: -1, count: n), low = Array(repeating: 0, count: n)
        var component = Array(repeating: -1, count: n)
        var stack: [Int] = [], calls: [(node: Int, edge: Int)] = []
        var counter = 0, components = 0
        for root in 0..<n where local[root] && index[root] < 0 {
            index[root] = counter; low[root] = counter; counter += 1
            stack.append(root)
            calls.append((root, 0))
            while let (v, edge) = calls.last {
                if edge < 2 {
                    calls[calls.count - 1].edge += 1
                    guard let w = successor(v, edge) else { continue }
                    if index[w] < 0 {
                        index[w] = counter; low[w] = counter; counter += 1
                        stack.append(w)
                        calls.append((w, 0))
                    } else if component[w] < 0 {
                        low[v] = min(low[v], index[w])          // on the stack
                    }
                    continue
                }
                calls.removeLast()
                if let parent = calls.last?.node { low[parent] = min(low[parent], low[v]) }
                guard low[v] == index[v] else { continue }
                // v roots a component: everything above it on the stack.
                // (Indices, not a slice: a slice alive at the removal below
                // would make it copy the whole stack.)
                let top = stack.lastIndex(of: v)!, members = top ..< stack.count
                for i in members { component[stack[i]] = components }
                var c = false, cw = false, pg: UInt64 = 0
                for i in members {
                    let m = stack[i]
                    c = c || counters[m]
                    cw = cw || writes[m]
                    pg |= pages[m]
                    // Successors outside the component finished earlier.
                    for i in 0..<2 {
                        if let s = successor(m, i), component[s] != components {
                            c = c || counters[s]
                            cw = cw || writes[s]
                            pg |= pages[s]
                        }
                    }
                }
                for i in members {
                    counters[stack[i]] = c
                    writes[stack[i]] = cw
                    pages[stack[i]] = pg
                }
                stack.removeSubrange(top...)
                components += 1
            }
        }
        self.local = local
        self.counters = counters
        self.writes = writes
        self.pages = pages
    }

    func isLocal(_ pc: Int) -> Bool { pc >= 0 && pc < local.count && local[pc] }
}

extension Footprint {
    /// Add what one logged access touches: a read to what is read, a write
    /// or read-modify-write to what is written. A `Location.frame` access
    /// with `.modelOnly` order touches the model's own fields; any other
    /// order, the whole frame. A wait entry's flags and a ledger entry
    /// belong to their task.
    mutating func insert(_ a: Access) {
        let writes = a.kind != .read
        func field(_ fields: PageFields, _ p: PFN) { if writes { write(fields, p) } else { read(fields, p) } }
        switch a.location {
        case .flags(let p): field(.flags, p)
        case .refcount(let p): field(.refcount, p)
        case .mapcount(let p): field(.mapcount, p)
        case .mapping(let p): field(.mapping, p)
        case .frame(let p): field(a.order == .modelOnly ? .model : .all, p)
        case .pte(let s): if writes { pte(s) } else { readPTE(s) }
        case .cacheSlot(let s): if writes { slot(s) } else { readSlot(s) }
        case .waitFlags(let t), .ledger(let t, _): tasks.insert(t)
        }
    }
}
