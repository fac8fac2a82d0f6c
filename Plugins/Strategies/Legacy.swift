import PagewaitCore

/// `legacy` — the kernel before the seed, v4.14 … v4.20.
///
/// A fault on a migration entry takes a reference with
/// `get_page_unless_zero`, then `wait_on_page_locked()` (a SHARED wait)
/// holding it, and puts it only after waking (`__migration_entry_wait`,
/// mm/migrate.c). Reclaim clears PG_locked with the non-atomic, wake-less
/// `__ClearPageLocked` ("mm: unlockless reclaim", a978d6f52106). Wait core
/// v4.19 with bookmarks (2554db916586, 11a19c7b099f); PG_waiters since
/// 62906027091f. No thrashing accounting (psi/delayacct arrived in v4.20).
///
/// Expected (kernel-model F1, F2, F4): correct, but each faulter's held
/// reference fails migration's refcount check, so a popular page often fails
/// all 10 passes, and offlining can loop forever; the unlockless clear is
/// safe because every waiter holds a reference that blocks reclaim's freeze.
public struct Legacy: AxisStrategy {
    public init() {}
    public var name: String { "legacy" }
    public var summary: String { "wait_on_page_locked holding a page reference; unlockless reclaim (v4.14-v4.20)" }
    public var reference: String { "__migration_entry_wait, wait_on_page_locked; a978d6f52106, 2554db916586" }
    public var axes: StrategyAxes { StrategyAxes(core: .v4_19, fault: .legacy, reclaim: .unlockless, thrashing: .none) }
}
