import PagewaitCore

/// The three fault paths on a migration entry, as programs (kernel-model §2.7).
enum FaultPaths {
    /// `context.page` receives the page; `temporaries[0]` the PTE kind,
    /// `temporaries[1]` a result. Parameter `preemptInWindow` (per mille):
    /// the chance the faulter is preempted between dropping the ptl and
    /// queueing, inside its reference window (Hugh Dickins' "should we
    /// disable preemption across this?").
    ///
    /// `level` picks the entry: a PTE (`__migration_entry_wait` under the
    /// ptl) or a huge page's PMD (`pmd_migration_entry_wait` under the PMD
    /// lock, which the seed converted the same way: 9a1ea439b16b).
    static func emit(_ axes: StrategyAxes, into b: inout ProgramBuilder, context: HookContext, ownBehavior: UInt8?,
                     level: PageTableLevel = .pte) {
        let page = context.page
        let kind = context.temporaries[0]
        let ok = context.temporaries[1]
        let ptl = level.lock(mm: context.mm)
        let preempt = UInt16(clamping: max(0, min(1000, context.parameters["preemptInWindow"] ?? 0)))
        let name = axes.fault == .noref ? "migration_entry_wait_on_locked"
            : level == .pte ? "__migration_entry_wait" : "pmd_migration_entry_wait"
        b.function(level == .pte ? name : "pmd_migration_entry_wait") { b in
            let outUnlock = b.label(), done = b.label()
            b.emit(.spinLock(ptl))
            b.emit(level == .pte ? .readPTE(slot: context.slot, kind: kind, page: page) : .readPMD(slot: context.slot, kind: kind, page: page))
            b.branch(kind, .notEqual, Int64(PTEKind.migration.rawValue), to: outUnlock)
            switch axes.fault {
            case .legacy, .drop:
                // "we must not call put_and_wait_on_page_locked() without a
                // ref": get_page_unless_zero, and just fault again if it fails.
                b.emit(.getPageUnlessZero(page, result: ok))
                b.branch(ok, .equal, 0, to: outUnlock)
                b.emit(.spinUnlock(ptl))
                if preempt > 0 { b.emit(.preemptionPoint(permille: preempt)) }
                if axes.fault == .legacy {
                    b.waitOnPageLocked(page)
                    b.function(name) { $0.emit(.putPage(page)) }
                } else {
                    b.putAndWaitOnPageLocked(page, state: axes.faultSleep, behavior: ownBehavior ?? BehaviorID.drop)
                }
            case .noref:
                // Queue while the ptl pins the migration entry (and so the
                // migrator's reference); drop the ptl only once queued.
                // pmd_migration_entry_wait calls the same function.
                b.function(name) { b in
                    b.emit(.waitOnPageBitReleasing(page, .locked, .uninterruptible, behavior: ownBehavior ?? BehaviorID.shared,
                                                   release: ptl, result: ok))
                }
            }
            b.jump(to: done)
            b.bind(outUnlock)
            b.emit(.spinUnlock(ptl))
            b.bind(done)
        }
    }
}

/// `do_huge_pmd_numa_page`'s wait for a huge page whose migration has
/// begun (kernel-model §2.7, THP variants): entered holding the PMD lock,
/// with the page in `context.page`; leaves with the lock released.
enum HugeNumaFaultPath {
    static func emit(_ axes: StrategyAxes, into b: inout ProgramBuilder, context: HookContext, ownBehavior: UInt8?) {
        let page = context.page
        let ok = context.temporaries[1]
        let pmdLock = LockID.pmd(context.mm)
        b.function("do_huge_pmd_numa_page") { b in
            let outUnlock = b.label(), done = b.label()
            switch (axes.fault, axes.hugeNuma) {
            case (.legacy, .unpinned), (.drop, .unpinned), (.noref, .unpinned):
                // b8916634b77b .. 3c226c637b69: drop the PMD lock and wait on a
                // page this task holds no reference on; the migrator may free
                // it first.
                b.emit(.spinUnlock(pmdLock))
                b.waitOnPageLocked(page)
            case (.legacy, .pinned), (.drop, .pinned):
                // 3c226c637b69: "take a reference on the page before dropping
                // the pmd lock, mirroring what we do in __migration_entry_wait()".
                b.emit(.getPageUnlessZero(page, result: ok))
                b.branch(ok, .equal, 0, to: outUnlock)
                b.emit(.spinUnlock(pmdLock))
                if axes.fault == .legacy {
                    b.waitOnPageLocked(page)
                    b.function("do_huge_pmd_numa_page") { $0.emit(.putPage(page)) }
                } else {
                    // The seed: put_and_wait_on_page_locked at both waits.
                    b.putAndWaitOnPageLocked(page, state: axes.faultSleep, behavior: ownBehavior ?? BehaviorID.drop)
                }
            case (.noref, .pinned):
                // ffa65753c431's rule at this site: queue while the PMD lock
                // pins the mapping (and so the page), no reference. (From
                // c5b5a3dd2c1f, v5.14, the kernel's NUMA hinting fault on a
                // huge PMD no longer waits here at all.)
                b.emit(.waitOnPageBitReleasing(page, .locked, .uninterruptible, behavior: ownBehavior ?? BehaviorID.shared,
                                               release: pmdLock, result: ok))
            }
            b.jump(to: done)
            b.bind(outUnlock)
            b.emit(.spinUnlock(pmdLock))
            b.bind(done)
        }
    }
}

/// Reclaim's clearing of PG_locked on a frozen page (kernel-model §2.11.5).
enum ReclaimClear {
    static func emit(_ variant: ReclaimVariant, into b: inout ProgramBuilder, context: HookContext) {
        let page = context.page
        switch variant {
        case .unlockless, .waitersAsRef:
            b.nonAtomicClearLocked(page)
        case .unlock:
            b.unlockPage(page)
        case .cond:
            b.function("shrink_page_list") { b in
                let waking = b.label(), done = b.label()
                let t = context.temporaries[0]
                // After the freeze's full barrier, a DROP waiter's
                // SetPageWaiters (which precedes its put) is visible.
                b.emit(.testFlag(page, .waiters, result: t))
                b.branch(t, .equal, 1, to: waking)
                b.nonAtomicClearLocked(page)
                b.jump(to: done)
                b.bind(waking)
                b.unlockPage(page)
                b.bind(done)
            }
        }
    }
}
