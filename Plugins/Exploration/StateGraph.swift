import PagewaitCore

/// One transition as the state graph keeps it, packed in a word: its target
/// (a state number, or, while the walk records, an index into the walk's
/// `GraphRecord.keys` when the target has no number yet), the task that
/// took it in the numbering of its source's key (`TaskSymmetry`), the tasks
/// not runnable inside it (`gaps`, as `FairCycleSearch` keeps them) and its
/// steps. For scenarios of at most 16 tasks (`GraphRecord.fits`).
struct PackedEdge {
    static let byKey: UInt64 = 1 << 63

    static func make(task: Int, gaps: TaskSet, steps: Int) -> UInt64 {
        UInt64(task) << 32 | (gaps.low & 0xFFFF) << 36 | UInt64(steps) << 52
    }

    @inline(__always) static func target(_ e: UInt64) -> Int { Int(truncatingIfNeeded: e & 0xFFFF_FFFF) }
    @inline(__always) static func task(_ e: UInt64) -> Int { Int(truncatingIfNeeded: (e >> 32) & 0xF) }
    @inline(__always) static func gaps(_ e: UInt64) -> TaskSet {
        var s = TaskSet()
        s.low = (e >> 36) & 0xFFFF
        return s
    }
    @inline(__always) static func steps(_ e: UInt64) -> Int { Int(truncatingIfNeeded: (e >> 52) & 0x1FF) }
}

/// The part of the state graph one thread's walk recorded: for every state
/// it visited first (`.new`), all its transitions — those it explored and
/// those sleep sets let it skip, which it steps only to see where they go.
/// A state's row is written when its frame is popped, so its edges are one
/// run of `edges`, right after the previous row's. States above the split
/// depth of a parallel search are named by key (their numbers are in no
/// shared store).
struct GraphRecord: Sendable {
    /// Each row's state: its number, or `PackedEdge.byKey` | an index into `keys`.
    var states: [UInt64] = []
    /// Each row's runnable tasks (16 bits) and count of edges (the next 8).
    var meta: [UInt32] = []
    var edges: [UInt64] = []
    var keys: [UInt64] = []
    /// The root, as a row's state is named; `PackedEdge.byKey` alone: none met.
    var root = PackedEdge.byKey
    /// False when something could not be recorded faithfully: the graph is
    /// then not used, and the fair-cycle search steps the scenario again.
    var complete = true

    /// Whether a scenario's graph can be recorded: task numbers and sets in
    /// 4 and 16 bits, a transaction's steps in 9 (`Transaction.limit`).
    static func fits(taskCount: Int) -> Bool { taskCount <= 16 && Transaction.limit < 512 }

    mutating func keyed(_ k: UInt64) -> UInt64 {
        keys.append(k)
        return PackedEdge.byKey | UInt64(keys.count - 1)
    }

    /// Write a state's row: its `count` edges are `from[0..<count]`.
    @inline(__always)
    mutating func row(_ state: UInt64, runnable r: TaskSet, edges from: UnsafePointer<UInt64>, count: Int) {
        states.append(state)
        meta.append(UInt32(truncatingIfNeeded: r.low & 0xFFFF) | UInt32(count) << 16)
        for i in 0..<count { edges.append(from[i]) }
        if edges.count >= Int(UInt32.max) { complete = false }
    }

    var bytes: Int { states.capacity * 8 + meta.capacity * 4 + edges.capacity * 8 + keys.capacity * 8 }
}

/// The state graph the exhaustive walk recorded, by state number: each
/// state's runnable tasks and transitions. The fair-cycle search runs over
/// it (`GraphCycleSearch`) instead of stepping every transition again and
/// working out every key again.
struct StateGraph {
    var first: [UInt32]
    /// Transitions + 1; 0: the state's row was never recorded.
    var count: [UInt8]
    var runnable: [UInt16]
    var edges: [UInt64]
    var root: Int

