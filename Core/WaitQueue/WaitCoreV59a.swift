// wait_on_page_bit_common() and wake_page_function() after 2a9127fcf229
// ("mm: rewrite wait_on_page_bit_common() logic"), with the careful list
// removal of c6fe44d96fc1. Kernel-model §2.5.
//
//   begin -> lock -> setWaiters -> tryOrQueue -> [put] -> setState -> check
//         (-> setState ...) -> finish -> [unlink]; result from WOKEN

extension Engine {
    func waitStepV59a(_ w: inout World, _ t: Int) throws(Violation) -> StepEvent {
        let f = w.tasks[t].wait
        let phase = WaitPhase(rawValue: f.phase)!
        if let e = try commonWaitStep(&w, t, phase, afterPut: .setState) { return e }
        if let e = try queueingStep(&w, t, phase, wokenFlags: .woken) { return e }
        guard phase == .check else { preconditionFailure("v5.9a core has no phase \(phase)") }
        // The signal is looked at before WOKEN; the result comes from WOKEN
        // after finish_wait, so a wake that raced with the signal still wins.
        let site = StepEvent.Site.wait(f.phase)
        if f.state.signalPending(w.tasks[t].pending) {
            w.tasks[t].wait.phase = WaitPhase.finish.rawValue
            return StepEvent(task: t, site: site, .signalExit, pfn: f.page.pfn)
        }
        // wait->flags & WQ_FLAG_WOKEN: plain in 2a9127fcf229 (5ef64cc8987a
        // made it smp_load_acquire).
        if load(w, .waitFlags(t), .plain).contains(.woken) {
            w.tasks[t].wait.phase = WaitPhase.finish.rawValue
            return StepEvent(task: t, site: site, .nothing, pfn: f.page.pfn, a: 1)
        }
        w.tasks[t].wait.phase = WaitPhase.setState.rawValue
        return try ioSchedule(&w, t, site: site)
    }

    /// The phases the v5.9a and v5.9 cores share, from taking q.lock to the
    /// loop's set_current_state; nil for any other phase (turned away by a
    /// mask test, inline, as `commonWaitStep` does). `wokenFlags` is what a
    /// synchronous success marks the entry with.
    @inline(__always)
    func queueingStep(_ w: inout World, _ t: Int, _ phase: WaitPhase, wokenFlags: WaitFlags) throws(Violation) -> StepEvent? {
        guard (queueingPhases >> UInt32(phase.rawValue & 31)) & 1 != 0 else { return nil }
        return try queueingPhaseStep(&w, t, phase, wokenFlags: wokenFlags)
    }

    /// `queueingStep` for a phase of `queueingPhases`.
    private func queueingPhaseStep(_ w: inout World, _ t: Int, _ phase: WaitPhase, wokenFlags: WaitFlags) throws(Violation) -> StepEvent? {
        let f = w.tasks[t].wait
        let site = StepEvent.Site.wait(f.phase)
        let traits = self.traits[Int(f.behavior)]
        let afterQueue: WaitPhase = traits.dropsReference == .afterTest ? .put : .setState
        switch phase {
        case .lock:
            w.tasks[t].wait.phase = WaitPhase.setWaiters.rawValue
            return takeBucketLock(&w, t, site: site)
        case .setWaiters:
            let flags = try setPageWaiters(&w, t)
            w.tasks[t].wait.phase = WaitPhase.tryOrQueue.rawValue
            return StepEvent(task: t, site: site, .flags, pfn: f.page.pfn, a: 0, b: Int64(flags.rawValue))
        case .tryOrQueue:
            let e = try trylockPageBitCommon(&w, t, traits, wokenFlags: wokenFlags, site: site)
            afterQueueing(&w, t, then: afterQueue)
            return e
        case .releaseLock:
            return releaseAfterQueueing(&w, t, then: afterQueue)
        case .setState:
            // set_current_state: smp_store_mb, a full barrier. It pairs with
            // the one in try_to_wake_up (`wakeWoken`): either the waker sees
            // the state this sets, or the WOKEN test after it sees WOKEN
            // (memory-barriers.txt, "Sleep and wake-up functions").
            fullBarrier(&w)
            w.tasks[t].state = f.state
            w.tasks[t].wait.phase = WaitPhase.check.rawValue
            return StepEvent(task: t, site: site, .setState, pfn: f.page.pfn, a: Int64(f.state.rawValue))
        default:
            return nil
        }
    }

