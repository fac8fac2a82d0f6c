import PagewaitCore

/// `wait-on-bit-lock` — the generic exclusive bit lock, `__wait_on_bit_lock()`
/// (kernel/wait.c) as `lock_page_killable` used it before 777c6c5f1f6e
/// ("wait: prevent exclusive waiter starvation", 2009): queue exclusively if
/// not queued, set the sleep state, test the bit, sleep; after the sleep a
/// signal ends the wait (`finish_wait`, -EINTR) before the bit is tried.
///
/// The same loop as `legacy-v4.10` (62906027091f copied it into the page
/// wait), on the v4.9-era axes: no bookmarks, legacy fault path, unlockless
/// reclaim. The model's PG_waiters stands for `waitqueue_active()`, which
/// `__wake_up_bit` tested before walking: under sequential consistency both
/// order "queue, then test the bit" against "clear the bit, then look".
///
/// Expected (Z8): an exclusive waiter chosen by the holder's wake and
/// interrupted at the same moment returns without the lock and without
/// waking the next waiter, which sleeps on a clear bit (LOST_WAKEUP).
public struct WaitOnBitLock: AxisStrategy {
    public init() {}
    public var name: String { "wait-on-bit-lock" }
    public var summary: String { "__wait_on_bit_lock before 777c6c5f1f6e: an interrupted exclusive waiter just leaves" }
    public var reference: String { "__wait_on_bit_lock, finish_wait (kernel/wait.c, before 777c6c5f1f6e)" }
    public var axes: StrategyAxes {
        StrategyAxes(core: .v4_10, fault: .legacy, reclaim: .unlockless, bookmarks: false, thrashing: .none)
    }
}
