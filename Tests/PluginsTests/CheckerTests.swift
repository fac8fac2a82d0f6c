// The always-on checker plugins (kernel-model §4 I1, I3, I6, I7, F2, F3,
// F13, §5.10): each fires on a world or schedule that breaks its rule and
// stays silent on one that keeps it. Hand-built worlds are stepped in an
// order the test names; scenario sweeps use the standard checker set.

import Testing
import PagewaitCore
import PagewaitPlugins

// MARK: - Hand-built worlds

/// Register conventions of the hand-built programs: r0 the page, r1 a result.
private let rP: Register = 0
private let rR: Register = 1

private func program(_ name: String, _ body: (inout ProgramBuilder) -> Void) throws -> Program {
    var b = ProgramBuilder(name: name)
    body(&b)
    return try b.build()
}

/// One frame, pfn 0, in use at gen 1 with `flags`; every task's r0 names it.
/// `holders` own one ledgered reference each; the refcount is theirs plus
/// `unledgered` (a reference nobody owns, or minus one owed, as in F9).
private func oneFrame(tasks: Int, flags: PageFlags = [], lockedBy: Int? = nil, holders: [Int], unledgered: Int32 = 0) -> World {
    let states = (0..<tasks).map { TaskState(program: $0, registers: [PageRef(pfn: 0, gen: 1).register]) }
    var w = World(pages: 1, tasks: states)
    w.pages[0].life = .inUse
    w.pages[0].gen = 1
    w.pages[0].flags = flags
    if let owner = lockedBy {
        w.pages[0].flags.insert(.locked)
        w.pages[0].lockOwner = TaskID(owner)
    }
    w.pages[0].refcount = Int32(holders.count) + unledgered
    for t in holders { w.refs[t * w.pages.count] += 1 }
    return w
}

/// An engine and a world stepped in the order a test names, with one
/// checker watching every step; the first violation it reports is kept.
private struct Drive {
    let engine: Engine
    var world: World
    var checker: any Checker
    private(set) var violation: Violation?
    private(set) var last: StepEvent?

    init(_ config: KernelConfig = KernelConfig(), programs: [Program], world: World, checker: any Checker) throws {
        engine = try Engine(config: config, programs: programs)
        self.world = world
        self.checker = checker
    }

    mutating func step(_ t: Int) throws {
        let e = try engine.step(&world, task: t)
        last = e
        if violation == nil, let v = checker.afterStep(e, world: world, engine: engine) { violation = v }
    }

    /// Step `t` alone until `stop` holds, it blocks or it finishes.
    mutating func run(_ t: Int, until stop: (World) -> Bool = { _ in false }) throws {
        for _ in 0..<10_000 {
            if world.tasks[t].finished || world.tasks[t].blocked || stop(world) { return }
            try step(t)
        }
        Issue.record("task \(t) did not stop")
    }

    /// Step every runnable task, lowest first, until none can move.
    mutating func runAll() throws {
        for _ in 0..<100_000 {
            guard let t = engine.enabledTasks(world).first else { return }
            try step(t)
        }
    }

    mutating func end(_ end: RunEnd = .finished) -> Violation? {
        violation ?? checker.atEnd(end, world: world, engine: engine)
    }
}

/// Run a built-in scenario once under the random scheduler with the
/// standard checkers, keeping the final world.
private func runScenario(_ scenario: String, _ strategy: String, _ parameters: Parameters = [:], seed: UInt64 = 1) throws -> (Setup, RunResult) {
    let setup = try registry.scenario(scenario).build(strategy: try registry.resolveStrategy(strategy), parameters: parameters)
    var scheduler = RandomScheduler(seed: seed, wakeLatency: RandomScheduler.defaultWakeLatency)
    var checkers = Checkers.standard(for: setup)
    let r = setup.engine.run(setup.world, scheduler: &scheduler, checkers: &checkers, options: RunOptions(maxSteps: 200_000))
    return (setup, r)
}

