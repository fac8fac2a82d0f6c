import PagewaitCore

/// `unfair-N-passon` — a candidate fix for Z19 (no kernel commit): the v5.9
/// core of `unfair-N` (5ef64cc8987a) where an exclusive waiter that leaves
/// without the lock passes a wake that chose it on, as
/// `abort_exclusive_wait()` did (777c6c5f1f6e).
///
/// Changed from `unfair-N`: `finish_wait` becomes an abort under q->lock
/// (`ExclusiveAbort.passOn`): unlink the entry if still queued; otherwise —
/// WOKEN without DONE — walk the bucket again as the unlock did (one
/// exclusive wake; a CUSTOM waiter gets the lock handed over, a plain one is
/// woken to take it).
///
/// Expected: no lost wakeup on killable-lockers and its variants; one more
/// walk per aborted wait, and the woken waiter behind may still lose the bit
/// to a stealer (a requeue, as in `unfair-N`).
public struct UnfairPassOn: AxisStrategy {
    public let unfairness: Int

    public init(unfairness: Int = 5) { self.unfairness = unfairness }
    public var name: String { "unfair-\(unfairness)-passon" }
    public var summary: String { "unfair-\(unfairness) + a WOKEN, not DONE waiter passes the wake on (abort_exclusive_wait; candidate fix)" }
    public var reference: String { "folio_wait_bit_common, abort_exclusive_wait's rule (777c6c5f1f6e) on 5ef64cc8987a" }
    public var axes: StrategyAxes {
        StrategyAxes(core: WaitCore.v5_9(unfairness: unfairness).aborting(.passOn), fault: .drop, reclaim: .unlock)
    }
}
