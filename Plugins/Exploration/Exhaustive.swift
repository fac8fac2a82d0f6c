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

    public init(maxDepth: Int = 5_000, maxStates: Int = 5_000_000, preemptions: Int? = nil, sleepSets: Bool = true) {
        self.maxDepth = maxDepth
        self.maxStates = maxStates
        self.preemptions = preemptions
        self.sleepSets = sleepSets
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
    public var deepestPath: Int
    /// Paths cut by the depth bound, the preemption bound, or the state bound.
    public var depthCuts: Int
    public var preemptionCuts: Int
    public var stateLimitHit: Bool
    public var shards: Int
    /// Bytes the visited-state stores took at the end (summed over shards).
    public var storeBytes = 0

    /// Every reachable state was visited (no bound cut a path).
    public var complete: Bool { depthCuts == 0 && preemptionCuts == 0 && !stateLimitHit }

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
            r.deepestPath = max(r.deepestPath, p.deepestPath)
            r.depthCuts += p.depthCuts
            r.preemptionCuts += p.preemptionCuts
            r.stateLimitHit = r.stateLimitHit || p.stateLimitHit
            r.storeBytes += p.storeBytes
        }
        return r
    }
}

/// Depth-first search over every schedule of a setup, with a visited-state
/// store (`VisitedStore`: hash compaction) and sleep sets.
///
/// Sleep sets never lose a reachable state, only redundant orders of
/// commuting steps, so every check that looks at one state at a time sees
/// every state. Two steps commute when their footprints (`Engine.footprint`:
/// the pages, buckets, locks, slots and tasks each may touch) do not meet.
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
    /// Called with the key and path of every state on its first visit
    /// (tests compare the reachable sets of searches with this).
    var observe: (@Sendable (UInt64, [UInt8]) -> Void)?
    /// Treat a violating step or end as a leaf and go on (tests comparing
    /// reachable sets), instead of stopping at the first.
    var passViolations = false

    public init(setup: Setup, bounds: ExplorationBounds = ExplorationBounds(), makeCheckers: @escaping @Sendable () -> [any Checker]) {
        self.setup = setup
        self.bounds = bounds
        self.makeCheckers = makeCheckers
    }

    /// Explore `shards` one after another, each on `jobs` threads, and
    /// merge; the verdict is the first violating shard's.
    public func run(shards: [Shard], jobs: Int, cancelled: @escaping @Sendable () -> Bool = { false },
                    progress: (@Sendable (Int) -> Void)? = nil) -> ExplorationResult {
        var parts: [ExplorationResult] = []
        for shard in shards {
            parts.append(run(shard: shard, jobs: jobs, cancelled: cancelled, progress: progress))
            if parts.last?.violation != nil { break }
        }
        var r = ExplorationResult.merge(parts)
        r.shards = shards.count
        return r
    }

    /// Explore `shard` on `jobs` threads that share one visited store.
    ///
    /// Every thread walks the nodes above `splitDepth` itself, with a store
    /// of its own, so all of them meet the nodes at `splitDepth` in the same
    /// order; each such node the shard owns goes to the first thread that
    /// reaches it, and everything below it is visited through the shared
    /// store, so no state below the split is explored twice. Which thread
    /// finds what depends on timing: a violation found in parallel stops the
    /// threads and the shard is searched again on one thread, whose violation
    /// and schedule are the canonical ones (a search that finds nothing is
    /// not repeated). Should that search end without a violation (a state
    /// bound cut it sooner), the parallel one's is reported.
    public func run(shard: Shard = .whole, jobs: Int, cancelled: @escaping @Sendable () -> Bool = { false },
                    progress: (@Sendable (Int) -> Void)? = nil) -> ExplorationResult {
        guard jobs > 1 else { return explore(shard: shard, cancelled: cancelled, progress: progress) }
        let shared = VisitedStore()
        let control = ParallelControl()
        let walks = Mutex<[Int: (walk: Walk, bytes: Int)]>([:])
        DispatchQueue.concurrentPerform(iterations: jobs) { thread in
            let local = VisitedStore(segmentBits: 0)
            let w = walk(shard: shard, store: shared, prefixStore: local, claim: { control.claim($0) },
                         cancelled: { control.stopped || cancelled() }, progress: progress)
            if w.result.violation != nil { control.stop() }
            let bytes = local.bytes
            walks.withLock { $0[thread] = (w, bytes) }
        }
        let done = walks.withLock { d in (0..<jobs).compactMap { d[$0] } }
        if control.stopped && !cancelled() {
            let again = explore(shard: shard, cancelled: cancelled, progress: progress)
            if again.violation != nil { return again }
        }
        // The prefix is the same in every thread: count it once.
        var r = ExplorationResult.merge(done.map(\.walk.result) + [done[0].walk.prefix])
        r.shards = 1
        // A state met above the split may also have been met below it.
        r.states = shared.count + done[0].walk.prefixKeys.count { !shared.contains($0) }
        r.storeBytes = shared.bytes + done.reduce(0) { $0 + $1.bytes }
        return r
    }

    /// Explore one shard on this thread.
    public func explore(shard: Shard = .whole, cancelled: () -> Bool = { false }, progress: ((Int) -> Void)? = nil) -> ExplorationResult {
        let store = VisitedStore()
        var r = walk(shard: shard, store: store, prefixStore: nil, claim: nil, cancelled: cancelled, progress: progress).result
        r.states = store.count
        r.storeBytes = store.bytes
        return r
    }

    /// Hands out the nodes at the split depth and stops the threads.
    private final class ParallelControl: Sendable {
        private let next = Atomic<Int>(0)
        private let halted = Atomic<Bool>(false)

        /// Whether this thread takes the j-th split node of the shard. Every
        /// thread meets them in order and takes each one nobody took, so the
        /// taken ones are always 0..<next.
        func claim(_ j: Int) -> Bool { next.compareExchange(expected: j, desired: j + 1, ordering: .relaxed).exchanged }
        var stopped: Bool { halted.load(ordering: .relaxed) }
        func stop() { halted.store(true, ordering: .relaxed) }
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
    }

    private struct Frame {
        var world: World
        var sleep: TaskSet
        var choices: [Int]
        var next: Int
        var done: TaskSet
        var last: Int
        var preemptions: Int
        /// Footprints of the enabled tasks' next steps, by task (empty
        /// without sleep sets).
        var footprints: [Footprint?]
    }

    /// Depth-first search from the root. Nodes above the split depth go
    /// through `prefixStore` when there is one, the rest through `store`;
    /// `claim(j)` says whether to explore the shard's j-th node at the split
    /// depth (nil: all the shard's).
    private func walk(shard: Shard, store: VisitedStore, prefixStore: VisitedStore?, claim: ((Int) -> Bool)?,
                      cancelled: () -> Bool, progress: ((Int) -> Void)?) -> Walk {
        let engine = setup.engine
        var checkers = makeCheckers()
        var out = Walk()
        let prefixDepth = prefixStore == nil ? 0 : splitDepth
        let splits = shard.count > 1 || claim != nil
        var splitIndex = 0
        var path: [UInt8] = []
        var stack: [Frame] = []

        func key(_ w: World, _ last: Int, _ preemptions: Int) -> UInt64 {
            var k = engine.fingerprint(w)
            if bounds.preemptions != nil {
                var h = StableHasher()
                h.combine(k); h.combine(last); h.combine(preemptions)
                k = h.value
            }
            return k
        }

        // A task that has not started may rest on a local instruction; its
        // first step runs the locals and then the visible operation they
        // lead to, which `Engine.footprint` (the operation the task rests
        // on) leaves out. Such a step is taken to conflict with every other.
        let restsOnLocal: [[Bool]] = engine.programs.map { p in p.instructions.map { $0.op.runsInPlace } }
        func footprint(of t: Int, in w: World) -> Footprint {
            let task = w.tasks[t]
            let pc = Int(task.pc), program = Int(task.program)
            if task.frame == .none, pc < restsOnLocal[program].count, restsOnLocal[program][pc] { return .everything }
            return engine.footprint(of: t, in: w)
        }

        func endCheck(_ w: World) -> Violation? {
            let end: RunEnd = w.allFinished ? .finished : .quiescent
            for i in checkers.indices {
                if var v = checkers[i].atEnd(end, world: w, engine: engine) {
                    v.step = path.count
                    return v
                }
            }
            return nil
        }

        func found(_ v: Violation) -> Walk {
            out.result.violation = v
            out.result.schedule = Schedule(path)
            return out
        }

        /// Push `w` reached with `sleep`; returns a violation found at its end.
        func visit(_ w: World, sleep: TaskSet, last: Int, preemptions: Int) -> Violation? {
            let depth = path.count
            if depth == splitDepth && splits {
                defer { splitIndex += 1 }
                if splitIndex % shard.count != shard.index { return nil }
                if let claim, !claim(splitIndex / shard.count) { return nil }
            }
            let above = depth < prefixDepth
            let k = key(w, last, preemptions)
            var explore = engine.enabledTasks(w)
            var sleepNow = sleep
            switch (above ? prefixStore! : store).visit(k, sleep: sleep, limit: bounds.maxStates) {
            case .nothingNew:
                return nil
            case .seen(let newlyAwake, let kept):
                // Re-explore only what was asleep then but is awake now.
                explore = explore & newlyAwake
                sleepNow = kept
            case .full:
                if above { out.prefix.stateLimitHit = true } else { out.result.stateLimitHit = true }
                return nil
            case .new:
                if above { out.prefixKeys.append(k) } else { progress?(store.count) }
                observe?(k, path)
                if explore.isEmpty { return endCheck(w) }
            }
            if depth >= bounds.maxDepth {
                if above { out.prefix.depthCuts += 1 } else { out.result.depthCuts += 1 }
                return nil
            }
            out.result.deepestPath = max(out.result.deepestPath, depth)
            var footprints: [Footprint?] = []
            if bounds.sleepSets {
                footprints = Array(repeating: nil, count: w.tasks.count)
                for t in engine.enabledTasks(w) { footprints[t] = footprint(of: t, in: w) }
            }
            stack.append(Frame(world: w, sleep: sleepNow, choices: Array(explore), next: 0, done: TaskSet(), last: last,
                               preemptions: preemptions, footprints: footprints))
            return nil
        }

        if let v = visit(setup.world, sleep: TaskSet(), last: -1, preemptions: 0) { return found(v) }
        while !stack.isEmpty {
            if cancelled() { break }
            let top = stack.count - 1
            guard stack[top].next < stack[top].choices.count else {
                stack.removeLast()
                if !path.isEmpty { path.removeLast() }
                continue
            }
            let above = top < prefixDepth
            let frame = stack[top]
            let t = frame.choices[frame.next]
            stack[top].next += 1
            if frame.sleep.contains(t) {
                if above { out.prefix.sleptTransitions += 1 } else { out.result.sleptTransitions += 1 }
                continue
            }
            // A switch away from a task that could have gone on is a preemption.
            var preemptions = frame.preemptions
            if frame.last >= 0 && frame.last != t && frame.choices.contains(frame.last) && !frame.sleep.contains(frame.last) {
                preemptions += 1
                if let bound = bounds.preemptions, preemptions > bound {
                    if above { out.prefix.preemptionCuts += 1 } else { out.result.preemptionCuts += 1 }
                    continue
                }
            }
            var w = frame.world
            path.append(UInt8(t))
            if above { out.prefix.transitions += 1 } else { out.result.transitions += 1 }
            do {
                let event = try engine.step(&w, task: t)
                var failed: Violation?
                for i in checkers.indices {
                    if var v = checkers[i].afterStep(event, world: w, engine: engine) {
                        v.step = path.count - 1
                        failed = v
                        break
                    }
                }
                if let v = failed {
                    guard !passViolations else { path.removeLast(); continue }
                    return found(v)
                }
            } catch {
                guard !passViolations else { path.removeLast(); continue }
                var v = error
                v.step = path.count - 1
                return found(v)
            }
            // The child sleeps on whatever commutes with t among what this
            // node already explored or had asleep.
            var childSleep = TaskSet()
            if bounds.sleepSets, let ft = frame.footprints[t] {
                func independent(_ u: Int) -> Bool { frame.footprints[u].map { !$0.conflicts(with: ft) } ?? false }
                for u in frame.sleep where u != t && independent(u) { childSleep.insert(u) }
                for u in stack[top].done where u != t && independent(u) { childSleep.insert(u) }
                stack[top].done.insert(t)
            }
            let depthBefore = stack.count
            if let v = visit(w, sleep: childSleep, last: t, preemptions: preemptions), !passViolations { return found(v) }
            if stack.count == depthBefore { path.removeLast() }
        }
        return out
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

extension Op {
    /// Run in place by the engine as part of the step before or after it
    /// (`Engine.runLocals`), never a step of its own.
    var runsInPlace: Bool {
        switch self {
        case .jump, .branch, .set, .move, .add, .count, .readCounter, .loadPage, .exit: true
        default: false
        }
    }
}
