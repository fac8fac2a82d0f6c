import PagewaitCore

extension ViolationKind {
    /// I4: at quiescence a task sleeps on a bit that is clear, or on a page
    /// whose usage is gone: the wake it needed was lost.
    public static let lostWakeup = ViolationKind(rawValue: "LOST_WAKEUP")
    /// I4: at quiescence a task sleeps on a bit that stays set forever.
    public static let hang = ViolationKind(rawValue: "HANG")
    /// At quiescence a task spins on a spinlock nobody will release.
    public static let deadlock = ViolationKind(rawValue: "DEADLOCK")
}

/// Kernel-model I4: when no task can move, none may be asleep. A sleeper
/// whose bit is clear (or whose page was freed or reused) lost its wakeup;
/// one whose bit is still set hangs.
public struct LivenessChecker: Checker {
    public init() {}

    public mutating func afterStep(_ event: StepEvent, world: World, engine: Engine) -> Violation? { nil }

    public mutating func atEnd(_ end: RunEnd, world: World, engine: Engine) -> Violation? {
        guard end == .quiescent else { return nil }
        for (t, task) in world.tasks.enumerated() where !task.finished && !task.isIdleWorker {
            let fn = engine.function(of: world, task: t)
            guard task.blocked else {
                return Violation(.deadlock, task: t, function: fn, detail: "spinning on a lock nobody will release")
            }
            if let c = engine.flushingCPU(of: world, task: t) {
                return Violation(.hang, task: t, function: fn,
                                 detail: "asleep in flush_work for CPU \(c)'s work item, which its kworker will never run")
            }
            let e = task.entry
            guard !e.page.pfn.isNone && e.page.pfn.index < world.pages.count else {
                return Violation(.hang, task: t, function: fn, detail: "asleep with no wait entry")
            }
            let page = world.pages[e.page.pfn.index]
            let where_ = e.onList ? "queued in bucket \(e.bucket)" : "not queued"
            if page.gen != e.page.gen || page.life == .free {
                return Violation(.lostWakeup, task: t, pfn: e.page.pfn, function: fn,
                                 detail: "asleep on \(e.bit.kernelName) of gen \(e.page.gen), \(where_); the page is now \(page.life == .free ? "free" : "gen \(page.gen)"): nobody will wake it")
            }
            if !page.flags.contains(e.bit) {
                return Violation(.lostWakeup, task: t, pfn: e.page.pfn, function: fn,
                                 detail: "asleep on \(e.bit.kernelName), which is clear, \(where_), PG_waiters \(page.flags.contains(.waiters) ? "set" : "clear"): nobody will wake it")
            }
            return Violation(.hang, task: t, pfn: e.page.pfn, function: fn,
                             detail: "asleep on \(e.bit.kernelName), held by task \(page.lockOwner) which will never release it")
        }
        return nil
    }
}

/// The liveness checker as a plugin.
public struct LivenessCheckerPlugin: CheckerPlugin {
    public init() {}
    public var name: String { "liveness" }
    public var summary: String { "at quiescence no task may sleep: LOST_WAKEUP if its bit is clear or its page gone, else HANG" }
    public var reference: String { "kernel-model I4" }
    public func make() -> any Checker { LivenessChecker() }
}
