import PagewaitCore

/// `legacy-unlock` — ablation: `legacy` with reclaim using `unlock_page()`.
///
/// Changes only the reclaim half of the seed (its mm/vmscan.c hunk).
/// Expected: the same migration and offline behaviour as `legacy` — the
/// reclaim revert alone fixes nothing for F1/F2.
public struct LegacyUnlock: AxisStrategy {
    public init() {}
    public var name: String { "legacy-unlock" }
    public var summary: String { "legacy with reclaim's unlock_page (the seed's vmscan.c hunk alone)" }
    public var reference: String { "ablation; shrink_page_list unlock_page from 9a1ea439b16b" }
    public var axes: StrategyAxes { StrategyAxes(core: .v4_19, fault: .legacy, reclaim: .unlock, thrashing: .none) }
}
