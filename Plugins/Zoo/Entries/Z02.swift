import PagewaitCore

extension ZooEntries {
    /// Z2: the WOKEN handshake needs c6fe44d96fc1's careful unlink.
    /// Ablation: 2a9127fcf229's wake function as first posted — the waker
    /// takes PG_locked for the exclusive waiter, sets WOKEN, wakes it and
    /// unlinks the entry with a plain list_del_init — and finish_wait's
    /// plain list_empty_careful. The waiter, leaving on SIGKILL, sees its
    /// entry unlinked, skips q->lock, reads its flags from before WOKEN
    /// (message passing: ARMv8 allows it, x86-TSO does not) and returns
    /// -EINTR owning PG_locked; the next lock_page sleeps forever.
    static let z02 = BugEntry(
        "Z2", "2a9127fcf229 as first posted: a plain unlink lets a killed waiter miss WOKEN and leak the page lock on ARM",
        reference: "c6fe44d96fc1 \"list: add \"list_del_init_careful()\" to go with \"list_empty_careful()\"\"; 2a9127fcf229 \"mm: rewrite wait_on_page_bit_common() logic\"",
        functions: ["wake_page_function", "finish_wait", "list_del_init_careful", "list_empty_careful", "wait_on_page_bit_common"],
        tags: [BugTag("linux-git", "c6fe44d96fc1"), BugTag("linux-git", "2a9127fcf229")],
        scenario: signalVsHandoff.name,
        scenarios: [signalVsHandoff],
        buggy: BugConfiguration("ablation: plain list_del_init and list_empty_careful, under ARMv8-like ordering", strategy: "rewrite-first-posting", memory: .arm),
        fixed: [
            BugConfiguration("the same code under sc", strategy: "rewrite-first-posting", memory: .sc),
            BugConfiguration("the same code under x86-TSO (MP is forbidden there)", strategy: "rewrite-first-posting", memory: .tso),
            BugConfiguration("list_del_init_careful + acquire list_empty_careful (c6fe44d96fc1), under sc", strategy: "rewrite-fair", commit: "c6fe44d96fc1"),
        ],
        // The search stops at the first violation. The leak's HANG is one;
        // the other face of the same missing order is a handed-off owner
        // whose unlock_page VM_BUG_ON reads PG_locked from before the
        // waker's test_and_set_bit (BUG). rewrite-fair under arm is not a
        // fixed configuration here: its proof visits 3.1 M states, minutes
        // in a release build (docs/memory-model.md, "Z2 in the engine").
        check: .violation([.hang, .lostWakeup, .bug]), bugClass: "MP/ARM",
        scope: "one holder that unlocks once, a killable lock_page caller and the SIGKILL sent to it, one later lock_page caller; the v5.9a core; ARMv8-like views (docs/memory-model.md)")

    /// A holder's unlock hands the page lock to a killable locker that a
    /// signal is interrupting; a second locker comes after.
    static let signalVsHandoff = ScenarioSpec(
        name: "z2-signal-vs-handoff",
        summary: "unlock_page hands PG_locked to a killable waiter that SIGKILL interrupts: does the waiter see WOKEN, or leak the lock?",
        reference: "known-bugs Z2; wake_page_function (mm/filemap.c), finish_wait (kernel/sched/wait.c)",
        parameters: ["mappings": 0],
        actors: [ActorSpec(Holder(), count: 1, ["hold": 0]),
                 ActorSpec(Locker(), count: 1, ["iterations": 1, "hold": 0, "think": 0, "killable": 1], name: "killable"),
                 ActorSpec(Signaller(), count: 1, ["target": 1, "delay": 0]),
                 ActorSpec(Locker(), count: 1, ["iterations": 1, "hold": 0, "think": 0], name: "locker")])
}
