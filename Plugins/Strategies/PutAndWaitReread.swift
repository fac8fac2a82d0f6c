import PagewaitCore

/// `put-and-wait-reread` — ablation: 9a1ea439b16b's DROP wait without its
/// `delayacct` local. The thrashing accounting is decided at the start of
/// the wait as before, but the end of the wait decides again whether to end
/// delayacct thrashing by re-reading PG_swapbacked, as the v4.20 code before
/// the seed did (there the waiter still held its reference).
///
/// Changed from `put-and-wait`: the end side of the thrashing accounting
/// reads the page after DROP's put.
/// Expected (F6, I7; known-bugs Z17): a DROP waiter on a thrashing page
/// touches the page with no reference at the end of its wait (a read of a
/// freed, reused or hot-removed page), and the end decision can differ
/// from the start's (ACCOUNTING_IMBALANCE).
public struct PutAndWaitReread: AxisStrategy {
    public init() {}
    public var name: String { "put-and-wait-reread" }
    public var summary: String { "put-and-wait whose wait end re-reads PG_swapbacked after DROP's put (no delayacct local)" }
    public var reference: String { "ablation of 9a1ea439b16b's delayacct local; wait_on_page_bit_common (v4.20)" }
    public var axes: StrategyAxes { StrategyAxes(core: .v4_19, fault: .drop, reclaim: .unlock, thrashing: .rereadAtEnd) }
}