/// Seeds of a sweep whose run ended in `kind`.
private func count(_ kind: ViolationKind, _ scenario: String, _ strategy: String, _ parameters: Parameters = [:],
                   seeds: Range<UInt64>, timing: SchedulerTiming = SchedulerTiming()) throws -> (hits: Int, outcomes: [RunOutcome]) {
    let setup = try registry.scenario(scenario).build(strategy: try registry.resolveStrategy(strategy), parameters: parameters)
    let outcomes = SeedSweep(setup: setup, seeds: seeds, jobs: 2, timing: timing).run()
    return (outcomes.filter { $0.violation?.kind == kind }.count, outcomes)
}

// MARK: - Tests

@Suite("Checker plugins")
struct CheckerTests {
    // MARK: The standard set

    @Test("the standard set holds every invariant checker (a leftover migration entry, then liveness, first) and the fairness observer last; the waiters diagnostic can be left out; runs still report bypasses")
    func standardSet() throws {
        let setup = try registry.scenario("fairness").build(strategy: try registry.resolveStrategy("put-and-wait"), parameters: [:])
        let set = Checkers.standard(for: setup)
        #expect(set.count == 2 && set.last is FairnessObserver)
        let bundle = try #require(set.first as? StandardChecks)
        #expect(bundle.waiters != nil)
        let without = try #require(Checkers.standard(for: setup, waitersDiagnostic: false).first as? StandardChecks)
        #expect(without.waiters == nil)
        // A leftover migration entry, the cause of the hang it makes, is
        // checked first, then liveness, so at the end a hang outranks the rest.
        #expect(Mirror(reflecting: bundle).children.prefix(2).map(\.label) == ["leftover", "liveness"])
        let s = try sweep("fairness", "put-and-wait", seeds: 1..<51)
        #expect(s.maxBypasses > 0)
    }

    @Test("every new checker is registered under its name with a summary and a kernel-model reference",
          arguments: ["livelock", "ledger", "waiters", "accounting", "fairness", "wake-walk"])
    func registered(name: String) throws {
        let plugin = try registry.checker(name)
        #expect(plugin.name == name)
        #expect(!plugin.summary.isEmpty && plugin.reference.contains("kernel-model"))
        var c = plugin.make()
        let w = World(pages: 0)
        let e = try Engine(programs: [])
        #expect(c.atEnd(.finished, world: w, engine: e) == nil)
    }

    // MARK: livelock (I6, F2)

    @Test("livelock: every offline run that hits its iteration budget is a LIVELOCK carrying the iteration count and the -EAGAIN histogram; legacy does in some seeds (F2)")
    func livelockFires() throws {
        let (hits, outcomes) = try count(.livelock, "offline", "legacy", ["faulters": 2], seeds: 1..<101)
        #expect(hits > 0)
        for o in outcomes {
            let budgetHit = o[.offlineBudgetHit] > 0
            #expect(budgetHit == (o.violation?.kind == .livelock), "seed \(o.seed)")
            guard budgetHit, let v = o.violation else { continue }
            #expect(v.detail.contains("after \(o[.offlineIterations]) iterations"), "\(v)")
            for c in [Counter.eagainLockBusy, .eagainWriteback, .eagainStillMapped, .eagainExtraRef, .eagainFreezeRace] {
                #expect(v.detail.contains("\(c.name) \(o[c])"), "\(c.name): \(v)")
            }
            #expect(v.function == "__offline_pages" && v.task == 0)
        }
    }

    @Test("livelock: put-and-wait and noref offline runs finish and are never LIVELOCK (F2)", arguments: ["put-and-wait", "noref"])
    func livelockSilent(strategy: String) throws {
        let (hits, outcomes) = try count(.livelock, "offline", strategy, ["faulters": 2], seeds: 1..<101)
        #expect(hits == 0)
        #expect(outcomes.allSatisfy { $0[.offlineSucceeded] == 1 && $0.violation == nil })
    }

    // MARK: ledger (I1)

    @Test("ledger: PG_private set without its reference (F9's injected imbalance) is a LEDGER_MISMATCH at the first step that touches the page, not before")
    func ledgerFires() throws {
        let p = try program("touch") { b in
            b.emit(.pause)
            b.emit(.testFlag(rP, .locked, result: rR))
        }
        var d = try Drive(programs: [p], world: oneFrame(tasks: 1, flags: [.private], holders: [0]), checker: LedgerChecker())
        try d.step(0)
        #expect(d.violation == nil)      // a pause names no page
        try d.step(0)
        let v = try #require(d.violation)
        #expect(v.kind == .ledgerMismatch && v.pfn == 0 && v.task == 0)
        #expect(v.detail.contains("refcount 1 but the ledger says 2"), "\(v)")
    }

