import PagewaitCore

/// `legacy-numa-unpinned` — ablation for the zoo (Z10): `legacy` as it was
/// before "mm: numa: avoid waiting on freed migrated pages" (3c226c637b69,
/// Mark Rutland, 2018; Fixes b8916634b77b).
///
/// Changed from `legacy`: `do_huge_pmd_numa_page`, finding the huge page
/// locked by a migration, drops the PMD lock and calls
/// `wait_on_page_locked()` holding no reference on the page. The migrator may
/// complete and drop the last references first, so the waiter tests the
/// page and sets PG_waiters on a freed page ("This can result in the freed
/// page having its waiters flag set unexpectedly, which trips the
/// PAGE_FLAGS_CHECK_AT_PREP checks").
///
/// Expected: UNSAFE_ACCESS (I5) at the waiter's first touch of the page
/// after it dropped the PMD lock; `legacy` (3c226c637b69) and `put-and-wait`
/// (9a1ea439b16b) come out clean.
public struct LegacyNumaUnpinned: AxisStrategy {
    public init() {}
    public var name: String { "legacy-numa-unpinned" }
    public var summary: String { "ablation: legacy, but the THP NUMA hinting fault waits on the page without a reference (before 3c226c637b69)" }
    public var reference: String { "do_huge_pmd_numa_page, wait_on_page_locked; b8916634b77b, fixed by 3c226c637b69" }
    public var axes: StrategyAxes { StrategyAxes(core: .v4_19, fault: .legacy, reclaim: .unlockless, thrashing: .none, hugeNuma: .unpinned) }
}
