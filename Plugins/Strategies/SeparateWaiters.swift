import PagewaitCore

/// `separate-waiters` — ablation (known-bugs Z5): `legacy` with PG_waiters
/// moved to a word of its own and unlock_page's barrier removed.
///
/// unlock_page clears PG_locked with `__clear_bit_unlock`, a release store,
/// and then loads PG_waiters from its own word; a waiter sets PG_waiters
/// (set_bit) and then tests PG_locked. That is the store-buffering shape:
/// under x86-TSO the unlock's store can wait in its store buffer while its
/// load reads PG_waiters clear and the waiter's test reads PG_locked set, so
/// nobody wakes the waiter. Since b91e1302ad9b ("mm: optimize PageWaiters
/// bit use for unlock_page()", v4.10) PG_waiters is the sign bit of
/// PG_locked's byte and one release RMW does both; before it, 62906027091f
/// kept an explicit barrier between the clear and the test.
///
/// Expected: LOST_WAKEUP under `--memory tso`, clean under `sc`.
public struct SeparateWaiters: AxisStrategy {
    public init() {}
    public var name: String { "separate-waiters" }
    public var summary: String { "ablation: legacy with PG_waiters in a word of its own and no barrier in unlock_page (Z5)" }
    public var reference: String { "unlock_page (mm/filemap.c) without b91e1302ad9b's shared byte and without the \"second mb\"; known-bugs Z5" }
    public var axes: StrategyAxes { StrategyAxes(core: .v4_19, fault: .legacy, reclaim: .unlockless, thrashing: .none, lockWord: .separate) }
}

/// `separate-waiters-mb` — `separate-waiters` with `smp_mb()` between the
/// clear of PG_locked and the load of PG_waiters: the unlock_page
/// kerneldoc's "second mb" (2.6.26: "necessary to enforce ordering between
/// the clear_bit and the read of the waitqueue"), the order 62906027091f
/// ("mm: add PageWaiters indicating tasks are waiting for a page bit")
/// kept with clear_bit_unlock + smp_mb__after_atomic.
///
/// Expected: clean under `sc` and `tso`.
public struct SeparateWaitersMB: AxisStrategy {
    public init() {}
    public var name: String { "separate-waiters-mb" }
    public var summary: String { "legacy with PG_waiters in a word of its own and smp_mb before unlock_page reads it (Z5 fixed)" }
    public var reference: String { "unlock_page kerneldoc (2.6.26) \"second mb\"; 62906027091f; known-bugs Z5" }
    public var axes: StrategyAxes { StrategyAxes(core: .v4_19, fault: .legacy, reclaim: .unlockless, thrashing: .none, lockWord: .separateWithBarrier) }
}
