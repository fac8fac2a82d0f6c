import PagewaitCore

extension Checkers {
    /// The standard checkers an exploration can use as functions of the
    /// world: those keeping per-run statistics (the fairness observer) are
    /// left out, since exploration does not carry a checker's state along
    /// each path.
    public static func forExploration(_ setup: Setup, waitersDiagnostic: Bool = true) -> [any Checker] {
        standard(for: setup, waitersDiagnostic: waitersDiagnostic).filter { !($0 is FairnessObserver) }
    }
}
