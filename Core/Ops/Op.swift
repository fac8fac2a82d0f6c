/// One kernel operation, executed by `Engine.step` as one atomic step —
/// except `waitOnPageBit` and `wakeUpPageBit`, which run as the several
/// steps their wait core defines, and the local operations (jumps,
/// branches, register moves, counters, `loadPage`, `exit`), which touch
/// nothing another task can see and so run as part of the step before them.
///
/// Page operands are registers holding a `PageRef`. Results go to registers:
/// 1 for success, 0 for failure, unless documented otherwise.
///
/// Operations come in domains, one enum and one file each, and everything
/// the engine knows about an operation lives in its domain's file
/// (`Op+References.swift` holds `ReferenceOp`, and so on):
///
/// - the declaration, and the static factories that build an `Op` without
///   naming the domain (`Op.getPage(r)` is `.reference(.getPage(r))`), so
///   programs read as the kernel's calls;
/// - `execute`: the step itself, an `Engine` method that ends by moving the
///   task past the instruction (`advance`), or starts a multi-step frame;
/// - `footprint`: what the step may touch, for partial-order reduction;
///   it must cover everything `execute` reads or writes;
/// - `gate`: the lock the step takes, which must be free for it to run;
/// - `registers` and `problem`: what `Engine.validate` checks at load time;
/// - `kernelName` and `listing`: the kernel's words for traces and for
///   `pw_builder_listing`.
///
/// `Op`'s own members below only dispatch to the domain, so adding an
/// operation to a domain touches that domain's file alone (see "Adding an
/// operation" in docs/architecture.md). Only control operations are local:
/// `runLocals` runs them in place.
///
/// The domains hold their payloads inline (no `indirect`, no boxes): an
/// `Op` keeps the size of the flat enum it replaced (21 bytes, stride 24;
/// the domain's tag fits in the spare values of the largest domain's tag
/// byte), an `Instruction` 40. `ProgramTests` checks it.
public enum Op: Hashable, Sendable {
    /// Control flow and bookkeeping: jumps, branches, registers, counters,
    /// pointer formation, think time, preemption points (`Op+Control.swift`).
    case control(ControlOp)
    /// Page references: get, put, freeze, unfreeze, counts (`Op+References.swift`).
    case reference(ReferenceOp)
    /// Page flags and the page lock's bit (`Op+Flags.swift`).
    case flag(FlagOp)
    /// The multi-step wait and wake of mm/filemap.c (`Op+WaitWake.swift`).
    case waitWake(WaitWakeOp)
    /// Program spinlocks: the ptl and the mapping's i_pages lock (`Op+Spinlocks.swift`).
    case spin(SpinOp)
    /// Page-table entries, each under its ptl (`Op+PageTables.swift`).
    case pageTable(PageTableOp)
    /// PMD-mapped huge pages, each change under the PMD lock (`Op+HugePages.swift`).
    case hugePage(HugePageOp)
    /// Splitting a large folio under migration (`Op+FolioSplit.swift`).
    case folio(FolioOp)
    /// Page-cache slots, each under its mapping lock (`Op+PageCache.swift`).
    case pageCache(PageCacheOp)
    /// A frame's life: allocation, LRU isolation, freeing, hot-remove (`Op+Lifecycle.swift`).
    case lifecycle(LifecycleOp)
    /// Signals between tasks (`Op+Signals.swift`).
    case signal(SignalOp)
    /// The flags word read and written whole: non-atomic `__ClearPageXxx`
    /// (`Op+FlagWord.swift`).
    case flagWord(FlagWordOp)
    /// PG_writeback and whose writeback set it (`Op+Writeback.swift`).
    case writeback(WritebackOp)
    /// Mutexes and rwsems: sleeping locks (`Op+SleepingLocks.swift`).
    case sleepLock(SleepLockOp)
    /// Scheduler points: `cond_resched()` (`Op+Sched.swift`).
    case sched(SchedOp)
    /// Per-CPU work items: queue, flush, the kworker (`Op+WorkQueue.swift`).
    case workQueue(WorkQueueOp)
}

extension Op {
    /// Touches nothing another task can see: run in place by `runLocals`.
    package var isLocal: Bool {
        if case .control(let op) = self { return op.isLocal }
        return false
    }

