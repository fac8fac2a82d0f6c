import PagewaitCore

extension ZooEntries {
    /// Z5: the store-buffering lost wakeup that unlock_page's barrier, and
    /// later PG_waiters in PG_locked's byte, prevent. Ablation: PG_waiters
    /// in a word of its own, the unlock a release store of PG_locked then a
    /// plain load of PG_waiters. Under x86-TSO the store waits in the
    /// holder's buffer while its load reads PG_waiters clear; the locker's
    /// SetPageWaiters (a locked RMW) lands first and its test_and_set_bit
    /// reads PG_locked still set from memory, so it sleeps and nobody wakes
    /// it. Clean under sc; the barrier or the shared word close it.
    static let z05 = BugEntry(
        "Z5", "unlock_page's barrier: PG_waiters in a word of its own and no smp_mb loses a wakeup under TSO",
        reference: "unlock_page kerneldoc (2.6.26) \"the second mb\"; 62906027091f; b91e1302ad9b \"mm: optimize PageWaiters bit use for unlock_page()\"",
        functions: ["unlock_page", "clear_bit_unlock_is_negative_byte", "__clear_bit_unlock", "wake_up_page", "wait_on_page_bit_common", "SetPageWaiters"],
        tags: [BugTag("linux-git", "62906027091f"), BugTag("linux-git", "b91e1302ad9b")],
        scenario: unlockVsWaiter.name,
        scenarios: [unlockVsWaiter],
        buggy: BugConfiguration("ablation: PG_waiters in its own word, no barrier, under x86-TSO", strategy: "separate-waiters", memory: .tso),
        fixed: [
            BugConfiguration("the same code under sc (no store buffer)", strategy: "separate-waiters", memory: .sc),
            BugConfiguration("PG_waiters in its own word with smp_mb, under x86-TSO (the \"second mb\", 62906027091f)",
                             strategy: "separate-waiters-mb", commit: "62906027091f", memory: .tso),
            BugConfiguration("PG_waiters in PG_locked's byte, one release RMW, under x86-TSO (b91e1302ad9b)",
                             strategy: "legacy", commit: "b91e1302ad9b", memory: .tso),
            BugConfiguration("PG_waiters in its own word with smp_mb, under sc", strategy: "separate-waiters-mb", commit: "62906027091f"),
            BugConfiguration("PG_waiters in PG_locked's byte, under sc", strategy: "legacy", commit: "b91e1302ad9b"),
        ],
        check: .violation([.lostWakeup, .hang]), bugClass: "SB/TSO",
        scope: "one holder that unlocks once, one lock_page caller; the v4.19 wait core; x86-TSO store buffers (docs/memory-model.md)")

    /// A holder unlocking the page while a locker queues for it: the two
    /// sides of Z5's store-buffering shape.
    static let unlockVsWaiter = ScenarioSpec(
        name: "z5-unlock-vs-waiter",
        summary: "a holder's unlock_page races a lock_page caller setting PG_waiters: does the unlock see the waiter?",
        reference: "known-bugs Z5; unlock_page, wait_on_page_bit_common (mm/filemap.c)",
        parameters: ["mappings": 0],
        actors: [ActorSpec(Holder(), count: 1, ["hold": 0]),
                 ActorSpec(Locker(), count: 1, ["iterations": 1, "hold": 0, "think": 0])])
}
