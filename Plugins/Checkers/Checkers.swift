import PagewaitCore

/// The checkers every run uses.
public enum Checkers {
    /// Liveness first (a HANG outranks the rest at the end), then every
    /// always-on invariant checker, and the fairness observer last:
    /// statistics read its bypass counts after the run.
    public static func standard(for setup: Setup) -> [any Checker] {
        [
            LivenessChecker(), LivelockChecker(), LedgerChecker(), WaitersChecker(), AccountingChecker(),
            FairnessChecker(), WakeWalkChecker(),
            FairnessObserver(tasks: setup.world.tasks.count, pages: setup.world.pages.count),
        ]
    }
}
