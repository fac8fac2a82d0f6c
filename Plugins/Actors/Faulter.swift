import PagewaitCore

/// A faulter: a process touching the page through its PTE, over and over,
/// thinking between touches. A touch that finds a migration entry faults
/// and runs the strategy's fault path, then retries the access
/// (kernel-model §2.7). Stops when the experiment is done, after `touches`
/// touches if that is non-zero, or when its PTE no longer maps the page.
public struct Faulter: ProgramActor {
    public init() {}
    public var name: String { "faulter" }
    public var summary: String { "touch the page repeatedly; a migration entry goes through the strategy's fault path" }
    public var reference: String { "do_swap_page -> migration_entry_wait (mm/memory.c, mm/migrate.c)" }
    /// `think`: steps between touches. `preemptInWindow`: chance per mille
    /// of being preempted inside the fault path's reference window.
    /// `touches`: 0 = until done.
    public var parameters: Parameters { ["think": 2, "preemptInWindow": 0, "touches": 0, "delay": 0] }
    public var limits: [String: Limit] {
        ["think": ParameterLimit.steps, "preemptInWindow": ParameterLimit.permille, "touches": ParameterLimit.repetitions,
         "delay": ParameterLimit.steps]
    }

    /// A faulter touches the page through its own mapping (PTE slot
    /// index % mappings): with none, every touch would read a slot that
    /// does not exist.
    public func dependentLimits(_ context: LimitContext) -> [DependentLimit] {
        [DependentLimit("mappings", Limit(1...Int64(LockID.maxProcesses)), because: "a faulter touches the page through a mapping")]
    }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        let slot = Int32(context.index % max(1, context.layout.mappings))
        let limit = context.int("touches")
        return try build("faulter", context) { b throws(BuildError) in
            let loop = b.label(), exit = b.label(), fault = b.label(), touched = b.label()
            b.pause(context.int("delay"))
            // Counting touches only when they are limited keeps a faulter
            // that runs until done a finite-state program.
            if limit > 0 { b.emit(.set(Reg.loop, 0)) }
            b.bind(loop)
            b.function("faulter") { b in
                b.emit(.readCounter(Counter.done.rawValue, into: Reg.t0))
                b.branch(Reg.t0, .notEqual, 0, to: exit)
                if limit > 0 { b.branch(Reg.loop, .greaterOrEqual, Int64(limit), to: exit) }
            }
            b.function("handle_mm_fault") { b in
                b.emit(.readPTE(slot: slot, kind: Reg.t0, page: Reg.page))
                b.branch(Reg.t0, .equal, Int64(PTEKind.present.rawValue), to: touched)
                b.branch(Reg.t0, .equal, Int64(PTEKind.migration.rawValue), to: fault)
                b.jump(to: exit)
            }
            b.bind(fault)
            b.function("do_swap_page") { $0.count(.faults) }
            try emit(.migrationEntryWait, context, into: &b,
                     HookContext(page: Reg.page, temporaries: [Reg.t0, Reg.t1], slot: slot, mm: Int(slot), parameters: context.parameters))
            b.jump(to: loop)
            b.bind(touched)
            b.function("faulter") { b in
                b.count(.touches)
                if limit > 0 { b.emit(.add(Reg.loop, 1)) }
                b.pause(context.int("think"))
                b.jump(to: loop)
            }
            b.bind(exit)
        }
    }
}
