// wait_on_page_bit_common() and wake_page_function() as in v4.14 … v4.20,
// with the seed's DROP behaviour (9a1ea439b16b). Kernel-model §2.3, §2.4.
//
//   begin -> lock -> queue -> setStateUnlock -> testBit -> [put] -> [schedule]
//         -> postWake -> [signalCheck] -> (lock again | finish) -> [unlink]

extension Engine {
    func waitStepV419(_ w: inout World, _ t: Int) throws(Violation) -> StepEvent {
        let f = w.tasks[t].wait
        let phase = WaitPhase(rawValue: f.phase)!
        let site = StepEvent.Site.wait(f.phase)
        let traits = self.traits[Int(f.behavior)]
        if let e = try commonWaitStep(&w, t, phase, afterPut: f.bitSet ? .schedule : .postWake) { return e }
        switch phase {
        case .lock:
            w.tasks[t].wait.phase = WaitPhase.queue.rawValue
            return takeBucketLock(&w, t, site: site)
        case .queue:
            // An entry a wake already removed goes back on at the tail: the
            // unfair requeue that 2a9127fcf229 later removed.
            let requeued = !w.tasks[t].entry.onList
            if requeued {
                try setPageWaiters(&w, t)
                appendEntry(&w, t)
            }
            w.tasks[t].wait.phase = WaitPhase.setStateUnlock.rawValue
            // The entry's flags, for the trace only.
            return StepEvent(task: t, site: site, requeued ? .queued : .nothing, pfn: f.page.pfn,
                             a: Int64(w.tasks[t].entry.bucket), b: Int64(load(w, .waitFlags(t), .modelOnly).rawValue))
        case .setStateUnlock:
            w.tasks[t].state = f.state
            w.tasks[t].heldBucket = -1
            afterQueueing(&w, t, then: .testBit)
            return StepEvent(task: t, site: site, .setState, pfn: f.page.pfn, a: Int64(f.state.rawValue))
        case .releaseLock:
            return releaseAfterQueueing(&w, t, then: .testBit)
        case .testBit:
            try touch(&w, t, f.page, "test_bit(\(f.bit.kernelName))")
            let set = load(w, .flags(f.page.pfn), .relaxed).contains(f.bit)
            w.tasks[t].wait.bitSet = set
            let after: WaitPhase = traits.dropsReference == .afterTest ? .put : (set ? .schedule : .postWake)
            w.tasks[t].wait.phase = after.rawValue
            return StepEvent(task: t, site: site, .bitTest, pfn: f.page.pfn, a: set ? 1 : 0)
        case .schedule:
            w.tasks[t].wait.phase = WaitPhase.postWake.rawValue
            return try ioSchedule(&w, t, site: site)
        case .postWake:
            return try postWakeV419(&w, t, traits, site: site)
        case .signalCheck:
            return signalCheckV419(&w, t, traits, site: site)
        default:
            preconditionFailure("v4.19 core has no phase \(phase)")
        }
    }

    /// Step 7 of §2.3: the behaviour's check; on failure, signals come next
    /// (before DROP's exit, on purpose) as their own step.
    private func postWakeV419(_ w: inout World, _ t: Int, _ traits: BehaviorTraits, site: StepEvent.Site) throws(Violation) -> StepEvent {
        switch traits.postWake {
        case .takeBit:
            // Step 8 is a separate step: an unlock's walk and a signal may
            // land between the failed test-and-set and the signal check
            // (kernel-model F8).
            return try postWakeTakeBit(&w, t, site: site, failed: .signalCheck)
        case .testBit:
            return try postWakeTestBit(&w, t, site: site, set: .signalCheck)
        case .none:
            // DROP looks at nothing, so steps 7 and 8 are one step.
            return signalCheckV419(&w, t, traits, site: site)
        }
    }

    /// An EXCLUSIVE waiter's test_and_set_bit_lock after its wake: won, the
    /// wait ends with 0; lost, the waiter goes on to `failed` (a failure
    /// that finds the entry already off the list is a requeue, F13).
    func postWakeTakeBit(_ w: inout World, _ t: Int, site: StepEvent.Site, failed: WaitPhase,
                         countingRequeue: Bool = false) throws(Violation) -> StepEvent {
        let f = w.tasks[t].wait
        try touch(&w, t, f.page, "test_and_set_bit_lock(\(f.bit.kernelName))")
        if testAndSet(&w, f.page.pfn, f.bit, owner: t, .acquire) {
            w.tasks[t].wait.result = 0
            w.tasks[t].wait.phase = WaitPhase.finish.rawValue
            return StepEvent(task: t, site: site, .takeBit, pfn: f.page.pfn, a: 1)
        }
        if countingRequeue && !w.tasks[t].entry.onList { countRequeue(&w, t) }
        w.tasks[t].wait.phase = failed.rawValue
        return StepEvent(task: t, site: site, .takeBit, pfn: f.page.pfn, a: 0)
    }

    /// A SHARED waiter's test_bit after its wake: clear, the wait ends with
    /// 0; set, the waiter goes on to `set`.
    func postWakeTestBit(_ w: inout World, _ t: Int, site: StepEvent.Site, set: WaitPhase) throws(Violation) -> StepEvent {
        let f = w.tasks[t].wait
        try touch(&w, t, f.page, "test_bit(\(f.bit.kernelName))")
        if !load(w, .flags(f.page.pfn), .relaxed).contains(f.bit) {
            w.tasks[t].wait.result = 0
            w.tasks[t].wait.phase = WaitPhase.finish.rawValue
            return StepEvent(task: t, site: site, .bitTest, pfn: f.page.pfn, a: 0)
        }
        w.tasks[t].wait.phase = set.rawValue
        return StepEvent(task: t, site: site, .bitTest, pfn: f.page.pfn, a: 1)
    }

    /// Steps 8-9 of §2.3: a pending signal the state admits ends the wait
    /// with -EINTR; otherwise DROP returns and the others go round again.
    private func signalCheckV419(_ w: inout World, _ t: Int, _ traits: BehaviorTraits, site: StepEvent.Site) -> StepEvent {
        let f = w.tasks[t].wait
        if f.state.signalPending(w.tasks[t].pending) {
            w.tasks[t].wait.result = eintr
            w.tasks[t].wait.phase = WaitPhase.finish.rawValue
            return StepEvent(task: t, site: site, .signalExit, pfn: f.page.pfn)
        }
        if traits.returnsAfterWake {
            w.tasks[t].wait.result = 0
            w.tasks[t].wait.phase = WaitPhase.finish.rawValue
            return StepEvent(task: t, site: site, .nothing, pfn: f.page.pfn)
        }
        if traits.isExclusive && !w.tasks[t].entry.onList { countRequeue(&w, t) }
        w.tasks[t].wait.phase = WaitPhase.lock.rawValue
        return StepEvent(task: t, site: site, .requeue, pfn: f.page.pfn)
    }

    /// wake_page_function (v4.19) after the key matched: stop if the bit is
    /// set again ("Stop walking if it's locked"), else autoremove-wake.
    func wakeFunctionV419(_ w: inout World, waker t: Int, waiter: Int, page: PageRef, bit: PageFlags) throws(Violation) -> Int {
        try touch(&w, t, page, "wake_page_function: test_bit(\(bit.kernelName))")
        if load(w, .flags(page.pfn), .relaxed).contains(bit) { return -1 }
        let woke = tryToWakeUp(&w, waiter)
        // autoremove_wake_function's list_del_init.
        if woke { wakeUnlink(&w, waiter) }
        return woke ? 1 : 0
    }
}
