import PagewaitCore

/// `wait-on-bit-lock-retake` — eaf9ef52241b ("sched/wait: Avoid
/// abort_exclusive_wait() in __wait_on_bit_lock()", Oleg Nesterov, 2016):
/// an interrupted exclusive waiter runs `finish_wait` and then still tries
/// `test_and_set_bit`; if it wins it returns 0 and owns the bit.
///
/// Changed from `wait-on-bit-lock-abort`: no pass-on; after `finish_wait` a
/// waiter whose entry a wake had already unlinked test-and-sets the bit
/// (`ExclusiveAbort.retake`; eaf9ef52241b tries it whether or not a wake
/// chose the waiter, which only adds wins nobody needed).
///
/// Expected (Z8): no lost wakeup — the 2016 argument: a wake that chose
/// the waiter found the bit clear, and if it is set again, its new owner
/// will unlock and wake.
public struct WaitOnBitLockRetake: AxisStrategy {
    public init() {}
    public var name: String { "wait-on-bit-lock-retake" }
    public var summary: String { "__wait_on_bit_lock after eaf9ef52241b: a chosen, interrupted waiter retries the bit after finish_wait" }
    public var reference: String { "__wait_on_bit_lock, test_and_set_bit after finish_wait; eaf9ef52241b" }
    public var axes: StrategyAxes {
        StrategyAxes(core: WaitCore.v4_10.aborting(.retake), fault: .legacy, reclaim: .unlockless, bookmarks: false, thrashing: .none)
    }
}
