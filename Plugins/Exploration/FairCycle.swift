import PagewaitCore

extension ViolationKind {
    /// A schedule that a fair scheduler may repeat forever: it returns the
    /// world to a state it was in, every task that could run throughout the
    /// cycle ran in it, and some task is still unfinished: a run that never
    /// ends (a task spinning on a flag nobody will set, say).
    public static let nonTermination = ViolationKind(rawValue: "NON_TERMINATION")
}

/// Looks for a fair cycle in a setup's state graph: one along which some
/// task never finishes, though every task that can run at every state of
/// the cycle takes a step in it (weak fairness: a task runnable only now and
/// then may starve; one runnable throughout may not). A spinner looping while
/// the lock holder could run but is never scheduled is not a fair cycle;
/// one in which every continuously runnable task steps is.
///
/// One thread, no sleep sets, a visited store: every reachable state's
/// every transition is explored once, so the graph is exact (up to
/// fingerprint collisions), and Tarjan's algorithm finds its strongly
/// connected components as the depth-first search closes them. A component
/// holds a fair cycle exactly when each task either steps on one of its
/// edges or is not runnable at one of its states: a walk through all of it
/// then satisfies every task. The schedule reported is the path to the
/// component's first state and one such walk back to it.
///
/// With `stepMerging`, an edge is a task's whole transaction (`Transaction`)
/// and remembers the tasks that could not run at a state inside it (its
/// *gaps*): such a task is excused on that edge as at a state. This keeps
/// the answer exact (docs/exploration.md, "Step merging"): a fair cycle of
/// the merged graph is one of the full graph, whose states include the
/// transactions' insides; and every infinite run of the full graph has one
/// of whole transactions in which the same tasks step forever and the same
/// locks are taken, so a task a held lock kept from running is kept from
/// running inside some edge.
struct FairCycleSearch {
    var setup: Setup
    var maxDepth: Int
    var maxStates: Int
    var stepMerging = false
    /// Key states as the explorer does with `ExplorationBounds.deadVariables`.
    var deadVariables = false
    /// Search the quotient graph instead: states are keyed by `key`, the
    /// fingerprint of a canonical member of the state's orbit under
    /// permutations of interchangeable tasks, and `classes` partitions the
    /// tasks into those classes. A component of the quotient graph is the
    /// image of every cycle of the full graph through its states, and in a
    /// fair cycle every task steps or waits, so every class has a member
    /// that steps on one of the component's edges or cannot run at one of
    /// its states. A quotient in which every component leaves some class
    /// idle has no fair cycle: `.none`. Otherwise the answer is
    /// `.inconclusive`, and the full graph must be searched.
    var symmetry: (key: @Sendable (World) -> UInt64, classes: [TaskSet])?
    /// The quotient the explorer searches: `symmetry` with the orbit keys
    /// of `TaskSymmetry.canonical` (worked out incrementally: `StateKeys`)
    /// and the classes of `TaskSymmetry.classes`. Used when `symmetry` is nil.
    ///
    /// A component whose classes are all active is lifted (`liftedSearch`):
    /// the states of the actual graph whose orbits are the component's are
    /// searched exactly, from the state the quotient search entered it by.
    /// That reads an orbit from its key, so it needs keys that name orbits
    /// one to one (`StateKeys.keysNameOrbits`); where a tie was left
    /// unbroken the answer is `.inconclusive`, and the full graph decides.
    var quotient: TaskSymmetry?

    /// Search only the states whose orbit under `symmetry` is one of
    /// `orbits` (keys as the quotient search made them): the lift of one
    /// component of the quotient graph.
    private struct Lift {
        var symmetry: TaskSymmetry
        var orbits: Set<UInt64>
    }
    private var lift: Lift?

    init(setup: Setup, maxDepth: Int, maxStates: Int, stepMerging: Bool = false, deadVariables: Bool = false) {
        self.setup = setup
        self.maxDepth = maxDepth
        self.maxStates = maxStates
        self.stepMerging = stepMerging
        self.deadVariables = deadVariables
    }

    enum Outcome: Sendable {
        /// The search was complete and found no fair cycle.
        case none
        case fair(Violation, Schedule)
        /// A quotient search (`symmetry`) met a component that may hold a
        /// fair cycle: search without it.
        case inconclusive
        /// A bound cut the search: fair cycles may exist beyond it.
        case cut
        case interrupted
    }

