import PagewaitCore

/// The world counters actors bump and statistics read. One fixed list, so
/// every scenario's counters mean the same thing.
public enum Counter: Int32, CaseIterable, Sendable {
    /// Set when the migrator or offliner is finished: faulters stop.
    case done
    case migrateCalls, migrateSucceeded, migrateFailed, migrateNoMemory
    /// Passes started, over all migrate_pages calls.
    case passes
    /// -EAGAIN causes, one per failed pass (kernel-model §2.8, §2.9).
    case eagainLockBusy, eagainWriteback, eagainStillMapped, eagainExtraRef, eagainFreezeRace
    /// PTE unmap + remap operations (kernel-model §5.6).
    case pteOps
    case offlineIterations, offlineSucceeded, offlineBudgetHit, offlineInterrupted
    /// Accesses that found the page present, and faults on a migration entry.
    case touches, faults
    case reclaimFreed, reclaimKept
    case lockAcquired, lockInterrupted
    case reused

    public var name: String {
        switch self {
        case .done: "done"
        case .migrateCalls: "migrate_calls"
        case .migrateSucceeded: "migrate_succeeded"
        case .migrateFailed: "migrate_failed"
        case .migrateNoMemory: "migrate_enomem"
        case .passes: "passes"
        case .eagainLockBusy: "eagain_lock_busy"
        case .eagainWriteback: "eagain_writeback"
        case .eagainStillMapped: "eagain_still_mapped"
        case .eagainExtraRef: "eagain_extra_ref"
        case .eagainFreezeRace: "eagain_freeze_race"
        case .pteOps: "pte_ops"
        case .offlineIterations: "offline_iterations"
        case .offlineSucceeded: "offline_succeeded"
        case .offlineBudgetHit: "offline_budget_hit"
        case .offlineInterrupted: "offline_interrupted"
        case .touches: "touches"
        case .faults: "faults"
        case .reclaimFreed: "reclaim_freed"
        case .reclaimKept: "reclaim_kept"
        case .lockAcquired: "lock_acquired"
        case .lockInterrupted: "lock_interrupted"
        case .reused: "reused"
        }
    }

    public static var names: [String] { allCases.map(\.name) }
}

extension ProgramBuilder {
    mutating func count(_ c: Counter) { emit(.count(c.rawValue)) }

    /// `n` steps of doing nothing: think time, or time off the CPU.
    mutating func pause(_ n: Int) {
        for _ in 0..<max(0, n) { emit(.pause) }
    }
}

extension World {
    public subscript(_ c: Counter) -> Int64 { counters[Int(c.rawValue)] }
}
