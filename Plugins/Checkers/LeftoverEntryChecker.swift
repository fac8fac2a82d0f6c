import PagewaitCore

extension ViolationKind {
    /// At the end of a run (every task finished, or none able to move) a
    /// PTE or PMD still holds a migration entry: whoever migrated the page
    /// never removed it (kernel-model I4; the 2025 device-migration split
    /// bug). A faulter that meets it waits for a page lock nobody releases,
    /// or refaults for ever.
    public static let leftoverMigrationEntry = ViolationKind(rawValue: "LEFTOVER_MIGRATION_ENTRY")
}

/// Kernel-model I4, at quiescence: a migration entry exists only while its
/// migrator holds the page locked and removes every entry before it unlocks
/// (remove_migration_ptes, then unlock_page). When no task can move, none
/// may be left: the report names the entry, the page it names, who holds
/// that page locked, and the tasks asleep on it.
public struct LeftoverEntryChecker: Checker {
    public init() {}

    public mutating func afterStep(_ event: StepEvent, world: World, engine: Engine) -> Violation? { nil }

    public mutating func atEnd(_ end: RunEnd, world: World, engine: Engine) -> Violation? {
        guard end == .quiescent || end == .finished else { return nil }
        guard let slot = world.ptes.indices.first(where: { world.ptes[$0].kind == .migration }) else { return nil }
        let pte = world.ptes[slot]
        let pfn = pte.pfn
        var what = "\(pte.level) slot \(slot) (mm \(pte.mm)) still holds a migration entry for pfn \(pfn)"
        var task = -1
        if !pfn.isNone && pfn.index < world.pages.count {
            let page = world.pages[pfn.index]
            if page.isLocked {
                task = page.lockOwner.index
                let owner = task >= 0 && task < world.tasks.count ? "task \(task)\(world.tasks[task].finished ? ", which has finished," : "")" : "nobody known"
                what += ", locked by \(owner) and never unlocked"
            } else {
                what += ", which is not locked: every fault on it refaults"
            }
            let sleepers = world.tasks.indices.filter { world.tasks[$0].blocked && world.tasks[$0].entry.page.pfn == pfn }
            if !sleepers.isEmpty {
                what += "; asleep on it: " + sleepers.map { "task \($0)" }.joined(separator: ", ")
                if task < 0 { task = sleepers[0] }
            }
        }
        let t = max(task, 0)
        return Violation(.leftoverMigrationEntry, task: t, pfn: pfn, function: t < world.tasks.count ? engine.function(of: world, task: t) : "",
                         detail: what)
    }
}
