import PagewaitCore

/// `noref` — "mm/migrate.c: rework migration_entry_wait() to not take a
/// pageref" (ffa65753c43142f3b803486442813744da71cff2, Alistair Popple;
/// v5.17-rc1).
///
/// Changed from `unfair-5`: the fault path takes no reference at all. Under
/// the ptl, which pins the migration entry and so the migrator's own
/// reference, it sets PG_waiters and queues (or finds PG_locked clear), and
/// only then drops the ptl (`migration_entry_wait_on_locked`). The migrator
/// removes migration entries under that ptl before it unlocks the page, so
/// the unlock wakes every queued faulter.
///
/// Expected: faulters never cause a migration -EAGAIN; offline never
/// livelocks because of them.
public struct NoRef: AxisStrategy {
    public init() {}
    public var name: String { "noref" }
    public var summary: String { "migration_entry_wait_on_locked: queue under the ptl, no page reference" }
    public var reference: String { "migration_entry_wait_on_locked; ffa65753c431 (v5.17-rc1)" }
    public var axes: StrategyAxes { StrategyAxes(core: .v5_9(unfairness: 5), fault: .noref, reclaim: .unlock) }
}
