import PagewaitCore

/// Device migration of a partially mapped large folio (migrate_vma_setup,
/// migrate_vma_pages, migrate_vma_finalize in mm/migrate_device.c; the 2025
/// mm-unstable series "mm/migrate_device: handle partially mapped folios"):
/// isolate and lock the folio, turn every PTE that maps it into a migration
/// entry, then find that the range maps only part of it, so split it: the
/// part PTE slot 0 maps becomes a folio of its own (`Op.splitFolio`),
/// locked, and the entry names it. The migration of the folio is then given
/// up and every entry restored: `remove_migration_ptes` on each folio of the
/// split, then each is unlocked.
///
/// `splitFixup` 0 models the bug the fixup repaired (Mika Penttilä,
/// 2025-11-20: "migration PTEs are not properly removed after a split"; "I
/// think wrong folio is left locked"): the entries are removed for the
/// original folio only, so the split-off folio keeps its migration entry and
/// stays locked. It does not end the experiment: a faulter makes its
/// accesses whenever it is scheduled.
public struct DeviceMigrator: ProgramActor {
    public init() {}
    public var name: String { "device-migrator" }
    public var summary: String { "migrate_vma on a partly mapped large folio: unmap to migration entries, split, restore the entries" }
    public var reference: String { "migrate_vma_setup, migrate_vma_finalize (mm/migrate_device.c), split_folio, remove_migration_ptes; 2025 mm-unstable fixup" }
    /// `splitFixup`: 1 removes the split-off folio's entries and unlocks it, 0 does not (the bug).
    public var parameters: Parameters { ["splitFixup": 1, "delay": 0] }
    public var limits: [String: Limit] { ["splitFixup": ParameterLimit.flag, "delay": ParameterLimit.steps] }

    public func dependentLimits(_ context: LimitContext) -> [DependentLimit] {
        [DependentLimit("mappings", Limit(2...Int64(LockID.maxProcesses)), because: "a partly mapped folio: one mapping for the split-off part, one for the rest")]
    }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        let P = Reg.page, Q = Reg.newPage
        let fixup = context.int("splitFixup") != 0
        let slots = context.layout.slots
        return try build("device-migrator", context) { b in
            let done = b.label()
            b.pause(context.int("delay"))
            MigratePages.isolate(into: &b, failed: done)
            b.function("migrate_vma_collect") { b in
                b.lockPage(P)
                for slot in slots {
                    b.emit(.spinLock(.ptl(Int(slot))))
                    b.emit(.unmapToMigration(slot: slot, page: P))
                    b.emit(.spinUnlock(.ptl(Int(slot))))
                }
            }
            b.function("migrate_vma_split_pages") { b in
                b.emit(.spinLock(.ptl(0)))
                b.emit(.splitFolio(P, slot: 0, pfn: Layout.splitPfn, into: Q))
                b.emit(.spinUnlock(.ptl(0)))
            }
            b.function("migrate_vma_finalize") { b in
                // remove_migration_ptes(folio, folio): the original folio's entries.
                for slot in slots.dropFirst() {
                    b.emit(.spinLock(.ptl(Int(slot))))
                    b.emit(.removeMigrationPTE(slot: slot, target: P))
                    b.emit(.spinUnlock(.ptl(Int(slot))))
                }
                if fixup {
                    // ... and the split-off folio's, which is then unlocked and
                    // its reference dropped.
                    b.emit(.spinLock(.ptl(0)))
                    b.emit(.removeMigrationPTE(slot: 0, target: Q))
                    b.emit(.spinUnlock(.ptl(0)))
                    b.unlockPage(Q)
                    b.emit(.putPage(Q))
                }
                b.unlockPage(P)
                b.emit(.putbackLRU(P))
            }
            // No `done`: the faulter's access (an hmm_range_fault) comes
            // when it comes, before, during or after the migration.
            b.bind(done)
        }
    }
}
