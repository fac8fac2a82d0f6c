import PagewaitCore

/// Who waits for whom, read off a world: each unfinished task that cannot
/// go on has one resource it waits for (a page's PG_locked or other bit, a
/// mutex, an rwsem, a spinlock) and the tasks that hold it. A cycle is a
/// deadlock: every task on it waits for the next, and only the next could
/// release what it waits for. A function of the world alone, so the
/// explorer (which keeps no checker state along a path) and a replay give
/// the same report; the steps it prints are observations the world keeps
/// outside its identity (`TaskStats.sleptAt`, `PageFrame.lockedSince`,
/// `SleepLock.since`, `SleepWaiter.since`).
public struct WaitForGraph: Sendable {
    /// What a task waits for.
    public enum Resource: Hashable, Sendable, CustomStringConvertible {
        /// A page bit (PG_locked, PG_writeback) of frame `pfn`.
        case pageBit(PFN, PageFlags)
        case sleepLock(SleepLockID, SleepLockMode)
        /// A program spinlock it spins on.
        case spinLock(LockID)

        public var description: String {
            switch self {
            case .pageBit(let pfn, let bit): "\(bit.kernelName) of page \(pfn)"
            case .sleepLock(let l, let m): l.kind == .rwsem ? "\(l) for \(m == .shared ? "reading" : "writing")" : "\(l)"
            case .spinLock(let l): "\(l)"
            }
        }
    }

    /// One task's wait: what for, since which step, and who holds it.
    public struct Wait: Hashable, Sendable {
        public var task: Int
        public var resource: Resource
        /// The step at which the task began to wait (went to sleep, or
        /// joined the lock's list); nil for a spinner.
        public var since: Int?
        /// The holders, each with the step at which it took the resource
        /// (nil where the model does not record it).
        public var holders: [(task: Int, since: Int?)]
        /// The resource is free, or the condition the sleeper waits for
        /// already holds: nobody will wake it, and nobody needs to.
        public var conditionTrue: Bool

        public static func == (a: Wait, b: Wait) -> Bool {
            a.task == b.task && a.resource == b.resource && a.since == b.since && a.conditionTrue == b.conditionTrue
                && a.holders.map(\.task) == b.holders.map(\.task) && a.holders.map(\.since) == b.holders.map(\.since)
        }
        public func hash(into h: inout Hasher) { h.combine(task); h.combine(resource) }
    }

    /// An edge of a cycle: `wait.task` waits for `wait.resource`, held by
    /// `holder`; `formed` is the step from which both were true.
    public struct Edge: Hashable, Sendable {
        public var wait: Wait
        public var holder: Int
        public var holderSince: Int?
        public var formed: Int? {
            switch (wait.since, holderSince) {
            case let (a?, b?): max(a, b)
            case let (a?, nil): a
            case let (nil, b?): b
            default: nil
            }
        }
    }

    /// Each waiting task's wait, by task number.
    public private(set) var waits: [Int: Wait] = [:]
    /// The first cycle found (tasks in order, each waiting for the next), or empty.
    public private(set) var cycle: [Edge] = []
    /// Each task's name in reports: `task 3 (relocker)`.
    public private(set) var names: [String] = []

    /// `taskNames`: the setup's (`Setup.taskNames`), which name a task by its
    /// actor line; without them a task is named by its program.
    public init(world w: World, engine: Engine, taskNames: [String] = []) {
        for (t, task) in w.tasks.enumerated() where !task.finished {
            if let wait = Self.wait(of: t, in: w, engine: engine) { waits[t] = wait }
        }
        names = w.tasks.indices.map { t in
            if t < taskNames.count { return "task \(t) (\(taskNames[t]))" }
            let p = Int(w.tasks[t].program)
            return "task \(t)" + (p >= 0 && p < engine.programs.count ? " (\(engine.programs[p].name))" : "")
        }
        cycle = findCycle()
    }

    /// Whether the cycle is a deadlock the liveness check reports as one:
    /// two tasks or more, or a sleeping lock on it. A task asleep on a page
    /// bit it set itself has always been reported as a HANG on that bit.
    public var isDeadlock: Bool {
        guard let first = cycle.first else { return false }
        if cycle.count > 1 { return true }
        if case .sleepLock = first.wait.resource { return true }
        return false
    }

