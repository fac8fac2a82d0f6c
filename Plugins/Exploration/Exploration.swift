import PagewaitCore

/// One search for a violation, as `pagewait explore` and other front ends
/// ask for it. The defaults are the command line's.
public struct ExplorationRequest: Hashable, Sendable {
    public enum Method: String, Hashable, Sendable, CaseIterable { case exhaustive, pct, random }
    public var method: Method = .exhaustive
    /// Runs to try (pct, random; default 10,000) or distinct states to visit
    /// (exhaustive; default 5,000,000).
    public var budget: Int?
    /// Exhaustive: the most steps on one path.
    public var maxDepth: Int = 5_000
    /// Exhaustive: the most context switches away from a runnable task per
    /// path (nil: unbounded).
    public var preemptions: Int?
    /// Exhaustive: prune with sleep sets.
    public var sleepSets: Bool = true
    /// Exhaustive: take each task's transactions as one transition
    /// (`ExplorationBounds.stepMerging`).
    public var stepMerging: Bool = true
    /// Exhaustive: store a state and its twins under renaming interchangeable
    /// tasks as one (`ExplorationBounds.symmetry`): a search of a scenario
    /// with identical tasks visits up to (group size)! times fewer states.
    public var symmetry: Bool = true
    /// Exhaustive: store states that differ only in dead variables as one
    /// (`ExplorationBounds.deadVariables`).
    public var deadVariables: Bool = true
    /// Exhaustive: the part of the schedule space to explore.
    public var shard: Shard = .whole
    /// Threads. An exhaustive search's threads share one visited store; a
    /// violation they find is searched for again on one thread, so the
    /// verdict and schedule never depend on thread timing.
    public var jobs: Int = 1
    /// PCT: bug depth (depth − 1 priority change points) and the steps the
    /// change points are drawn from.
    public var pctDepth: Int = 3
    public var pctLength: Int = 1000
    /// First seed (pct, random).
    public var seed: UInt64 = 1
    /// The random scheduler's timing.
    public var timing: SchedulerTiming = SchedulerTiming()
    /// Delta-debug a found schedule to a short one.
    public var shrink: Bool = true
    /// Exhaustive: a swarm member's diversification (`SwarmOrder`).
    public var swarm: SwarmOrder?

    public init() {}
}

/// Reported while a search runs: states visited (exhaustive, every state)
/// or runs finished (pct, random, every run). Callers throttle.
public enum ExplorationProgress: Sendable {
    case states(Int)
    case runs(Int)
}

/// What `Setup.explore` found.
public struct ExplorationOutcome: Sendable {
    /// Exhaustive: distinct states visited; pct and random: steps taken.
    public var states = 0
    public var transitions = 0
    /// Transitions skipped because their task was in the sleep set.
    public var sleptTransitions = 0
    /// Steps merged into transitions after their first (exhaustive).
    public var mergedSteps = 0
    public var deepestPath = 0
    /// Runs tried (pct, random); nil for an exhaustive search.
    public var runs: Int?
    /// Exhaustive: no bound cut a path and the search was not interrupted.
    /// (Whether "no violation" is a proof is `verdict`'s to say.)
    public var complete = false
    /// Exhaustive and not complete: which bounds cut the search.
    public var bounds: String?
    /// Exhaustive: paths cut by each bound.
    public var depthCuts = 0
    public var preemptionCuts = 0
    public var stateLimitHit = false
    /// Exhaustive: the part of the search this was.
    public var shard: Shard = .whole
    /// Exhaustive: whether every run ends.
    public var termination: Termination = .undecided(.notSearched)
    /// Exhaustive with symmetry: the tasks in groups of interchangeable ones
    /// (nil when symmetry was off), and the visits that met a stored state
    /// in a permuted form.
    public var interchangeableTasks: Int?
    public var symmetryFolds = 0
    /// Stopped by the caller's cancellation before the search ended.
    public var interrupted = false
    /// Tasks in the scenario.
    public var tasks = 0
    /// Exhaustive: the search met a state on its stack or seen before, so
    /// the state graph may have cycles (what `pagewait merge` needs to say
    /// whether a split search's complete parts make a proof).
    public var cyclesMet = false
    /// The violation the best schedule reaches.
    public var violation: Violation?
    /// The PG_waiters diagnostic (I3) that fired first, when the search went
    /// on to the hang it predicted.
    public var predictor: Violation?
    /// The violating schedule as found (after the follow-on, if any).
    public var found: Schedule?
    /// The seed whose run found it (pct, random).
    public var foundSeed: UInt64?
    /// `found`, shrunk.
    public var minimal: Schedule?
    public var searchSeconds = 0.0
    /// Nil when nothing was shrunk.
    public var shrinkSeconds: Double?

    /// The schedule to show and replay.
    public var best: Schedule? { minimal ?? found }

    /// What the search entitles one to say (`ExplorationVerdict`).
    public var verdict: ExplorationVerdict { ExplorationVerdict(self) }

    public init() {}
}

extension ExplorationOutcome {
    /// The outcome of an exhaustive search of `shard` of a scenario with
    /// `tasks` tasks.
    public init(_ r: ExplorationResult, shard: Shard, tasks: Int) {
        states = r.states
        transitions = r.transitions
        sleptTransitions = r.sleptTransitions
        mergedSteps = r.mergedSteps
        deepestPath = r.deepestPath
        complete = r.complete
        depthCuts = r.depthCuts
        preemptionCuts = r.preemptionCuts
        stateLimitHit = r.stateLimitHit
        self.shard = shard
        termination = r.termination
        interrupted = r.interrupted
        symmetryFolds = r.symmetryFolds
        self.tasks = tasks
        let cut = r.depthCuts > 0 || r.preemptionCuts > 0 || r.stateLimitHit
        bounds = cut ? "depth cuts \(r.depthCuts), preemption cuts \(r.preemptionCuts), state limit \(r.stateLimitHit ? "hit" : "not hit")" : nil
        violation = r.violation
        found = r.schedule
        cyclesMet = r.cyclesPossible
    }
}

