import PagewaitCore

/// `wait-on-bit-lock-abort` — 777c6c5f1f6e ("wait: prevent exclusive waiter
/// starvation", Johannes Weiner, 2009): `__wait_on_bit_lock()` leaves on a
/// signal through `abort_exclusive_wait()`.
///
/// Changed from `wait-on-bit-lock`: instead of `finish_wait`, an interrupted
/// exclusive waiter takes q->lock; if its entry is still queued it unlinks
/// it, and otherwise — a wake already chose it — it wakes the next exclusive
/// waiter (`__wake_up_locked_key`, one exclusive wake) while still holding
/// q->lock (`ExclusiveAbort.passOn`).
///
/// Expected (Z8): no lost wakeup. Removed again by eaf9ef52241b and
/// b1ea06a90f52 (2016), which re-check the condition instead
/// (`wait-on-bit-lock-retake`).
public struct WaitOnBitLockAbort: AxisStrategy {
    public init() {}
    public var name: String { "wait-on-bit-lock-abort" }
    public var summary: String { "__wait_on_bit_lock with abort_exclusive_wait (777c6c5f1f6e): a chosen, interrupted waiter wakes the next" }
    public var reference: String { "abort_exclusive_wait, __wait_on_bit_lock; 777c6c5f1f6e" }
    public var axes: StrategyAxes {
        StrategyAxes(core: WaitCore.v4_10.aborting(.passOn), fault: .legacy, reclaim: .unlockless, bookmarks: false, thrashing: .none)
    }
}
