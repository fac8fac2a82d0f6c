import PagewaitCore

/// `put-and-wait-waitersref` — hypothetical: reclaim treats PG_waiters as an
/// extra reference: after freezing, a page with PG_waiters set is unfrozen
/// and kept (and woken through `unlock_page`); otherwise the non-atomic
/// clear stays (Hugh Dickins' open question in the seed thread).
///
/// Expected: safe; reclaim of a page with a (possibly stale) PG_waiters is
/// skipped, which under DROP is every page a faulter has visited.
public struct PutAndWaitWaitersRef: AxisStrategy {
    public init() {}
    public var name: String { "put-and-wait-waitersref" }
    public var summary: String { "put-and-wait; reclaim skips a page whose PG_waiters is set, else clears non-atomically" }
    public var reference: String { "hypothetical; __remove_mapping after 9a1ea439b16b" }
    public var axes: StrategyAxes { StrategyAxes(core: .v4_19, fault: .drop, reclaim: .waitersAsRef) }
}
