/// How a step commutes with the steps of other tasks, in the sense of
/// Lipton's reduction ("Reduction: a method of proving properties of
/// parallel programs", CACM 18(12), 1975) as Flanagan and Qadeer use it for
/// model checking ("Transactions for software model checking", 2003).
///
/// - A *right mover* can be swapped with any step of another task that
///   follows it, with the same result: taking a spinlock (no other task can
///   release or take it while it is held, and nothing else reads it).
/// - A *left mover* can be swapped with any step of another task that
///   precedes it, and is never blocked: releasing a spinlock.
/// - A *both mover* is both: a step that touches only the task's own
///   private state (`pause`, a preemption point: the pc and a hint no step
///   reads).
/// - Everything else is a *non-mover*.
///
/// A run of one task's steps of the shape right* non? left* is a
/// transaction: every interleaving of other tasks inside it can be moved
/// out of it, so the explorer may take it as one transition
/// (`ExplorationBounds.stepMerging`). The class is declared beside each
/// operation's footprint (`Engine.footprint(of:in:)`) and demoted to
/// `.none` when the local instructions that run after the operation, as
/// part of the same step, read or write anything another task can see.
public enum Mover: UInt8, Hashable, Sendable {
    case none
    case right
    case left
    case both

    /// The step may start or continue a transaction before its commit point.
    @inlinable public var movesRight: Bool { self == .right || self == .both }
    /// The step may follow a transaction's commit point.
    @inlinable public var movesLeft: Bool { self == .left || self == .both }
}

/// What a task can still touch, from where it is on: the union of the
/// footprints of every step it may yet take (`Engine.future(of:in:)`).
/// A step of task t whose footprint meets no other task's future commutes
/// with every step any other task can take from here on, and neither
/// enables nor disables one: it is a both mover at this state
/// (`Engine.dynamicMover`), though the same operation elsewhere is not.
struct FutureFootprints: Sendable {
    /// Per global pc (program base + pc): the union of the static
    /// footprints of every operation reachable from the pc in its program's
    /// control flow, the pc's own included.
    var summaries: [Footprint]

    /// Worked out once per engine: a backward fixpoint over each distinct
    /// program's control flow (a union of bitmasks per pc, so it settles
    /// after at most as many sweeps as the program has nested loops, plus one).
    init(ops: [Op], base: [Int], length: [Int], control: Set<Int32>) {
        var summaries = Array(repeating: Footprint(), count: ops.count)
        var done = Set<Int>()
        for p in base.indices {
            let first = base[p], n = length[p]
            guard n > 0, done.insert(first).inserted else { continue }
            let own = (0..<n).map { Self.staticFootprint(of: ops[first + $0], control: control) }
            // Successors of each pc, -1 for none (the end of the program too).
            let next: [(Int, Int)] = (0..<n).map { pc in
                func inside(_ s: Int32) -> Int { s >= 0 && Int(s) < n ? Int(s) : -1 }
                guard case .control(let op) = ops[first + pc] else { return (inside(Int32(pc + 1)), -1) }
                let flow = op.localFlow(at: pc).next
                return (inside(flow.0), inside(flow.1))
            }
            var local = own
            var changed = true
            while changed {
                changed = false
                for pc in stride(from: n - 1, through: 0, by: -1) {
                    var f = local[pc]
                    if next[pc].0 >= 0 { f.formUnion(local[next[pc].0]) }
                    if next[pc].1 >= 0 { f.formUnion(local[next[pc].1]) }
                    if f != local[pc] { local[pc] = f; changed = true }
                }
            }
            for pc in 0..<n { summaries[first + pc] = local[pc] }
        }
        self.summaries = summaries
    }

