import PagewaitCore

extension ViolationKind {
    /// I6/F2: memory offlining hit its iteration budget with the page still
    /// in use: the outer loop would go round forever.
    public static let livelock = ViolationKind(rawValue: "LIVELOCK")
}

/// Kernel-model I6, F2: offlining's outer loop retries until the range is
/// free, with no timeout and no retry limit (ecde0f3e7f9e, 72b39cfc4d75); the
/// model gives it an iteration budget, and hitting that budget
/// (`Counter.offlineBudgetHit`) is the livelock verdict. The violation
/// carries the -EAGAIN cause histogram that explains why no pass succeeded.
public struct LivelockChecker: Checker {
    public init() {}

    public mutating func afterStep(_ event: StepEvent, world: World, engine: Engine) -> Violation? { nil }

    public mutating func atEnd(_ end: RunEnd, world: World, engine: Engine) -> Violation? {
        // Worlds without the actors' counters (hand-built ones) have no offliner.
        guard world.counters.count == Counter.allCases.count, world[.offlineBudgetHit] > 0 else { return nil }
        let causes = [Counter.eagainLockBusy, .eagainWriteback, .eagainStillMapped, .eagainExtraRef, .eagainFreezeRace]
            .map { "\($0.name) \(world[$0])" }.joined(separator: ", ")
        let offliner = world.tasks.indices.first { engine.programs[Int(world.tasks[$0].program)].name == "offliner" } ?? -1
        return Violation(.livelock, task: offliner, pfn: .none, function: "__offline_pages",
                         detail: "offlining hit its budget after \(world[.offlineIterations]) iterations"
                             + " (\(world[.migrateCalls]) migrate_pages calls, \(world[.passes]) passes);"
                             + " -EAGAIN causes: \(causes)")
    }
}

/// The livelock checker as a plugin.
public struct LivelockCheckerPlugin: CheckerPlugin {
    public init() {}
    public var name: String { "livelock" }
    public var summary: String { "at the end, LIVELOCK if offlining hit its iteration budget, with the -EAGAIN cause histogram" }
    public var reference: String { "kernel-model I6, F2; __offline_pages, ecde0f3e7f9e, 72b39cfc4d75" }
    public func make() -> any Checker { LivelockChecker() }
}

// MARK: - CPU starvation

extension LivelockChecker {
    /// How a CPU-starvation livelock's detail begins: such a violation is
    /// judged on a cycle (`Setup.nonTermination`), not at a run's end, so
    /// a shrinker cannot keep it.
    public static let starvationPrefix = "CPU starvation: "

    /// The violation is a livelock of a cycle in which spinners own CPUs.
    public static func isCPUStarvation(_ v: Violation) -> Bool {
        v.kind == .livelock && v.detail.hasPrefix(starvationPrefix)
    }

    /// LIVELOCK for a fair cycle (`cycle`: the tasks stepping, from the
    /// world `worlds[0]` back to it) in which the tasks `starved` could
    /// step throughout but never got their CPU: each spinner (a task that
    /// steps in the cycle) with its CPU and what it spins on — a page lock
    /// and its owner, and what that owner waits for — then the starved
    /// tasks with the CPU each waits for. `step`: where the violation
    /// stands (the cycle's end); `from`: the cycle's first step.
    public static func cpuStarvation(setup: Setup, cycle: [Int], worlds: [World], starved: TaskSet, from: Int, step: Int) -> Violation {
        let engine = setup.engine, w = worlds[0]
        let topology = engine.config.cpus.topology
        let name = { (t: Int) in t >= 0 && t < setup.taskNames.count ? setup.taskNames[t] : "task \(t)" }
        let cpu = { (t: Int) in topology.map { "CPU \($0.cpu(of: t))" } ?? "its CPU" }
        var spinners: [Int] = []
        for t in cycle where !spinners.contains(t) { spinners.append(t) }
        func owner(_ pfn: PFN) -> String {
            guard pfn.index >= 0 && pfn.index < w.pages.count else { return "" }
            let o = w.pages[pfn.index].lockOwner.index
            guard o >= 0 && o < w.tasks.count else { return ", which nobody holds" }
            var what = ", held by \(name(o))"
            if let c = engine.flushingCPU(of: w, task: o) {
                what += " (asleep in flush_work for CPU \(c)'s work item)"
            } else if w.tasks[o].blocked {
                what += " (asleep in \(engine.function(of: w, task: o)))"
            } else {
                what += " (in \(engine.function(of: w, task: o)))"
            }
            return what
        }
        var parts: [String] = []
        for s in spinners {
            // What the spinner's steps in the cycle try: a trylock's page.
            var on = ""
            for (i, t) in cycle.enumerated() where t == s && on.isEmpty {
                let task = worlds[i].tasks[s]
                let program = engine.programs[Int(task.program)]
                guard task.frame.kind == .none, Int(task.pc) < program.instructions.count else { continue }
                switch program.instructions[Int(task.pc)].op {
                case .flag(.trylockPage(let r, _)):
                    let pfn = PageRef(register: task.registers[Int(r)]).pfn
                    on = " on trylock of PG_locked of pfn \(pfn)" + owner(pfn)
                case .spin(.spinLock(let l)):
                    on = " on spin_lock \(l)"
                default: break
                }
            }
            parts.append("\(name(s)) keeps \(cpu(s)), spinning in \(engine.function(of: w, task: s))\(on)")
        }
        let waiting = starved.map { "\(name($0)) (\(engine.function(of: w, task: $0))) can run but never gets \(cpu($0))" }
        let model = topology.map { "preemption \($0.preemption)" } ?? ""
        let detail = starvationPrefix + parts.joined(separator: "; ") + "; " + waiting.joined(separator: "; ")
            + ": the \(cycle.count) steps from step \(from) on bring the world back to the state it was in before step \(from)"
            + " and every task on a CPU steps in them, so under \(model) they repeat forever and nothing moves"
        let first = spinners.first ?? starved.first ?? 0
        return Violation(.livelock, task: first, function: engine.function(of: w, task: first), detail: detail, step: step)
    }
}