    @Test("ledger: a reference nobody owns (refcount one above the ledger) is a LEDGER_MISMATCH too")
    func ledgerFiresOnUnownedReference() throws {
        let p = try program("get+put") { b in
            b.emit(.getPage(rP))
            b.emit(.putPage(rP))
        }
        var d = try Drive(programs: [p], world: oneFrame(tasks: 1, holders: [0], unledgered: 1), checker: LedgerChecker())
        try d.step(0)
        #expect(d.violation?.kind == .ledgerMismatch)
        #expect(d.violation?.detail.contains("refcount 3 but the ledger says 2") == true)
    }

    @Test("ledger: a balanced world stays silent through gets, puts, lock, unlock and the last put that frees the page")
    func ledgerSilent() throws {
        let p = try program("refs") { b in
            b.emit(.getPage(rP))
            b.lockPage(rP)
            b.emit(.putPage(rP))
            b.unlockPage(rP)
            b.emit(.putPage(rP))
        }
        var d = try Drive(programs: [p], world: oneFrame(tasks: 1, flags: [.private], holders: [0], unledgered: 1), checker: LedgerChecker())
        try d.runAll()
        #expect(d.world.tasks[0].finished)
        #expect(d.world.pages[0].refcount == 1)   // PG_private's
        #expect(d.end() == nil)
    }

    @Test("ledger: no built-in scenario trips I1 under any built-in strategy, faulters 1 and 3 (I1)",
          arguments: BuiltinPlugins.strategies.map(\.name))
    func ledgerHoldsInBuiltins(strategy: String) throws {
        for scenario in BuiltinScenarios.all {
            let cells: [Parameters] = scenario.knownParameters.contains("faulters")
                ? [["faulters": 1, "preemptInWindow": 200], ["faulters": 3, "preemptInWindow": 200]] : [[:]]
            for params in cells {
                let (hits, outcomes) = try count(.ledgerMismatch, scenario.name, strategy, params, seeds: 1..<101)
                let first = outcomes.first { $0.violation?.kind == .ledgerMismatch }?.violation
                #expect(hits == 0, "\(scenario.name) \(params): \(first?.description ?? "")")
            }
        }
    }

    // MARK: waiters (I3, F3)

    /// A lock_page waiter (task 0) and the lock holder (task 1), both
    /// holding a reference; the holder clears PG_locked with `clear`.
    static func waiterAndHolder(_ clear: (inout ProgramBuilder) -> Void) throws -> (programs: [Program], world: World) {
        let waiter = try program("waiter") { b in
            b.lockPage(rP)
            b.unlockPage(rP)
            b.emit(.putPage(rP))
        }
        let holder = try program("holder") { b in
            clear(&b)
            b.emit(.putPage(rP))
        }
        return ([waiter, holder], oneFrame(tasks: 2, lockedBy: 1, holders: [0, 1]))
    }

    @Test("waiters: a non-atomic __ClearPageLocked whose read came before a waiter's SetPageWaiters erases PG_waiters under the sleeping waiter: WAITERS_UNSOUND, then the wakeup is lost")
    func waitersFiresOnLostUpdate() throws {
        let (programs, world) = try Self.waiterAndHolder { $0.nonAtomicClearLocked(rP) }
        var d = try Drive(programs: programs, world: world, checker: WaitersChecker())
        try d.step(1)                                   // N1: reads [locked]
        try d.run(0)                                    // queues, sets PG_waiters, sleeps
        #expect(d.world.tasks[0].blocked && d.world.pages[0].flags.contains(.waiters))
        #expect(d.violation == nil)
        try d.step(1)                                   // N2: writes back without PG_waiters
        let v = try #require(d.violation)
        #expect(v.kind == .waitersUnsound && v.task == 0 && v.pfn == 0)
        #expect(v.detail.contains("nonAtomicWrite"), "\(v)")
        // What I3 predicts: nobody ever wakes the waiter.
        try d.runAll()
        var liveness = LivenessChecker()
        #expect(liveness.atEnd(.quiescent, world: d.world, engine: d.engine)?.kind == .lostWakeup)
    }