extension Setup {
    /// Search this setup's schedules for a violation, follow a PG_waiters
    /// diagnostic on to the hang it predicts, and shrink what was found.
    ///
    /// Every front end calls this, so a schedule one prints replays the same
    /// everywhere. Out-of-range counts are clamped rather than trapped on;
    /// front ends validate and report their own usage errors.
    ///
    /// `cancelled` is polled as the search goes (Ctrl-C, say): once it says
    /// true the search stops, and the outcome says it was interrupted.
    public func explore(_ request: ExplorationRequest, progress: (@Sendable (ExplorationProgress) -> Void)? = nil,
                        cancelled: @escaping @Sendable () -> Bool = { false }) -> ExplorationOutcome {
        let setup = self
        let start = ContinuousClock.now
        var out = ExplorationOutcome()
        out.tasks = world.tasks.count

        switch request.method {
        case .exhaustive:
            var explorer = ExhaustiveExplorer(
                setup: setup,
                bounds: ExplorationBounds(maxDepth: max(1, request.maxDepth), maxStates: request.budget ?? 5_000_000,
                                          preemptions: request.preemptions, sleepSets: request.sleepSets,
                                          stepMerging: request.stepMerging, symmetry: request.symmetry,
                                          deadVariables: request.deadVariables),
                makeCheckers: { Checkers.forExploration(setup) })
            explorer.swarm = request.swarm
            var states: (@Sendable (Int) -> Void)?
            if let progress { states = { progress(.states($0)) } }
            // Nothing to search without tasks (the verdict says so).
            let r = world.tasks.isEmpty ? .empty : explorer.run(shard: request.shard, jobs: max(1, request.jobs), cancelled: cancelled, progress: states)
            out = ExplorationOutcome(r, shard: request.shard, tasks: world.tasks.count)
            if request.symmetry { out.interchangeableTasks = TaskSymmetry(setup: setup).interchangeable }
        case .pct, .random:
            let runs = max(0, request.budget ?? 10_000)
            // PCT draws depth - 1 change points among the first pctLength
            // steps, and at most one fires per step: a depth beyond
            // pctLength + 1 (or 65,536, far beyond any bug depth PCT can
            // find) adds nothing but an allocation of that size.
            let pctDepth = min(request.pctDepth, max(1, request.pctLength) + 1, 1 << 16)
            var checkers: [any Checker] = []
            out.runs = 0
            for i in 0..<runs {
                if cancelled() {
                    out.interrupted = true
                    break
                }
                let s = request.seed &+ UInt64(i)
                checkers = Checkers.standard(for: setup)
                let r: RunResult
                if request.method == .pct {
                    var sched = PCTSchedulerPlugin().make(seed: s, for: setup, depth: pctDepth, length: request.pctLength)
                    r = engine.run(world, scheduler: &sched, checkers: &checkers)
                } else {
                    var sched = RandomScheduler(seed: s, wakeLatency: request.timing.wakeLatency, preemptLength: request.timing.preemptLength)
                    r = engine.run(world, scheduler: &sched, checkers: &checkers)
                }
                out.runs = i + 1
                out.states += r.steps
                progress?(.runs(i + 1))
                // A run the budget stopped on CPUs that spinners keep is a
                // LIVELOCK, as `run` and `replay` judge it.
                if let v = setup.verdict(of: r) {
                    out.violation = v
                    out.found = r.schedule
                    out.foundSeed = s
                    break
                }
            }
        }
        out.searchSeconds = seconds(since: start)

        // The PG_waiters diagnostic fires at the step that breaks I3; run on
        // to what it predicts, so the result ends in the hang itself. The
        // shrinker must then judge with the same checkers, or it would shrink
        // back to the diagnostic.
        var makeCheckers: @Sendable () -> [any Checker] = { Checkers.standard(for: setup) }
        if let v = out.violation, v.kind == .waitersUnsound, let found = out.found {
            let withoutDiagnostic: @Sendable () -> [any Checker] = { Checkers.standard(for: setup, waitersDiagnostic: false) }
            let (consequence, ran) = ScheduleShrinker(setup: setup, makeCheckers: withoutDiagnostic).replay(found.steps)
            if let consequence {
                out.predictor = v
                out.violation = consequence
                out.found = ran
                makeCheckers = withoutDiagnostic
            }
        }
        // A fair cycle is judged on the schedule as found; the shrinker's
        // lenient replay runs on past a schedule's end, so it cannot keep one.
        if let found = out.found, request.shrink, out.violation?.kind != .nonTermination,
           !(out.violation.map(LivelockChecker.isCPUStarvation) ?? false), !cancelled() {
            let shrinkStart = ContinuousClock.now
            if let (minimal, v) = ScheduleShrinker(setup: setup, makeCheckers: makeCheckers).shrink(found) {
                out.minimal = minimal
                out.violation = v
                // The first sign where the minimal schedule shows it, as
                // `pagewait replay` of that schedule reports it.
                if out.predictor != nil, let sign = ScheduleShrinker(setup: setup, makeCheckers: { Checkers.standard(for: setup) })
                    .replay(minimal.steps).violation, sign.kind == .waitersUnsound {
                    out.predictor = sign
                }
            }
            out.shrinkSeconds = seconds(since: shrinkStart)
        }
        return out
    }
}
