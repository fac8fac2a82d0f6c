import PagewaitCore

extension ZooEntries {
    /// Z12: the writeback ender without a reference (073861ed77b6, Fixes
    /// 2a9127fcf229). PG_writeback holds no page reference; truncation only
    /// waits for it to clear. Before 073861ed77b6, end_page_writeback
    /// cleared the bit and then, with no reference, read PG_waiters and
    /// walked the bucket: by then truncation may have freed the page and
    /// the frame may be in a new use, whose writeback waiter the old ender
    /// wakes (under 2a9127fcf229's core without re-testing the bit, so it
    /// returns with PG_writeback set: the BUG_ON in write_cache_pages), or
    /// whose tail the ender touches (the VM_BUG_ON(PageTail)). The model's
    /// access check (I5) reports the ender's first touch without a right:
    /// UNSAFE_ACCESS, or WRONG_USAGE where the frame was reused. Scope: one
    /// writeback and one waiter holding a reference; the free and the
    /// reuse that make the touch fatal are left out, since the check needs
    /// only the missing right.
    static let z12 = BugEntry(
        "Z12", "the writeback ender wakes without a reference",
        reference: "073861ed77b6 \"mm: fix VM_BUG_ON(PageTail) and BUG_ON(PageWriteback)\" (Fixes 2a9127fcf229)",
        functions: ["end_page_writeback", "test_clear_page_writeback", "wake_up_page", "wait_on_page_writeback", "write_cache_pages"],
        tags: [BugTag("Fixes", "2a9127fcf229"), BugTag("linux-git", "073861ed77b6")],
        scenario: "z12-end-writeback",
        scenarios: [endWriteback],
        buggy: BugConfiguration("end_page_writeback without a reference (2a9127fcf229's core, v5.9)", strategy: "rewrite-fair",
                                parameters: ["pinned": 0], commit: "2a9127fcf229"),
        fixed: [BugConfiguration("get_page across the clear and the wake (073861ed77b6)", strategy: "rewrite-fair",
                                 parameters: ["pinned": 1], commit: "073861ed77b6")],
        check: .violation([.unsafeAccess, .wrongUsage, .fatalUAF, .bug]))

    /// One writeback of the page and a task waiting for it to end.
    static let endWriteback = ScenarioSpec(
        name: "z12-end-writeback",
        summary: "write_cache_pages starts writeback and its I/O ends it while a pinned task waits on PG_writeback",
        reference: "known-bugs Z12, kernel-model F10; 073861ed77b6, 2a9127fcf229",
        parameters: ["mappings": 0, "untilClear": 0],
        actors: [ActorSpec(WritebackIO()), ActorSpec(WritebackWaiter())])
}
