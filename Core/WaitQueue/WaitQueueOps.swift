// The hashed wait-queue lists and the scheduler primitives the wait cores
// share: append at the tail, unlink, try_to_wake_up, io_schedule.

/// The phases of `wait_on_page_bit_common`; each core uses a subset, in its
/// own order (see WaitCoreV419.swift, WaitCoreV59a.swift, WaitCoreV59.swift).
enum WaitPhase: UInt8 {
    case begin, earlyPut, lock, queue, setStateUnlock, setWaiters, tryOrQueue
    case testBit, put, schedule, postWake, setState, check, finish, unlink, releaseLock, signalCheck
    case retake, abortExclusive

    var name: String {
        switch self {
        case .begin: "begin"
        case .earlyPut: "put_page (before queueing)"
        case .lock: "spin_lock(q->lock)"
        case .queue: "__add_wait_queue_entry_tail + SetPageWaiters"
        case .setStateUnlock: "set_current_state + spin_unlock"
        case .setWaiters: "SetPageWaiters"
        case .tryOrQueue: "trylock_page_bit_common or queue + spin_unlock"
        case .testBit: "test_bit"
        case .put: "put_page"
        case .schedule: "io_schedule"
        case .postWake: "after wake"
        case .setState: "set_current_state"
        case .check: "check WOKEN / signal / io_schedule"
        case .finish: "finish_wait"
        case .unlink: "finish_wait: list_del under q->lock"
        case .releaseLock: "spin_unlock (after queueing)"
        case .signalCheck: "signal_pending_state"
        case .retake: "after finish_wait: test_and_set_bit"
        case .abortExclusive: "abort_exclusive_wait"
        }
    }
}

/// The phases of `wake_up_page_bit` around `__wake_up_common`.
enum WakePhase: UInt8 {
    case lock, visit, final, chunkUnlock

    var name: String {
        switch self {
        case .lock: "spin_lock(q->lock)"
        case .visit: "__wake_up_common: wake_page_function"
        case .final: "ClearPageWaiters? + spin_unlock"
        case .chunkUnlock: "spin_unlock (bookmark)"
        }
    }
}

/// The wait phases whose step takes the bucket's q->lock, as a bit mask.
private let bucketLockPhases: UInt32 =
    1 << UInt32(WaitPhase.lock.rawValue) | 1 << UInt32(WaitPhase.unlink.rawValue) | 1 << UInt32(WaitPhase.abortExclusive.rawValue)

/// The phases `commonWaitStep` takes (the cases of `sharedWaitStep`'s
/// switch), as a bit mask.
private let commonWaitPhases: UInt32 =
    1 << UInt32(WaitPhase.earlyPut.rawValue) | 1 << UInt32(WaitPhase.put.rawValue) | 1 << UInt32(WaitPhase.finish.rawValue)
    | 1 << UInt32(WaitPhase.unlink.rawValue) | 1 << UInt32(WaitPhase.retake.rawValue) | 1 << UInt32(WaitPhase.abortExclusive.rawValue)

/// The kernel's -EINTR, as the wait's result.
let eintr: Int8 = -4

extension Engine {
    /// A mask test, not a chain of compares: the run loop asks this of every
    /// waiting task at every step.
    @inline(__always)
    func waitPhaseTakesBucketLock(_ phase: UInt8) -> Bool {
        (bucketLockPhases >> UInt32(phase & 31)) & 1 != 0
    }

    /// Append `t`'s entry at the tail of its bucket's list
    /// (`__add_wait_queue_entry_tail`: plain stores under q->lock, the
    /// entry's `next` among them).
    func appendEntry(_ w: inout World, _ t: Int) {
        w.queue.append(QueueItem(bucket: w.tasks[t].entry.bucket, task: TaskID(t), isBookmark: false))
        store(&w, .waitLink(t), true, .plain)
    }

    /// `list_del_init` of `t`'s entry (caller holds the bucket lock); its
    /// last store, of the entry's `next`, has `order`: a release for a
    /// wake function's `list_del_init_careful` (c6fe44d96fc1), plain
    /// otherwise. A lockless `list_empty_careful` reads that word.
    func unlinkEntry(_ w: inout World, _ t: Int, _ order: MemoryOrder = .plain) {
        if let i = w.queue.firstIndex(where: { $0.task.index == t && !$0.isBookmark }) { w.queue.remove(at: i) }
        store(&w, .waitLink(t), false, order)
    }

