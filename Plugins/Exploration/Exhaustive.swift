import Dispatch
import Synchronization
import PagewaitCore

/// Limits on an exhaustive exploration. Hitting any of them turns a proof
/// into a bounded search; the result says which.
public struct ExplorationBounds: Hashable, Sendable {
    /// Steps on one path.
    public var maxDepth: Int
    /// Distinct states to visit before giving up.
    public var maxStates: Int
    /// Context switches away from a task that could still run, per path
    /// (nil: unbounded).
    public var preemptions: Int?
    /// Prune with sleep sets (Godefroid 1996).
    public var sleepSets: Bool
    /// Take a task's transaction (right movers, at most one non-mover, left
    /// movers: `Mover`) as one transition, storing only the state at its
    /// end.
    public var stepMerging: Bool
    /// Store a state and its twins under renaming interchangeable tasks as
    /// one (`TaskSymmetry`). Sound for checkers that judge every task by the
    /// same rule, as the standard ones do (docs/exploration.md, Symmetry).
    public var symmetry: Bool
    /// Store states that differ only in dead variables as one: registers
    /// every path from their task's pc writes before reading
    /// (`LiveRegisters`), and a wait entry left behind by the task's last
    /// wait (`TaskState.waitEntryIsDead`). Such states take the same steps
    /// to the same verdicts.
    public var deadVariables: Bool

    public init(maxDepth: Int = 5_000, maxStates: Int = 5_000_000, preemptions: Int? = nil, sleepSets: Bool = true,
                stepMerging: Bool = true, symmetry: Bool = true, deadVariables: Bool = true) {
        self.maxDepth = maxDepth
        self.maxStates = maxStates
        self.preemptions = preemptions
        self.sleepSets = sleepSets
        self.stepMerging = stepMerging
        self.symmetry = symmetry
        self.deadVariables = deadVariables
    }
}

/// One of `count` independent parts of an exploration (`--shard i/n`).
public struct Shard: Hashable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int
    public init(_ index: Int, of count: Int) {
        self.index = index
        self.count = max(1, count)
    }
    public static let whole = Shard(0, of: 1)
    public var description: String { "\(index)/\(count)" }
}

/// What an exploration found.
public struct ExplorationResult: Sendable {
    public var violation: Violation?
    /// The schedule that reached the violation, as found (not shrunk).
    public var schedule: Schedule?
    /// Distinct states visited and transitions taken (summed over shards).
    public var states: Int
    public var transitions: Int
    /// Transitions skipped because their task was in the sleep set.
    public var sleptTransitions: Int
    /// Steps taken inside merged transitions after their first: states
    /// passed through and checked but not stored (`stepMerging`).
    public var mergedSteps = 0
    public var deepestPath: Int
    /// Paths cut by the depth bound, the preemption bound, or the state bound.
    public var depthCuts: Int
    public var preemptionCuts: Int
    public var stateLimitHit: Bool
    public var shards: Int
    /// Bytes the visited-state stores took at the end (summed over shards).
    public var storeBytes = 0
    /// Bytes the state graph recorded for the fair-cycle search took
    /// (`StateGraph`, and the numbers the visited store keeps for it; 0
    /// when none was recorded).
    public var graphBytes = 0
    /// The search was cancelled before it ended.
    public var interrupted = false
    /// The search met a state that was still being explored (a cycle may
    /// close there) or explored a state a second time (a revisit with fewer
    /// tasks asleep): it alone cannot rule out a cycle in the state graph.
    public var cyclesPossible = false
    /// Whether every run of the scenario ends (see `Termination`).
    public var termination: Termination = .undecided(.notSearched)
    /// Visits to a state that met a stored state in a permuted form: the
    /// state was stored under its orbit's key by a renaming other than the
    /// identity (symmetry).
    public var symmetryFolds = 0

    /// Every reachable state was visited: no bound cut a path and the search
    /// was not interrupted.
    public var complete: Bool { depthCuts == 0 && preemptionCuts == 0 && !stateLimitHit && !interrupted }

    static let empty = ExplorationResult(violation: nil, schedule: nil, states: 0, transitions: 0, sleptTransitions: 0, deepestPath: 0,
                                         depthCuts: 0, preemptionCuts: 0, stateLimitHit: false, shards: 1)

    /// Sum the counts; the first violation is the verdict.
    static func merge(_ parts: [ExplorationResult]) -> ExplorationResult {
        var r = ExplorationResult.empty
        r.shards = parts.count
        for p in parts {
            if r.violation == nil, let v = p.violation {
                r.violation = v
                r.schedule = p.schedule
            }
            r.states += p.states
            r.transitions += p.transitions
            r.sleptTransitions += p.sleptTransitions
            r.mergedSteps += p.mergedSteps
            r.deepestPath = max(r.deepestPath, p.deepestPath)
            r.depthCuts += p.depthCuts
            r.preemptionCuts += p.preemptionCuts
            r.stateLimitHit = r.stateLimitHit || p.stateLimitHit
            r.storeBytes += p.storeBytes
            r.graphBytes += p.graphBytes
            r.interrupted = r.interrupted || p.interrupted
            r.cyclesPossible = r.cyclesPossible || p.cyclesPossible
            r.symmetryFolds += p.symmetryFolds
        }
        return r
    }
}

/// Whether every run of a scenario ends: no cycle in the state graph along
/// which a task that never finishes keeps running while the others get
/// their turn (`FairCycleSearch`).
public enum Termination: Hashable, Sendable {
    /// The search met no cycle, so the state graph has none: every run ends.
    case acyclic
    /// The state graph has cycles, and the exact cycle search (no sleep
    /// sets; transactions merged, which keeps it exact) found that in each of
    /// them some task that could run throughout never ran: only an unfair
    /// scheduler repeats them.
    case noFairCycle
    case undecided(Undecided)

    public enum Undecided: Hashable, Sendable {
        /// No termination check was made (a violation, a bound, a shard or
        /// an interrupt ended the search first).
        case notSearched
        /// The cycle search was cut by the depth or state bound.
        case cycleSearchCut
        /// The cycle search was interrupted.
        case cycleSearchInterrupted
    }
}

