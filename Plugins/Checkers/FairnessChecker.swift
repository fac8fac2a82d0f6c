import PagewaitCore

extension ViolationKind {
    /// F13: a waiter was woken and lost the lock more often, within one
    /// wait, than its wait core allows.
    public static let fairnessBound = ViolationKind(rawValue: "FAIRNESS_BOUND")
}

/// Kernel-model F13, §5.12: requeues within one wait — times an exclusive
/// waiter was woken, lost the bit to another task and had to queue again —
/// are bounded by the wait core: none under v5.9a (2a9127fcf229 hands the
/// lock over in the wake), at most `sysctl_page_lock_unfairness` under v5.9
/// (5ef64cc8987a), unbounded under v4.19.
public struct FairnessChecker: Checker {
    public init() {}

    /// The most requeues one wait may have under `core`, or nil for no bound.
    public static func bound(_ core: WaitCore) -> Int? { core.maxRequeues }

    public mutating func afterStep(_ event: StepEvent, world: World, engine: Engine) -> Violation? {
        // Only a task's own step changes its requeue count.
        let t = event.task.index
        guard t >= 0 && t < world.tasks.count else { return nil }
        let task = world.tasks[t]
        guard task.frame.kind == .wait, let limit = Self.bound(engine.config.waitCore), Int(task.wait.requeues) > limit else { return nil }
        return Violation(.fairnessBound, task: t, pfn: task.wait.page.pfn, function: engine.function(of: world, task: t),
                         detail: "requeued \(task.wait.requeues) times within one wait for \(task.wait.bit.kernelName);"
                             + " the \(engine.config.waitCore) core allows at most \(limit)")
    }

    public mutating func atEnd(_ end: RunEnd, world: World, engine: Engine) -> Violation? { nil }
}

/// The fairness-bound checker as a plugin.
public struct FairnessCheckerPlugin: CheckerPlugin {
    public init() {}
    public var name: String { "fairness" }
    public var summary: String { "requeues within one wait: 0 under v5.9a, at most the unfairness sysctl under v5.9, unbounded under v4.19" }
    public var reference: String { "kernel-model F13, §5.12; 2a9127fcf229, 5ef64cc8987a" }
    public func make() -> any Checker { FairnessChecker() }
}
