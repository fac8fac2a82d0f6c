import PagewaitCore

/// The random scheduler's time off the CPU, in steps (see `RandomScheduler`).
public struct SchedulerTiming: Hashable, Sendable {
    public var wakeLatency: Int
    public var preemptLength: Int

    public init(wakeLatency: Int = RandomScheduler.defaultWakeLatency, preemptLength: Int = RandomScheduler.defaultPreemptLength) {
        self.wakeLatency = wakeLatency
        self.preemptLength = preemptLength
    }
}

/// What one seeded run produced, reduced to what statistics need.
public struct RunOutcome: Sendable {
    public var seed: UInt64
    public var end: RunEnd
    public var violation: Violation?
    public var counters: [Int64]
    /// Per task, the most requeues within one wait.
    public var requeues: [Int32]
    public var bypasses: [Int32]
    public var longestWakeChunk: Int32
    public var steps: Int
    /// Kept only for runs that ended in a violation, for `pagewait replay`.
    public var schedule: Schedule?

    public subscript(_ c: Counter) -> Int64 { counters[Int(c.rawValue)] }

    /// migrate_pages returned 0 on its every call (the first, for the
    /// migrator; offline calls it until success).
    public var migrationSucceeded: Bool { self[.migrateSucceeded] > 0 && self[.migrateFailed] == 0 }
    public var hung: Bool {
        violation.map { [.hang, .lostWakeup, .deadlock, .waitersUnsound].contains($0.kind) } ?? false
    }
}

extension Setup {
    /// Run one seed under the random scheduler with the standard checkers
    /// (`Checkers.standard`: the always-on invariants and the fairness
    /// observer). The schedule is kept when the run failed, or when `keepSchedule`.
    public func run(seed: UInt64, maxSteps: Int, timing: SchedulerTiming = SchedulerTiming(), keepSchedule: Bool = false) -> RunOutcome {
        var scheduler = RandomScheduler(seed: seed, wakeLatency: timing.wakeLatency, preemptLength: timing.preemptLength)
        var checkers = Checkers.standard(for: self)
        let r = engine.run(world, scheduler: &scheduler, checkers: &checkers, options: RunOptions(maxSteps: maxSteps))
        let fairness = checkers.compactMap { $0 as? FairnessObserver }.first
        // With CPUs, a run the budget stopped may have been spinning for
        // ever: when it ends in a cycle the spinners own (`cpuLivelock`,
        // as replay judges it), say LIVELOCK.
        let violation = verdict(of: r)
        return RunOutcome(
            seed: seed, end: r.end, violation: violation, counters: r.world.counters,
            requeues: r.world.tasks.map(\.stats.mostRequeuesInOneWait),
            bypasses: fairness?.bypasses ?? [],
            longestWakeChunk: r.world.stats.longestWakeChunk,
            steps: r.steps,
            schedule: keepSchedule || violation != nil || r.end == .stepLimit ? r.schedule : nil)
    }
}