    var states: Int { count.count }
    var bytes: Int { first.capacity * 4 + count.capacity + runnable.capacity * 2 + edges.capacity * 8 }

    /// Put the walks' records together, naming every state by its number in
    /// `store` (states above the split that `store` never met get numbers
    /// after its own). Nil when a record is incomplete or some state or
    /// target is missing.
    init?(records: inout [GraphRecord], store: VisitedStore) {
        guard !records.isEmpty, records.allSatisfy(\.complete) else { return nil }
        let stored = store.count
        first = Array(repeating: 0, count: stored)
        count = Array(repeating: 0, count: stored)
        runnable = Array(repeating: 0, count: stored)
        edges = []
        root = 0
        var aboveSplit = KeyTable()
        /// Each record's rows: the state number each row is, or -1 (a row
        /// above the split of a state recorded below it too).
        var ids: [[Int]] = []
        for r in records {
            var rowIDs: [Int] = []
            rowIDs.reserveCapacity(r.states.count)
            for s in r.states {
                if s & PackedEdge.byKey == 0 {
                    rowIDs.append(Int(s))
                    continue
                }
                let k = r.keys[Int(s & ~PackedEdge.byKey)]
                if let n = store.number(of: k) {
                    // Recorded below the split too (rows below come from the
                    // store's `.new` visits, one per state).
                    rowIDs.append(-Int(n) - 2)
                } else if aboveSplit[k] == nil {
                    aboveSplit.set(k, first.count)
                    rowIDs.append(first.count)
                    first.append(0)
                    count.append(0)
                    runnable.append(0)
                } else {
                    rowIDs.append(-1)
                }
            }
            ids.append(rowIDs)
        }
        func resolve(_ ref: UInt64, _ r: borrowing GraphRecord) -> Int? {
            guard ref & PackedEdge.byKey != 0 else { return Int(ref) }
            let k = r.keys[Int(ref & ~PackedEdge.byKey)]
            if let n = store.number(of: k) { return Int(n) }
            return aboveSplit[k]
        }
        for i in records.indices {
            // One record (one thread): its edges become the graph's, not a copy.
            var own: [UInt64] = []
            swap(&own, &records[i].edges)
            let offset = edges.count
            if edges.isEmpty { edges = own } else { edges.append(contentsOf: own) }
            own = []
            let r = records[i]
            var start = 0
            for j in r.states.indices {
                let rowStart = start, rowCount = Int(r.meta[j] >> 16)
                start += rowCount
                var id = ids[i][j]
                if id <= -2 {
                    // A state above the split the store also has: its row from
                    // below, unless no walk wrote one.
                    id = -id - 2
                    if count[id] != 0 { continue }
                }
                guard id >= 0 else { continue }
                first[id] = UInt32(offset + rowStart)
                count[id] = UInt8(rowCount + 1)
                runnable[id] = UInt16(truncatingIfNeeded: r.meta[j])
            }
            for e in offset..<edges.count where edges[e] & PackedEdge.byKey != 0 {
                guard let to = resolve(edges[e] & (PackedEdge.byKey | 0xFFFF_FFFF), r) else { return nil }
                edges[e] = edges[e] & ~(PackedEdge.byKey | 0xFFFF_FFFF) | UInt64(to)
            }
            if i == 0 {
                guard let root = resolve(r.root, r) else { return nil }
                self.root = root
            }
            records[i] = GraphRecord()
        }
        guard edges.count < Int(UInt32.max), !count.contains(0) else { return nil }
    }

    @inline(__always) func edges(of s: Int) -> Range<Int> {
        let f = Int(first[s])
        return f ..< f + Int(count[s]) - 1
    }

    @inline(__always) func runnable(_ s: Int) -> TaskSet {
        var t = TaskSet()
        t.low = UInt64(runnable[s])
        return t
    }
}