    /// A wake function's unlink of the woken `t`: `list_del_init_careful`
    /// in the v5.9 cores, `list_del_init` before (`WaitCore.unlink`).
    @inline(__always)
    func wakeUnlink(_ w: inout World, _ t: Int) {
        unlinkEntry(&w, t, config.waitCore.unlink.storeOrder)
    }

    /// `try_to_wake_up(p, TASK_NORMAL)`: 1 if `p` was not RUNNING.
    func tryToWakeUp(_ w: inout World, _ t: Int) -> Bool {
        guard w.tasks[t].state != .running else { return false }
        w.tasks[t].state = .running
        if w.tasks[t].blocked { unblock(&w, t) }
        return true
    }

    /// A task asleep in the scheduler is put back on a runqueue by the
    /// stepping task. Under `arm` the wakee sees what its waker saw: the
    /// waker enqueues it under rq->lock and the schedule() that runs it
    /// takes that lock, a release/acquire chain (kernel/sched/core.c,
    /// try_to_wake_up() and "Notes on Program-Order guarantees on SMP
    /// systems", BLOCKING). Only a task that really slept gets this: one
    /// that is still running its wait loop when the wake comes sees nothing
    /// of it but what it reads.
    func unblock(_ w: inout World, _ t: Int) {
        w.tasks[t].blocked = false
        w.tasks[t].stats.wakeups += 1
        if arm, let step = w.views.step, step.task != t { step.views.wake(t, by: step.task) }
    }

    /// `io_schedule()`: return at once if RUNNING (a wake already came), or
    /// if a signal the state admits is pending; otherwise block.
    func ioSchedule(_ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let task = w.tasks[t]
        if !task.heldLocks.isEmpty || task.heldBucket >= 0 {
            throw Violation(.sleepInAtomic, task: t, function: "io_schedule", detail: "scheduling while holding a spinlock")
        }
        if task.state == .running {
            return StepEvent(task: t, site: site, .sleep, pfn: task.entry.page.pfn, a: 0)
        }
        if task.state.signalPending(task.pending) {
            w.tasks[t].state = .running
            return StepEvent(task: t, site: site, .sleep, pfn: task.entry.page.pfn, a: 2)
        }
        w.tasks[t].blocked = true
        return StepEvent(task: t, site: site, .sleep, pfn: task.entry.page.pfn, a: 1)
    }

    /// First step of a wait: the thrashing decision (which reads the page,
    /// so it must come before any DROP put) and the entry's initialisation.
    @inline(__always)
    func beginWait(_ w: inout World, _ t: Int, page: PageRef, bit: PageFlags, state: SleepState, behavior: UInt8, result: Register, release: LockID? = nil) throws(Violation) -> StepEvent {
        let traits = self.traits[Int(behavior)]
        var f = WaitFrame()
        f.page = page
        f.bit = bit
        f.state = state
        f.behavior = behavior
        f.resultRegister = result
        f.unfairness = Int16(clamping: config.waitCore.unfairness)
        f.release = release.map { Int16($0.raw) } ?? -1
        if config.thrashing != .none && bit == .locked {
            try touch(&w, t, page, "thrashing check (PageUptodate/PageWorkingset)")
            // PageUptodate, PageWorkingset and PageSwapBacked: test_bits, read
            // in one load. (PageUptodate adds an smp_rmb() when the bit is
            // set; that is not recorded.)
            let flags = load(w, .flags(page.pfn), .relaxed)
            if !flags.contains(.uptodate) && flags.contains(.workingset) {
                f.thrashing = true
                w.tasks[t].stats.psiEnter += 1
                if !flags.contains(.swapbacked) {
                    f.delayacct = true
                    w.tasks[t].stats.delayacctStart += 1
                }
            }
        }
        var e = WaitEntry()
        e.page = page
        e.bit = bit
        e.bucket = config.waitTable.bucket(of: page.pfn)
        w.tasks[t].entry = e
        // wait->flags = behavior == EXCLUSIVE ? WQ_FLAG_EXCLUSIVE : 0: plain,
        // on the waiter's stack before anyone else can see the entry.
        let flags: WaitFlags = traits.isExclusive ? .exclusive : []
        store(&w, .waitFlags(t), flags, .plain)
        f.phase = traits.dropsReference == .beforeQueueing ? WaitPhase.earlyPut.rawValue : WaitPhase.lock.rawValue
        w.tasks[t].frame = .wait(f)
        return StepEvent(task: t, site: .wait(WaitPhase.begin.rawValue), .waitBegin, pfn: page.pfn, a: Int64(behavior), b: f.thrashing ? 1 : 0)
    }

