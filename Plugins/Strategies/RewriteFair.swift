import PagewaitCore

/// `rewrite-fair` — "mm: rewrite wait_on_page_bit_common() logic"
/// (2a9127fcf2296674d58024f83981f40b128fffea, v5.9 merge window; with
/// c6fe44d96fc1 "list: add list_del_init_careful()").
///
/// Changed from `put-and-wait`: the v5.9a core. The waker takes the lock for
/// an exclusive waiter and marks it WOKEN; a woken waiter never requeues;
/// the result comes from WOKEN after finish_wait; non-exclusive waiters are
/// woken without re-checking the bit. DROP still drops after queueing.
///
/// Expected: the exclusive-killable lost wakeup (F8) is impossible; strict
/// FIFO handoff (0 requeues); -EINTR precedence flips to "wake wins" (F7).
public struct RewriteFair: AxisStrategy {
    public init() {}
    public var name: String { "rewrite-fair" }
    public var summary: String { "v5.9a core: the waker hands the lock to the exclusive waiter; no requeue" }
    public var reference: String { "wait_on_page_bit_common, wake_page_function; 2a9127fcf229, c6fe44d96fc1" }
    public var axes: StrategyAxes { StrategyAxes(core: .v5_9a, fault: .drop, reclaim: .unlock) }
}
