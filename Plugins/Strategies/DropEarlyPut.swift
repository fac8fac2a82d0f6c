import PagewaitCore

/// `drop-early-put` — ablation, the forbidden design: DROP puts its
/// reference before queueing, setting PG_waiters and testing PG_locked.
///
/// The seed tests the bit and sets PG_waiters first, then puts: everything
/// it does to the page is covered by its reference.
/// Expected (F6): touches a freed or reused page; PG_waiters set on the
/// wrong usage.
public struct DropEarlyPutStrategy: AxisStrategy {
    public init() {}
    public var name: String { "drop-early-put" }
    public var summary: String { "ablation: DROP puts its reference before queueing (forbidden)" }
    public var reference: String { "ablation of wait_on_page_bit_common DROP; 9a1ea439b16b" }
    public var axes: StrategyAxes { StrategyAxes(core: .v4_19, fault: .drop, reclaim: .unlock, drop: .earlyPut) }
}
