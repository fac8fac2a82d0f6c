import PagewaitCore

/// What a fault on a migration entry does (kernel-model §2.7).
public enum FaultPath: String, Hashable, Sendable, CaseIterable {
    /// `__migration_entry_wait` + `wait_on_page_locked` holding a reference
    /// (2006 … v4.20).
    case legacy
    /// `put_and_wait_on_page_locked`: drop the reference after queueing
    /// (9a1ea439b16b, v5.0-rc1).
    case drop
    /// `migration_entry_wait_on_locked`: queue under the ptl, no reference
    /// at all (ffa65753c431, v5.17-rc1).
    case noref
}

/// How reclaim clears PG_locked on a page it froze and is about to free
/// (kernel-model §2.11 step 5).
public enum ReclaimVariant: String, Hashable, Sendable, CaseIterable {
    /// `__ClearPageLocked`: non-atomic, no wake (a978d6f52106, until v4.20).
    case unlockless
    /// `unlock_page` (9a1ea439b16b).
    case unlock
    /// Non-atomic clear only when PG_waiters is clear (suggested, never merged).
    case cond
    /// Treat PG_waiters as an extra reference: refuse to free such a page,
    /// keep the non-atomic clear otherwise (Hugh Dickins' open question).
    case waitersAsRef
}

/// Which DROP behaviour the fault path uses: the seed's, or an ablation.
public enum DropVariant: String, Hashable, Sendable {
    case standard
    /// The forbidden design: go back round the loop re-reading the page.
    case loops
    /// The forbidden design: put the reference before queueing and testing.
    case earlyPut
}

/// What `do_huge_pmd_numa_page` holds while it waits for a huge page whose
/// migration has begun (kernel-model §2.7, THP variants).
public enum HugeNumaWait: String, Hashable, Sendable {
    /// A reference taken under the PMD lock (3c226c637b69, v4.18), or, for
    /// the noref fault path, the PMD lock until queued: the fault path's rule.
    case pinned
    /// Nothing: the PMD lock is dropped and the page waited on without a
    /// reference (b8916634b77b .. 3c226c637b69), an ablation for the zoo.
    case unpinned
}

/// A strategy as one choice on each axis of kernel-model §3.
public struct StrategyAxes: Hashable, Sendable {
    public var core: WaitCore
    public var fault: FaultPath
    public var reclaim: ReclaimVariant
    public var bookmarks: Bool
    /// Sleep state of the fault path's wait (`put-and-wait-killable`).
    public var faultSleep: SleepState
    public var thrashing: ThrashingAccounting
    public var drop: DropVariant
    /// The NUMA hinting fault's wait on a huge page.
    public var hugeNuma: HugeNumaWait
    /// Where PG_waiters lives and how unlock_page reads it (known-bugs Z5).
    public var lockWord: PageLockWord

    public init(core: WaitCore, fault: FaultPath, reclaim: ReclaimVariant, bookmarks: Bool = true,
                faultSleep: SleepState = .uninterruptible, thrashing: ThrashingAccounting = .decidedUpFront,
                drop: DropVariant = .standard, hugeNuma: HugeNumaWait = .pinned, lockWord: PageLockWord = .shared) {
        self.core = core
        self.fault = fault
        self.reclaim = reclaim
        self.bookmarks = bookmarks
        self.faultSleep = faultSleep
        self.thrashing = thrashing
        self.drop = drop
        self.hugeNuma = hugeNuma
        self.lockWord = lockWord
    }

    /// One line naming every axis, for `pagewait list` and reports.
    public var summary: String {
        "core \(core), fault \(fault.rawValue), reclaim \(reclaim.rawValue), bookmarks \(bookmarks ? "on" : "off")"
            + (faultSleep == .uninterruptible ? "" : ", \(faultSleep)") + (drop == .standard ? "" : ", DROP \(drop.rawValue)")
            + (hugeNuma == .pinned ? "" : ", THP NUMA wait \(hugeNuma.rawValue)")
            + (lockWord == .shared ? "" : ", PG_waiters: \(lockWord.name)")
    }
}

/// A strategy defined by its axes; the code at every hook follows from them.
/// Named strategies (one file each) only choose axes and document why.
public protocol AxisStrategy: Strategy {
    var axes: StrategyAxes { get }
}

extension AxisStrategy {
    public var kernel: KernelConfig {
        KernelConfig(waitCore: axes.core, bookmarks: axes.bookmarks, thrashing: axes.thrashing, pageLockWord: axes.lockWord)
    }

    /// Index 3 is always the fault path's own behaviour when it needs one.
    public var extraBehaviors: [any WaitBehavior] {
        switch (axes.fault, axes.drop) {
        case (.noref, _): [NoRefWait()]
        case (.drop, .loops): [DropLoops()]
        case (.drop, .earlyPut): [DropEarlyPut()]
        default: []
        }
    }

    public func emit(_ hook: Hook, into b: inout ProgramBuilder, context: HookContext) -> Bool {
        switch hook {
        case .migrationEntryWait:
            FaultPaths.emit(axes, into: &b, context: context, ownBehavior: extraBehaviors.isEmpty ? nil : 3)
            return true
        case .pmdMigrationEntryWait:
            FaultPaths.emit(axes, into: &b, context: context, ownBehavior: extraBehaviors.isEmpty ? nil : 3, level: .pmd)
            return true
        case .hugePMDNumaWait:
            HugeNumaFaultPath.emit(axes, into: &b, context: context, ownBehavior: extraBehaviors.isEmpty ? nil : 3)
            return true
        case .reclaimFrozen:
            if axes.reclaim == .waitersAsRef, let bail = context.bail {
                b.function("__remove_mapping") { b in
                    let t = context.temporaries[0]
                    b.emit(.testFlag(context.page, .waiters, result: t))
                    b.branch(t, .equal, 1, to: bail)
                }
            }
            return true
        case .reclaimClearLocked:
            ReclaimClear.emit(axes.reclaim, into: &b, context: context)
            return true
        default:
            return false
        }
    }
}