/// How the walk grows a task's step into a transition (`Transaction`), so
/// that recording a transition sleep sets skip, and stepping along the
/// recorded graph again, take the same steps the walk took.
struct TransitionRule {
    let engine: Engine
    let merging: Bool
    /// Whether each instruction is local: program p's pc is entry
    /// `localStart[p] + pc`, and program p has `localStart[p + 1] -
    /// localStart[p]` instructions (one array, read in place at every step).
    private let restsOnLocal: [Bool]
    private let localStart: [Int]

    init(engine: Engine, merging: Bool) {
        self.engine = engine
        self.merging = merging
        restsOnLocal = engine.programs.flatMap { p in p.instructions.map { $0.op.isLocal } }
        localStart = engine.programs.reduce(into: [0]) { starts, p in starts.append(starts.last! + p.instructions.count) }
    }

    /// The rule of a search asked for step merging or not: steps merge only
    /// where every task has a CPU of its own (under other models a task
    /// that spins keeps its CPU) and memory is sequential (a flush or an
    /// advance has no mover).
    init(engine: Engine, stepMerging: Bool) {
        self.init(engine: engine, merging: stepMerging && engine.config.cpus.interleavesFreely && engine.memory == .sc)
    }

    /// A task that has not started may rest on a local instruction; its
    /// first step runs the locals and then the visible operation they lead
    /// to, which `Engine.footprint` (the operation the task rests on) leaves
    /// out. Such a step is taken to conflict with every other.
    func footprint(of t: Int, in w: World) -> Footprint {
        // The task read in place: a copy of its `TaskState` cost a `memcpy`
        // at every step of every transition.
        precondition(t >= 0 && t < w.tasks.count, "no task \(t)")
        let local = w.tasks.withUnsafeBufferPointer { tasks in
            let task = tasks.baseAddress! + t
            guard task.pointee.frame.kind == .none else { return false }
            let pc = Int(task.pointee.pc), program = Int(task.pointee.program)
            precondition(program >= 0 && program + 1 < localStart.count, "task \(t) runs no program of the engine")
            return restsOnLocal.withUnsafeBufferPointer { rests in
                localStart.withUnsafeBufferPointer { start in
                    pc >= 0 && pc < start[program + 1] - start[program] && rests[start[program] + pc]
                }
            }
        }
        return local ? .everything : engine.footprint(of: t, in: w)
    }

    /// Take task `t`'s transition in `w`: its steps and the tasks not
    /// runnable at a state inside it; nil if a step failed.
    func take(_ w: inout World, _ t: Int, everyTask: TaskSet) -> (steps: Int, gaps: TaskSet)? {
        var transaction = Transaction(first: merging ? footprint(of: t, in: w).mover : .none, task: t, in: w)
        guard (try? engine.step(&w, task: t)) != nil else { return nil }
        var gaps = TaskSet()
        while merging && engine.isRunnable(w, t) && transaction.admits(footprint(of: t, in: w).mover, task: t, in: w) {
            gaps = gaps | (everyTask - engine.runnableTasks(w))
            guard (try? engine.step(&w, task: t)) != nil else { return nil }
        }
        return (transaction.steps, gaps)
    }
}

/// The fair-cycle search over the graph the walk recorded: the same
/// Tarjan search as `FairCycleSearch`, components judged the same way, but
/// no step taken and no key worked out except to lift a component of the
/// quotient graph (from a world found by stepping along the search's path).
/// Anything it cannot settle alone — a component that may hold a fair
/// cycle, a lifted one that does or cannot say — goes to `FairCycleSearch`,
/// whose answer, schedule included, is then the verdict, as before.
struct GraphCycleSearch {
    let graph: StateGraph
    let setup: Setup
    let maxDepth: Int
    let maxStates: Int
    let rule: TransitionRule
    let deadVariables: Bool
    /// The symmetry the walk keyed states by (nil: none), and whether its
    /// keys named orbits one to one.
    let quotient: TaskSymmetry?
    let keysNameOrbits: Bool
    /// How the stepping search would lift a component.
    let cycles: FairCycleSearch