    /// A state on Tarjan's stack: kept until its component is closed (its
    /// world only while it has a frame: `DepthWorlds`).
    private struct Entry {
        var key: UInt64
        var runnable: TaskSet
        var low: Int
        /// Where its transitions begin in the search's list of edges: every
        /// edge from then on is one of a state on the stack above it (the
        /// edges of a component closed above it were dropped with it).
        var edgeStart: Int
    }

    /// A transition taken: from which entry, by which task, to which
    /// state, its steps and the tasks not runnable inside it. One list for
    /// the search (an array per state cost an allocation per state).
    private struct Edge {
        var from: Int
        var task: TaskID
        var to: UInt64
        var steps: Int = 1
        var gaps = TaskSet()
    }

    /// An edge inside a component, its target by position in the component.
    private struct Arc {
        var task: TaskID
        var to: Int
        var steps: Int
        var gaps: TaskSet
    }

    /// A state on the depth-first stack; its world is `worlds[depth]`.
    private struct Frame {
        var entry: Int
        /// The tasks still to step from it, taken in increasing order.
        var choices: TaskSet
        /// The length of the path before the transition into this state.
        var pathStart: Int
    }

    func run(cancelled: () -> Bool) -> Outcome {
        let engine = setup.engine
        let store = VisitedStore()
        let budget = StateBudget(limit: maxStates)
        var entries: [Entry] = []
        var edges: [Edge] = []
        var position = KeyTable()
        var frames: [Frame] = []
        var path: [UInt8] = []
        var worlds = DepthWorlds(root: setup.world)

        func push(_ w: World, _ k: UInt64, pathStart: Int) {
            let runnable = engine.runnableTasks(w)
            position.set(k, entries.count)
            entries.append(Entry(key: k, runnable: runnable, low: entries.count, edgeStart: edges.count))
            frames.append(Frame(entry: entries.count - 1, choices: runnable, pathStart: pathStart))
        }

        // The walk's own transitions, so that its recorded graph and this
        // search's are one graph.
        let rule = TransitionRule(engine: engine, stepMerging: stepMerging)
        let everyTask = TaskSet(setup.world.tasks.indices.prefix(TaskSet.capacity))
        let classes = symmetry?.classes ?? quotient.map { $0.classes(of: setup) }
        var keys = StateKeys(engine: engine, symmetry: symmetry == nil ? quotient : nil, taskCount: setup.world.tasks.count,
                             deadVariables: deadVariables)
        /// The key of `w`, the node at `depth`, whose parent is in slot `depth - 1`.
        func key(_ w: World, depth: Int) -> UInt64 {
            if let f = symmetry?.key { return f(w) }
            return keys.key(w, depth: depth, parent: depth > 0 ? worlds.slot(depth - 1) : nil).0
        }
        // In a lifted search, the orbit keys of the states reached, worked
        // out as the quotient search did; an edge to a state outside the
        // component's orbits is on no cycle inside it.
        var orbitKeys = lift.map {
            StateKeys(engine: engine, symmetry: $0.symmetry, taskCount: setup.world.tasks.count, deadVariables: deadVariables)
        }
        func isInside(_ w: World, depth: Int) -> Bool {
            guard let lift, orbitKeys != nil else { return true }
            let k = orbitKeys!.key(w, depth: depth, parent: depth > 0 ? worlds.slot(depth - 1) : nil).0
            return lift.orbits.contains(k)
        }
        guard isInside(setup.world, depth: 0) else { return .none }
        let root = key(setup.world, depth: 0)
        guard store.visit(root, sleep: TaskSet(), budget: budget) == .new else { return .cut }
        push(setup.world, root, pathStart: 0)
        while let top = frames.last {
            if cancelled() { return .interrupted }
            if let t = top.choices.lowest {
                frames[frames.count - 1].choices.remove(t)
                let depth = frames.count
                var w = worlds.takeChild(of: depth - 1)
                var edge = Edge(from: top.entry, task: TaskID(t), to: 0)
                // A failing step ends its run: it is no edge of the graph.
                // (A search only decides termination when no step failed.)
                let taken = rule.take(&w, t, everyTask: everyTask)
                guard let taken, isInside(w, depth: depth) else {
                    worlds.put(consume w, depth)
                    continue
                }
                edge.gaps = taken.gaps
                edge.steps = taken.steps
                let k = key(w, depth: depth)
                edge.to = k
                edges.append(edge)
                switch store.visit(k, sleep: TaskSet(), budget: budget) {
                case .new:
                    if path.count + edge.steps > maxDepth { return .cut }
                    let start = path.count
                    path.append(contentsOf: repeatElement(engine.scheduleByte(t), count: edge.steps))
                    push(w, k, pathStart: start)
                case .full:
                    return .cut
                case .seen, .nothingNew:
                    if let p = position[k] { entries[top.entry].low = min(entries[top.entry].low, p) }
                }
                worlds.put(consume w, depth)
                continue
            }
            frames.removeLast()
            let e = entries[top.entry]
            if e.low == top.entry {
                let component = top.entry..<entries.count
                // The component's states are the entries from its first on
                // (`position` holds the entries still on the stack).
                func inside(_ k: UInt64) -> Bool { (position[k] ?? -1) >= component.lowerBound }
                // The slices die with this block, before the arrays shrink:
                // alive, they would make the removals copy both arrays.
                do {
                    let out = edges[e.edgeStart...]
                    let cyclic = component.count > 1 || out.contains(where: { $0.to == e.key })
                    if cyclic, let classes {
                        if Self.everyClassActive(entries[component], out, classes, everyTask, inside: inside) {
                            // The component's first state is the frame's just popped.
                            guard let quotient, symmetry == nil else { return .inconclusive }
                            let orbits = Set(entries[component].lazy.map(\.key))
                            // Keys stand for orbits only when every tie was broken.
                            guard keys.keysNameOrbits else { return .inconclusive }
                            switch liftedSearch(from: worlds.slot(frames.count).pointee, orbits: orbits, quotient,
                                                pathLength: path.count, statesUsed: store.count, cancelled: cancelled) {
                            case .inconclusive: return .inconclusive
                            case .none: break
                            case .fair(_, let cycle):
                                let schedule = Schedule(path + cycle.steps)
                                if let v = setup.nonTermination(schedule) { return .fair(v, schedule) }
                            case .cut: return .cut
                            case .interrupted: return .interrupted
                            }
                        }
                    } else if cyclic, Self.mayBeFair(entries[component], out, inside: inside), let walk = fairWalk(entries[component], out) {
                        let schedule = Schedule(path + walk)
                        if let v = setup.nonTermination(schedule) { return .fair(v, schedule) }
                    }
                }
                for i in component { position.remove(entries[i].key) }
                entries.removeSubrange(component)
                edges.removeSubrange(e.edgeStart...)
            } else if let parent = frames.last {
                entries[parent.entry].low = min(entries[parent.entry].low, e.low)
            }
            path.removeSubrange(top.pathStart...)
        }
        // A lifted search that met a tie it could not break may have left
        // out a twin of a state inside the component (one orbit, two keys).
        if let orbitKeys, !orbitKeys.keysNameOrbits { return .inconclusive }
        return .none
    }

