import PagewaitCore

/// `migrate_pages()` on an anonymous THP mapped by PMDs, with THP migration
/// (616b8371539a, v4.14): isolate, lock, replace every PMD by a PMD
/// migration entry (set_pmd_migration_entry), check the count
/// (migrate_page_move_mapping for an anon page: only the isolation reference
/// may be left; no freeze), point the entries at the new page on success or
/// back at the old one (remove_migration_pmd), unlock both, and on success
/// drop the isolation reference, which frees the old page. `passes` passes,
/// the first three trylock only, as `migrator` does (mm/migrate.c, v4.19).
public struct ThpMigrator: ProgramActor {
    public init() {}
    public var name: String { "thp-migrator" }
    public var summary: String { "isolate the huge page and migrate_pages() it through PMD migration entries" }
    public var reference: String { "migrate_pages, set_pmd_migration_entry, remove_migration_pmd (mm/migrate.c, mm/huge_memory.c; 616b8371539a)" }
    public var parameters: Parameters { ["passes": 10, "delay": 0] }
    public var limits: [String: Limit] { ["passes": ParameterLimit.atLeastOnce, "delay": ParameterLimit.steps] }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        let P = Reg.page, N = Reg.newPage, pass = Reg.pass, rc = Reg.rc, t = Reg.t0
        let passes = context.int("passes")
        let slots = context.layout.slots
        return try build("thp-migrator", context) { b in
            let done = b.label(), passLoop = b.label(), failed = b.label(), locked = b.label(), lockBusy = b.label()
            let remove = b.label(), target = b.label(), putN = b.label(), noMemory = b.label()
            b.pause(context.int("delay"))
            MigratePages.isolate(into: &b, failed: done)
            b.function("migrate_pages") { b in
                b.count(.migrateCalls)
                b.emit(.set(pass, 0))
                b.bind(passLoop)
                b.branch(pass, .greaterOrEqual, Int64(passes), to: failed)
                b.count(.passes)
            }
            b.function("unmap_and_move") { b in
                b.emit(.allocPage(pfn: Layout.newPagePfn, into: N, result: t))
                b.branch(t, .equal, 0, to: noMemory)
            }
            b.function("__unmap_and_move") { b in
                b.emit(.set(rc, eagain))
                b.emit(.trylockPage(P, result: t))
                b.branch(t, .equal, 1, to: locked)
                b.branch(pass, .less, 3, to: lockBusy)
                b.lockPage(P)
                b.bind(locked)
                b.emit(.trylockPage(N, result: t))
            }
            b.function("try_to_unmap_one") { b in
                for slot in slots {
                    b.emit(.spinLock(.pmd(Int(slot))))
                    b.emit(.setPMDMigrationEntry(slot: slot, page: P))
                    b.emit(.spinUnlock(.pmd(Int(slot))))
                    b.count(.pteOps)
                }
            }
            b.function("migrate_page_move_mapping") { b in
                // An anon page: expected_count 1, the isolation reference.
                b.emit(.readRefcount(P, into: t))
                b.branch(t, .notEqual, 1, to: remove)
                b.emit(.set(rc, 0))
            }
            b.function("remove_migration_ptes") { b in
                b.bind(remove)
                b.emit(.move(t, from: P))
                b.branch(rc, .notEqual, 0, to: target)
                b.emit(.move(t, from: N))
                b.bind(target)
                for slot in slots {
                    b.emit(.spinLock(.pmd(Int(slot))))
                    b.emit(.removeMigrationPMD(slot: slot, target: t))
                    b.emit(.spinUnlock(.pmd(Int(slot))))
                    b.count(.pteOps)
                }
            }
            b.function("__unmap_and_move") { b in
                b.unlockPage(N)
                b.unlockPage(P)
                b.branch(rc, .notEqual, 0, to: putN)
                b.emit(.putbackLRU(N))
                b.emit(.putPage(P))
                b.count(.migrateSucceeded)
                b.jump(to: done)
                b.bind(lockBusy)
                b.count(.eagainLockBusy)
            }
            b.function("unmap_and_move") { b in
                b.bind(putN)
                b.emit(.putPage(N))
                b.emit(.add(pass, 1))
                b.jump(to: passLoop)
                b.bind(noMemory)
                b.emit(.putbackLRU(P))
                b.count(.migrateNoMemory)
                b.jump(to: done)
            }
            b.function("migrate_pages") { b in
                b.bind(failed)
                b.emit(.putbackLRU(P))
                b.count(.migrateFailed)
            }
            b.bind(done)
            b.count(.done)
        }
    }
}