    @Test("waiters: the same schedule with unlock_page wakes the waiter and never leaves it queued without PG_waiters")
    func waitersSilentWithUnlock() throws {
        let (programs, world) = try Self.waiterAndHolder { $0.unlockPage(rP) }
        var d = try Drive(programs: programs, world: world, checker: WaitersChecker())
        try d.run(0)
        try d.runAll()
        #expect(d.world.allFinished)
        #expect(d.end() == nil)
    }

    @Test("waiters: a clear PG_waiters is excused while an unlock of the page is between U1 and the end of its walk, and only then")
    func waitersUnlockInFlight() throws {
        let (programs, world) = try Self.waiterAndHolder { $0.unlockPage(rP) }
        var d = try Drive(programs: programs, world: world, checker: WaitersChecker())
        try d.run(0)
        #expect(d.world.tasks[0].blocked)
        func judged(_ w: World) -> Violation? {
            var erased = w
            erased.pages[0].flags.remove(.waiters)
            var c = WaitersChecker()
            return c.afterStep(d.last!, world: erased, engine: d.engine)
        }
        // Before U1 the holder is not unlocking yet: PG_waiters must be set.
        #expect(judged(d.world)?.kind == .waitersUnsound)
        try d.step(1)                                   // U1: PG_waiters was set; next: wake_up_page_bit
        #expect(judged(d.world) == nil)
        try d.step(1)                                   // inside wake_up_page_bit (q.lock taken)
        #expect(d.world.tasks[1].frame.kind == .wake && judged(d.world) == nil)
        try d.run(1, until: { $0.tasks[1].frame == .none })
        #expect(judged(d.world) == nil)                 // the waiter was woken
    }

    @Test("waiters: a v4.19 DROP waiter that saw PG_locked clear and freed the page with its put is a stale entry, not a violation")
    func waitersStaleDropEntry() throws {
        let p = try program("drop") { $0.putAndWaitOnPageLocked(rP) }
        var d = try Drive(programs: [p], world: oneFrame(tasks: 1, holders: [0]), checker: WaitersChecker())
        try d.run(0, until: { $0.pages[0].life == .free })
        // Queued, not woken, TASK_UNINTERRUPTIBLE, PG_waiters cleared by the free path.
        let t = d.world.tasks[0]
        #expect(t.entry.onList && t.state == .uninterruptible && !t.wait.bitSet)
        #expect(!d.world.pages[0].flags.contains(.waiters))
        try d.runAll()
        #expect(d.world.tasks[0].finished && !d.world.tasks[0].entry.onList)
        #expect(d.end() == nil)
    }

    static let longPreemption: Parameters = ["preemptInWindow": 1000]
    static let longTiming = SchedulerTiming(preemptLength: 400)

    @Test("waiters: put-and-wait with the old unlockless reclaim leaves a sleeping DROP waiter on a page freed without a wake in some seeds (F3)")
    func waitersFiresUnderUnlockless() throws {
        let (hits, outcomes) = try count(.waitersUnsound, "reclaim-race", "put-and-wait-unlockless", Self.longPreemption,
                                         seeds: 1..<20_001, timing: Self.longTiming)
        #expect(hits > 0)
        // Each one is the faulter, on the frame reclaim freed.
        let v = try #require(outcomes.first { $0.violation?.kind == .waitersUnsound }?.violation)
        #expect(v.task == 1 && v.detail.contains("now free"), "\(v)")
    }

    @Test("waiters: the same schedules never violate I3 under put-and-wait, legacy or noref (F4)",
          arguments: ["put-and-wait", "legacy", "noref"])
    func waitersSilentOnSafeStrategies(strategy: String) throws {
        let (_, outcomes) = try count(.waitersUnsound, "reclaim-race", strategy, Self.longPreemption,
                                      seeds: 1..<20_001, timing: Self.longTiming)
        let bad = outcomes.first { $0.violation != nil }
        #expect(bad == nil, "\(bad?.violation?.description ?? "")")
    }

