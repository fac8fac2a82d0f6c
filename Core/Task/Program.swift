/// A register number (0..<TaskState.registerCount).
public typealias Register = UInt8

/// A comparison a branch makes between a register and a constant.
public enum Comparison: UInt8, Hashable, Sendable {
    case equal, notEqual, less, greaterOrEqual

    @inlinable func holds(_ a: Int64, _ b: Int64) -> Bool {
        switch self {
        case .equal: a == b
        case .notEqual: a != b
        case .less: a < b
        case .greaterOrEqual: a >= b
        }
    }
}

/// One kernel operation, executed by `Engine.step` as one atomic step —
/// except `waitOnPageBit` and `wakeUpPageBit`, which run as the several
/// steps their wait core defines, and the local operations (jumps,
/// branches, register moves, counters, `loadPage`, `exit`), which touch
/// nothing another task can see and so run as part of the step before them.
///
/// Page operands are registers holding a `PageRef`. Results go to registers:
/// 1 for success, 0 for failure, unless documented otherwise.
public enum Op: Hashable, Sendable {
    // Control flow and bookkeeping (touch no shared state).
    case jump(Int32)
    case branch(Register, Comparison, Int64, to: Int32)
    case set(Register, Int64)
    case move(Register, from: Register)
    case add(Register, Int64)
    /// Bump a world counter (statistics named by the scenario).
    case count(Int32)
    /// Read a world counter: how actors tell each other "done".
    case readCounter(Int32, into: Register)
    /// Do nothing for one step: think time.
    case pause
    /// Do nothing for one step, and tell the scheduler the task may be
    /// preempted here with the given chance (per mille): time off the CPU
    /// inside a window that matters (kernel-model §2.7 `preemptInWindow`).
    case preemptionPoint(permille: UInt16)
    case exit

    // References (include/linux/mm.h, page_ref.h).
    /// Form a pointer to a frame at its current generation. Touches nothing.
    case loadPage(Register, pfn: Int32)
    case getPage(Register)
    case getPageUnlessZero(Register, result: Register)
    case putPage(Register)
    case pageRefFreeze(Register, expected: Int32, result: Register)
    case pageRefUnfreeze(Register, count: Int32)
    /// `page_count()`.
    case readRefcount(Register, into: Register)
    /// `page_mapcount()`.
    case readMapcount(Register, into: Register)

    // Flags and the page lock.
    case trylockPage(Register, result: Register)
    /// unlock_page step U1: clear PG_locked, result = old PG_waiters.
    case clearLockedTestWaiters(Register, result: Register)
    /// `__ClearPageLocked` step N1: read the whole flags word.
    case nonAtomicClearRead(Register)
    /// `__ClearPageLocked` step N2: write back what N1 read, less PG_locked.
    case nonAtomicClearWrite(Register)
    case testFlag(Register, PageFlags, result: Register)
    case setFlag(Register, PageFlags)
    case clearFlag(Register, PageFlags)

    // Waiting and waking (mm/filemap.c).
    case waitOnPageBit(Register, PageFlags, SleepState, behavior: UInt8, result: Register)
    case wakeUpPageBit(Register, PageFlags)
    /// A wait that queues while the caller holds `release` and drops it
    /// right after queueing, before sleeping: `migration_entry_wait_on_locked`
    /// (ffa65753c431), which never takes a page reference.
    case waitOnPageBitReleasing(Register, PageFlags, SleepState, behavior: UInt8, release: LockID, result: Register)

    // Spinlocks.
    case spinLock(LockID)
    case spinUnlock(LockID)

    // Page tables (each op under the PTE's ptl).
    /// result = kind raw value; page = the PTE's page at its current generation.
    case readPTE(slot: Int32, kind: Register, page: Register)
    /// try_to_unmap for migration: PRESENT(P) -> MIGRATION(P), mapcount-1, put.
    case unmapToMigration(slot: Int32, page: Register)
    /// remove_migration_pte: MIGRATION(P) -> PRESENT(target), get, mapcount+1.
    case removeMigrationPTE(slot: Int32, target: Register)
    /// try_to_unmap for reclaim: PRESENT(P) -> NONE, mapcount-1, put.
    case unmapPTE(slot: Int32, page: Register)

    // Page life cycle.
    /// Allocate `pfn` if it is free (result 1), else result 0. gen+1, ref 1.
    case allocPage(pfn: Int32, into: Register, result: Register)
    /// isolate_lru_page: needs PG_lru; clears it and takes an isolation ref.
    case isolateLRU(Register, result: Register)
    /// putback_lru_page: set PG_lru, drop the isolation ref.
    case putbackLRU(Register)
    /// Read a page-cache slot.
    case findCachePage(slot: Int32, into: Register)
    /// migrate_page_move_mapping 'c': slot := new (+1 ref on new).
    case cacheReplace(slot: Int32, new: Register)
    /// __remove_mapping 'c': slot := empty (the cache's ref goes with the freeze).
    case cacheRemove(slot: Int32)
    /// Free a page frozen by this task (reclaim): bad-page check, flags cleared.
    case freeFrozenPage(Register)

    // Signals and memory hot-remove.
    case sendSignal(task: Int16, fatal: Bool)
    case signalPending(result: Register)
    case hotRemove(Register)
}

/// One instruction: the operation and the kernel function it belongs to,
/// for traces ("migrate_page_move_mapping: page_ref_freeze ...").
public struct Instruction: Hashable, Sendable {
    public var op: Op
    public var function: String

    public init(_ op: Op, in function: String) {
        self.op = op
        self.function = function
    }
}

/// A strategy's or actor's code: instructions with branches and loops.
public struct Program: Hashable, Sendable {
    public var name: String
    public var instructions: [Instruction]

    public init(name: String, instructions: [Instruction]) {
        self.name = name
        self.instructions = instructions
    }
}
