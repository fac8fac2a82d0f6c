// wait_on_page_bit_common() and wake_page_function() after 5ef64cc8987a
// ("mm: allow a controlled amount of unfairness in the page lock"), which
// current kernels keep (as folio_wait_bit_common / folio_wake_bit).
// Kernel-model §2.6.
//
//   begin -> lock (repeat:) -> setWaiters -> tryOrQueue -> [put] -> setState
//         -> check (-> setState | -> lock on a stolen bit) -> finish -> [unlink]

extension Engine {
    func waitStepV59(_ w: inout World, _ t: Int) throws(Violation) -> StepEvent {
        let f = w.tasks[t].wait
        let phase = WaitPhase(rawValue: f.phase)!
        let site = StepEvent.Site.wait(f.phase)
        let traits = self.traits[Int(f.behavior)]
        if let e = try commonWaitStep(&w, t, phase, afterPut: .setState) { return e }
        if phase == .lock {
            // repeat: the entry's flags start afresh; each exclusive queueing
            // spends one unit of unfairness, and past it asks for a handoff.
            var flags: WaitFlags = []
            if traits.isExclusive {
                flags = .exclusive
                w.tasks[t].wait.unfairness -= 1
                if w.tasks[t].wait.unfairness < 0 || asksForHandoffBecauseSignallable(f.state) { flags.insert(.custom) }
            }
            // repeat: wait->flags = ..., plain, before q->lock.
            store(&w, .waitFlags(t), flags, .plain)
        }
        if let e = try queueingStep(&w, t, phase, wokenFlags: [.woken, .done]) { return e }
        switch phase {
        case .check:
            // smp_load_acquire(&wait->flags), pairing with the waker's
            // smp_store_release.
            let flags = load(w, .waitFlags(t), .acquire)
            if !flags.contains(.woken) {
                if f.state.signalPending(w.tasks[t].pending) {
                    w.tasks[t].wait.phase = WaitPhase.finish.rawValue
                    return StepEvent(task: t, site: site, .signalExit, pfn: f.page.pfn)
                }
                w.tasks[t].wait.phase = WaitPhase.setState.rawValue
                return try ioSchedule(&w, t, site: site)
            }
            if !traits.isExclusive || flags.contains(.done) {
                w.tasks[t].wait.phase = WaitPhase.finish.rawValue
                return StepEvent(task: t, site: site, .nothing, pfn: f.page.pfn, a: 1)
            }
            // Woken, but the bit was left for us to take: someone may steal it.
            try touch(&w, t, f.page, "test_and_set_bit(\(f.bit.kernelName))")
            if testAndSet(&w, f.page.pfn, f.bit, owner: t, .fullyOrdered) {
                // wait->flags |= WQ_FLAG_DONE: plain, the waiter's own entry.
                rmw(&w, .waitFlags(t), .plain) { _ = $0.insert(.done) }
                w.tasks[t].wait.phase = WaitPhase.finish.rawValue
                return StepEvent(task: t, site: site, .takeBit, pfn: f.page.pfn, a: 1)
            }
            countRequeue(&w, t)
            w.tasks[t].wait.phase = WaitPhase.lock.rawValue
            return StepEvent(task: t, site: site, .requeue, pfn: f.page.pfn)
        default:
            preconditionFailure("v5.9 core has no phase \(phase)")
        }
    }

    /// wake_page_function (v5.9) after the key matched: an exclusive waiter
    /// stops the walk if the bit is set; if it asked for a handoff, the waker
    /// takes the bit for it (DONE). Then WOKEN, wake, unlink.
    func wakeFunctionV59(_ w: inout World, waker t: Int, waiter: Int, page: PageRef, bit: PageFlags) throws(Violation) -> Int {
        // flags = wait->flags: plain, under q->lock.
        var flags = load(w, .waitFlags(waiter), .plain)
        let exclusive = flags.contains(.exclusive)
        if exclusive {
            try touch(&w, t, page, "wake_page_function: test_bit(\(bit.kernelName))")
            if load(w, .flags(page.pfn), .relaxed).contains(bit) { return -1 }
            if flags.contains(.custom) {
                // test_and_set_bit, fully ordered.
                guard testAndSet(&w, page.pfn, bit, owner: waiter, .fullyOrdered) else { return -1 }
                flags.insert(.done)
            }
        }
        // smp_store_release(&wait->flags, flags | WQ_FLAG_WOKEN): the waiter
        // reads it without q->lock.
        flags.insert(.woken)
        store(&w, .waitFlags(waiter), flags, .release)
        wakeWoken(&w, waiter)
        // list_del_init_careful (c6fe44d96fc1).
        wakeUnlink(&w, waiter)
        return exclusive ? 1 : 0
    }
}
