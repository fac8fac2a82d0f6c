import PagewaitCore

/// The scenario's CPUs as a scenario declares them (`cpus = N`,
/// `preemption = "none"`): how many, and the preemption model, which the
/// parameter `preemption` (0 none, 1 voluntary, 2 full) may override.
public struct CPUDeclaration: Hashable, Sendable {
    public var count: Int
    public var preemption: Preemption

    public init(count: Int, preemption: Preemption = .full) {
        self.count = count
        self.preemption = preemption
    }

    /// CPUs a scenario may declare.
    public static let countLimit = Limit(1...Int64(CPUTopology.maxCPUs))
    /// The scenario parameter that picks the preemption model.
    public static let preemptionParameter = "preemption"
    /// Its values: `Preemption.rawValue`.
    public static let preemptionLimit = Limit(0...Int64(Preemption.allCases.count - 1))
}

/// Known-bugs Z15's lock holder: device migration's collect step, which
/// holds a folio locked and calls `lru_add_drain_all()` — it queues the
/// drain's work item on every CPU and waits for each (mm/swap.c;
/// migrate_vma_setup -> migrate_vma_collect, mm/migrate_device.c). Pin the
/// page, `lock_page`, drain, `unlock_page`, unpin.
public struct DrainLocker: ProgramActor {
    public init() {}
    public var name: String { "drain-locker" }
    public var summary: String { "lock_page, then lru_add_drain_all() (work on every CPU, wait for all), then unlock_page" }
    public var reference: String { "lru_add_drain_all (mm/swap.c); migrate_vma_collect (mm/migrate_device.c); known-bugs Z15" }
    public var parameters: Parameters { ["delay": 0] }
    public var limits: [String: Limit] { ["delay": ParameterLimit.steps] }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        guard context.cpus > 0 else { throw BuildError("actor '\(name)' calls lru_add_drain_all(): the scenario must declare CPUs (cpus = N)") }
        return try build(name, context) { b in
            let exit = b.label()
            b.pause(context.int("delay"))
            b.function("migrate_vma_collect") { b in
                b.emit(.loadPage(Reg.page, pfn: Layout.pagePfn))
                b.emit(.getPageUnlessZero(Reg.page, result: Reg.t0))
                b.branch(Reg.t0, .equal, 0, to: exit)
            }
            b.lockPage(Reg.page)
            b.lruAddDrainAll(cpus: context.cpus)
            b.unlockPage(Reg.page)
            b.function("migrate_vma_finalize") { b in
                b.emit(.putPage(Reg.page))
                b.bind(exit)
            }
        }
    }
}

/// Known-bugs Z15's spinner: `hmm_range_fault()` faulting in a page whose
/// folio is locked. do_swap_page pins the folio and tries `folio_trylock`;
/// when that fails it unpins and returns, and hmm_range_fault retries
/// (-EBUSY) at once: a spin loop that keeps its CPU. `resched` = 1 adds a
/// `cond_resched()` to each round; `fix` = 1 is the fix ("mm: Fix a
/// hmm_range_fault() livelock / starvation problem", 2026): sleep until the
/// folio is unlocked (softleaf_entry_wait_on_locked, formerly
/// migration_entry_wait_on_locked: drop the pin and wait) before retrying.
/// Once it has the lock: migrate the page back (modelled as nothing), unlock,
/// unpin.
public struct HmmFaulter: ProgramActor {
    public init() {}
    public var name: String { "hmm-faulter" }
    public var summary: String { "hmm_range_fault -> do_swap_page: folio_trylock in a retry loop (optionally with cond_resched), or the fix: wait for the unlock" }
    public var reference: String { "hmm_range_fault (mm/hmm.c), do_swap_page (mm/memory.c); fix \"mm: Fix a hmm_range_fault() livelock / starvation problem\" (Fixes 1afaeb8293c9); known-bugs Z15" }
    public var parameters: Parameters { ["resched": 0, "fix": 0, "delay": 0] }
    public var limits: [String: Limit] { ["resched": ParameterLimit.flag, "fix": ParameterLimit.flag, "delay": ParameterLimit.steps] }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        let P = Reg.page, t = Reg.t0
        return try build(name, context) { b in
            let retry = b.label(), locked = b.label()
            b.pause(context.int("delay"))
            b.bind(retry)
            b.function("do_swap_page") { b in
                b.emit(.loadPage(P, pfn: Layout.pagePfn))
                b.emit(.getPageUnlessZero(P, result: t))
                b.branch(t, .equal, 0, to: retry)
                b.emit(.trylockPage(P, result: t))
                b.branch(t, .equal, 1, to: locked)
            }
            if context.int("fix") != 0 {
                // The fix: drop the pin and sleep until the folio is unlocked.
                b.putAndWaitOnPageLocked(P)
            } else {
                b.function("do_swap_page") { b in b.emit(.putPage(P)) }
                if context.int("resched") != 0 { b.condResched() }
            }
            b.function("hmm_range_fault") { b in b.jump(to: retry) }
            b.bind(locked)
            b.function("migrate_to_ram") { b in b.pause(0) }
            b.unlockPage(P)
            b.function("do_swap_page") { b in b.emit(.putPage(P)) }
        }
    }
}
