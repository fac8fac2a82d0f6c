import PagewaitCore

extension ZooEntries {
    /// known-bugs Z7 (kernel-model F8): on the v4.19 wait core a
    /// lock_page_killable waiter A that found PG_locked clear stays on the
    /// queue in TASK_KILLABLE; a stealer takes the lock, B queues behind A,
    /// the stealer's unlock wakes A (try_to_wake_up succeeds on a task that
    /// never slept), the walk stops after one exclusive wake, and SIGKILL
    /// makes A return -EINTR: B sleeps on an unlocked page. 2a9127fcf229
    /// has the waker take the bit for an exclusive waiter and decides the
    /// result after finish_wait; 5ef64cc8987a with vm.page_lock_unfairness
    /// = 0 hands the lock over on every wake the same way.
    static let z07 = BugEntry(
        "Z7", "Oleg Nesterov's exclusive-killable hole: wait_on_page_bit_common(TASK_KILLABLE, EXCLUSIVE) can miss a wakeup",
        reference: "2a9127fcf229",
        functions: ["wait_on_page_bit_common", "wake_page_function", "autoremove_wake_function", "lock_page_killable"],
        tags: [BugTag("linux-git", "2a9127fcf229"), BugTag("Reported-by", "Oleg Nesterov"),
               BugTag("Link", "\"wait_on_page_bit_common(TASK_KILLABLE, EXCLUSIVE) can miss wakeup?\", LKML, 2020-06-24"),
               BugTag("kernel-model", "F8")],
        scenario: "killable-lockers",
        buggy: BugConfiguration("v4.19 wait core: the wake is spent on a killable waiter that returns -EINTR",
                                strategy: "legacy"),
        fixed: [
            BugConfiguration("2a9127fcf229: the waker takes PG_locked for an exclusive waiter", strategy: "rewrite-fair",
                             commit: "2a9127fcf229"),
            BugConfiguration("5ef64cc8987a with vm.page_lock_unfairness = 0: a handoff on every wake", strategy: "unfair-0",
                             commit: "5ef64cc8987a"),
        ],
        check: .violation([.lostWakeup, .hang]),
        scope: "killable-lockers as built in: a holder, lock_page_killable locker A, a trylock stealer, lock_page locker B, "
            + "SIGKILL to A; each takes the lock once")
}