    enum Answer {
        case decided(FairCycleSearch.Outcome)
        /// Search again by stepping (`FairCycleSearch`).
        case stepAgain
    }

    /// A state on the depth-first stack.
    private struct Frame {
        var entry: Int32
        /// The next of its edges to take.
        var next: Int32
        var pathStart: Int
        /// The edge into it.
        var incoming: UInt64
    }

    /// `lifted`: called for each component lifted (tests count them).
    func run(cancelled: () -> Bool, lifted: () -> Void = {}) -> Answer {
        let n = graph.states
        guard n > 0 else { return .decided(.none) }
        let everyTask = TaskSet(setup.world.tasks.indices.prefix(TaskSet.capacity))
        let classes = quotient.map { $0.classes(of: setup) }
        /// -1: not met; ≥ 0: its entry on Tarjan's stack; -2: in a closed component.
        var mark = [Int32](repeating: -1, count: n)
        var entries: [Int32] = []
        var low: [Int32] = []
        var frames: [Frame] = []
        var pathLength = 0
        var met = 0
        var tick = 0

        func push(_ s: Int, incoming: UInt64) {
            mark[s] = Int32(entries.count)
            frames.append(Frame(entry: Int32(entries.count), next: 0, pathStart: pathLength, incoming: incoming))
            entries.append(Int32(s))
            low.append(Int32(entries.count - 1))
            met += 1
        }
        push(graph.root, incoming: 0)
        while let top = frames.last {
            tick &+= 1
            if tick & 1023 == 0 && cancelled() { return .decided(.interrupted) }
            let s = Int(entries[Int(top.entry)])
            let out = graph.edges(of: s)
            if Int(top.next) < out.count {
                frames[frames.count - 1].next += 1
                let e = graph.edges[out.lowerBound + Int(top.next)]
                let to = PackedEdge.target(e)
                let m = mark[to]
                if m == -1 {
                    if met >= maxStates { return .decided(.cut) }
                    let steps = PackedEdge.steps(e)
                    if pathLength + steps > maxDepth { return .decided(.cut) }
                    push(to, incoming: e)
                    pathLength += steps
                } else if m >= 0 {
                    low[Int(top.entry)] = min(low[Int(top.entry)], m)
                }
                continue
            }
            let e = Int(top.entry)
            if low[e] == top.entry {
                let component = e..<entries.count
                func inside(_ v: Int) -> Bool { mark[v] >= component.lowerBound }
                let cyclic = component.count > 1 || graph.edges(of: s).contains { PackedEdge.target(graph.edges[$0]) == s }
                if cyclic, let classes {
                    if everyClassActive(component, entries, classes, everyTask, inside: inside) {
                        guard keysNameOrbits, let quotient else { return .stepAgain }
                        let path = frames.dropFirst().map(\.incoming)
                        guard let start = replay(path, quotient),
                              let orbits = orbits(of: component, entries, from: start, quotient, inside: inside) else { return .stepAgain }
                        lifted()
                        switch cycles.liftedSearch(from: start, orbits: orbits, quotient, pathLength: pathLength, statesUsed: met,
                                                   cancelled: cancelled) {
                        case .none: break
                        case .fair, .inconclusive: return .stepAgain
                        case .cut: return .decided(.cut)
                        case .interrupted: return .decided(.interrupted)
                        }
                    }
                } else if cyclic, mayBeFair(component, entries, inside: inside) {
                    return .stepAgain
                }
                for i in component { mark[Int(entries[i])] = -2 }
                entries.removeSubrange(component)
                low.removeSubrange(component)
            } else if frames.count > 1 {
                let parent = Int(frames[frames.count - 2].entry)
                low[parent] = min(low[parent], low[e])
            }
            frames.removeLast()
            pathLength = top.pathStart
        }
        return .decided(.none)
    }