    /// What task `t` waits for in `w`, or nil when it is not stuck on a
    /// resource (it may run, or sleeps on something that has no holder).
    static func wait(of t: Int, in w: World, engine: Engine) -> Wait? {
        let task = w.tasks[t]
        let slept = Int(task.stats.sleptAt)
        if task.blocked, let (l, waiter) = w.sleepLockWait(of: t) {
            let lock = w.sleepLocks[Int(l.raw)]
            // (A waiter the lock was handed or granted to is awake: only its
            // own step is missing. Asleep and named the owner, it sleeps on
            // a lock it holds itself: a cycle of one.)
            var holders: [(Int, Int?)] = []
            if lock.owner != .none { holders.append((lock.owner.index, Int(lock.since))) }
            if waiter.mode == .exclusive { for r in lock.readers { holders.append((r, Int(lock.since))) } }
            return Wait(task: t, resource: .sleepLock(l, waiter.mode), since: Int(waiter.since), holders: holders,
                        conditionTrue: holders.isEmpty)
        }
        if task.blocked {
            let e = task.entry
            guard !e.page.pfn.isNone && e.page.pfn.index < w.pages.count else { return nil }
            let page = w.pages[e.page.pfn.index]
            let gone = page.gen != e.page.gen || page.life == .free
            let set = page.flags.contains(e.bit)
            var holders: [(Int, Int?)] = []
            if !gone && set {
                if e.bit == .locked && page.lockOwner != .none { holders.append((page.lockOwner.index, Int(page.lockedSince))) }
                if e.bit == .writeback && page.writebackBy != .none { holders.append((page.writebackBy.index, nil)) }
            }
            return Wait(task: t, resource: .pageBit(e.page.pfn, e.bit), since: slept, holders: holders, conditionTrue: gone || !set)
        }
        // Not asleep: spinning on a program spinlock someone holds.
        guard task.frame.kind == .none, !engine.isEnabled(w, t) else { return nil }
        let program = engine.programs[Int(task.program)]
        guard Int(task.pc) < program.instructions.count, case .spin(.spinLock(let l)) = program.instructions[Int(task.pc)].op else { return nil }
        let holders: [(Int, Int?)] = w.tasks.indices.filter { w.tasks[$0].holds(l) }.map { ($0, nil) }
        return Wait(task: t, resource: .spinLock(l), since: nil, holders: holders, conditionTrue: holders.isEmpty)
    }

    /// Depth-first search from each waiting task in number order; the first
    /// back edge closes the cycle reported.
    private func findCycle() -> [Edge] {
        var state: [Int: UInt8] = [:]  // 1 on the path, 2 done
        var path: [Edge] = []
        func visit(_ t: Int) -> [Edge]? {
            state[t] = 1
            defer { if state[t] == 1 { state[t] = 2 } }
            guard let wait = waits[t] else { return nil }
            for (h, since) in wait.holders {
                path.append(Edge(wait: wait, holder: h, holderSince: since))
                if state[h] == 1 {
                    // The cycle is the path from h's edge on.
                    let start = path.firstIndex { $0.wait.task == h } ?? 0
                    return Array(path[start...])
                }
                if state[h] == nil, let c = visit(h) { return c }
                path.removeLast()
            }
            return nil
        }
        for t in waits.keys.sorted() where state[t] == nil {
            path = []
            if let c = visit(t) { return c }
        }
        return []
    }

    /// The cycle as a kernel developer reads it: "task 0 (z14-a) waits for
    /// PG_locked of page 0 (since step 9), owned by task 1 (z14-b) (since
    /// step 7); task 1 (z14-b) waits for mutex M0 (since step 11), owned by
    /// task 0 (z14-a) (since step 1)".
    public var chain: String {
        cycle.map { e in
            "\(name(e.wait.task)) waits for \(e.wait.resource)\(e.wait.since.map { " (since step \($0))" } ?? ""), "
                + "\(e.wait.resource.isLock ? "owned" : "held") by \(name(e.holder))"
                + "\(e.holderSince.map { " (since step \($0))" } ?? "")"
        }.joined(separator: "; ")
    }

    public func name(_ t: Int) -> String { t >= 0 && t < names.count ? names[t] : "task \(t)" }
}

extension WaitForGraph.Resource {
    /// A lock (owned), not a bit another task set (held).
    public var isLock: Bool {
        if case .pageBit(_, let bit) = self { return bit == .locked }
        return true
    }
}
