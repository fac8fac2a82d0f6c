import PagewaitCore

extension ViolationKind {
    /// I7: psi memstall or delayacct thrashing entered and left a different
    /// number of times by a task that is not inside a wait.
    public static let accountingImbalance = ViolationKind(rawValue: "ACCOUNTING_IMBALANCE")
}

/// Kernel-model I7 (§2.12): thrashing accounting is balanced per wait, and
/// the end side follows the start side's decision. At the end of a run,
/// every task not inside a wait has left psi memstall as often as it
/// entered it, and ended delayacct thrashing as often as it started it. The
/// pre-seed v4.20 code re-read PG_swapbacked after the wait, so a flag that
/// changed during the wait unbalances delayacct.
public struct AccountingChecker: Checker {
    public init() {}

    public mutating func afterStep(_ event: StepEvent, world: World, engine: Engine) -> Violation? { nil }

    public mutating func atEnd(_ end: RunEnd, world: World, engine: Engine) -> Violation? {
        for (t, task) in world.tasks.enumerated() where task.frame.kind != .wait {
            let s = task.stats
            guard s.psiEnter != s.psiLeave || s.delayacctStart != s.delayacctEnd else { continue }
            return Violation(.accountingImbalance, task: t, function: engine.function(of: world, task: t),
                             detail: "psi memstall entered \(s.psiEnter) and left \(s.psiLeave) times;"
                                 + " delayacct thrashing started \(s.delayacctStart) and ended \(s.delayacctEnd) times")
        }
        return nil
    }
}

/// The accounting checker as a plugin.
public struct AccountingCheckerPlugin: CheckerPlugin {
    public init() {}
    public var name: String { "accounting" }
    public var summary: String { "at the end, psi and delayacct thrashing enter/leave counts balance for every task outside a wait" }
    public var reference: String { "kernel-model I7, §2.12; eb414681d5a0, b1d29ba82cf2, 9a1ea439b16b" }
    public func make() -> any Checker { AccountingChecker() }
}