    /// What operation `op` may touch wherever and whenever it runs: the
    /// fields and kinds of object its footprint (`Engine.footprint(of:in:)`)
    /// declares, on any object of the kind (registers and the world say
    /// which page or slot only at run time). A wait or a wake walk, and a
    /// signal, may touch other tasks: anything. Listed by domain, so a new
    /// domain must say what it touches.
    static func staticFootprint(of op: Op, control: Set<Int32>) -> Footprint {
        var f = Footprint()
        func pages(read: PageFields = [], write: PageFields = []) {
            f.pages = ~0
            f.pageReads.formUnion(read)
            f.pageWrites.formUnion(write)
        }
        switch op {
        case .control(let c):
            switch c {
            case .pause, .preemptionPoint, .jump, .branch, .set, .move, .add, .exit: break
            case .count(let k):
                f.controlCounters = control.contains(k)
                f.controlWrites = f.controlCounters
            case .readCounter(let k, _): f.controlCounters = control.contains(k)
            case .loadPage(_, let pfn): f.read(.model, pfn)
            }
        case .spin(.spinLock(let l)), .spin(.spinUnlock(let l)):
            f.lock(l)
        case .reference(let r):
            switch r {
            case .putPage: pages(write: .all)
            case .getPage, .getPageUnlessZero: pages(read: .model, write: .refcount)
            case .pageRefFreeze, .pageRefUnfreeze: pages(write: [.refcount, .model])
            case .readRefcount: pages(read: .refcount)
            case .readMapcount: pages(read: .mapcount)
            }
        case .flag(let o):
            switch o {
            case .nonAtomicClearRead, .testFlag: pages(read: .flags)
            case .trylockPage, .clearLockedTestWaiters, .nonAtomicClearWrite, .setFlag, .clearFlag: pages(write: [.flags, .model])
            }
        case .pageTable(let o):
            if case .readPTE = o {
                f.ptes = ~0
                pages(read: .model)
            } else {
                f.ptes = ~0
                f.pteWrites = ~0
                pages(write: .all)
            }
        case .hugePage, .folio:
            f.ptes = ~0
            f.pteWrites = ~0
            pages(write: .all)
        case .pageCache:
            f.cache = ~0
            f.cacheWrites = ~0
            pages(write: .all)
        case .lifecycle, .flagWord, .writeback:
            pages(write: .all)
        case .waitWake, .signal:
            f = .everything
        }
        return f
    }
}


extension Engine {
    /// What task `u` of `w` may still touch with every step it can take
    /// from here on: nothing once it finished; anything inside a frame (a
    /// wait or a wake walk reads and writes the page, the bucket and other
    /// tasks); otherwise its program's summary from its pc, and the task
    /// itself (its sleep state, signals and wait entry, which a wake or a
    /// signal from another task touches). Only `u`'s own steps move its pc
    /// or enter a frame, and they only go forward in its control flow, so
    /// another task's steps never make it larger.
    public func future(of u: Int, in w: World) -> Footprint {
        let task = w.tasks[u]
        let program = Int(task.program)
        if task.finished || (task.frame.kind == .none && Int(task.pc) >= length[program]) { return Footprint() }
        if task.frame.kind != .none { return .everything }
        var f = future.summaries[base[program] + Int(task.pc)]
        f.tasks.insert(u)
        return f
    }

    /// The class of task `t`'s next step in `w`, whose footprint is `f`:
    /// its declared class (`f.mover`), or a both mover when the step meets
    /// nothing any other task can still touch (`future(of:in:)`).
    ///
    /// Why such a step is a both mover, in Lipton's sense, for the whole of
    /// the transaction it is part of: every step another task u can take
    /// from this state on lies inside u's future here, which the step does
    /// not meet, so the two commute and neither enables nor disables the
    /// other. Inside t's transaction no other task steps, so their pcs and
    /// frames, hence their futures, are those at the transaction's start.
    public func dynamicMover(_ f: Footprint, of t: Int, in w: World) -> Mover {
        if f.mover == .both { return .both }
        for u in w.tasks.indices where u != t {
            if future(of: u, in: w).conflicts(with: f) { return f.mover }
        }
        return .both
    }
}
