import PagewaitCore

extension ZooEntries {
    /// Z17: thrashing accounting inside a DROP wait (kernel-model §2.12,
    /// F6, I7). A wait for PG_locked on a page that is !PG_uptodate and
    /// PG_workingset is thrashing: psi memstall for all, delayacct
    /// thrashing when !PG_swapbacked too. The v4.20 code decided the start
    /// from the page and re-read PG_swapbacked at the end; 9a1ea439b16b's
    /// DROP wait puts its reference before sleeping, so it decides once, at
    /// the start, and keeps the decision in its `delayacct` local. Without
    /// the local the end of the wait reads a page the waiter no longer
    /// holds: migration may have freed it, reuse or hot-remove taken it.
    /// Scope: one migrator (one pass), one faulter touching once, one
    /// mapping; a file page (not swap-backed) under thrashing. Not modelled:
    /// the nested accounting of swap_readpage and folio_wait_bit_common
    /// that the 2022 re-entrance detection fixed (no swap-in here).
    static let z17 = BugEntry(
        "Z17", "the end of a DROP wait re-reads the page for its thrashing accounting",
        reference: "9a1ea439b16b \"mm: put_and_wait_on_page_locked() while page is migrated\" (its delayacct local); "
            + "\"delayacct: support re-entrance detection of thrashing accounting\" (2022)",
        functions: ["wait_on_page_bit_common", "put_and_wait_on_page_locked", "delayacct_thrashing_start",
                    "delayacct_thrashing_end", "psi_memstall_enter", "psi_memstall_leave"],
        tags: [BugTag("linux-git", "9a1ea439b16b")],
        scenario: "z17-thrashing-drop",
        scenarios: [thrashingDrop],
        buggy: BugConfiguration("DROP wait re-reading PG_swapbacked at its end (the seed without its delayacct local)",
                                strategy: "put-and-wait-reread"),
        fixed: [BugConfiguration("decided once at the start, kept in a local (9a1ea439b16b)", strategy: "put-and-wait",
                                 commit: "9a1ea439b16b")],
        check: .violation([.unsafeAccess, .wrongUsage, .fatalUAF, .accountingImbalance]))

    /// A faulter waits (DROP) on a thrashing page while it is migrated.
    static let thrashingDrop = ScenarioSpec(
        name: "z17-thrashing-drop",
        summary: "a faulter's DROP wait on a thrashing file page (!uptodate, workingset) while migration frees it",
        reference: "known-bugs Z17, kernel-model §2.12, F6, I7; 9a1ea439b16b",
        parameters: ["mappings": 1, "faulters": 1, "passes": 1, "touches": 1, "think": 0],
        actors: [ActorSpec(Migrator()), ActorSpec(Faulter())],
        pageFlags: [.workingset, .lru])
}