    /// The exact search of one component of the quotient graph, lifted:
    /// from `start` (an actual state whose orbit is in the component), every
    /// state reachable through states whose orbits are in `orbits`, with no
    /// symmetry. A fair cycle of the actual graph whose image lies in the
    /// component has a renamed twin — also a fair cycle, fairness does not
    /// care for task numbers — that this search reaches: renaming maps
    /// paths to paths, so the quotient's path inside the component from
    /// `start`'s orbit to the cycle's lifts to a path from `start` to a twin
    /// of a state on it. Its schedule starts at `start`.
    func liftedSearch(from start: World, orbits: Set<UInt64>, _ quotient: TaskSymmetry,
                              pathLength: Int, statesUsed: Int, cancelled: () -> Bool) -> Outcome {
        guard maxDepth > pathLength, maxStates > statesUsed else { return .cut }
        var search = self
        search.setup.world = start
        search.maxDepth = maxDepth - pathLength
        search.maxStates = maxStates - statesUsed
        search.quotient = nil
        search.lift = Lift(symmetry: quotient, orbits: orbits)
        return search.run(cancelled: cancelled)
    }

    /// Whether every class has a member that steps on an edge of the
    /// component, waits inside one, or cannot run at one of its states.
    private static func everyClassActive(_ component: ArraySlice<Entry>, _ out: ArraySlice<Edge>, _ classes: [TaskSet],
                                         _ everyTask: TaskSet, inside: (UInt64) -> Bool) -> Bool {
        var active = TaskSet()
        for e in component { active = active | (everyTask - e.runnable) }
        for x in out where inside(x.to) {
            active.insert(x.task.index)
            active = active | x.gaps
        }
        return classes.allSatisfy { !($0 & active).isEmpty }
    }