    // MARK: accounting (I7)

    /// A lock_page waiter (task 0) on a thrashing page (!uptodate,
    /// workingset, !swapbacked) held by task 1, which sets PG_swapbacked
    /// before unlocking.
    fileprivate static func thrashingWorld(_ thrashing: ThrashingAccounting) throws -> Drive {
        let waiter = try program("waiter") { b in
            b.lockPage(rP)
            b.unlockPage(rP)
            b.emit(.putPage(rP))
        }
        let holder = try program("holder") { b in
            b.emit(.setFlag(rP, .swapbacked))
            b.unlockPage(rP)
            b.emit(.putPage(rP))
        }
        return try Drive(KernelConfig(thrashing: thrashing), programs: [waiter, holder],
                         world: oneFrame(tasks: 2, flags: [.workingset], lockedBy: 1, holders: [0, 1]), checker: AccountingChecker())
    }

    @Test("accounting: the pre-seed v4.20 re-read of PG_swapbacked after the wait starts delayacct thrashing and never ends it: ACCOUNTING_IMBALANCE")
    func accountingFires() throws {
        var d = try Self.thrashingWorld(.rereadAtEnd)
        try d.run(0)
        try d.runAll()
        #expect(d.world.allFinished)
        let verdict = d.end()
        let v = try #require(verdict)
        #expect(v.kind == .accountingImbalance && v.task == 0)
        #expect(v.detail.contains("delayacct thrashing started 1 and ended 0"), "\(v)")
    }

    @Test("accounting: deciding delayacct up front (the seed's local) keeps it balanced over the same schedule")
    func accountingSilent() throws {
        var d = try Self.thrashingWorld(.decidedUpFront)
        try d.run(0)
        try d.runAll()
        #expect(d.world.allFinished)
        #expect(d.world.tasks[0].stats.psiEnter == 1 && d.world.tasks[0].stats.delayacctEnd == 1)
        #expect(d.end() == nil)
    }

    @Test("accounting: a task still inside its wait at the end is not judged, though it has entered and not yet left")
    func accountingSkipsTasksInAWait() throws {
        var d = try Self.thrashingWorld(.rereadAtEnd)
        try d.run(0)
        let s = d.world.tasks[0].stats
        #expect(d.world.tasks[0].frame.kind == .wait && s.psiEnter == 1 && s.psiLeave == 0 && s.delayacctStart == 1)
        #expect(d.end(.stepLimit) == nil)
    }

    // MARK: fairness (F13)

