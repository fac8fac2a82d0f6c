import PagewaitCore

/// `put-and-wait-cond` — hypothetical: reclaim keeps the non-atomic clear
/// when PG_waiters is clear and uses `unlock_page()` otherwise ("reinstate
/// unlockless reclaim for the !PageWaiters case"; suggested, never merged).
///
/// Why it is safe (kernel-model F4): a DROP waiter's SetPageWaiters comes
/// before its put, which comes before reclaim's successful freeze, a full
/// barrier; so reclaim's later read of PG_waiters sees it set.
/// Expected: the safety of `put-and-wait`, with fewer atomic unlocks.
public struct PutAndWaitCond: AxisStrategy {
    public init() {}
    public var name: String { "put-and-wait-cond" }
    public var summary: String { "put-and-wait; reclaim clears non-atomically only when PG_waiters is clear" }
    public var reference: String { "hypothetical; shrink_page_list after 9a1ea439b16b" }
    public var axes: StrategyAxes { StrategyAxes(core: .v4_19, fault: .drop, reclaim: .cond) }
}
