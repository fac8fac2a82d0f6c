// wait_on_page_bit_common() as 62906027091f ("mm: add PageWaiters
// indicating tasks are waiting for a page bit", v4.10) wrote it, with the
// loop of __wait_on_bit_lock() (kernel/sched/wait.c): after io_schedule() a
// signal the sleep state admits ends the wait with -EINTR before the bit is
// tried, and a waiter that found the bit clear tries it without looking at
// signals. a8b169afbf06 ("Avoid page waitqueue race leaving possible page
// locker waiting", v4.13) put the bit first: the v4.19 core's order. The
// other phases, and the wake function, are the v4.19 core's; kernel-model
// §2.13 says what that leaves out.
//
//   begin -> lock -> queue -> setStateUnlock -> testBit -> [put]
//         -> [schedule -> signalCheck] -> postWake -> (lock again | finish) -> [unlink]

extension Engine {
    func waitStepV410(_ w: inout World, _ t: Int) throws(Violation) -> StepEvent {
        let f = w.tasks[t].wait
        let phase = WaitPhase(rawValue: f.phase)!
        let site = StepEvent.Site.wait(f.phase)
        switch phase {
        case .schedule:
            // Only a waiter that found the bit set sleeps, and only it looks
            // at signals, right after io_schedule() returns.
            w.tasks[t].wait.phase = WaitPhase.signalCheck.rawValue
            return try ioSchedule(&w, t, site: site)
        case .signalCheck:
            // signal_pending_state(): a wake that chose this waiter is lost
            // with it (Z6; 777c6c5f1f6e's report for __wait_on_bit_lock).
            if f.state.signalPending(w.tasks[t].pending) {
                w.tasks[t].wait.result = eintr
                w.tasks[t].wait.phase = WaitPhase.finish.rawValue
                return StepEvent(task: t, site: site, .signalExit, pfn: f.page.pfn)
            }
            w.tasks[t].wait.phase = WaitPhase.postWake.rawValue
            return StepEvent(task: t, site: site, .nothing, pfn: f.page.pfn)
        case .postWake:
            return try postWakeV410(&w, t, site: site)
        default:
            return try waitStepV419(&w, t)
        }
    }

    /// The behaviour's check, with no signal check after it: a failed
    /// test-and-set or a set bit goes straight round the loop again.
    private func postWakeV410(_ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let f = w.tasks[t].wait
        let traits = self.traits[Int(f.behavior)]
        switch traits.postWake {
        case .takeBit:
            return try postWakeTakeBit(&w, t, site: site, failed: .lock, countingRequeue: true)
        case .testBit:
            return try postWakeTestBit(&w, t, site: site, set: .lock)
        case .none:
            // DROP (which v4.10 did not have yet) looks at nothing.
            if traits.returnsAfterWake {
                w.tasks[t].wait.result = 0
                w.tasks[t].wait.phase = WaitPhase.finish.rawValue
            } else {
                w.tasks[t].wait.phase = WaitPhase.lock.rawValue
            }
            return StepEvent(task: t, site: site, .nothing, pfn: f.page.pfn)
        }
    }
}