    func waitStep(_ w: inout World, _ t: Int) throws(Violation) -> StepEvent {
        switch config.waitCore.version {
        case .v4_19: try waitStepV419(&w, t)
        case .v5_9a: try waitStepV59a(&w, t)
        case .v5_9: try waitStepV59(&w, t)
        case .v4_10: try waitStepV410(&w, t)
        }
    }

    /// Phases every core shares: the ablation's early put, taking q.lock,
    /// DROP's put, and finish_wait. Returns nil for a core-specific phase.
    ///
    /// The cores ask this first at every wait step, and most steps are in
    /// their own phases: those are turned away by a mask test, inline,
    /// before the call and the frame's copy.
    @inline(__always)
    func commonWaitStep(_ w: inout World, _ t: Int, _ phase: WaitPhase, afterPut: WaitPhase) throws(Violation) -> StepEvent? {
        guard (commonWaitPhases >> UInt32(phase.rawValue & 31)) & 1 != 0 else { return nil }
        return try sharedWaitStep(&w, t, phase, afterPut: afterPut)
    }

    /// `commonWaitStep` for a phase of `commonWaitPhases`.
    private func sharedWaitStep(_ w: inout World, _ t: Int, _ phase: WaitPhase, afterPut: WaitPhase) throws(Violation) -> StepEvent? {
        let site = StepEvent.Site.wait(phase.rawValue)
        let f = w.tasks[t].wait
        switch phase {
        case .earlyPut:
            let e = try putPage(&w, t, f.page, owned: true, site: site)
            w.tasks[t].wait.phase = WaitPhase.lock.rawValue
            return e
        case .put:
            let e = try putPage(&w, t, f.page, owned: true, site: site)
            w.tasks[t].wait.phase = afterPut.rawValue
            return e
        case .finish:
            w.tasks[t].state = .running
            if abortsExclusiveWait(&w, t) {
                // abort_exclusive_wait takes q->lock whether or not the
                // entry is still queued (ExclusiveAbort.swift).
                w.tasks[t].wait.phase = WaitPhase.abortExclusive.rawValue
                return StepEvent(task: t, site: site, .setState, pfn: f.page.pfn, a: Int64(SleepState.running.rawValue))
            }
            // finish_wait's lockless !list_empty_careful(&wait->entry): an
            // acquire of `next` since c6fe44d96fc1, plain before.
            if load(w, .waitLink(t), config.waitCore.unlink.loadOrder) {
                w.tasks[t].wait.phase = WaitPhase.unlink.rawValue
                return StepEvent(task: t, site: site, .setState, pfn: f.page.pfn, a: Int64(SleepState.running.rawValue))
            }
            if let e = try afterFinishWait(&w, t, unlinked: true, site: site) { return e }
            return try completeWait(&w, t, site: site)
        case .unlink:
            // spin_lock, list_del_init, spin_unlock: nothing observable between.
            let unlinked = !load(w, .waitLink(t), .plain)
            if !unlinked { unlinkEntry(&w, t) }
            if let e = try afterFinishWait(&w, t, unlinked: unlinked, site: site) { return e }
            return try completeWait(&w, t, site: site)
        case .retake:
            return try retakeStep(&w, t, site: site)
        case .abortExclusive:
            return try abortExclusiveStep(&w, t, site: site)
        default:
            return nil
        }
    }

    /// The end of a wait: thrashing accounting ends from the locals (or, for
    /// the pre-seed v4.20 code, by re-reading the page), the result goes to
    /// its register and the program continues.
    func completeWait(_ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let pfn = w.tasks[t].wait.page.pfn
        let result = try endWait(&w, t)
        try advance(&w, t)
        return StepEvent(task: t, site: site, .waitEnd, pfn: pfn, a: Int64(result))
    }