/// Depth-first search over every schedule of a setup, with a visited-state
/// store (`VisitedStore`: hash compaction) and sleep sets.
///
/// Sleep sets never lose a reachable state, only redundant orders of
/// commuting steps, so every check that looks at one state at a time sees
/// every state. Two steps commute when their footprints (`Engine.footprint`:
/// the pages, buckets, locks, slots and tasks each may touch) do not meet.
///
/// Termination: the search notes whether it met a state still being
/// explored (by any thread) or explored a state twice. If it did neither,
/// the graph it explored has no cycle, and since sleep sets keep a path of
/// every length the full graph has, neither has the full graph. Otherwise a
/// second search, on one thread and without sleep sets, looks for a fair
/// cycle exactly (`FairCycleSearch`).
///
/// Symmetry (`ExplorationBounds.symmetry`): states are stored under the key
/// of their orbit under renaming interchangeable tasks (`TaskSymmetry`), so
/// a state whose renamed twin was explored is not explored again. Sleep
/// sets are stored in the numbering of the orbit's key and translated back,
/// so what a revisit re-explores is what the earlier visit of the twin left
/// asleep. The same arguments carry over to the quotient graph: every
/// orbit of a reachable state is visited, and a cycle of the actual graph is
/// one of the quotient graph, met as a state on the stack or a revisit.
public struct ExhaustiveExplorer: Sendable {
    public var setup: Setup
    public var bounds: ExplorationBounds
    /// Checkers used as functions of the world: their per-run state is not
    /// carried along paths.
    public var makeCheckers: @Sendable () -> [any Checker]
    /// Nodes at this depth are the units of work: the k-th of them in
    /// depth-first order belongs to shard k mod n, and within a shard to the
    /// first thread that reaches it. Above it every shard and every thread
    /// explores everything.
    public var splitDepth: Int = 8
    /// A swarm member's diversification (`SwarmOrder`); nil: lowest task
    /// first, unsalted keys.
    public var swarm: SwarmOrder?
    /// Called with the key and path of every state on its first visit
    /// (tests compare the reachable sets of searches with this).
    var observe: (@Sendable (UInt64, [UInt8]) -> Void)?
    /// Called with the key of every state on its first visit where no task
    /// can step, and with every violation met when `passViolations` is set
    /// (tests compare the end states and findings of searches with this).
    var observeEnd: (@Sendable (UInt64) -> Void)?
    var observeViolation: (@Sendable (Violation) -> Void)?
    /// Called with the key and world of every state on its first visit.
    var observeWorld: (@Sendable (UInt64, World) -> Void)?
    /// Treat a violating step or end as a leaf and go on (tests comparing
    /// reachable sets), instead of stopping at the first.
    var passViolations = false
    /// Let a whole search record the state graph, so the fair-cycle search
    /// runs over it instead of stepping every transition again
    /// (`GraphCycleSearch`); off, it steps (`FairCycleSearch`), as tests
    /// comparing the two do.
    var recordGraph = true

    /// Whether a whole search records the state graph: keys of states alone
    /// (no preemption bound, no swarm salt), sequential memory, at most 16
    /// tasks (`GraphRecord.fits`).
    var recordsGraph: Bool {
        recordGraph && bounds.preemptions == nil && swarm == nil && !passViolations && setup.engine.memory == .sc
            && GraphRecord.fits(taskCount: setup.world.tasks.count)
    }

    /// The graph a whole search recorded, and whether its keys named orbits.
    struct Recorded {
        var graph: StateGraph
        var keysNameOrbits: Bool
    }

    public init(setup: Setup, bounds: ExplorationBounds = ExplorationBounds(), makeCheckers: @escaping @Sendable () -> [any Checker]) {
        self.setup = setup
        self.bounds = bounds
        self.makeCheckers = makeCheckers
    }

    /// Explore `shards` one after another, each on `jobs` threads, and
    /// merge; the verdict is the first violating shard's. When the shards
    /// are the whole search, termination is decided too.
    public func run(shards: [Shard], jobs: Int, cancelled: @escaping @Sendable () -> Bool = { false },
                    progress: (@Sendable (Int) -> Void)? = nil) -> ExplorationResult {
        var parts: [ExplorationResult] = []
        var cycles: FairCycleSearch.Outcome?
        var recorded: Recorded?
        let whole = shards == [.whole]
        for shard in shards {
            let (part, outcome, graph) = search(shard: shard, jobs: jobs, searchCycles: whole, cancelled: cancelled, progress: progress)
            parts.append(part)
            cycles = outcome
            recorded = graph
            if parts.last?.violation != nil || parts.last?.interrupted == true { break }
        }
        var r = ExplorationResult.merge(parts)
        r.shards = shards.count
        if whole { decideTermination(&r, cycles: cycles, recorded: recorded, cancelled: cancelled) }
        return r
    }

    /// Explore `shard` on `jobs` threads that share one visited store;
    /// for the whole search, decide termination too.
    public func run(shard: Shard = .whole, jobs: Int, cancelled: @escaping @Sendable () -> Bool = { false },
                    progress: (@Sendable (Int) -> Void)? = nil) -> ExplorationResult {
        run(shards: [shard], jobs: jobs, cancelled: cancelled, progress: progress)
    }

    /// Explore one shard on this thread; for the whole search, decide
    /// termination too.
    public func explore(shard: Shard = .whole, cancelled: () -> Bool = { false }, progress: ((Int) -> Void)? = nil) -> ExplorationResult {
        var (r, recorded) = exploreRecording(shard: shard, record: shard == .whole, cancelled: cancelled, progress: progress)
        if shard == .whole { decideTermination(&r, recorded: recorded, cancelled: cancelled) }
        return r
    }

