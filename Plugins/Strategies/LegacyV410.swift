import PagewaitCore

/// `legacy-v4.10` — ablation: `legacy` with the wait loop as 62906027091f
/// ("mm: add PageWaiters indicating tasks are waiting for a page bit", v4.10)
/// wrote it, before a8b169afbf06 ("Avoid page waitqueue race leaving
/// possible page locker waiting", v4.13; Fixes 62906027091f).
///
/// Changed from `legacy`: the wait core only (`WaitCore.v4_10`). A woken
/// waiter checks for a signal right after `io_schedule()` and returns -EINTR
/// before it tries PG_locked; `legacy` tries the bit first. The rest stays
/// `legacy`'s (bookmarks, which v4.10 did not have yet, never act with a
/// handful of waiters).
///
/// Expected (Z6): a killable locker chosen by an unlock's walk and killed
/// before it runs spends the one exclusive wake; the locker behind it sleeps
/// on an unlocked page (LOST_WAKEUP).
public struct LegacyV410: AxisStrategy {
    public init() {}
    public var name: String { "legacy-v4.10" }
    public var summary: String { "ablation: legacy with the v4.10 wait loop (signal checked before the bit after a wake)" }
    public var reference: String { "wait_on_page_bit_common before a8b169afbf06; 62906027091f" }
    public var axes: StrategyAxes { StrategyAxes(core: .v4_10, fault: .legacy, reclaim: .unlockless, thrashing: .none) }
}