    /// Under q.lock: try the bit synchronously (an exclusive waiter takes
    /// it, a shared one just needs it clear) and queue only on failure;
    /// then drop q.lock. Shared by v5.9a and v5.9.
    func trylockPageBitCommon(_ w: inout World, _ t: Int, _ traits: BehaviorTraits, wokenFlags: WaitFlags, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let f = w.tasks[t].wait
        try touch(&w, t, f.page, "trylock_page_bit_common")
        let got: Bool
        if traits.isExclusive {
            // test_and_set_bit, fully ordered.
            got = testAndSet(&w, f.page.pfn, f.bit, owner: t, .fullyOrdered)
        } else {
            // test_bit.
            got = !load(w, .flags(f.page.pfn), .relaxed).contains(f.bit)
        }
        w.tasks[t].heldBucket = -1
        if got {
            // wait->flags |= WQ_FLAG_WOKEN (| WQ_FLAG_DONE in v5.9): plain,
            // under q->lock.
            let flags = rmw(&w, .waitFlags(t), .plain) { flags -> WaitFlags in
                flags.formUnion(wokenFlags)
                return flags
            }
            return StepEvent(task: t, site: site, .notQueued, pfn: f.page.pfn, a: Int64(flags.rawValue))
        }
        appendEntry(&w, t)
        // The entry's flags, for the trace only.
        return StepEvent(task: t, site: site, .queued, pfn: f.page.pfn, a: Int64(w.tasks[t].entry.bucket),
                         b: Int64(load(w, .waitFlags(t), .modelOnly).rawValue))
    }

    /// wake_page_function (v5.9a) after the key matched: take the bit for an
    /// exclusive waiter (stop if it is taken), wake everyone else without
    /// looking at the bit, and unlink unconditionally.
    func wakeFunctionV59a(_ w: inout World, waker t: Int, waiter: Int, page: PageRef, bit: PageFlags) throws(Violation) -> Int {
        // wait->flags & WQ_FLAG_EXCLUSIVE: plain, under q->lock.
        let exclusive = load(w, .waitFlags(waiter), .plain).contains(.exclusive)
        if exclusive {
            try touch(&w, t, page, "wake_page_function: test_and_set_bit(\(bit.kernelName))")
            // test_and_set_bit, fully ordered.
            if !testAndSet(&w, page.pfn, bit, owner: waiter, .fullyOrdered) { return -1 }
        }
        // wait->flags |= WQ_FLAG_WOKEN: plain (5ef64cc8987a made it a
        // store-release).
        rmw(&w, .waitFlags(waiter), .plain) { _ = $0.insert(.woken) }
        wakeWoken(&w, waiter)
        // list_del_init_careful (c6fe44d96fc1); as first posted, list_del_init.
        wakeUnlink(&w, waiter)
        return exclusive ? 1 : 0
    }
}

extension Engine {
    /// wake_up_state(wait->private, mode) after WOKEN was stored: the
    /// smp_mb__after_spinlock at the top of try_to_wake_up (kernel/sched/
    /// core.c) is a full barrier whether or not the task was asleep; with
    /// set_current_state's it keeps a waiter that has not slept yet from
    /// missing WOKEN and sleeping for good (the SB shape).
    func wakeWoken(_ w: inout World, _ waiter: Int) {
        fullBarrier(&w)
        _ = tryToWakeUp(&w, waiter)
    }
}

/// The phases `queueingStep` takes (the cases of `queueingPhaseStep`'s
/// switch), as a bit mask.
private let queueingPhases: UInt32 =
    1 << UInt32(WaitPhase.lock.rawValue) | 1 << UInt32(WaitPhase.setWaiters.rawValue) | 1 << UInt32(WaitPhase.tryOrQueue.rawValue)
    | 1 << UInt32(WaitPhase.releaseLock.rawValue) | 1 << UInt32(WaitPhase.setState.rawValue)