    /// When the search ended complete with no violation, settle whether
    /// every run ends: it does if the search met no cycle; otherwise ask the
    /// exact cycle search, whose fair cycle, if any, becomes the violation
    /// (`cycles`: its outcome, when a thread of the search already ran it;
    /// `recorded`: the graph the search recorded, searched instead of
    /// stepping again where it can decide).
    func decideTermination(_ r: inout ExplorationResult, cycles: FairCycleSearch.Outcome? = nil, recorded: Recorded? = nil,
                           cancelled: () -> Bool) {
        guard r.violation == nil, r.complete else { return }
        guard r.cyclesPossible else {
            r.termination = .acyclic
            return
        }
        let cycles = cycles ?? recorded.flatMap { fairCycles(over: $0, cancelled: cancelled) } ?? fairCycles(cancelled: cancelled)
        switch cycles {
        case .none: r.termination = .noFairCycle
        case .inconclusive: preconditionFailure("a search of the full graph decides")
        case .fair(let v, let schedule):
            r.violation = v
            r.schedule = schedule
        case .cut: r.termination = .undecided(.cycleSearchCut)
        case .interrupted:
            r.termination = .undecided(.cycleSearchInterrupted)
            r.interrupted = true
        }
    }

    /// The exact fair-cycle search: over the quotient graph when symmetry
    /// is on, lifting to the actual graph only the components whose
    /// fairness the quotient cannot settle (`FairCycleSearch.quotient`);
    /// when that cannot decide (a tie of interchangeable tasks too wide to
    /// break), over the full graph, which decides.
    func fairCycles(cancelled: () -> Bool) -> FairCycleSearch.Outcome {
        var search = cycleSearch
        let outcome = search.run(cancelled: cancelled)
        guard case .inconclusive = outcome else { return outcome }
        search.quotient = nil
        return search.run(cancelled: cancelled)
    }

    /// The stepping fair-cycle search, over the quotient graph when
    /// symmetry is on.
    var cycleSearch: FairCycleSearch {
        var search = FairCycleSearch(setup: setup, maxDepth: bounds.maxDepth, maxStates: bounds.maxStates, stepMerging: bounds.stepMerging,
                                     deadVariables: bounds.deadVariables)
        let symmetry = TaskSymmetry(setup: setup)
        search.quotient = bounds.symmetry && setup.engine.memory == .sc && !symmetry.groups.isEmpty ? symmetry : nil
        return search
    }

    /// The fair-cycle search over the graph the walk recorded
    /// (`GraphCycleSearch`); nil when it cannot decide alone, and the
    /// stepping search must.
    func fairCycles(over recorded: Recorded, cancelled: () -> Bool, lifted: () -> Void = {}) -> FairCycleSearch.Outcome? {
        let cycles = cycleSearch
        let engine = setup.engine
        let search = GraphCycleSearch(
            graph: recorded.graph, setup: setup, maxDepth: bounds.maxDepth, maxStates: bounds.maxStates,
            rule: TransitionRule(engine: engine, stepMerging: bounds.stepMerging),
            deadVariables: bounds.deadVariables, quotient: cycles.quotient, keysNameOrbits: recorded.keysNameOrbits, cycles: cycles)
        switch search.run(cancelled: cancelled, lifted: lifted) {
        case .decided(let outcome): return outcome
        case .stepAgain: return nil
        }
    }

