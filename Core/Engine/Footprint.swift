/// What one task's next step may read or write, coarsely: the objects it
/// touches. Two steps whose footprints do not meet commute and neither
/// enables or disables the other, which is all partial-order reduction
/// needs. Every access counts as a write: coarse, but sound.
public struct Footprint: Hashable, Sendable {
    /// Page frames, by pfn mod 64.
    public var pages: UInt64 = 0
    /// Wait-queue buckets (their lock, list and entries), by number mod 64.
    public var buckets: UInt64 = 0
    /// Program spinlocks, by `LockID.raw` mod 64.
    public var locks: UInt64 = 0
    /// Tasks whose sleep state, signals or wait entry the step touches.
    public var tasks = TaskSet()
    /// PTE slots and page-cache slots, mod 64.
    public var ptes: UInt64 = 0
    public var cache: UInt64 = 0
    /// Counters some program reads (the "done" flags).
    public var controlCounters = false
    /// How the step commutes with other tasks' steps (`Mover`). Not part
    /// of `conflicts(with:)`: it says which steps may be merged into one
    /// transition, not which pairs commute.
    public var mover: Mover = .none

    public init() {}

    @inlinable public func conflicts(with o: Footprint) -> Bool {
        pages & o.pages != 0 || buckets & o.buckets != 0 || locks & o.locks != 0 || ptes & o.ptes != 0
            || cache & o.cache != 0 || !(tasks & o.tasks).isEmpty || (controlCounters && o.controlCounters)
    }

    /// Everything either footprint touches: a run of steps taken as one
    /// transition touches what each of them does.
    @inlinable public mutating func formUnion(_ o: Footprint) {
        pages |= o.pages
        buckets |= o.buckets
        locks |= o.locks
        tasks = tasks | o.tasks
        ptes |= o.ptes
        cache |= o.cache
        controlCounters = controlCounters || o.controlCounters
    }

    /// Folding the numbers keeps the footprint one word: two locks 64
    /// apart meet, which is coarse but sound.
    mutating func lock(_ l: LockID) { locks |= 1 << UInt64(l.raw & 63) }
    mutating func page(_ pfn: PFN) { if !pfn.isNone { pages |= 1 << UInt64(pfn.index & 63) } }
    mutating func bucket(_ b: Int16) { if b >= 0 { buckets |= 1 << UInt64(Int(b) & 63) } }
    mutating func pte(_ s: Int32) { if s >= 0 { ptes |= 1 << UInt64(Int(s) & 63) } }
    mutating func slot(_ s: Int32) { if s >= 0 { cache |= 1 << UInt64(Int(s) & 63) } }
}

/// What the local instructions after each pc can touch, found once per
/// engine: they run as part of the step before them.
struct LocalEffects: Sendable {
    /// Per global pc (program base + pc): the locals reachable after it
    /// read or write a control counter, and the frames they `loadPage`.
    var controlCounters: [Bool]
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
        var pages = Array(repeating: UInt64(0), count: ops.count)
        var done = Set<Int>()
        for p in base.indices {
            let first = base[p], n = length[p]
            // A shared range is worked out once.
            guard n > 0, done.insert(first).inserted else { continue }
            let reach = LocalReach(ops: ops[first ..< first + n], control: control)
            for pc in 0..<n {
                var c = false, pg: UInt64 = 0
                if reach.isLocal(pc) { c = reach.counters[pc]; pg = reach.pages[pc] }
                if reach.isLocal(pc + 1) { c = c || reach.counters[pc + 1]; pg |= reach.pages[pc + 1] }
                counters[first + pc] = c
                pages[first + pc] = pg
            }
        }
        return LocalEffects(controlCounters: counters, loadedPages: pages)
    }

    /// The footprint of task `t`'s next step in `w`.
    public func footprint(of t: Int, in w: World) -> Footprint {
        var f = Footprint()
        let task = w.tasks[t]
        f.tasks.insert(t)
        let program = Int(task.program)
        let pc = Int(task.pc)
        let global = base[program] + min(pc, max(0, length[program] - 1))
        var localsShared = false
        if length[program] > 0 {
            f.controlCounters = local.controlCounters[global]
            f.pages |= local.loadedPages[global]
            localsShared = f.controlCounters || f.pages != 0
        }
        if footprintInFrame(of: task, t, in: w, into: &f) { return f }
        guard pc < length[program] else { return f }
        footprint(of: ops[base[program] + pc], t, in: w, into: &f)
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
    private(set) var pages: [UInt64]
    private let local: [Bool]

    init(ops: ArraySlice<Op>, control: Set<Int32>) {
        // Built in locals and stored once: a nested function that read a
        // property would capture `self`, and every write would copy.
        let n = ops.count, first = ops.startIndex
        let local = ops.map(\.isLocal)
        var counters = Array(repeating: false, count: n)
        var pages = Array(repeating: UInt64(0), count: n)
        // The locals' own effects and their successors (-1: none).
        var next = Array(repeating: (Int32(-1), Int32(-1)), count: n)
        for q in 0..<n where local[q] {
            // Only control operations are local.
            guard case .control(let op) = ops[first + q] else { continue }
            let flow = op.localFlow(at: q)
            next[q] = flow.next
            if let k = flow.counter { counters[q] = control.contains(k) }
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
                var c = false, pg: UInt64 = 0
                for i in members {
                    let m = stack[i]
                    c = c || counters[m]
                    pg |= pages[m]
                    // Successors outside the component finished earlier.
                    for i in 0..<2 {
                        if let s = successor(m, i), component[s] != components {
                            c = c || counters[s]
                            pg |= pages[s]
                        }
                    }
                }
                for i in members {
                    counters[stack[i]] = c
                    pages[stack[i]] = pg
                }
                stack.removeSubrange(top...)
                components += 1
            }
        }
        self.local = local
        self.counters = counters
        self.pages = pages
    }

    func isLocal(_ pc: Int) -> Bool { pc >= 0 && pc < local.count && local[pc] }
}
