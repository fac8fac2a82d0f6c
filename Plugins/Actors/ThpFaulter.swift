import PagewaitCore

/// A faulter on a huge page mapped by a PMD: touches it over and over. A
/// touch that finds a PMD migration entry runs the strategy's
/// `pmd_migration_entry_wait`; one that finds a NUMA hinting (PROT_NONE) PMD
/// runs `do_huge_pmd_numa_page` as a task on the page's own node: under the
/// PMD lock, a page already locked ("pmd_trans_migrating") or one whose
/// trylock fails ("Migration could have started") is waited on the
/// strategy's way (`Hook.hugePMDNumaWait`); a page it locks itself is not
/// misplaced for it, so it clears the hint (clear_pmdnuma) and unlocks it
/// (mm/huge_memory.c, v4.19). Kernel-model §2.7, THP variants.
public struct ThpFaulter: ProgramActor {
    public init() {}
    public var name: String { "thp-faulter" }
    public var summary: String { "touch a PMD-mapped huge page; migration entries and NUMA hints go through the strategy's THP fault paths" }
    public var reference: String { "__handle_mm_fault -> pmd_migration_entry_wait, do_huge_pmd_numa_page (mm/huge_memory.c, mm/migrate.c)" }
    /// `think`: steps between touches; `touches`: 0 = until done.
    public var parameters: Parameters { ["think": 2, "touches": 0, "delay": 0] }
    public var limits: [String: Limit] {
        ["think": ParameterLimit.steps, "touches": ParameterLimit.repetitions, "delay": ParameterLimit.steps]
    }

    public func dependentLimits(_ context: LimitContext) -> [DependentLimit] {
        [DependentLimit("mappings", Limit(1...Int64(LockID.maxProcesses)), because: "a faulter touches the page through a mapping")]
    }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        let slot = Int32(context.index % max(1, context.layout.mappings))
        let mm = Int(slot)
        let pmdLock = LockID.pmd(mm)
        let limit = context.int("touches")
        let hook = HookContext(page: Reg.page, temporaries: [Reg.t0, Reg.t1], slot: slot, mm: mm, parameters: context.parameters)
        return try build("thp-faulter", context) { b throws(BuildError) in
            let loop = b.label(), exit = b.label(), migration = b.label(), numa = b.label(), touched = b.label()
            let wait = b.label(), notOurs = b.label()
            b.pause(context.int("delay"))
            if limit > 0 { b.emit(.set(Reg.loop, 0)) }
            b.bind(loop)
            b.function("faulter") { b in
                b.emit(.readCounter(Counter.done.rawValue, into: Reg.t0))
                b.branch(Reg.t0, .notEqual, 0, to: exit)
                if limit > 0 { b.branch(Reg.loop, .greaterOrEqual, Int64(limit), to: exit) }
            }
            b.function("__handle_mm_fault") { b in
                b.emit(.readPMD(slot: slot, kind: Reg.t0, page: Reg.page))
                b.branch(Reg.t0, .equal, Int64(PTEKind.present.rawValue), to: touched)
                b.branch(Reg.t0, .equal, Int64(PTEKind.migration.rawValue), to: migration)
                b.branch(Reg.t0, .equal, Int64(PTEKind.protnone.rawValue), to: numa)
                b.jump(to: exit)
            }
            b.bind(migration)
            b.count(.faults)
            try emit(.pmdMigrationEntryWait, context, into: &b, hook)
            b.jump(to: loop)
            b.bind(numa)
            b.function("do_huge_pmd_numa_page") { b in
                b.count(.faults)
                b.emit(.spinLock(pmdLock))
                // pmd_same: the hint may be gone, or the page another.
                b.emit(.readPMD(slot: slot, kind: Reg.t0, page: Reg.page))
                b.branch(Reg.t0, .notEqual, Int64(PTEKind.protnone.rawValue), to: notOurs)
                // pmd_trans_migrating: PageLocked(pmd_page), under the PMD lock.
                b.emit(.testFlag(Reg.page, .locked, result: Reg.t0))
                b.branch(Reg.t0, .equal, 1, to: wait)
                b.emit(.trylockPage(Reg.page, result: Reg.t0))
                b.branch(Reg.t0, .equal, 0, to: wait)
                // Locked by us, and mpol_misplaced says the page is where this
                // task wants it: clear_pmdnuma.
                b.emit(.clearPMDNuma(slot: slot))
                b.unlockPage(Reg.page)
                b.bind(notOurs)
                b.emit(.spinUnlock(pmdLock))
                b.jump(to: loop)
            }
            b.bind(wait)
            try emit(.hugePMDNumaWait, context, into: &b, hook)
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