    /// Explore `shard` on `jobs` threads that share one visited store.
    ///
    /// Every thread walks the nodes above `splitDepth` itself, with a store
    /// of its own, so all of them meet the nodes at `splitDepth` in the same
    /// order; each such node the shard owns goes to the first thread that
    /// reaches it, and everything below it is visited through the shared
    /// store, so no state below the split is explored twice. One state
    /// budget covers all stores: a state above the split counts once,
    /// whichever thread meets it first, and the first thread to find the
    /// budget spent stops the others. Which thread finds what depends on
    /// timing: a violation found in parallel stops the threads and the
    /// shard is searched again on one thread, whose violation and schedule
    /// are the canonical ones (a search that finds nothing is not repeated).
    /// Should that search end without a violation (a state bound cut it
    /// sooner), the parallel one's is reported.
    ///
    /// With `searchCycles` (the whole search, whose termination is to be
    /// decided), the last thread, once its walk has met a possible cycle,
    /// takes no more nodes at the split (the others take them), searches
    /// for fair cycles (`FairCycleSearch`, on one thread) while they go on,
    /// and then walks again to take what nodes are left. The cycle search's
    /// outcome is returned unless the search ended so that termination is
    /// not decided (a violation, a bound, an interrupt: the cycle search is
    /// then abandoned).
    ///
    /// When the walks record the state graph (`recordsGraph`), no thread
    /// hands off: every one walks, and the fair-cycle search runs over the
    /// graph they recorded, afterwards (returned for `decideTermination`).
    func search(shard: Shard, jobs: Int, searchCycles: Bool = false, cancelled: @escaping @Sendable () -> Bool,
                progress: (@Sendable (Int) -> Void)?) -> (ExplorationResult, FairCycleSearch.Outcome?, Recorded?) {
        let record = searchCycles && recordsGraph
        guard jobs > 1 else {
            let (r, recorded) = exploreRecording(shard: shard, record: record, cancelled: cancelled, progress: progress)
            return (r, nil, recorded)
        }
        let budget = StateBudget(limit: bounds.maxStates)
        let shared = VisitedStore(indexed: record)
        let prefixSeen = VisitedStore()
        let active = ActiveStates()
        let control = ParallelControl()
        let walks = Mutex<[Int: (walk: Walk, bytes: Int)]>([:])
        let rejoined = Mutex<[(walk: Walk, bytes: Int)]>([])
        let cycles = Mutex<FairCycleSearch.Outcome?>(nil)
        DispatchQueue.concurrentPerform(iterations: jobs) { thread in
            let handOff = searchCycles && !record && thread == jobs - 1
            func walkOnce(handOff: Bool) -> (walk: Walk, bytes: Int) {
                let local = VisitedStore(segmentBits: 0)
                let w = walk(shard: shard, store: shared, budget: budget,
                             prefix: Prefix(store: local, seen: prefixSeen), active: active, claim: { control.claim($0) },
                             handOff: handOff, record: record, recordPrefix: thread == 0,
                             stop: { control.stopped || cancelled() }, progress: progress)
                if w.result.violation != nil || w.result.stateLimitHit || w.prefix.stateLimitHit { control.stop() }
                if w.result.depthCuts + w.result.preemptionCuts + w.prefix.depthCuts + w.prefix.preemptionCuts > 0 { control.cut() }
                return (w, local.bytes)
            }
            let first = walkOnce(handOff: handOff)
            walks.withLock { $0[thread] = first }
            guard handOff && first.walk.result.cyclesPossible else { return }
            // Termination is not decided when the search stops or is cut.
            let abandoned = { control.stopped || control.isCut || cancelled() }
            let outcome = fairCycles(cancelled: abandoned)
            if !abandoned() { cycles.withLock { $0 = outcome } }
            if control.stopped || cancelled() { return }
            let again = walkOnce(handOff: false)
            rejoined.withLock { $0.append(again) }
        }
        // The recorded graphs, taken out of the walks (so that putting them
        // together does not copy them), thread 0's first: it recorded the
        // states above the split.
        var records: [GraphRecord] = []
        var keysNameOrbits = true
        if record {
            walks.withLock { d in
                for i in 0..<jobs {
                    guard let g = d[i]?.walk.graph else { continue }
                    d[i]!.walk.graph = nil
                    records.append(g)
                    keysNameOrbits = keysNameOrbits && d[i]!.walk.keysNameOrbits
                }
            }
        }
        let done = walks.withLock { d in (0..<jobs).compactMap { d[$0] } }
        let late = rejoined.withLock { $0 }
        // A violation any walk found, the rejoined one's too, is searched
        // for again on one thread: which thread met it first is timing.
        if (done + late).contains(where: { $0.walk.result.violation != nil }) && !cancelled() {
            let again = exploreOne(shard: shard, cancelled: cancelled, progress: progress)
            if again.violation != nil || again.interrupted { return (again, nil, nil) }
        }
        // The prefix is the same in every thread: count it once.
        var r = ExplorationResult.merge(done.map(\.walk.result) + late.map(\.walk.result) + [done[0].walk.prefix])
        r.shards = 1
        // A state met above the split may also have been met below it.
        r.states = shared.count + done[0].walk.prefixKeys.count { !shared.contains($0) }
        r.storeBytes = shared.bytes + prefixSeen.bytes + (done + late).reduce(0) { $0 + $1.bytes }
        r.interrupted = cancelled()
        var recorded: Recorded?
        if record, r.violation == nil, r.complete, r.cyclesPossible, let graph = StateGraph(records: &records, store: shared) {
            r.graphBytes = graph.bytes + shared.numberBytes
            recorded = Recorded(graph: graph, keysNameOrbits: keysNameOrbits)
        }
        return (r, cycles.withLock { $0 }, recorded)
    }

    /// Explore one shard on this thread, without deciding termination.
    func exploreOne(shard: Shard, cancelled: () -> Bool, progress: ((Int) -> Void)?) -> ExplorationResult {
        exploreRecording(shard: shard, record: false, cancelled: cancelled, progress: progress).0
    }

    /// `exploreOne`; with `record` (and `recordsGraph`), the state graph
    /// too, when the termination check will need it (nil when it is not
    /// needed or could not be recorded whole).
    func exploreRecording(shard: Shard, record wanted: Bool, cancelled: () -> Bool,
                          progress: ((Int) -> Void)?) -> (ExplorationResult, Recorded?) {
        let record = wanted && recordsGraph
        let store = VisitedStore(indexed: record)
        var w = walk(shard: shard, store: store, budget: StateBudget(limit: bounds.maxStates), prefix: nil, active: nil,
                     claim: nil, handOff: false, record: record, stop: cancelled, progress: progress)
        var r = w.result
        r.states = store.count
        r.storeBytes = store.bytes
        r.interrupted = cancelled()
        var recorded: Recorded?
        if record, r.violation == nil, r.complete, r.cyclesPossible, var records = w.graph.map({ [$0] }) {
            w.graph = nil
            if let graph = StateGraph(records: &records, store: store) {
                r.graphBytes = graph.bytes + store.numberBytes
                recorded = Recorded(graph: graph, keysNameOrbits: w.keysNameOrbits)
            }
        }
        return (r, recorded)
    }

    /// Hands out the nodes at the split depth and stops the threads.
    private final class ParallelControl: Sendable {
        private let next = Atomic<Int>(0)
        private let halted = Atomic<Bool>(false)
        private let bounded = Atomic<Bool>(false)

        /// Whether this thread takes the j-th split node of the shard. Every
        /// thread meets them in order and takes each one nobody took, so the
        /// taken ones are always 0..<next.
        func claim(_ j: Int) -> Bool { next.compareExchange(expected: j, desired: j + 1, ordering: .relaxed).exchanged }
        var stopped: Bool { halted.load(ordering: .relaxed) }
        func stop() { halted.store(true, ordering: .relaxed) }
        /// A depth or preemption bound cut a path: the search is not complete.
        var isCut: Bool { bounded.load(ordering: .relaxed) }
        func cut() { bounded.store(true, ordering: .relaxed) }
    }

    /// A thread's own store for the nodes above the split, and the store
    /// all threads share to count each of those states once.
    private struct Prefix {
        var store: VisitedStore
        var seen: VisitedStore
    }

    /// One thread's search.
    private struct Walk: Sendable {
        /// Counts at and below the split depth (everything, without a prefix
        /// store), states not counted: the store counts them.
        var result = ExplorationResult.empty
        /// Counts above the split depth, the same in every thread.
        var prefix = ExplorationResult.empty
        /// The states first visited above the split depth.
        var prefixKeys: [UInt64] = []
        /// The state graph it recorded (`record`), else nil.
        var graph: GraphRecord?
        /// Whether its keys named orbits one to one (`StateKeys.keysNameOrbits`).
        var keysNameOrbits = true
    }

