import PagewaitCore

/// `put-and-wait-unlockless` — ablation: the seed's fault path with the old
/// unlockless reclaim: the combination Hugh Dickins' testing hung on.
///
/// A DROP waiter queues and sets PG_waiters while reclaim holds the page
/// lock, then drops its reference, which lets reclaim's
/// `page_ref_freeze(page, 2)` succeed; `__ClearPageLocked` then clears
/// PG_locked without looking at PG_waiters and frees the page: nobody wakes
/// the waiter.
///
/// Expected (kernel-model F3): a lost wakeup / hung faulter is reachable.
public struct PutAndWaitUnlockless: AxisStrategy {
    public init() {}
    public var name: String { "put-and-wait-unlockless" }
    public var summary: String { "the seed's DROP wait with the old unlockless reclaim: loses a wakeup" }
    public var reference: String { "ablation; 9a1ea439b16b without its vmscan.c hunk (a978d6f52106 kept)" }
    public var axes: StrategyAxes { StrategyAxes(core: .v4_19, fault: .drop, reclaim: .unlockless) }
}