    @Test("fairness: one requeue, as v4.19 allows, breaks the v5.9a bound (0) and v5.9 with unfairness 0, but not v5.9 with unfairness 1 or v4.19")
    func fairnessBoundsPerCore() throws {
        let waiter = try program("waiter") { b in
            b.lockPage(rP)
            b.unlockPage(rP)
            b.emit(.putPage(rP))
        }
        let holder = try program("holder") { b in
            b.unlockPage(rP)
            b.emit(.putPage(rP))
        }
        let stealer = try program("stealer") { b in
            let out = b.label()
            b.emit(.trylockPage(rP, result: rR))
            b.branch(rR, .equal, 0, to: out)
            b.unlockPage(rP)
            b.bind(out)
            b.emit(.putPage(rP))
        }
        let cores: [(WaitCore, Bool)] = [(.v4_19, false), (.v5_9a, true), (.v5_9(unfairness: 0), true), (.v5_9(unfairness: 1), false)]
        let engines = try cores.map { try Engine(config: KernelConfig(waitCore: $0.0), programs: [waiter, holder, stealer]) }
        var checkers = cores.map { _ in FairnessChecker() }
        var verdicts: [Violation?] = cores.map { _ in nil }
        // The schedule runs under v4.19; every step is judged by each core's bound.
        var d = try Drive(programs: [waiter, holder, stealer], world: oneFrame(tasks: 3, lockedBy: 1, holders: [0, 1, 2]),
                          checker: FairnessChecker())
        func judge() {
            for i in cores.indices where verdicts[i] == nil {
                verdicts[i] = checkers[i].afterStep(d.last!, world: d.world, engine: engines[i])
            }
        }
        try d.run(0)                                    // W queues and sleeps
        try d.run(1)                                    // H unlocks, wakes W, finishes
        try d.step(2)                                   // S steals the lock
        while d.world.tasks[0].wait.requeues == 0 {     // W loses the race and goes round again
            try d.step(0)
            judge()
        }
        try d.runAll()
        #expect(d.world.allFinished && d.world.tasks[0].stats.requeues == 1)
        #expect(d.violation == nil)
        for (i, (core, fires)) in cores.enumerated() {
            #expect((verdicts[i]?.kind == .fairnessBound) == fires, "\(core)")
            if fires { #expect(verdicts[i]?.task == 0 && verdicts[i]?.detail.contains("at most \(core.unfairness)") == true) }
        }
    }

    @Test("fairness: the fair rewrite and unfair-N reach their bound in the fairness scenario but never exceed it; v4.19 requeues with no bound (F13, §5.12)")
    func fairnessSilentOnRealCores() throws {
        for (strategy, bound) in [("rewrite-fair", 0), ("unfair-0", 0), ("unfair-2", 2)] {
            let (hits, outcomes) = try count(.fairnessBound, "fairness", strategy, seeds: 1..<1001)
            #expect(hits == 0 && outcomes.allSatisfy { $0.violation == nil }, "\(strategy)")
            #expect(outcomes.map { $0.requeues.max() ?? 0 }.max() == Int32(bound), "\(strategy)")
        }
        let (hits, outcomes) = try count(.fairnessBound, "fairness", "legacy", seeds: 1..<1001)
        #expect(hits == 0 && outcomes.contains { ($0.requeues.max() ?? 0) > 0 })
    }

    // MARK: wake-walk (I6, §5.10)

    @Test("wake-walk: with bookmarks the 80-waiter walk holds q.lock over 65 entries and passes; the same walk without them (80) breaks the bookmark bound")
    func wakeWalkChunks() throws {
        let (_, with) = try runScenario("wake-walk", "noref")
        #expect(with.violation == nil && with.world.stats.longestWakeChunk == 65)
        let (setup, without) = try runScenario("wake-walk", "no-bookmarks")
        #expect(without.violation == nil && without.world.stats.longestWakeChunk == 80)
        // The bookmark-less walk judged as if bookmarks were on.
        var config = setup.engine.config
        config.bookmarks = true
        let bookmarked = try Engine(config: config, programs: setup.engine.programs)
        var c = WakeWalkChecker()
        let verdict = c.afterStep(StepEvent(task: 0, site: .wake(0), .wakeVisit, pfn: 0), world: without.world, engine: bookmarked)
        let v = try #require(verdict)
        #expect(v.kind == .wakeWalkBound && v.detail.contains("80 entries"), "\(v)")
        // The bound is WAITQUEUE_WALK_BREAK_CNT + 1: 80 entries pass a break
        // count of 79 and fail one of 78.
        for (breakCount, fires) in [(79, false), (78, true)] {
            config.walkBreakCount = breakCount
            var c2 = WakeWalkChecker()
            let verdict = c2.afterStep(StepEvent(task: 0, site: .wake(0), .wakeVisit, pfn: 0), world: without.world,
                                       engine: try Engine(config: config, programs: setup.engine.programs))
            #expect((verdict != nil) == fires, "break count \(breakCount)")
        }
    }

    @Test("wake-walk: real lock handoffs wake one exclusive waiter per call under every core; a call that woke two breaks the bound in every core",
          arguments: ["put-and-wait", "rewrite-fair", "unfair-5"])
    func wakeWalkExclusive(strategy: String) throws {
        let (setup, r) = try runScenario("fairness", strategy)
        #expect(r.violation == nil && r.world.stats.mostExclusiveWakesInOneCall == 1)
        var twice = r.world
        twice.stats.mostExclusiveWakesInOneCall = 2
        var c = WakeWalkChecker()
        let verdict = c.afterStep(StepEvent(task: 0, site: .wake(0), .wakeVisit, pfn: 0), world: twice, engine: setup.engine)
        let v = try #require(verdict)
        #expect(v.kind == .wakeWalkBound && v.detail.contains("2 exclusive waiters"), "\(v)")
    }
}
