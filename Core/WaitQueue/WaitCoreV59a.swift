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
        if w.tasks[t].entry.flags.contains(.woken) {
            w.tasks[t].wait.phase = WaitPhase.finish.rawValue
            return StepEvent(task: t, site: site, .nothing, pfn: f.page.pfn, a: 1)
        }
        w.tasks[t].wait.phase = WaitPhase.setState.rawValue
        return try ioSchedule(&w, t, site: site)
    }

    /// The phases the v5.9a and v5.9 cores share, from taking q.lock to the
    /// loop's set_current_state; nil for any other phase. `wokenFlags` is
    /// what a synchronous success marks the entry with.
    func queueingStep(_ w: inout World, _ t: Int, _ phase: WaitPhase, wokenFlags: WaitFlags) throws(Violation) -> StepEvent? {
        let f = w.tasks[t].wait
        let site = StepEvent.Site.wait(f.phase)
        let traits = self.traits[Int(f.behavior)]
        let afterQueue: WaitPhase = traits.dropsReference == .afterTest ? .put : .setState
        switch phase {
        case .lock:
            w.tasks[t].wait.phase = WaitPhase.setWaiters.rawValue
            return takeBucketLock(&w, t, site: site)
        case .setWaiters:
            try setPageWaiters(&w, t)
            w.tasks[t].wait.phase = WaitPhase.tryOrQueue.rawValue
            return StepEvent(task: t, site: site, .flags, pfn: f.page.pfn, a: 0, b: Int64(w.pages[Int(f.page.pfn)].flags.rawValue))
        case .tryOrQueue:
            let e = try trylockPageBitCommon(&w, t, traits, wokenFlags: wokenFlags, site: site)
            afterQueueing(&w, t, then: afterQueue)
            return e
        case .releaseLock:
            return releaseAfterQueueing(&w, t, then: afterQueue)
        case .setState:
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
        try touch(w, t, f.page, "trylock_page_bit_common")
        let got: Bool
        if traits.isExclusive {
            got = testAndSet(&w, f.page.pfn, f.bit, owner: t)
        } else {
            got = !w.pages[Int(f.page.pfn)].flags.contains(f.bit)
        }
        w.tasks[t].heldBucket = -1
        if got {
            w.tasks[t].entry.flags.formUnion(wokenFlags)
            return StepEvent(task: t, site: site, .notQueued, pfn: f.page.pfn, a: Int64(w.tasks[t].entry.flags.rawValue))
        }
        appendEntry(&w, t)
        return StepEvent(task: t, site: site, .queued, pfn: f.page.pfn, a: Int64(w.tasks[t].entry.bucket), b: Int64(w.tasks[t].entry.flags.rawValue))
    }

    /// wake_page_function (v5.9a) after the key matched: take the bit for an
    /// exclusive waiter (stop if it is taken), wake everyone else without
    /// looking at the bit, and unlink unconditionally.
    func wakeFunctionV59a(_ w: inout World, waker t: Int, waiter: Int, page: PageRef, bit: PageFlags) throws(Violation) -> Int {
        let exclusive = w.tasks[waiter].entry.flags.contains(.exclusive)
        if exclusive {
            try touch(w, t, page, "wake_page_function: test_and_set_bit(\(bit.kernelName))")
            if !testAndSet(&w, page.pfn, bit, owner: waiter) { return -1 }
        }
        w.tasks[waiter].entry.flags.insert(.woken)
        _ = tryToWakeUp(&w, waiter)
        unlinkEntry(&w, waiter)
        return exclusive ? 1 : 0
    }
}
