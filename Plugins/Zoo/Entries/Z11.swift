import PagewaitCore

extension ZooEntries {
    /// Z11: put_and_wait_on_page_locked's short reference window makes an
    /// old refcount imbalance reachable (kernel-model F9; 8e47a457321c).
    static let z11 = BugEntry(
        "Z11", "iomap: get/put the page in iomap_page_create/release()",
        reference: "Qian Cai, Artem Savkov reports (2019) against 9a1ea439b16b; root cause fixed by 8e47a457321c",
        functions: ["put_and_wait_on_page_locked", "__migration_entry_wait", "migrate_page_move_mapping", "page_ref_freeze",
                    "put_page_testzero"],
        tags: [BugTag("linux-git", "8e47a457321c"), BugTag("exposed-by", "9a1ea439b16b")],
        scenario: migratePrivate.name,
        scenarios: [migratePrivate],
        buggy: BugConfiguration("iomap before 8e47a457321c: PG_private without its page reference", strategy: "put-and-wait",
                                parameters: ["privateWithoutRef": 1], commit: "9a1ea439b16b"),
        fixed: [
            BugConfiguration("8e47a457321c: iomap_page_create takes the reference", strategy: "put-and-wait",
                             parameters: ["privateWithoutRef": 0], commit: "8e47a457321c"),
        ],
        check: .violation([.ledgerMismatch, .bug, .badPage]), bugClass: "SC + injected fault")

    /// Z11's scenario: a file page with buffers (PG_private) mapped once,
    /// one migrate_pages call of two passes, one faulter touching it once.
    static let migratePrivate = ScenarioSpec(
        name: "migrate-private",
        summary: "migrate_pages on a file page with PG_private while a faulter takes its brief reference (F9)",
        reference: "Z11, kernel-model F9; 8e47a457321c",
        parameters: ["mappings": 1, "faulters": 1, "touches": 1, "passes": 2],
        actors: [ActorSpec(Migrator()), ActorSpec(Faulter(), count: 1)],
        pageFlags: [.uptodate, .lru, .private],
        worldFaults: ["privateWithoutRef": 0])
}