    /// Whether every task that can run at every state of the component
    /// (and inside every edge in it) steps on some edge in it: the test
    /// `fairWalk` starts with, without building the component's graph. Most
    /// components fail it.
    private static func mayBeFair(_ component: ArraySlice<Entry>, _ out: ArraySlice<Edge>, inside: (UInt64) -> Bool) -> Bool {
        var runnableEverywhere = component.first!.runnable, stepping = TaskSet()
        for e in component { runnableEverywhere = runnableEverywhere & e.runnable }
        for x in out where inside(x.to) {
            stepping.insert(x.task.index)
            runnableEverywhere = runnableEverywhere - x.gaps
        }
        return (runnableEverywhere - stepping).isEmpty
    }

    /// A closed walk from the component's first state in which every task
    /// steps or is not runnable somewhere; nil if the component has none.
    private func fairWalk(_ component: ArraySlice<Entry>, _ out: ArraySlice<Edge>) -> [UInt8]? {
        let states = Array(component)
        var index: [UInt64: Int] = [:]
        for (i, e) in states.enumerated() { index[e.key] = i }
        // Each state's edges in the order they were taken.
        var edges = [[Arc]](repeating: [], count: states.count)
        for x in out {
            if let to = index[x.to] { edges[x.from - component.startIndex].append(Arc(task: x.task, to: to, steps: x.steps, gaps: x.gaps)) }
        }
        var runnableSomewhere = TaskSet(), runnableEverywhere = states[0].runnable, stepping = TaskSet()
        for (i, e) in states.enumerated() {
            runnableSomewhere = runnableSomewhere | e.runnable
            runnableEverywhere = runnableEverywhere & e.runnable
            for x in edges[i] {
                stepping.insert(x.task.index)
                runnableEverywhere = runnableEverywhere - x.gaps
            }
        }
        guard (runnableEverywhere - stepping).isEmpty else { return nil }

        // Tasks the walk still owes a step or a state where they cannot run.
        var owed = runnableSomewhere & states[0].runnable
        var at = 0
        var walk: [UInt8] = []
        while !(owed.isEmpty && at == 0 && !walk.isEmpty) {
            let home = owed.isEmpty
            // Breadth-first to the nearest edge or state that pays an owed
            // task; with nothing owed, back to the start.
            var parent: [Int: (from: Int, edge: Arc)] = [:]
            var queue = [at], head = 0
            var reached: Int?
            var paying: Arc?
            search: while head < queue.count {
                let u = queue[head]
                head += 1
                for x in edges[u] {
                    if !home && (owed.contains(x.task.index) || !(owed & x.gaps).isEmpty) {
                        reached = u
                        paying = x
                        break search
                    }
                    guard x.to != at, parent[x.to] == nil else { continue }
                    parent[x.to] = (u, x)
                    if home ? x.to == 0 : !(owed - states[x.to].runnable).isEmpty {
                        reached = x.to
                        break search
                    }
                    queue.append(x.to)
                }
            }
            if home && at == 0 && reached == nil {
                // Already home with an empty walk: leave by any edge.
                guard let x = edges[0].first else { return nil }
                reached = 0
                paying = x
            }
            guard var v = reached else { return nil }
            var leg: [Arc] = []
            while v != at, let p = parent[v] {
                leg.append(p.edge)
                v = p.from
            }
            if let paying { leg.insert(paying, at: 0) }
            for x in leg.reversed() {
                walk.append(contentsOf: repeatElement(setup.engine.scheduleByte(Int(x.task.rawValue)), count: x.steps))
                owed.remove(x.task.index)
                owed = owed - x.gaps
                owed = owed & states[x.to].runnable
                at = x.to
            }
        }
        return walk
    }
}

extension Setup {
    /// Judge a schedule as a non-terminating run: if its last state is one
    /// it was in before, and the steps since then are a fair cycle (every
    /// task runnable at every state of it steps in it, and some task is
    /// unfinished), the NON_TERMINATION violation, at the step after the
    /// last. `explore` reports such schedules and `replay` judges them with
    /// this, so both say the same.
    public func nonTermination(_ schedule: Schedule) -> Violation? {
        guard let lasso = Lasso(self, schedule, from: 0), let start = lasso.prints.firstIndex(of: lasso.prints.last!),
              start < lasso.prints.count - 1 else { return nil }
        return judge(lasso, start: start)
    }

