import PagewaitCore

/// The NUMA hinting fault that migrates a huge page: `do_huge_pmd_numa_page`
/// on a task whose node the page is misplaced for. Under the PMD lock it
/// takes the page lock (a page already locked is waited on the strategy's
/// way, as by any hinting fault) and a reference, drops the lock, rechecks
/// the PMD, and calls `migrate_misplaced_transhuge_page` (mm/migrate.c,
/// v4.19): allocate and lock the new page, isolate the old one (dropping the
/// caller's reference), then under the PMD lock freeze the old page at 2
/// (its mapping and the isolation) — failing, and putting everything back,
/// if anyone else holds a reference — point the PMD at the new page,
/// unfreeze, remove the old rmap; then unlock both pages and drop the old
/// page's two references, which frees it. One attempt, then the experiment
/// is done.
///
/// Model order: the new page's isolate reference is taken under the PMD
/// lock, and the new page is unlocked before it goes on the LRU (as
/// migrate_pages does), so every touch of it is made under a reference.
public struct NumaMigrator: ProgramActor {
    public init() {}
    public var name: String { "numa-migrator" }
    public var summary: String { "a NUMA hinting fault that migrates the huge page: migrate_misplaced_transhuge_page (v4.19), once" }
    public var reference: String { "do_huge_pmd_numa_page (mm/huge_memory.c), migrate_misplaced_transhuge_page (mm/migrate.c), v4.19" }
    public var parameters: Parameters { ["delay": 0] }
    public var limits: [String: Limit] { ["delay": ParameterLimit.steps] }

    public func dependentLimits(_ context: LimitContext) -> [DependentLimit] {
        [DependentLimit("mappings", Limit(1...1), because: "the hinting fault migrates the one PMD that maps the huge page")]
    }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        let P = Reg.page, N = Reg.newPage, t = Reg.t0
        let slot: Int32 = 0, pmdLock = LockID.pmd(0)
        let hook = HookContext(page: P, temporaries: [Reg.t0, Reg.t1], slot: slot, mm: 0, parameters: context.parameters)
        return try build("numa-migrator", context) { b throws(BuildError) in
            let done = b.label(), notNuma = b.label(), wait = b.label(), changed = b.label()
            let failPutback = b.label(), noMemory = b.label(), notIsolated = b.label()
            b.pause(context.int("delay"))
            b.function("do_huge_pmd_numa_page") { b in
                b.emit(.spinLock(pmdLock))
                b.emit(.readPMD(slot: slot, kind: t, page: P))
                b.branch(t, .notEqual, Int64(PTEKind.protnone.rawValue), to: notNuma)
                b.emit(.testFlag(P, .locked, result: t))
                b.branch(t, .equal, 1, to: wait)
                b.emit(.trylockPage(P, result: t))
                b.branch(t, .equal, 0, to: wait)
                // "Page is misplaced. Page lock serialises migrations."
                b.emit(.getPage(P))
                b.emit(.spinUnlock(pmdLock))
                // Confirm the PMD did not change while the lock was dropped.
                b.emit(.spinLock(pmdLock))
                b.emit(.readPMD(slot: slot, kind: t, page: Reg.t1))
                b.branch(t, .notEqual, Int64(PTEKind.protnone.rawValue), to: changed)
                b.emit(.spinUnlock(pmdLock))
            }
            b.function("migrate_misplaced_transhuge_page") { b in
                b.emit(.allocPage(pfn: Layout.newPagePfn, into: N, result: t))
                b.branch(t, .equal, 0, to: noMemory)
            }
            b.function("numamigrate_isolate_page") { b in
                b.emit(.isolateLRU(P, result: t))
                b.branch(t, .equal, 0, to: notIsolated)
                // "the callers reference can be safely dropped".
                b.emit(.putPage(P))
            }
            b.function("migrate_misplaced_transhuge_page") { b in
                // __SetPageLocked(new_page): nobody else sees it yet.
                b.emit(.trylockPage(N, result: t))
                b.emit(.spinLock(pmdLock))
                b.emit(.readPMD(slot: slot, kind: t, page: Reg.t1))
                b.branch(t, .notEqual, Int64(PTEKind.protnone.rawValue), to: failPutback)
                b.emit(.pageRefFreeze(P, expected: 2, result: t))
                b.branch(t, .equal, 0, to: failPutback)
                b.emit(.setHugePMD(slot: slot, new: N))
                b.emit(.getPage(N))
                b.emit(.pageRefUnfreeze(P, count: 2))
                b.emit(.removeHugeRmap(P))
                b.emit(.spinUnlock(pmdLock))
                b.unlockPage(N)
                b.emit(.putbackLRU(N))
                b.unlockPage(P)
                // "Drop the rmap reference", then the LRU isolation reference.
                b.emit(.putPage(P))
                b.emit(.putPage(P))
                b.count(.migrateSucceeded)
                b.jump(to: done)
                b.bind(failPutback)
                b.emit(.spinUnlock(pmdLock))
                b.unlockPage(N)
                b.emit(.putPage(N))
                // "Retake the callers reference and putback on LRU".
                b.emit(.getPage(P))
                b.emit(.putbackLRU(P))
                b.count(.migrateFailed)
                b.unlockPage(P)
                b.emit(.putPage(P))
                b.jump(to: done)
                b.bind(notIsolated)
                b.emit(.putPage(N))
                b.bind(noMemory)
                b.count(.migrateFailed)
                b.unlockPage(P)
                b.emit(.putPage(P))
                b.jump(to: done)
            }
            b.function("do_huge_pmd_numa_page") { b in
                b.bind(changed)
                b.unlockPage(P)
                b.emit(.putPage(P))
                b.bind(notNuma)
                b.emit(.spinUnlock(pmdLock))
                b.jump(to: done)
            }
            b.bind(wait)
            try emit(.hugePMDNumaWait, context, into: &b, hook)
            b.bind(done)
            b.count(.done)
        }
    }
}
