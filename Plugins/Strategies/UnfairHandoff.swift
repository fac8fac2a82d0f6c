import PagewaitCore

/// `unfair-N-handoff` — a candidate fix for Z19 (no kernel commit): the v5.9
/// core of `unfair-N` (5ef64cc8987a) where a waiter that can leave on a
/// signal (TASK_KILLABLE, TASK_INTERRUPTIBLE) asks for the handoff
/// (WQ_FLAG_CUSTOM) on every queueing; uninterruptible waiters keep their N
/// chances to take the bit themselves.
///
/// Changed from `unfair-N`: the flags of each queueing only
/// (`ExclusiveAbort.handoff`). A wake that chooses a signallable waiter takes
/// the bit for it (DONE), as 2a9127fcf229 did for every exclusive waiter, so
/// WOKEN without DONE never happens to a waiter that can leave — the window
/// is closed at the wake instead of after `finish_wait`.
///
/// Expected: no lost wakeup on killable-lockers and its variants; killable
/// lockers are served in FIFO order by handoff (no requeues, fewer window
/// steals), uninterruptible ones as under `unfair-N`.
public struct UnfairHandoff: AxisStrategy {
    public let unfairness: Int

    public init(unfairness: Int = 5) { self.unfairness = unfairness }
    public var name: String { "unfair-\(unfairness)-handoff" }
    public var summary: String { "unfair-\(unfairness) + killable/interruptible waiters always ask for the handoff (candidate fix)" }
    public var reference: String { "folio_wait_bit_common WQ_FLAG_CUSTOM for signallable waiters; 2a9127fcf229's handoff on 5ef64cc8987a" }
    public var axes: StrategyAxes {
        StrategyAxes(core: WaitCore.v5_9(unfairness: unfairness).aborting(.handoff), fault: .drop, reclaim: .unlock)
    }
}
