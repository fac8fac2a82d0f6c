import PagewaitCore

extension ZooEntries {
    /// Z16: device migration splits a partially mapped folio and leaves
    /// migration entries behind, naming a folio left locked (2025).
    static let z16 = BugEntry(
        "Z16", "mm/migrate_device: migration PTEs not removed after a split",
        reference: "Mika Penttilä, reply to \"[PATCH] fixup: mm/migrate_device: handle partially mapped folios during\" (2025-11-20); mm-unstable, no mainline id",
        functions: ["migrate_vma_finalize", "split_folio", "remove_migration_ptes", "migration_entry_wait_on_locked", "hmm_vma_walk_pmd"],
        tags: [BugTag("tree", "mm-unstable")],
        scenario: deviceSplit.name,
        scenarios: [deviceSplit],
        buggy: BugConfiguration("the split-off folio's entries not removed, the folio left locked", strategy: "noref",
                                parameters: ["splitFixup": 0]),
        fixed: [
            BugConfiguration("the fixup: remove every folio's entries, unlock each", strategy: "noref", parameters: ["splitFixup": 1]),
        ],
        check: .violation([.leftoverMigrationEntry, .hang]))

    /// Z16's scenario: an anonymous large folio mapped by two processes,
    /// device migration that splits it, and one faulter in the process whose
    /// part is split off.
    static let deviceSplit = ScenarioSpec(
        name: "device-split",
        summary: "device migration splits a partly mapped large folio and restores its migration entries while a faulter touches it",
        reference: "Z16; mm/migrate_device.c (2025 mm-unstable)",
        parameters: ["mappings": 2, "faulters": 1, "touches": 1],
        actors: [ActorSpec(DeviceMigrator()), ActorSpec(Faulter(), count: 1)],
        pageFlags: [.uptodate, .lru, .swapbacked],
        shape: .anonLargeFolio)
}
