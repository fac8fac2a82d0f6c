import PagewaitCore

extension ViolationKind {
    /// I4: at quiescence a task sleeps on a bit that is clear, or on a page
    /// whose usage is gone: the wake it needed was lost.
    public static let lostWakeup = ViolationKind(rawValue: "LOST_WAKEUP")
    /// I4: at quiescence a task sleeps on a bit that stays set forever.
    public static let hang = ViolationKind(rawValue: "HANG")
    /// At quiescence a task spins on a spinlock nobody will release, or
    /// (at quiescence or when a bounded run ends) tasks wait for each other
    /// in a cycle of the wait-for graph (`WaitForGraph`).
    public static let deadlock = ViolationKind(rawValue: "DEADLOCK")
}

/// Kernel-model I4: when no task can move, none may be asleep. A sleeper
/// whose bit is clear (or whose page was freed or reused) lost its wakeup;
/// one whose bit is still set hangs.
public struct LivenessChecker: Checker {
    /// What reports call the tasks (`Setup.taskNames`); empty: by program.
    public var taskNames: [String]

    public init(taskNames: [String] = []) { self.taskNames = taskNames }

    public mutating func afterStep(_ event: StepEvent, world: World, engine: Engine) -> Violation? { nil }

    public mutating func atEnd(_ end: RunEnd, world: World, engine: Engine) -> Violation? {
        guard end == .quiescent || end == .stepLimit else { return nil }
        if let v = Self.deadlock(end, world: world, engine: engine, taskNames: taskNames) { return v }
        guard end == .quiescent else { return nil }
        for (t, task) in world.tasks.enumerated() where !task.finished && !task.isIdleWorker {
            let fn = engine.function(of: world, task: t)
            guard task.blocked else {
                return Violation(.deadlock, task: t, function: fn, detail: "spinning on a lock nobody will release")
            }
            if let v = Self.sleepingLockWait(t, world: world, engine: engine, taskNames: taskNames) { return v }
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

extension LivenessChecker {
    /// A cycle of the wait-for graph, as DEADLOCK. At quiescence any cycle;
    /// when a bounded run ends, a cycle of sleepers only (a spinner may
    /// still be let through by a task the budget stopped). Asks for the
    /// graph only when some task sleeps or, at quiescence, spins.
    static func deadlock(_ end: RunEnd, world: World, engine: Engine, taskNames: [String] = []) -> Violation? {
        var sleepers = 0, stuck = 0
        for t in world.tasks.indices where !world.tasks[t].finished {
            stuck += 1
            if world.tasks[t].blocked { sleepers += 1 }
        }
        guard end == .quiescent ? stuck > 0 : sleepers > 1 || (sleepers == 1 && !world.sleepLocks.isEmpty) else { return nil }
        let graph = WaitForGraph(world: world, engine: engine, taskNames: taskNames)
        guard graph.isDeadlock, let first = graph.cycle.first else { return nil }
        if end != .quiescent && !graph.cycle.allSatisfy({ world.tasks[$0.wait.task].blocked }) { return nil }
        var pfn = PFN.none
        if case .pageBit(let p, _) = first.wait.resource { pfn = p }
        return Violation(.deadlock, task: first.wait.task, pfn: pfn, function: engine.function(of: world, task: first.wait.task),
                         detail: "wait-for cycle: \(graph.chain)")
    }

    /// A task asleep on a mutex or rwsem: LOST_WAKEUP if it could take the
    /// lock (nobody holds it in a way that excludes it), HANG otherwise,
    /// naming the holders; nil if it is not on a sleeping lock's list.
    static func sleepingLockWait(_ t: Int, world: World, engine: Engine, taskNames: [String] = []) -> Violation? {
        guard world.sleepLockWait(of: t) != nil, let wait = WaitForGraph.wait(of: t, in: world, engine: engine) else { return nil }
        let fn = engine.function(of: world, task: t)
        let graph = WaitForGraph(world: world, engine: engine, taskNames: taskNames)
        if wait.conditionTrue {
            return Violation(.lostWakeup, task: t, function: fn,
                             detail: "asleep on the wait list of \(wait.resource), which nobody holds: nobody will wake it")
        }
        let holders = wait.holders.map { h in
            graph.name(h.task) + (world.tasks[h.task].finished ? " (finished)" : world.tasks[h.task].blocked ? " (asleep)" : "")
        }.joined(separator: ", ")
        return Violation(.hang, task: t, function: fn,
                         detail: "asleep on \(wait.resource), held by \(holders), which will never release it")
    }
}

/// The liveness checker as a plugin.
public struct LivenessCheckerPlugin: CheckerPlugin {
    public init() {}
    public var name: String { "liveness" }
    public var summary: String { "at quiescence no task may sleep: DEADLOCK on a wait-for cycle, LOST_WAKEUP if its bit is clear, its page gone or its lock free, else HANG" }
    public var reference: String { "kernel-model I4" }
    public func make() -> any Checker { LivenessChecker() }
}