    /// The violation a scheduler's run ended in, as `run`, `explore`'s
    /// sampling searches and `replay` judge it: its checkers' verdict or,
    /// for a run the step budget stopped, the CPU livelock it ends in.
    public func verdict(of r: RunResult) -> Violation? {
        if let v = r.violation { return v }
        return r.end == .stepLimit ? cpuLivelock(r.schedule) : nil
    }

    /// Judge a run the step budget stopped, on CPUs: if its last state
    /// repeats one of its last `tail` steps, in a cycle that spinners own
    /// while a task that could run never gets its CPU, the LIVELOCK (the
    /// shortest such cycle). nil for anything else: a budget-cut run that
    /// merely did not finish yet says so, not more.
    public func cpuLivelock(_ schedule: Schedule, tail: Int = 10_000) -> Violation? {
        guard engine.config.cpus.topology != nil,
              let lasso = Lasso(self, schedule, from: max(0, schedule.steps.count - tail)) else { return nil }
        let last = lasso.prints.count - 1
        guard let start = lasso.prints[..<last].lastIndex(of: lasso.prints[last]),
              let v = judge(lasso, start: start), v.kind == .livelock else { return nil }
        return v
    }

    /// The states of a schedule's steps from `from` on: fingerprints, who
    /// could step, and the worlds.
    private struct Lasso {
        var from: Int
        var steps: [UInt8]
        var prints: [UInt64] = []
        var runnable: [TaskSet] = []
        var worlds: [World] = []

        init?(_ setup: Setup, _ schedule: Schedule, from: Int) {
            let engine = setup.engine
            var w = setup.world
            for t in schedule.steps[..<from] {
                guard (try? engine.step(&w, task: Int(t))) != nil else { return nil }
            }
            self.from = from
            steps = Array(schedule.steps[from...])
            func record(_ w: World) {
                prints.append(engine.fingerprint(w))
                runnable.append(engine.runnableTasks(w))
                worlds.append(w)
            }
            record(w)
            for t in steps {
                guard (try? engine.step(&w, task: Int(t))) != nil else { return nil }
                record(w)
            }
            guard !steps.isEmpty else { return nil }
        }
    }

    /// The verdict on the cycle from recorded state `start` to the last:
    /// fair (every task runnable throughout steps in it), then LIVELOCK
    /// when CPUs starve a task that could run, else NON_TERMINATION.
    private func judge(_ lasso: Lasso, start: Int) -> Violation? {
        let n = lasso.steps.count, w = lasso.worlds[n]
        let at = lasso.from + start, end = lasso.from + n
        var stepping = TaskSet(), throughout = lasso.runnable[start]
        for i in start..<n {
            stepping.insert(Int(lasso.steps[i]))
            throughout = throughout & lasso.runnable[i]
        }
        guard (throughout - stepping).isEmpty else { return nil }
        // Tasks that could step throughout but were kept off their CPU: the
        // spinners own it. Weak fairness binds runnable tasks only (a task
        // not on a CPU cannot be scheduled), so the cycle is fair, and it is
        // a LIVELOCK: no task makes progress, every runnable one spins.
        if engine.config.cpus.topology != nil {
            var enabledThroughout = engine.enabledTasks(lasso.worlds[start])
            for i in start...n { enabledThroughout = enabledThroughout & engine.enabledTasks(lasso.worlds[i]) }
            let starved = enabledThroughout - stepping
            if !starved.isEmpty {
                return LivelockChecker.cpuStarvation(
                    setup: self, cycle: lasso.steps[start..<n].map(Int.init), worlds: Array(lasso.worlds[start...n]),
                    starved: starved, from: at, step: end)
            }
        }
        let unfinished = w.tasks.indices.filter { !w.tasks[$0].finished && !w.tasks[$0].isIdleWorker }
        guard let task = unfinished.first(where: { stepping.contains($0) }) ?? unfinished.first else { return nil }
        let name = { (t: Int) in t < self.taskNames.count ? self.taskNames[t] : "task \(t)" }
        let loopers = unfinished.map(name).joined(separator: ", ")
        return Violation(
            .nonTermination, task: task, function: engine.function(of: w, task: task),
            detail: "the \(n - start) steps from step \(at) on bring the world back to the state it was in before step \(at), "
                + "and every task runnable throughout them steps in them: a fair scheduler may repeat them forever, "
                + "so \(loopers) never finish\(unfinished.count == 1 ? "es" : "")",
            step: end)
    }
}
