import PagewaitCore

extension ZooEntries {
    /// Z9: a non-atomic flag update erases PG_waiters (2d077d4b5992, Fixes
    /// 62906027091f). The splitter loads the tail's flags word for
    /// `__ClearPageDirty`; a `lock_page` (find_lock_entry's) finds the page
    /// locked, sets PG_waiters and sleeps; the splitter stores the word back
    /// without PG_dirty and without PG_waiters; its unlock_page reads
    /// PG_waiters clear and wakes nobody. Scope: one tail page, one locker,
    /// one lock each; the v4.19 core (the bug was found on v4.14 … v4.17).
    static let z09 = BugEntry(
        "Z9", "a non-atomic flag update erases PG_waiters",
        reference: "2d077d4b5992 \"__split_huge_page(): use atomic ClearPageDirty()\" (Fixes 62906027091f)",
        functions: ["__split_huge_page", "__ClearPageDirty", "ClearPageDirty", "lock_page", "find_lock_entry", "unlock_page"],
        tags: [BugTag("Fixes", "62906027091f"), BugTag("linux-git", "2d077d4b5992")],
        scenario: "z9-split-clear-dirty",
        scenarios: [splitClearDirty],
        buggy: BugConfiguration("__ClearPageDirty on the tail (baa355fd3314, v4.8 … v4.17)", strategy: "legacy",
                                parameters: ["atomic": 0], commit: "baa355fd3314"),
        fixed: [BugConfiguration("atomic ClearPageDirty (2d077d4b5992)", strategy: "legacy",
                                 parameters: ["atomic": 1], commit: "2d077d4b5992")],
        check: .violation([.lostWakeup, .hang, .waitersUnsound]))

    /// A splitter clearing PG_dirty on a locked tail page while a locker
    /// waits for the page lock.
    static let splitClearDirty = ScenarioSpec(
        name: "z9-split-clear-dirty",
        summary: "__split_huge_page clears PG_dirty on a locked tail while lock_page waits: is PG_waiters kept?",
        reference: "known-bugs Z9; 2d077d4b5992, 62906027091f",
        parameters: ["mappings": 0],
        actors: [ActorSpec(Splitter()),
                 ActorSpec(Locker(), count: 1, ["iterations": 1, "hold": 0, "think": 0])],
        pageFlags: [.uptodate, .lru, .dirty])
}
