import PagewaitCore

/// `migrate_pages()` for the one page in `Reg.page`, which the caller has
/// isolated (holding the isolation reference), as in v4.19 (kernel-model
/// §2.8, §2.9). Leaves 0 in `Reg.rc` on success, -EAGAIN after the last
/// pass, -ENOMEM if no target frame could be had.
enum MigratePages {
    /// `unmapCost`: steps each PTE unmap takes beyond the PTE update itself,
    /// under the ptl — the TLB flush of `ptep_clear_flush`, which on a
    /// multi-CPU machine sends an IPI and waits for it.
    static func emit(into b: inout ProgramBuilder, layout: Layout, passes: Int, unmapCost: Int = 0) {
        let P = Reg.page, N = Reg.newPage, pass = Reg.pass, rc = Reg.rc, t = Reg.t0, mapped = Reg.t1

        let passLoop = b.label(), failed = b.label(), freedUnderUs = b.label(), noMemory = b.label()
        let locked = b.label(), noWriteback = b.label(), notMapped = b.label(), stillMapped = b.label()
        let extraRef = b.label(), freezeRace = b.label(), removePTEs = b.label(), unlockN = b.label()
        let lockBusy = b.label(), writebackBusy = b.label(), putN = b.label(), retry = b.label()
        let succeeded = b.label(), done = b.label()

        b.function("migrate_pages") { b in
            b.count(.migrateCalls)
            b.emit(.set(pass, 0))
            b.bind(passLoop)
            b.branch(pass, .greaterOrEqual, Int64(passes), to: failed)
            b.count(.passes)
        }
        b.function("unmap_and_move") { b in
            // Only our isolation reference left: truncated under us.
            b.emit(.readRefcount(P, into: t))
            b.branch(t, .equal, 1, to: freedUnderUs)
            b.emit(.allocPage(pfn: Layout.newPagePfn, into: N, result: t))
            b.branch(t, .equal, 0, to: noMemory)
        }
        b.function("__unmap_and_move") { b in
            b.emit(.set(rc, eagain))
            b.emit(.trylockPage(P, result: t))
            b.branch(t, .equal, 1, to: locked)
            // force = pass > 2: the first three passes only trylock.
            b.branch(pass, .less, 3, to: lockBusy)
            b.lockPage(P)
            b.bind(locked)
            b.emit(.testFlag(P, .writeback, result: t))
            b.branch(t, .equal, 0, to: noWriteback)
            b.branch(pass, .less, 3, to: writebackBusy)
            b.emit(.waitOnPageBit(P, .writeback, .uninterruptible, behavior: BehaviorID.shared, result: t))
            b.bind(noWriteback)
            b.emit(.trylockPage(N, result: t))
            b.emit(.set(mapped, 0))
            b.emit(.readMapcount(P, into: t))
            b.branch(t, .equal, 0, to: notMapped)
        }
        b.function("try_to_unmap_one") { b in
            for slot in layout.slots {
                let ptl = LockID.ptl(Int(slot))
                b.emit(.spinLock(ptl))
                b.emit(.unmapToMigration(slot: slot, page: P))
                b.function("ptep_clear_flush") { $0.pause(unmapCost) }
                b.emit(.spinUnlock(ptl))
                b.count(.pteOps)
            }
            b.emit(.set(mapped, 1))
        }
        b.function("__unmap_and_move") { b in
            b.bind(notMapped)
            b.emit(.readMapcount(P, into: t))
            b.branch(t, .notEqual, 0, to: stillMapped)
        }
        b.function("migrate_page_move_mapping") { b in
            // expected_count: isolation + page cache, + 1 with PG_private.
            let mappingLock = LockID.mapping(Layout.file)
            let withPrivate = b.label()
            b.emit(.testFlag(P, .private, result: t))
            b.branch(t, .equal, 1, to: withPrivate)
            for (expected, entry) in [(Int32(2), nil), (Int32(3), withPrivate)] as [(Int32, Label?)] {
                if let entry { b.bind(entry) }
                let extra = b.label(), race = b.label()
                b.emit(.spinLock(mappingLock))
                b.emit(.readRefcount(P, into: t))
                b.branch(t, .notEqual, Int64(expected), to: extra)
                b.emit(.pageRefFreeze(P, expected: expected, result: t))
                b.branch(t, .equal, 0, to: race)
                b.emit(.cacheReplace(slot: Layout.cacheSlot, new: N))
                b.emit(.pageRefUnfreeze(P, count: expected - 1))
                b.emit(.spinUnlock(mappingLock))
                b.emit(.set(rc, 0))
                b.jump(to: removePTEs)
                b.bind(extra)
                b.emit(.spinUnlock(mappingLock))
                b.jump(to: extraRef)
                b.bind(race)
                b.emit(.spinUnlock(mappingLock))
                b.jump(to: freezeRace)
            }
            b.bind(extraRef)
            b.count(.eagainExtraRef)
            b.jump(to: removePTEs)
            b.bind(freezeRace)
            b.count(.eagainFreezeRace)
            b.jump(to: removePTEs)
        }
        b.function("__unmap_and_move") { b in
            b.bind(stillMapped)
            b.count(.eagainStillMapped)
        }
        b.function("remove_migration_ptes") { b in
            let target = b.label()
            b.bind(removePTEs)
            b.branch(mapped, .equal, 0, to: unlockN)
            // Map the new page on success, the old one again on failure.
            b.emit(.move(t, from: P))
            b.branch(rc, .notEqual, 0, to: target)
            b.emit(.move(t, from: N))
            b.bind(target)
            for slot in layout.slots {
                let ptl = LockID.ptl(Int(slot))
                b.emit(.spinLock(ptl))
                b.emit(.removeMigrationPTE(slot: slot, target: t))
                b.emit(.spinUnlock(ptl))
                b.count(.pteOps)
            }
        }
        b.function("__unmap_and_move") { b in
            b.bind(unlockN)
            b.unlockPage(N)
            b.unlockPage(P)
            b.branch(rc, .notEqual, 0, to: putN)
            // putback_lru_page(newpage) drops the allocation reference.
            b.emit(.putbackLRU(N))
            b.jump(to: succeeded)
            b.bind(lockBusy)
            b.count(.eagainLockBusy)
            b.jump(to: putN)
            b.bind(writebackBusy)
            b.count(.eagainWriteback)
            b.unlockPage(P)
        }
        b.function("unmap_and_move") { b in
            b.bind(putN)
            b.emit(.putPage(N))
            b.bind(retry)
            b.emit(.add(pass, 1))
            b.jump(to: passLoop)
            b.bind(succeeded)
            // The isolation reference: the old page is usually freed here.
            b.emit(.putPage(P))
            b.count(.migrateSucceeded)
            b.jump(to: done)
            b.bind(freedUnderUs)
            b.emit(.putPage(P))
            b.emit(.set(rc, 0))
            b.count(.migrateSucceeded)
            b.jump(to: done)
            b.bind(noMemory)
            b.emit(.set(rc, -12))
            b.emit(.putbackLRU(P))
            b.count(.migrateNoMemory)
            b.jump(to: done)
        }
        b.function("migrate_pages") { b in
            // Pages left after the last pass go back on the LRU.
            b.bind(failed)
            b.emit(.putbackLRU(P))
            b.count(.migrateFailed)
            b.bind(done)
        }
    }

    /// `isolate_lru_page` as the callers do it: pin with
    /// get_page_unless_zero, isolate (which takes its own reference), drop
    /// the pin. Branches to `failed` if the page is gone or not on the LRU.
    static func isolate(into b: inout ProgramBuilder, failed: Label) {
        b.function("isolate_lru_page") { b in
            let gone = b.label(), isolated = b.label()
            b.emit(.loadPage(Reg.page, pfn: Layout.pagePfn))
            b.emit(.getPageUnlessZero(Reg.page, result: Reg.t0))
            b.branch(Reg.t0, .equal, 0, to: gone)
            b.emit(.isolateLRU(Reg.page, result: Reg.t0))
            b.emit(.putPage(Reg.page))
            b.branch(Reg.t0, .equal, 1, to: isolated)
            b.bind(gone)
            b.jump(to: failed)
            b.bind(isolated)
        }
    }
}
