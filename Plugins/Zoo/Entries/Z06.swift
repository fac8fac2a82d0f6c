import PagewaitCore

extension ZooEntries {
    /// Z6: a8b169afbf06 ("Avoid page waitqueue race leaving possible page
    /// locker waiting", 2017; Fixes 62906027091f, v4.10). 62906027091f's
    /// wait loop checks for a signal right after `io_schedule()`, before it
    /// tries PG_locked, so a killable locker that an unlock's walk chose and a
    /// SIGKILL then reached returns -EINTR holding the one exclusive wake; the
    /// fix tries the bit first ("it *must* take that lock and return success,
    /// even if a lethal signal is also pending").
    ///
    /// Scope: `killable-lockers` without its stealer — holder H (hold 2),
    /// A `lock_page_killable` once, B `lock_page` once, SIGKILL to A — every
    /// interleaving of the four.
    static let z06 = BugEntry(
        "Z6", "a woken killable locker must take the lock before it looks at signals",
        reference: "a8b169afbf06 \"Avoid page waitqueue race leaving possible page locker waiting\"; Fixes 62906027091f",
        functions: ["wait_on_page_bit_common", "__lock_page_killable", "wake_page_function", "io_schedule"],
        tags: [BugTag("linux-git", "a8b169afbf06"), BugTag("Fixes", "62906027091f")],
        scenario: "killable-lockers",
        buggy: BugConfiguration("62906027091f (v4.10): the signal after io_schedule, before the bit", strategy: "legacy-v4.10",
                                parameters: ["stealers": 0], commit: "62906027091f"),
        fixed: [BugConfiguration("a8b169afbf06 (v4.13 on): the bit first, then the signal (legacy's v4.19 core)", strategy: "legacy",
                                 parameters: ["stealers": 0], commit: "a8b169afbf06")],
        check: .violation([.lostWakeup, .hang]),
        scope: "killable-lockers without its stealer (stealers = 0): a holder, lock_page_killable locker A, lock_page locker B, "
            + "SIGKILL to A; each takes the lock once")
}