    /// Whether every class has a member that steps on an edge of the
    /// component, waits inside one, or cannot run at one of its states
    /// (`FairCycleSearch.everyClassActive`; a renaming keeps a task in its
    /// class, so the numbering each state's tasks are recorded in does not
    /// matter here).
    private func everyClassActive(_ component: Range<Int>, _ entries: [Int32], _ classes: [TaskSet], _ everyTask: TaskSet,
                                  inside: (Int) -> Bool) -> Bool {
        var active = TaskSet()
        for i in component {
            let s = Int(entries[i])
            active = active | (everyTask - graph.runnable(s))
            for j in graph.edges(of: s) where inside(PackedEdge.target(graph.edges[j])) {
                active.insert(PackedEdge.task(graph.edges[j]))
                active = active | PackedEdge.gaps(graph.edges[j])
            }
        }
        return classes.allSatisfy { !($0 & active).isEmpty }
    }

    /// `FairCycleSearch.mayBeFair` (no symmetry: every state's tasks are
    /// numbered as they are).
    private func mayBeFair(_ component: Range<Int>, _ entries: [Int32], inside: (Int) -> Bool) -> Bool {
        var runnableEverywhere = graph.runnable(Int(entries[component.lowerBound])), stepping = TaskSet()
        for i in component {
            let s = Int(entries[i])
            runnableEverywhere = runnableEverywhere & graph.runnable(s)
            for j in graph.edges(of: s) where inside(PackedEdge.target(graph.edges[j])) {
                stepping.insert(PackedEdge.task(graph.edges[j]))
                runnableEverywhere = runnableEverywhere - PackedEdge.gaps(graph.edges[j])
            }
        }
        return (runnableEverywhere - stepping).isEmpty
    }

    /// Take the recorded transition `e` from `w`: its task is in the
    /// numbering of the key, so it is renamed into `w`'s. Nil when the step
    /// is not the one recorded (a different count of steps).
    private func take(_ e: UInt64, _ w: inout World, _ keys: inout StateKeys) -> Bool {
        let (_, renaming) = keys.key(w, depth: 0, parent: nil)
        let c = PackedEdge.task(e)
        let t = renaming.map { $0.inverse[c] } ?? c
        guard engine.isRunnable(w, t), let taken = rule.take(&w, t, everyTask: TaskSet(w.tasks.indices.prefix(TaskSet.capacity))) else {
            return false
        }
        return taken.steps == PackedEdge.steps(e)
    }

    private var engine: Engine { setup.engine }

    /// A world at the end of `path` (edges from the root).
    private func replay(_ path: [UInt64], _ quotient: TaskSymmetry) -> World? {
        var keys = StateKeys(engine: engine, symmetry: quotient, taskCount: setup.world.tasks.count, deadVariables: deadVariables)
        var w = setup.world
        for e in path where !take(e, &w, &keys) { return nil }
        return w
    }

    /// The keys of the component's states, worked out from worlds found by
    /// stepping along its edges from `start` (the world of its first state).
    private func orbits(of component: Range<Int>, _ entries: [Int32], from start: World, _ quotient: TaskSymmetry,
                        inside: (Int) -> Bool) -> Set<UInt64>? {
        var keys = StateKeys(engine: engine, symmetry: quotient, taskCount: setup.world.tasks.count, deadVariables: deadVariables)
        var worlds: [Int: World] = [Int(entries[component.lowerBound]): start]
        var queue = [Int(entries[component.lowerBound])], head = 0
        var orbits: Set<UInt64> = [keys.key(start, depth: 0, parent: nil).0]
        while head < queue.count {
            let u = queue[head]
            head += 1
            for j in graph.edges(of: u) {
                let e = graph.edges[j], v = PackedEdge.target(e)
                guard inside(v), worlds[v] == nil else { continue }
                var w = worlds[u]!
                guard take(e, &w, &keys) else { return nil }
                orbits.insert(keys.key(w, depth: 0, parent: nil).0)
                worlds[v] = w
                queue.append(v)
            }
        }
        guard keys.keysNameOrbits, orbits.count == component.count else { return nil }
        return orbits
    }
}
