import PagewaitCore

extension ZooEntries {
    /// Z13: the bookmark livelock ("writeback completion soft lockup BUG in
    /// folio_wake_bit()", 2022; "filemap: remove use of wait bookmarks" and
    /// "sched: remove wait bookmarks", v6.7). One writeback ends and walks
    /// the bucket in chunks; between chunks a waiter it woke finds
    /// PG_writeback set again (the next writeback, which waited for this
    /// one, began) and re-queues at the tail, behind the bookmark; the walk
    /// resumes and meets it again. With steady re-queueing it never ends.
    /// Scope: WAITQUEUE_WALK_BREAK_CNT is 64 in the kernel; the scenario
    /// breaks a chunk after `walkBreakCount` + 1 = 1 visit so that two
    /// waiters and two writebacks fill it; the check is the walk meeting a
    /// waiter it woke (WAKE_WALK_BOUND), the livelock's first lap.
    static let z13 = BugEntry(
        "Z13", "woken writeback waiters re-queue behind the bookmark: the wake walk never ends",
        reference: "\"writeback completion soft lockup BUG in folio_wake_bit()\" (2022) -> \"filemap: remove use of wait bookmarks\" + \"sched: remove wait bookmarks\" (v6.7)",
        functions: ["__wake_up_common", "folio_wake_bit", "folio_wait_writeback", "folio_end_writeback"],
        tags: [BugTag("Introduced", "2554db916586"), BugTag("Introduced", "11a19c7b099f")],
        scenario: "z13-writeback-bookmarks",
        scenarios: [writebackBookmarks],
        buggy: BugConfiguration("wake walk with bookmarks (v4.14 … v6.6)", strategy: "noref", commit: "11a19c7b099f"),
        fixed: [BugConfiguration("no bookmarks: one walk under one q->lock hold (v6.7)", strategy: "no-bookmarks")],
        check: .violation([.wakeWalkBound, .nonTermination, .livelock]), bugClass: "SC + progress bound")

    /// A writeback under way ends while the next waits to begin, and two
    /// tasks wait on PG_writeback.
    static let writebackBookmarks = ScenarioSpec(
        name: "z13-writeback-bookmarks",
        summary: "a writeback's completion walks the bucket while the next writeback waits to begin and two tasks wait on PG_writeback; chunks of one entry",
        reference: "known-bugs Z13, kernel-model F11; 2554db916586, 11a19c7b099f",
        parameters: ["mappings": 0, "walkBreakCount": 0, "waiters": 2],
        actors: [ActorSpec(WritebackCompletion()), ActorSpec(WritebackIO(), count: 1, ["untilClear": 0]),
                 ActorSpec(WritebackWaiter(), count: 2)],
        pageFlags: [.uptodate, .lru, .writeback])
}
