import PagewaitCore

extension ZooEntries {
    /// Z10: a THP NUMA hinting fault waits on a page it holds no reference
    /// on (3c226c637b69), and the seed's THP hunks (9a1ea439b16b).
    static let z10 = BugEntry(
        "Z10", "mm: numa: avoid waiting on freed migrated pages",
        reference: "3c226c637b69 (Fixes b8916634b77b); the seed 9a1ea439b16b converts both waits to put_and_wait_on_page_locked",
        functions: ["do_huge_pmd_numa_page", "wait_on_page_locked", "migrate_misplaced_transhuge_page", "pmd_migration_entry_wait",
                    "put_and_wait_on_page_locked"],
        tags: [BugTag("Fixes", "b8916634b77b"), BugTag("linux-git", "3c226c637b69"), BugTag("linux-git", "9a1ea439b16b")],
        scenario: thpNumaFault.name,
        scenarios: [thpNumaFault, thpMigrateVsFaulter],
        buggy: BugConfiguration("b8916634b77b: wait_on_page_locked without a reference", strategy: "legacy-numa-unpinned",
                                commit: "b8916634b77b"),
        fixed: [
            BugConfiguration("3c226c637b69: get_page_unless_zero under the PMD lock, then wait_on_page_locked", strategy: "legacy",
                             commit: "3c226c637b69"),
            BugConfiguration("9a1ea439b16b: put_and_wait_on_page_locked", strategy: "put-and-wait", commit: "9a1ea439b16b"),
            BugConfiguration("ffa65753c431's rule: queue under the PMD lock, no reference", strategy: "noref", commit: "ffa65753c431"),
        ],
        check: .violation([.unsafeAccess, .wrongUsage, .fatalUAF, .badPage]))

    /// Z10's scenario: the NUMA hinting fault that migrates a PROT_NONE
    /// huge PMD against one hinting fault on the page's own node, which
    /// touches the page once.
    static let thpNumaFault = ScenarioSpec(
        name: "thp-numa-fault",
        summary: "a NUMA hinting fault migrates a huge page (migrate_misplaced_transhuge_page) while another waits in do_huge_pmd_numa_page",
        reference: "Z10; 3c226c637b69, 9a1ea439b16b; do_huge_pmd_numa_page (v4.19)",
        parameters: ["mappings": 1, "thp-faulters": 1, "touches": 1],
        actors: [ActorSpec(NumaMigrator()), ActorSpec(ThpFaulter(), count: 1)],
        pageFlags: [.uptodate, .lru, .swapbacked],
        shape: .anonHugePageNuma)

    /// The seed's other THP hunk: a fault on a PMD migration entry
    /// (pmd_migration_entry_wait) while migrate_pages moves the huge page.
    static let thpMigrateVsFaulter = ScenarioSpec(
        name: "thp-migrate-vs-faulter",
        summary: "migrate_pages moves a PMD-mapped huge page through PMD migration entries while a faulter touches it",
        reference: "Z10; 616b8371539a, 9a1ea439b16b; pmd_migration_entry_wait (v4.19)",
        parameters: ["mappings": 1, "thp-faulters": 1, "touches": 1, "passes": 4],
        actors: [ActorSpec(ThpMigrator()), ActorSpec(ThpFaulter(), count: 1)],
        pageFlags: [.uptodate, .lru, .swapbacked],
        shape: .anonHugePage)
}