    /// A node on the stack: plain data. Its world is `worlds[depth]`, and
    /// the footprints of its runnable tasks' next steps (with sleep sets)
    /// are row `depth` of `footprints`: buffers reused by depth, so pushing
    /// and popping a node allocates nothing.
    private struct Frame {
        var key: UInt64
        var sleep: TaskSet
        var runnable: TaskSet
        /// The tasks still to step from here, taken in increasing order.
        var choices: TaskSet
        var done: TaskSet
        var last: Int
        var preemptions: Int
        /// The length of the path before the transition into this node.
        var pathStart: Int
        /// The state as its row of the recorded graph names it, or
        /// `Frame.notRecorded`; its edges so far are the first `pending` of
        /// its depth's row of the walk's `pending`, its tasks renamed into
        /// its key's numbering by `canon` (4 bits a task).
        var record = Frame.notRecorded
        var pending = 0
        var canon: UInt64 = 0

        static let notRecorded = UInt64.max
    }

    /// Depth-first search from the root. Nodes above the split depth go
    /// through `prefix` when there is one, the rest through `store`;
    /// `claim(j)` says whether to explore the shard's j-th node at the split
    /// depth (nil: all the shard's); with `handOff`, none once the walk
    /// has met a possible cycle. `active` holds the states on the
    /// stacks of every thread sharing `store` (nil: this thread alone).
    ///
    /// With `record` (and an indexed `store`), the walk records the state
    /// graph for the fair-cycle search (`GraphRecord`): every state it
    /// visits first, with every transition from it, numbered as `store`
    /// numbers them; with `recordPrefix` too, the states above the split.
    private func walk(shard: Shard, store: VisitedStore, budget: StateBudget, prefix: Prefix?, active: ActiveStates?,
                      claim: ((Int) -> Bool)?, handOff: Bool, record: Bool = false, recordPrefix: Bool = false,
                      stop: () -> Bool, progress: ((Int) -> Void)?) -> Walk {
        let engine = setup.engine
        // Sleep sets judge dependence by footprints; under a preemption
        // model that keeps a CPU's task on it (`none`, `voluntary`), a step
        // also decides which other tasks are on a CPU, which no footprint
        // says: the search then explores every runnable task at every node.
        // Under `--memory tso` the search runs without sleep sets, step
        // merging and symmetry: their footprints and movers speak of tasks'
        // steps, not of store-buffer flushes (docs/memory-model.md).
        let sleepSets = bounds.sleepSets && engine.config.cpus.interleavesFreely && engine.memory == .sc
        var checkers = makeCheckers()
        var out = Walk()
        let prefixDepth = prefix == nil ? 0 : splitDepth
        let splits = shard.count > 1 || claim != nil
        var splitIndex = 0
        var path: [UInt8] = []
        var stack: [Frame] = []
        var worlds = DepthWorlds(root: setup.world)
        // Row d (`taskCount` entries, by task) holds the footprints of the
        // node at depth d; meaningful for its runnable tasks only.
        let taskCount = setup.world.tasks.count
        var footprints: [Footprint] = []
        // States with a frame on this thread's stack, above and below the
        // split (the same state may be a node in both).
        var onStackAbove = KeyTable()
        var onStackBelow = KeyTable()
        var halt = false
        var keys = StateKeys(engine: engine, symmetry: bounds.symmetry && engine.memory == .sc ? TaskSymmetry(setup: setup) : nil,
                             taskCount: setup.world.tasks.count, deadVariables: bounds.deadVariables)

        /// The state's key, and the renaming into the numbering it is stored
        /// in (nil: its own). With symmetry the key is its orbit's
        /// (`TaskSymmetry`): the walk still steps the actual world, so every
        /// schedule it reports is one of the actual tasks; only the store
        /// and the stack sets see orbits. On-stack keys are then orbits too:
        /// meeting a renaming π(s) of a state s on the stack closes a cycle
        /// of the quotient graph, and since π has some finite order k the
        /// path s → π(s) → … → π^k(s) = s is a cycle of the actual one, so
        /// `cyclesPossible` stays sound (and, as before, only sends the
        /// question to the exact `FairCycleSearch`, which runs without
        /// reductions).
        func key(_ w: borrowing World, _ last: Int, _ preemptions: Int) -> (UInt64, TaskPermutation?) {
            let depth = stack.count
            var (k, renaming) = keys.key(w, depth: depth, parent: depth > 0 ? worlds.slot(depth - 1) : nil)
            if bounds.preemptions != nil {
                var h = StableHasher()
                h.combine(k); h.combine(renaming.map { $0[last] } ?? last); h.combine(preemptions)
                k = h.value
            }
            if let swarm { k = swarm.salted(k) }
            return (k, renaming)
        }

        // (`TransitionRule.footprint`: a task resting on a local
        // instruction conflicts with every other.)
        let rule = TransitionRule(engine: engine, stepMerging: bounds.stepMerging)
        let merging = rule.merging
        func footprint(of t: Int, in w: World) -> Footprint { rule.footprint(of: t, in: w) }

        // The recorded graph, and the edges of the recording frames on the
        // stack: row d (16 words, a transition per task) the frame at depth d's.
        var graph = record ? GraphRecord() : nil
        var pending: [UInt64] = []
        /// Note an edge of the top frame (before a child is pushed).
        func addEdge(_ e: UInt64) {
            let top = stack.count - 1, at = top * 16 + stack[top].pending
            if pending.count <= at { pending.append(contentsOf: repeatElement(0, count: at + 1 - pending.count + 16 * 16)) }
            pending[at] = e
            stack[top].pending += 1
        }
        let everyTask = TaskSet(setup.world.tasks.indices.prefix(TaskSet.capacity))
        let identity = (0..<min(taskCount, 16)).reduce(UInt64(0)) { $0 | UInt64($1) << (4 * UInt64($1)) }
        func pack(_ renaming: TaskPermutation?) -> UInt64 {
            guard let renaming else { return identity }
            return (0..<min(taskCount, 16)).reduce(UInt64(0)) { $0 | UInt64(renaming[$1]) << (4 * UInt64($1)) }
        }
        /// Write a recording frame's row.
        func writeRow(_ frame: Frame, depth: Int) {
            guard frame.record != Frame.notRecorded else { return }
            pending.withUnsafeBufferPointer { graph!.row(frame.record, runnable: frame.runnable, edges: $0.baseAddress! + depth * 16, count: frame.pending) }
        }

        func endCheck(_ w: borrowing World) -> Violation? {
            let end: RunEnd = w.allFinished ? .finished : .quiescent
            for i in checkers.indices {
                if var v = checkers[i].atEnd(end, world: w, engine: engine) {
                    v.step = path.count
                    return v
                }
            }
            return nil
        }

        /// Take this thread's frames below the split off the shared set.
        func leaveAll() {
            if let active, stack.count > prefixDepth { active.leave(stack[prefixDepth...].map(\.key)) }
        }

        func found(_ v: Violation) -> Walk {
            out.result.violation = v
            out.result.schedule = Schedule(path)
            leaveAll()
            return out
        }

        /// Whether the state `k` has a frame on a stack now.
        func onStack(_ k: UInt64, above: Bool) -> Bool {
            if above { return onStackAbove[k] != nil }
            if let active { return active.contains(k) }
            return onStackBelow[k] != nil
        }

        /// Push `w` reached with `sleep` (the sleeping tasks' transitions'
        /// footprints are in the parent's row of `footprints`) by the steps
        /// of the path from `pathStart`; returns a violation found at its end.
        /// `edge`: the transition into it, to record (without its target),
        /// or `Frame.notRecorded`.
        func visit(_ w: borrowing World, sleep: TaskSet, last: Int, preemptions: Int, pathStart: Int,
                   edge: UInt64 = Frame.notRecorded) -> Violation? {
            // Transitions from the root: the unit of the split (a merged
            // transition is several steps of the path).
            let depth = stack.count
            if depth == splitDepth && splits {
                defer { splitIndex += 1 }
                let mine = splitIndex % shard.count == shard.index
                    && !(claim != nil && (handOff && out.result.cyclesPossible || !claim!(splitIndex / shard.count)))
                if !mine {
                    if edge != Frame.notRecorded { addEdge(edge | graph!.keyed(key(w, last, preemptions).0)) }
                    return nil
                }
            }
            let above = depth < prefixDepth
            let (k, renaming) = key(w, last, preemptions)
            var explore = engine.runnableTasks(w)
            let runnable = explore
            var sleepNow = sleep
            // The store keeps sleep sets in the numbering of the key's world
            // (`TaskSymmetry.intoKey`, `fromKey`).
            let stored = TaskSymmetry.intoKey(sleep, renaming)
            let number: UInt32
            let answer: VisitedStore.Visit
            if above {
                answer = prefix!.store.visit(k, sleep: stored, limit: .max)
                number = 0
            } else if record {
                (answer, number) = store.visitNumbered(k, sleep: stored, budget: budget)
            } else {
                answer = store.visit(k, sleep: stored, budget: budget)
                number = 0
            }
            let visit = TaskSymmetry.fromKey(answer, renaming)
            // How the recorded graph names this state.
            let recording = graph != nil && visit == .new && (!above || recordPrefix)
            var me = Frame.notRecorded
            if graph != nil && visit != .full && (edge != Frame.notRecorded || depth == 0 || recording) {
                me = above ? graph!.keyed(k) : UInt64(number)
                if edge != Frame.notRecorded { addEdge(edge | me) }
                if depth == 0 { graph!.root = me }
            }
            if renaming != nil, visit != .new, visit != .full {
                if above { out.prefix.symmetryFolds += 1 } else { out.result.symmetryFolds += 1 }
            }
            switch visit {
            case .nothingNew:
                if onStack(k, above: above) { out.result.cyclesPossible = true }
                return nil
            case .seen(let newlyAwake, let kept):
                // Re-explore only what was asleep then but is awake now.
                out.result.cyclesPossible = true
                explore = explore & newlyAwake
                sleepNow = kept
            case .full:
                out.result.stateLimitHit = true
                halt = true
                return nil
            case .new:
                if above {
                    // Count it against the budget once, whichever thread meets it first.
                    if prefix!.seen.visit(k, sleep: TaskSet(), budget: budget) == .full {
                        out.prefix.stateLimitHit = true
                        halt = true
                        return nil
                    }
                    out.prefixKeys.append(k)
                } else {
                    progress?(store.count)
                }
                observe?(k, path)
                if explore.isEmpty {
                    if recording { graph!.row(me, runnable: runnable, edges: [0], count: 0) }
                    observeEnd?(k)
                    return endCheck(w)
                }
                observeWorld?(k, w)
                if explore.isEmpty { return endCheck(w) }
            }
            if path.count >= bounds.maxDepth {
                if above { out.prefix.depthCuts += 1 } else { out.result.depthCuts += 1 }
                return nil
            }
            out.result.deepestPath = max(out.result.deepestPath, path.count)
            if sleepSets {
                // Row `depth`: the footprints of this node's sleeping tasks'
                // transitions, from the parent's row, and, as they are
                // explored, of its own (a merged one's is its steps' union).
                let row = depth * taskCount
                if footprints.count < row + taskCount {
                    footprints.append(contentsOf: repeatElement(Footprint(), count: row + taskCount - footprints.count))
                }
                if depth > 0 { for u in sleepNow { footprints[row + u] = footprints[row - taskCount + u] } }
            }
            if above {
                onStackAbove.add(k)
            } else if let active {
                active.enter(k)
            } else {
                onStackBelow.add(k)
            }
            var frame = Frame(key: k, sleep: sleepNow, runnable: runnable, choices: explore,
                              done: TaskSet(), last: last, preemptions: preemptions, pathStart: pathStart)
            if recording {
                frame.record = me
                frame.canon = pack(renaming)
            }
            stack.append(frame)
            return nil
        }

        /// Pop the top frame, and the steps that led to it.
        func pop() {
            let frame = stack.removeLast()
            writeRow(frame, depth: stack.count)
            if stack.count < prefixDepth {
                onStackAbove.drop(frame.key)
            } else if let active {
                active.leave(CollectionOfOne(frame.key))
            } else {
                onStackBelow.drop(frame.key)
            }
            path.removeSubrange(frame.pathStart...)
        }

        /// The violation the last step found (`takeStep`).
        var failure: Violation?
        /// Take task `t`'s next step in `w` and check it; false if it failed,
        /// its violation, numbered as the step it is, in `failure`. (A Bool:
        /// a returned `Violation?` is a large value, moved several times per
        /// step.)
        func takeStep(_ w: inout World, _ t: Int) -> Bool {
            do {
                let event = try engine.step(&w, task: t)
                for i in checkers.indices {
                    if var v = checkers[i].afterStep(event, world: w, engine: engine) {
                        v.step = path.count - 1
                        failure = v
                        return false
                    }
                }
                return true
            } catch {
                var v = error
                v.step = path.count - 1
                failure = v
                return false
            }
        }

        let needFootprints = sleepSets || merging

        if let v = visit(setup.world, sleep: TaskSet(), last: -1, preemptions: 0, pathStart: 0) {
            if !passViolations { return found(v) }
            observeViolation?(v)
        }
        while !stack.isEmpty {
            if halt || stop() { break }
            let top = stack.count - 1
            guard let t = swarm.map({ $0.next(stack[top].choices, key: stack[top].key) }) ?? stack[top].choices.lowest else {
                pop()
                continue
            }
            stack[top].choices.remove(t)
            let above = top < prefixDepth
            let frame = stack[top]
            if frame.sleep.contains(t) {
                if above { out.prefix.sleptTransitions += 1 } else { out.result.sleptTransitions += 1 }
                if frame.record != Frame.notRecorded {
                    // Not explored, but an edge of the graph all the same:
                    // where does it go?
                    var w = worlds.takeChild(of: top)
                    if let (steps, gaps) = rule.take(&w, t, everyTask: everyTask) {
                        if steps >= 512 { graph!.complete = false }
                        let k = key(w, t, frame.preemptions).0
                        let to = top + 1 >= prefixDepth ? store.number(of: k).map(UInt64.init) ?? graph!.keyed(k) : graph!.keyed(k)
                        addEdge(PackedEdge.make(task: Int(frame.canon >> (4 * UInt64(t)) & 0xF), gaps: gaps, steps: steps) | to)
                    }
                    worlds.put(consume w, top + 1)
                }
                continue
            }
            // A switch away from a task that could have gone on is a preemption.
            var preemptions = frame.preemptions
            if frame.last >= 0 && frame.last != t && frame.runnable.contains(frame.last) && !frame.sleep.contains(frame.last) {
                preemptions += 1
                if let bound = bounds.preemptions, preemptions > bound {
                    if above { out.prefix.preemptionCuts += 1 } else { out.result.preemptionCuts += 1 }
                    continue
                }
            }
            // The child's world: a copy of this node's, into the buffers of
            // the slot below it, taken out of the slot until it is visited.
            var w = worlds.takeChild(of: top)
            var ft = needFootprints ? footprint(of: t, in: w) : Footprint()
            path.append(engine.scheduleByte(t))
            var transaction = Transaction(first: ft.mover, task: t, in: w)
            let recordEdge = frame.record != Frame.notRecorded
            var gaps = TaskSet()
            if above { out.prefix.transitions += 1 } else { out.result.transitions += 1 }
            var stepped = takeStep(&w, t)
            // The rest of t's transaction. Other tasks' steps between its
            // steps could all be moved out (`Mover`), so the states in
            // between are checked, not stored.
            if merging && stepped {
                while path.count < bounds.maxDepth && engine.isRunnable(w, t) {
                    let f = footprint(of: t, in: w)
                    guard transaction.admits(f.mover, task: t, in: w) else { break }
                    if recordEdge { gaps = gaps | (everyTask - engine.runnableTasks(w)) }
                    ft.formUnion(f)
                    path.append(UInt8(t))
                    if above { out.prefix.mergedSteps += 1 } else { out.result.mergedSteps += 1 }
                    stepped = takeStep(&w, t)
                    if !stepped { break }
                }
            }
            let taken = transaction.steps
            if !stepped, let v = failure {
                guard !passViolations else {
                    observeViolation?(v)
                    worlds.put(consume w, top + 1)
                    path.removeLast(taken)
                    continue
                }
                return found(v)
            }
            // The child sleeps on whatever commutes with t's transition among
            // what this node already explored or had asleep.
            var childSleep = TaskSet()
            if sleepSets {
                let row = top * taskCount
                func independent(_ u: Int) -> Bool { !footprints[row + u].conflicts(with: ft) }
                for u in frame.sleep where u != t && independent(u) { childSleep.insert(u) }
                for u in stack[top].done where u != t && independent(u) { childSleep.insert(u) }
                stack[top].done.insert(t)
                footprints[row + t] = ft
            }
            let depthBefore = stack.count
            var edge = Frame.notRecorded
            if recordEdge {
                // A transaction cut short by the depth bound is no transition of the graph.
                if path.count >= bounds.maxDepth || taken >= 512 { graph!.complete = false }
                edge = PackedEdge.make(task: Int(frame.canon >> (4 * UInt64(t)) & 0xF), gaps: gaps, steps: taken)
            }
            let violation = visit(w, sleep: childSleep, last: t, preemptions: preemptions, pathStart: path.count - taken, edge: edge)
            worlds.put(consume w, top + 1)
            if let v = violation {
                if !passViolations { return found(v) }
                observeViolation?(v)
            }
            if stack.count == depthBefore { path.removeLast(taken) }
        }
        leaveAll()
        if !stack.isEmpty { graph?.complete = false }
        out.graph = graph
        out.keysNameOrbits = keys.keysNameOrbits
        return out
    }
}

