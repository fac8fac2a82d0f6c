import PagewaitCore

/// Memory offlining's outer loop, v4.15 … v4.20 (`__offline_pages`):
/// repeat until the range is free — no timeout and no retry limit since
/// ecde0f3e7f9e and 72b39cfc4d75 — leaving only on a pending signal. The
/// model adds an iteration `budget` so a livelock ends a run; hitting it is
/// the livelock verdict (kernel-model §2.10, F2).
public struct Offliner: ProgramActor {
    public init() {}
    public var name: String { "offliner" }
    public var summary: String { "__offline_pages: isolate and migrate until the range is free, or a signal, or the budget" }
    public var reference: String { "__offline_pages, do_migrate_range (mm/memory_hotplug.c); ecde0f3e7f9e, 72b39cfc4d75" }
    public var parameters: Parameters { ["passes": 10, "unmapCost": 0, "budget": 10, "delay": 0] }
    /// A budget of 0 would give up before the first attempt.
    public var limits: [String: Limit] {
        ["passes": ParameterLimit.atLeastOnce, "unmapCost": ParameterLimit.steps, "budget": ParameterLimit.atLeastOnce,
         "delay": ParameterLimit.steps]
    }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        try build("offliner", context) { b in
            let repeatLoop = b.label(), interrupted = b.label(), budgetHit = b.label(), rangeFree = b.label(), finish = b.label(), end = b.label()
            b.pause(context.int("delay"))
            b.emit(.set(Reg.loop, 0))
            b.function("__offline_pages") { b in
                b.bind(repeatLoop)
                b.emit(.signalPending(result: Reg.t0))
                b.branch(Reg.t0, .equal, 1, to: interrupted)
                b.branch(Reg.loop, .greaterOrEqual, Int64(context.int("budget")), to: budgetHit)
                b.emit(.add(Reg.loop, 1))
                b.count(.offlineIterations)
                // lru_add_drain_all() and friends: a yield point.
                b.emit(.pause)
            }
            b.function("do_migrate_range") { b in
                // scan_movable_pages + isolate; a range with nothing in use is free.
                MigratePages.isolate(into: &b, failed: rangeFree)
                MigratePages.emit(into: &b, layout: context.layout, passes: context.int("passes"), unmapCost: context.int("unmapCost"))
                b.jump(to: repeatLoop)
            }
            b.function("__offline_pages") { b in
                b.bind(rangeFree)
                // check_pages_isolated: the page may only be off the LRU for a moment.
                b.emit(.loadPage(Reg.page, pfn: Layout.pagePfn))
                b.emit(.getPageUnlessZero(Reg.page, result: Reg.t0))
                b.branch(Reg.t0, .equal, 0, to: finish)
                b.emit(.putPage(Reg.page))
                b.jump(to: repeatLoop)
                b.bind(finish)
                b.count(.offlineSucceeded)
                b.jump(to: end)
                b.bind(interrupted)
                b.count(.offlineInterrupted)
                b.jump(to: end)
                b.bind(budgetHit)
                b.count(.offlineBudgetHit)
                b.bind(end)
                b.count(.done)
            }
        }
    }
}
