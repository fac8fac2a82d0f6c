import PagewaitCore

/// `rewrite-first-posting` — ablation (known-bugs Z2): `rewrite-fair`
/// (2a9127fcf229, "mm: rewrite wait_on_page_bit_common() logic") as first
/// posted, before c6fe44d96fc1 ("list: add "list_del_init_careful()" to go
/// with "list_empty_careful()"") was merged with it.
///
/// wake_page_function takes PG_locked for an exclusive waiter, sets WOKEN
/// in its entry, wakes it (a full barrier) and unlinks the entry with a
/// plain `list_del_init`; finish_wait's lockless `list_empty_careful`
/// reads the entry's `next` with a plain load (kernel/sched/wait.c). A
/// waiter leaving on a signal that sees its entry unlinked skips q->lock
/// and reads its flags; nothing orders that read after the waker's WOKEN
/// (message passing). On ARMv8 it may read no WOKEN and return -EINTR
/// while the waker handed it PG_locked: a leaked page lock. The posting
/// said as much: "We _really_ should have a "list_del_init_careful()" to
/// properly pair with the unlocked "list_empty_careful()" in
/// finish_wait()".
///
/// Expected: HANG under `--memory arm`, clean under `sc` and `tso`.
public struct RewriteFirstPosting: AxisStrategy {
    public init() {}
    public var name: String { "rewrite-first-posting" }
    public var summary: String { "ablation: rewrite-fair with a plain list_del_init and list_empty_careful (2a9127fcf229 as first posted, Z2)" }
    public var reference: String { "wake_page_function (mm/filemap.c), finish_wait (kernel/sched/wait.c) before c6fe44d96fc1; known-bugs Z2" }
    public var axes: StrategyAxes { StrategyAxes(core: WaitCore.v5_9a.unlinking(.plain), fault: .drop, reclaim: .unlock) }
}