/// The worlds of the nodes on a search's stack, one per depth, kept for the
/// whole search: the world of a node's child is copied into the slot below
/// the node's, element by element into the buffers the slot already owns,
/// so neither the copy nor the step that follows (its arrays are unique)
/// allocates, and a popped node frees nothing. A world being stepped and
/// visited is taken out of its slot and put back (moves, not copies: a
/// World read from a slot in place is a copy, a retain of each array).
struct DepthWorlds: ~Copyable {
    private var base: UnsafeMutablePointer<World>
    private var capacity = 64
    /// Slots 0..<initialized hold a world, except `vacant` (taken).
    private var initialized = 1
    private var vacant = -1

    /// Slot 0 is `root`.
    init(root: World) {
        // `assign` copies every stored field of a World; a new one must be
        // added there.
        precondition(Mirror(reflecting: root).children.count == 12, "World's stored fields changed: copy them in DepthWorlds.assign")
        base = .allocate(capacity: capacity)
        base.initialize(to: root)
    }

    deinit {
        for d in 0..<initialized where d != vacant { (base + d).deinitialize(count: 1) }
        base.deallocate()
    }

    /// The world in slot `depth` (not the one taken out), read in place
    /// until the slots change.
    func slot(_ depth: Int) -> UnsafePointer<World> {
        precondition(depth < initialized && depth != vacant, "slot \(depth) holds no world")
        return UnsafePointer(base + depth)
    }

