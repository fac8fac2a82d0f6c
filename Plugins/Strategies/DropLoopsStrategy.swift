import PagewaitCore

/// `drop-loops` — ablation, the forbidden design: a DROP wait that, once
/// woken, goes back round the loop re-testing PG_locked like SHARED.
///
/// The seed's comment says why DROP must not: "We can no longer safely
/// access page->flags: ... there is a risk of waiting forever on a page
/// reused for something that keeps it locked indefinitely."
/// Expected (F5, F6): waits on a reused page forever and reads a struct page
/// it has no reference to (UNSAFE_ACCESS / WRONG_USAGE / FATAL_UAF).
public struct DropLoopsStrategy: AxisStrategy {
    public init() {}
    public var name: String { "drop-loops" }
    public var summary: String { "ablation: DROP re-tests the page after waking (forbidden)" }
    public var reference: String { "ablation of wait_on_page_bit_common DROP; 9a1ea439b16b comment" }
    public var axes: StrategyAxes { StrategyAxes(core: .v4_19, fault: .drop, reclaim: .unlock, drop: .loops) }
}
