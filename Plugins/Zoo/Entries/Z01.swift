import PagewaitCore

extension ZooEntries {
    /// known-bugs Z1, the seed's own bug (kernel-model F3, F4): a DROP
    /// waiter sets PG_waiters and puts its reference before it sleeps;
    /// reclaim, which a978d6f52106 let clear PG_locked with a plain
    /// read-modify-write (`__ClearPageLocked`) and no wake, can then freeze
    /// and free the page under the sleeper. 9a1ea439b16b sends reclaim back
    /// to `unlock_page`; COND (the revert's "reinstate it for the
    /// !PageWaiters case") and WAITERS_AS_REF are the other fixes the model
    /// proves.
    static let z01 = BugEntry(
        "Z1", "put_and_wait_on_page_locked() vs unlockless reclaim: 9a1ea439b16b reverts a978d6f52106",
        reference: "9a1ea439b16b, reverting a978d6f52106",
        functions: ["put_and_wait_on_page_locked", "wait_on_page_bit_common", "shrink_page_list", "__ClearPageLocked",
                    "__remove_mapping"],
        tags: [BugTag("linux-git", "9a1ea439b16b"), BugTag("Reverts", "a978d6f52106 (\"mm: unlockless reclaim\")"),
               BugTag("Link", "\"[PATCH v2] mm: put_and_wait_on_page_locked() while page is migrated\", LKML, 2018-11-26"),
               BugTag("kernel-model", "F3, F4")],
        scenario: "reclaim-race",
        buggy: BugConfiguration("9a1ea439b16b with a978d6f52106 kept: DROP wait, reclaim clears PG_locked unlockless",
                                strategy: "put-and-wait-unlockless", commit: "9a1ea439b16b"),
        fixed: [
            BugConfiguration("9a1ea439b16b as merged: reclaim ends with unlock_page", strategy: "put-and-wait", commit: "9a1ea439b16b"),
            BugConfiguration("unlockless only when PG_waiters is clear, else unlock_page", strategy: "put-and-wait-cond"),
            BugConfiguration("PG_waiters counts as a reference: reclaim keeps a page with waiters", strategy: "put-and-wait-waitersref"),
        ],
        check: .violation([.hang, .lostWakeup]),
        scope: "reclaim-race as built in: a migrator, one faulter touching the page through its one mapping, one reclaimer")
}