    /// `child(of: depth)`, moved out of its slot, which is vacant until
    /// `put` (only one slot may be).
    mutating func takeChild(of depth: Int) -> World {
        let slot = child(of: depth)
        vacant = depth + 1
        return slot.move()
    }

    /// Put the world taken from slot `depth` back.
    mutating func put(_ w: consuming World, _ depth: Int) {
        precondition(vacant == depth, "no world was taken from slot \(depth)")
        (base + depth).initialize(to: consume w)
        vacant = -1
    }

    /// Slot `depth + 1`, made a copy of slot `depth`'s world.
    mutating func child(of depth: Int) -> UnsafeMutablePointer<World> {
        precondition(vacant < 0, "a world is out of its slot")
        let slot = base + depth + 1
        if depth + 1 < initialized {
            Self.assign(&slot.pointee, from: &base[depth])
        } else {
            if initialized == capacity {
                let old = base
                capacity *= 2
                base = .allocate(capacity: capacity)
                base.moveInitialize(from: old, count: initialized)
                old.deallocate()
            }
            // Shares the parent's buffers at first: the step copies what it
            // writes, and later copies into this slot make the rest its own.
            (base + initialized).initialize(to: base[depth])
            initialized += 1
        }
        return base + depth + 1
    }

    /// (`o` inout, not a value: a World passed by value from a slot is a
    /// copy, a retain of each of its arrays.)
    private static func assign(_ w: inout World, from o: inout World) {
        assign(&w.pages, from: o.pages)
        assign(&w.ptes, from: o.ptes)
        assign(&w.cache, from: o.cache)
        assign(&w.tasks, from: o.tasks)
        assign(&w.refs, from: o.refs)
        assign(&w.queue, from: o.queue)
        assign(&w.counters, from: o.counters)
        // Empty unless a program takes a mutex or rwsem: a plain copy.
        if !(w.sleepLocks.isEmpty && o.sleepLocks.isEmpty) { w.sleepLocks = o.sleepLocks }
        assign(&w.cpu.running, from: o.cpu.running)
        w.cpu.resched = o.cpu.resched
        w.cpu.pending = o.cpu.pending
        w.stats = o.stats
        if !(w.storeBuffers.isEmpty && o.storeBuffers.isEmpty) { w.storeBuffers = o.storeBuffers }
        if !(w.views.isEmpty && o.views.isEmpty) { w.views = o.views }
        assert(w == o, "DepthWorlds.assign left a field out")
    }

