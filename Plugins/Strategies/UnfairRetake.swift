import PagewaitCore

/// `unfair-N-retake` — a candidate fix for Z19 (no kernel commit): the v5.9
/// core of `unfair-N` (5ef64cc8987a) where, after `finish_wait`, an exclusive
/// waiter whose entry is WOKEN but not DONE tries `test_and_set_bit` and
/// returns 0 if it wins.
///
/// Changed from `unfair-N`: the code after `finish_wait` only
/// (`ExclusiveAbort.retake`). This is a8b169afbf06's rule for the v4.10 loop
/// ("if it sees the page being unlocked, it *must* take that lock and return
/// success, even if a lethal signal is also pending"): a waiter the walk
/// woke with the bit clear takes the lock (its unlock then wakes the next
/// waiter), and if someone took the bit first, that owner's unlock will.
///
/// Expected: no lost wakeup on killable-lockers and its variants for every
/// N; fairness as `unfair-N` (a retake is not a requeue).
public struct UnfairRetake: AxisStrategy {
    public let unfairness: Int

    public init(unfairness: Int = 5) { self.unfairness = unfairness }
    public var name: String { "unfair-\(unfairness)-retake" }
    public var summary: String { "unfair-\(unfairness) + a WOKEN, not DONE waiter retries the bit after finish_wait (candidate fix)" }
    public var reference: String { "folio_wait_bit_common after finish_wait; a8b169afbf06's rule on 5ef64cc8987a" }
    public var axes: StrategyAxes {
        StrategyAxes(core: WaitCore.v5_9(unfairness: unfairness).aborting(.retake), fault: .drop, reclaim: .unlock)
    }
}