    /// The kernel's name for the operation, e.g. `page_ref_freeze(3)`, as
    /// traces print it before what the step did; empty for the local
    /// operations, which traces never show on their own.
    package var kernelName: String {
        switch self {
        case .control(let op): op.kernelName
        case .reference(let op): op.kernelName
        case .flag(let op): op.kernelName
        case .waitWake(let op): op.kernelName
        case .spin(let op): op.kernelName
        case .pageTable(let op): op.kernelName
        case .hugePage(let op): op.kernelName
        case .folio(let op): op.kernelName
        case .pageCache(let op): op.kernelName
        case .lifecycle(let op): op.kernelName
        case .signal(let op): op.kernelName
        case .flagWord(let op): op.kernelName
        case .writeback(let op): op.kernelName
        case .sleepLock(let op): op.kernelName
        case .sched(let op): op.kernelName
        case .workQueue(let op): op.kernelName
        }
    }

    /// The instruction in the kernel's words, as `pw_builder_listing`
    /// prints it: `r7 = trylock_page(r0)`, `if (r7 == 1) goto 4`,
    /// `SetPageDirty(r0)`. Registers are r0..r7, flags PG_*, sleep states
    /// TASK_*; nothing of the Swift types behind them.
    package var listing: String {
        switch self {
        case .control(let op): op.listing
        case .reference(let op): op.listing
        case .flag(let op): op.listing
        case .waitWake(let op): op.listing
        case .spin(let op): op.listing
        case .pageTable(let op): op.listing
        case .hugePage(let op): op.listing
        case .folio(let op): op.listing
        case .pageCache(let op): op.listing
        case .lifecycle(let op): op.listing
        case .signal(let op): op.listing
        case .flagWord(let op): op.listing
        case .writeback(let op): op.listing
        case .sleepLock(let op): op.listing
        case .sched(let op): op.listing
        case .workQueue(let op): op.listing
        }
    }

    /// Registers the operation reads or writes.
    var registers: [Register] {
        switch self {
        case .control(let op): op.registers
        case .reference(let op): op.registers
        case .flag(let op): op.registers
        case .waitWake(let op): op.registers
        case .spin(let op): op.registers
        case .pageTable(let op): op.registers
        case .hugePage(let op): op.registers
        case .folio(let op): op.registers
        case .pageCache(let op): op.registers
        case .lifecycle(let op): op.registers
        case .signal(let op): op.registers
        case .flagWord(let op): op.registers
        case .writeback(let op): op.registers
        case .sleepLock(let op): op.registers
        case .sched(let op): op.registers
        case .workQueue(let op): op.registers
        }
    }

    /// Registers the operation always writes without reading them first
    /// (`LiveRegisters`).
    var kills: [Register] {
        switch self {
        case .control(let op): op.kills
        case .reference(let op): op.kills
        case .flag(let op): op.kills
        case .waitWake(let op): op.kills
        case .spin(let op): op.kills
        case .pageTable(let op): op.kills
        case .hugePage(let op): op.kills
        case .folio(let op): op.kills
        case .pageCache(let op): op.kills
        case .lifecycle(let op): op.kills
        case .signal(let op): op.kills
        case .flagWord(let op): op.kills
        case .writeback(let op): op.kills
        case .sleepLock(let op): op.kills
        case .sched(let op): op.kills
        case .workQueue(let op): op.kills
        }
    }

    /// The lock a task must find free to take this step.
    var gate: Engine.Gate {
        switch self {
        case .control(let op): op.gate
        case .reference(let op): op.gate
        case .flag(let op): op.gate
        case .waitWake(let op): op.gate
        case .spin(let op): op.gate
        case .pageTable(let op): op.gate
        case .hugePage(let op): op.gate
        case .folio(let op): op.gate
        case .pageCache(let op): op.gate
        case .lifecycle(let op): op.gate
        case .signal(let op): op.gate
        case .flagWord(let op): op.gate
        case .writeback(let op): op.gate
        case .sleepLock(let op): op.gate
        case .sched(let op): op.gate
        case .workQueue(let op): op.gate
        }
    }