    /// `completeWait` but for moving on: the frame is left and the result is
    /// in its register, and the task stays on its wait instruction (a pass-on
    /// walk that follows moves it on). Returns the result.
    @discardableResult
    @inline(__always)
    func endWait(_ w: inout World, _ t: Int) throws(Violation) -> Int8 {
        let f = w.tasks[t].wait
        let result: Int8
        switch config.waitCore.version {
        case .v4_19, .v4_10:
            result = f.result
        case .v5_9a:
            // After finish_wait: wait->flags & WQ_FLAG_WOKEN, plain.
            result = load(w, .waitFlags(t), .plain).contains(.woken) ? 0 : eintr
        case .v5_9:
            // After finish_wait: wait->flags & WQ_FLAG_DONE (EXCLUSIVE) or
            // WQ_FLAG_WOKEN, plain.
            let key: WaitFlags = traits[Int(f.behavior)].isExclusive ? .done : .woken
            result = load(w, .waitFlags(t), .plain).contains(key) ? 0 : eintr
        }
        if f.thrashing {
            switch config.thrashing {
            case .rereadAtEnd:
                try touch(&w, t, f.page, "delayacct_thrashing_end: PageSwapBacked")
                // PageSwapBacked: test_bit.
                if !load(w, .flags(f.page.pfn), .relaxed).contains(.swapbacked) { w.tasks[t].stats.delayacctEnd += 1 }
            case .decidedUpFront:
                if f.delayacct { w.tasks[t].stats.delayacctEnd += 1 }
            case .none:
                break
            }
            w.tasks[t].stats.psiLeave += 1
        }
        w.tasks[t].registers[Int(f.resultRegister)] = Int64(result)
        w.tasks[t].frame = .none
        return result
    }

    /// The phase after q.lock is dropped: first the caller's lock, if the
    /// wait was asked to release one (`migration_entry_wait_on_locked`).
    func afterQueueing(_ w: inout World, _ t: Int, then next: WaitPhase) {
        w.tasks[t].wait.phase = (w.tasks[t].wait.release >= 0 ? WaitPhase.releaseLock : next).rawValue
    }

    /// Drop the lock the wait was asked to release, then go on to `next`.
    func releaseAfterQueueing(_ w: inout World, _ t: Int, then next: WaitPhase) -> StepEvent {
        let f = w.tasks[t].wait
        let l = LockID(raw: UInt8(f.release))
        w.tasks[t].heldLocks.remove(l)
        w.tasks[t].wait.release = -1
        w.tasks[t].wait.phase = next.rawValue
        return StepEvent(task: t, site: .wait(WaitPhase.releaseLock.rawValue), .spinUnlock, pfn: f.page.pfn, a: Int64(l.raw))
    }

    /// A woken exclusive waiter lost the bit and goes round again (F13).
    func countRequeue(_ w: inout World, _ t: Int) {
        w.tasks[t].stats.requeues += 1
        w.tasks[t].wait.requeues += 1
        w.tasks[t].stats.mostRequeuesInOneWait = max(w.tasks[t].stats.mostRequeuesInOneWait, Int32(w.tasks[t].wait.requeues))
    }

    /// Take q.lock: the step is enabled only while the lock is free.
    func takeBucketLock(_ w: inout World, _ t: Int, site: StepEvent.Site) -> StepEvent {
        let b = w.tasks[t].entry.bucket
        w.tasks[t].heldBucket = b
        return StepEvent(task: t, site: site, .queueLock, pfn: w.tasks[t].wait.page.pfn, a: Int64(b))
    }

    /// SetPageWaiters: a set_bit, unordered (under q->lock). Returns the
    /// flags it left, for the trace.
    @discardableResult
    func setPageWaiters(_ w: inout World, _ t: Int) throws(Violation) -> PageFlags {
        let p = w.tasks[t].wait.page
        try touch(&w, t, p, "SetPageWaiters")
        if config.pageLockWord.isSeparate { return setSeparateWaiters(&w, p.pfn) }
        return rmw(&w, .flags(p.pfn), .relaxed) { flags -> PageFlags in
            flags.insert(.waiters)
            return flags
        }
    }

    /// The same set_bit on PG_waiters' own word (known-bugs Z5 ablation),
    /// out of line: the shared word's path stays as it was. Returns the
    /// flags it left, for the trace.
    @inline(never)
    private func setSeparateWaiters(_ w: inout World, _ pfn: PFN) -> PageFlags {
        rmw(&w, .waitersWord(pfn), .relaxed) { $0 = true }
        return load(w, .flags(pfn), .modelOnly)
    }
}
