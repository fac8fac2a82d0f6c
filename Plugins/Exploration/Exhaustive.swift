import Dispatch
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

    /// Every reachable state was visited (no bound cut a path).
    public var complete: Bool { depthCuts == 0 && preemptionCuts == 0 && !stateLimitHit }

    static func merge(_ parts: [ExplorationResult]) -> ExplorationResult {
        var r = ExplorationResult(violation: nil, schedule: nil, states: 0, transitions: 0, sleptTransitions: 0, deepestPath: 0,
                                  depthCuts: 0, preemptionCuts: 0, stateLimitHit: false, shards: parts.count)
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
        }
        return r
    }
}

/// Depth-first search over every schedule of a setup, with a visited-state
/// store (64-bit fingerprints: hash compaction) and sleep sets.
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
    /// Below this depth every shard explores everything; at it, the k-th
    /// node in depth-first order belongs to shard k mod n.
    public var splitDepth: Int = 8

    public init(setup: Setup, bounds: ExplorationBounds = ExplorationBounds(), makeCheckers: @escaping @Sendable () -> [any Checker]) {
        self.setup = setup
        self.bounds = bounds
        self.makeCheckers = makeCheckers
    }

    /// Explore `shards` in parallel on `jobs` threads and merge: the verdict
    /// is the violation of the lowest-numbered shard that found one, so it
    /// does not depend on thread timing.
    public func run(shards: [Shard], jobs: Int, cancelled: @escaping @Sendable () -> Bool = { false },
                    progress: (@Sendable (Int) -> Void)? = nil) -> ExplorationResult {
        let parts = parallelMap(shards.count, jobs: jobs) { i, done in
            let stop: @Sendable () -> Bool = { cancelled() || done.any(below: i) { (r: ExplorationResult) in r.violation != nil } }
            return explore(shard: shards[i], cancelled: stop, progress: progress)
        }
        return ExplorationResult.merge(parts)
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

    /// Explore one shard.
    public func explore(shard: Shard = .whole, cancelled: () -> Bool = { false }, progress: ((Int) -> Void)? = nil) -> ExplorationResult {
        let engine = setup.engine
        var checkers = makeCheckers()
        var result = ExplorationResult(violation: nil, schedule: nil, states: 0, transitions: 0, sleptTransitions: 0, deepestPath: 0,
                                       depthCuts: 0, preemptionCuts: 0, stateLimitHit: false, shards: 1)
        // fingerprint -> the sleep set it was explored with.
        var visited: [UInt64: TaskSet] = [:]
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

        /// Push `w` reached with `sleep`; returns a violation found at its end.
        func visit(_ w: World, sleep: TaskSet, last: Int, preemptions: Int) -> Violation? {
            if path.count == splitDepth && shard.count > 1 {
                defer { splitIndex += 1 }
                if splitIndex % shard.count != shard.index { return nil }
            }
            let k = key(w, last, preemptions)
            var explore = engine.enabledTasks(w)
            var sleepNow = sleep
            if let seen = visited[k] {
                // Re-explore only what was asleep then but is awake now.
                let newlyAwake = seen - sleep
                if newlyAwake.isEmpty { return nil }
                explore = explore & newlyAwake
                sleepNow = sleep & seen
                visited[k] = sleepNow
            } else {
                if visited.count >= bounds.maxStates {
                    result.stateLimitHit = true
                    return nil
                }
                visited[k] = sleep
                result.states += 1
                progress?(result.states)
                if explore.isEmpty { return endCheck(w) }
            }
            if path.count >= bounds.maxDepth {
                result.depthCuts += 1
                return nil
            }
            result.deepestPath = max(result.deepestPath, path.count)
            var footprints: [Footprint?] = []
            if bounds.sleepSets {
                footprints = Array(repeating: nil, count: w.tasks.count)
                for t in engine.enabledTasks(w) { footprints[t] = engine.footprint(of: t, in: w) }
            }
            stack.append(Frame(world: w, sleep: sleepNow, choices: Array(explore), next: 0, done: TaskSet(), last: last,
                               preemptions: preemptions, footprints: footprints))
            return nil
        }

        if let v = visit(setup.world, sleep: TaskSet(), last: -1, preemptions: 0) {
            result.violation = v
            result.schedule = Schedule(path)
            return result
        }
        while !stack.isEmpty {
            if cancelled() { break }
            let top = stack.count - 1
            guard stack[top].next < stack[top].choices.count else {
                stack.removeLast()
                if !path.isEmpty { path.removeLast() }
                continue
            }
            let frame = stack[top]
            let t = frame.choices[frame.next]
            stack[top].next += 1
            if frame.sleep.contains(t) {
                result.sleptTransitions += 1
                continue
            }
            // A switch away from a task that could have gone on is a preemption.
            var preemptions = frame.preemptions
            if frame.last >= 0 && frame.last != t && frame.choices.contains(frame.last) && !frame.sleep.contains(frame.last) {
                preemptions += 1
                if let bound = bounds.preemptions, preemptions > bound {
                    result.preemptionCuts += 1
                    continue
                }
            }
            var w = frame.world
            path.append(UInt8(t))
            result.transitions += 1
            do {
                let event = try engine.step(&w, task: t)
                for i in checkers.indices {
                    if var v = checkers[i].afterStep(event, world: w, engine: engine) {
                        v.step = path.count - 1
                        result.violation = v
                        result.schedule = Schedule(path)
                        return result
                    }
                }
            } catch {
                var v = error
                v.step = path.count - 1
                result.violation = v
                result.schedule = Schedule(path)
                return result
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
            if let v = visit(w, sleep: childSleep, last: t, preemptions: preemptions) {
                result.violation = v
                result.schedule = Schedule(path)
                return result
            }
            if stack.count == depthBefore { path.removeLast() }
        }
        return result
    }
}
