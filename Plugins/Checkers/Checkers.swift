import PagewaitCore

/// The checkers every run uses.
public enum Checkers {
    /// The always-on invariant checkers in one (`StandardChecks`), then the
    /// fairness observer last: statistics read its bypass counts after the
    /// run. Without `waitersDiagnostic`, a run goes past a broken PG_waiters
    /// invariant (I3) to the hang it predicts.
    public static func standard(for setup: Setup, waitersDiagnostic: Bool = true) -> [any Checker] {
        [
            StandardChecks(waitersDiagnostic: waitersDiagnostic, taskNames: setup.taskNames),
            FairnessObserver(tasks: setup.world.tasks.count, pages: setup.world.pages.count),
        ]
    }
}

/// At the end, a leftover migration entry first (it names the cause of the
/// hang it makes), then liveness (a HANG outranks the rest), then every
/// always-on invariant, called directly: one existential call per step for
/// all of them instead of one each, which the seed sweeps feel.
public struct StandardChecks: Checker {
    public var leftover = LeftoverEntryChecker()
    public var liveness = LivenessChecker()
    public var livelock = LivelockChecker()
    public var ledger = LedgerChecker()
    public var waiters: WaitersChecker?
    public var accounting = AccountingChecker()
    public var fairness = FairnessChecker()
    public var wakeWalk = WakeWalkChecker()

    /// `taskNames`: what a wait-for chain calls the tasks (`Setup.taskNames`).
    public init(waitersDiagnostic: Bool = true, taskNames: [String] = []) {
        waiters = waitersDiagnostic ? WaitersChecker() : nil
        liveness = LivenessChecker(taskNames: taskNames)
    }

    public mutating func afterStep(_ event: StepEvent, world: World, engine: Engine) -> Violation? {
        if let v = liveness.afterStep(event, world: world, engine: engine) { return v }
        if let v = livelock.afterStep(event, world: world, engine: engine) { return v }
        if let v = ledger.afterStep(event, world: world, engine: engine) { return v }
        if let v = waiters?.afterStep(event, world: world, engine: engine) { return v }
        if let v = accounting.afterStep(event, world: world, engine: engine) { return v }
        if let v = fairness.afterStep(event, world: world, engine: engine) { return v }
        return wakeWalk.afterStep(event, world: world, engine: engine)
    }

    public mutating func atEnd(_ end: RunEnd, world: World, engine: Engine) -> Violation? {
        // A leftover migration entry explains the hang it causes, so it is
        // reported in its place.
        if let v = leftover.atEnd(end, world: world, engine: engine) { return v }
        if let v = liveness.atEnd(end, world: world, engine: engine) { return v }
        if let v = livelock.atEnd(end, world: world, engine: engine) { return v }
        if let v = ledger.atEnd(end, world: world, engine: engine) { return v }
        if let v = waiters?.atEnd(end, world: world, engine: engine) { return v }
        if let v = accounting.atEnd(end, world: world, engine: engine) { return v }
        if let v = fairness.atEnd(end, world: world, engine: engine) { return v }
        return wakeWalk.atEnd(end, world: world, engine: engine)
    }
}