    /// Why the engine refuses to load the operation in a program of
    /// `length` instructions with `behaviors` wait behaviours, beyond its
    /// registers (checked first, by `Engine.validate`); nil if it loads.
    func problem(length: Int32, behaviors: Int) -> String? {
        switch self {
        case .control(let op): op.problem(length: length, behaviors: behaviors)
        case .reference(let op): op.problem(length: length, behaviors: behaviors)
        case .flag(let op): op.problem(length: length, behaviors: behaviors)
        case .waitWake(let op): op.problem(length: length, behaviors: behaviors)
        case .spin(let op): op.problem(length: length, behaviors: behaviors)
        case .pageTable(let op): op.problem(length: length, behaviors: behaviors)
        case .hugePage(let op): op.problem(length: length, behaviors: behaviors)
        case .folio(let op): op.problem(length: length, behaviors: behaviors)
        case .pageCache(let op): op.problem(length: length, behaviors: behaviors)
        case .lifecycle(let op): op.problem(length: length, behaviors: behaviors)
        case .signal(let op): op.problem(length: length, behaviors: behaviors)
        case .flagWord(let op): op.problem(length: length, behaviors: behaviors)
        case .writeback(let op): op.problem(length: length, behaviors: behaviors)
        case .sleepLock(let op): op.problem(length: length, behaviors: behaviors)
        case .sched(let op): op.problem(length: length, behaviors: behaviors)
        case .workQueue(let op): op.problem(length: length, behaviors: behaviors)
        }
    }
}

extension Engine {
    /// Take the step of operation `op` for task `t`, which rests on it
    /// (`site` is its pc): each domain's `execute`.
    @inline(__always)
    func execute(_ op: Op, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        switch op {
        case .control(let op): try execute(op, &w, t, site: site)
        case .reference(let op): try execute(op, &w, t, site: site)
        case .flag(let op): try execute(op, &w, t, site: site)
        case .waitWake(let op): try execute(op, &w, t, site: site)
        case .spin(let op): try execute(op, &w, t, site: site)
        case .pageTable(let op): try execute(op, &w, t, site: site)
        case .hugePage(let op): try execute(op, &w, t, site: site)
        case .folio(let op): try execute(op, &w, t, site: site)
        case .pageCache(let op): try execute(op, &w, t, site: site)
        case .lifecycle(let op): try execute(op, &w, t, site: site)
        case .signal(let op): try execute(op, &w, t, site: site)
        case .flagWord(let op): try execute(op, &w, t, site: site)
        case .writeback(let op): try execute(op, &w, t, site: site)
        case .sleepLock(let op): try execute(op, &w, t, site: site)
        case .sched(let op): try execute(op, &w, t, site: site)
        case .workQueue(let op): try execute(op, &w, t, site: site)
        }
    }

    /// Add what operation `op`, task `t`'s next step, may touch to `f`:
    /// each domain's `footprint`.
    func footprint(of op: Op, _ t: Int, in w: World, into f: inout Footprint) {
        switch op {
        case .control(let op): footprint(of: op, t, in: w, into: &f)
        case .reference(let op): footprint(of: op, t, in: w, into: &f)
        case .flag(let op): footprint(of: op, t, in: w, into: &f)
        case .waitWake(let op): footprint(of: op, t, in: w, into: &f)
        case .spin(let op): footprint(of: op, t, in: w, into: &f)
        case .pageTable(let op): footprint(of: op, t, in: w, into: &f)
        case .hugePage(let op): footprint(of: op, t, in: w, into: &f)
        case .folio(let op): footprint(of: op, t, in: w, into: &f)
        case .pageCache(let op): footprint(of: op, t, in: w, into: &f)
        case .lifecycle(let op): footprint(of: op, t, in: w, into: &f)
        case .signal(let op): footprint(of: op, t, in: w, into: &f)
        case .flagWord(let op): footprint(of: op, t, in: w, into: &f)
        case .writeback(let op): footprint(of: op, t, in: w, into: &f)
        case .sleepLock(let op): footprint(of: op, t, in: w, into: &f)
        case .sched(let op): footprint(of: op, t, in: w, into: &f)
        case .workQueue(let op): footprint(of: op, t, in: w, into: &f)
        }
    }
}