    /// `a = b` by value, into `a`'s own buffer when it is one of the same size.
    @inline(__always)
    private static func assign<T>(_ a: inout [T], from b: [T]) {
        if a.count == b.count {
            a.withUnsafeMutableBufferPointer { d in
                b.withUnsafeBufferPointer { s in
                    guard let to = d.baseAddress, let from = s.baseAddress else { return }
                    if _isPOD(T.self) {
                        UnsafeMutableRawPointer(to).copyMemory(from: from, byteCount: s.count * MemoryLayout<T>.stride)
                    } else {
                        to.update(from: from, count: s.count)
                    }
                }
            }
        } else {
            a.removeAll(keepingCapacity: true)
            a.append(contentsOf: b)
        }
    }
}

/// The states with a frame on the stack of some thread of a parallel
/// search, counted (a state can be on several stacks at once).
final class ActiveStates: Sendable {
    private final class Shard: Sendable {
        let counts = Mutex(KeyTable())
    }

    private let shards: [Shard] = (0..<64).map { _ in Shard() }

    private func shard(_ k: UInt64) -> Shard { shards[Int(truncatingIfNeeded: k >> 58)] }

    func enter(_ k: UInt64) { shard(k).counts.withLock { $0.add(k) } }

    func leave(_ keys: some Sequence<UInt64>) {
        for k in keys {
            shard(k).counts.withLock { $0.drop(k) }
        }
    }

    func contains(_ k: UInt64) -> Bool { shard(k).counts.withLock { $0[k] != nil } }
}

extension TaskSet {
    /// The smallest member, or nil (`first` without counting bits).
    @inline(__always) var lowest: Int? {
        low != 0 ? low.trailingZeroBitCount : high != 0 ? 64 + high.trailingZeroBitCount : nil
    }
}

extension Footprint {
    /// Meets every footprint.
    static let everything: Footprint = {
        var f = Footprint()
        f.pages = ~0
        f.buckets = ~0
        f.locks = ~0
        f.ptes = ~0
        f.cache = ~0
        f.controlCounters = true
        f.tasks.low = ~0
        f.tasks.high = ~0
        return f
    }()
}
