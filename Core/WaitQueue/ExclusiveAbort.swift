// What an exclusive waiter that leaves its wait without the bit — on a
// signal — does about a wake that may already have chosen it. A wake walk
// wakes one exclusive waiter and stops (kernel-model §2.4 step 2h); if that
// waiter then returns -EINTR without the lock, nobody unlocks after it and the
// waiters behind it sleep on a clear bit. Kernel history has four answers,
// and every kernel core today has the first (kernel-model §2.14):
//
//   none      return -EINTR: __wait_on_bit_lock before 777c6c5f1f6e (2009),
//             wait_on_page_bit_common from 62906027091f (v4.10), and, for a
//             waiter without a handoff request, the v5.9 core (Z19).
//   passOn    abort_exclusive_wait() (777c6c5f1f6e "wait: prevent exclusive
//             waiter starvation"; removed by b1ea06a90f52 and eaf9ef52241b):
//             under q->lock, unlink the entry if it is still queued; else a
//             wake chose it, so wake the next exclusive waiter.
//   retake    a8b169afbf06's rule ("it *must* take that lock and return
//             success, even if a lethal signal is also pending"), as
//             __wait_on_bit_lock has it since eaf9ef52241b: after finish_wait
//             a waiter a wake chose tries the bit; if it wins it returns 0 and
//             owns the lock (its unlock wakes the next); if it loses, the
//             owner's unlock will.
//   handoff   never be chosen without the lock: a waiter whose sleep state
//             admits a signal asks for the handoff (WQ_FLAG_CUSTOM) on every
//             queueing, so a wake that chooses it takes the bit for it, as
//             2a9127fcf229 did for every exclusive waiter (v5.9 core only).

/// How an exclusive waiter that leaves on a signal keeps the one exclusive
/// wake of a walk from being lost with it.
public enum ExclusiveAbort: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// `finish_wait` and -EINTR: the kernel's cores.
    case none
    /// After `finish_wait`, a waiter a wake had already unlinked
    /// test-and-sets the bit and returns 0 if it wins.
    case retake
    /// `abort_exclusive_wait`: under q->lock, unlink if still queued, else
    /// pass the wake on with a walk of the bucket (one exclusive wake).
    case passOn
    /// Ask for the handoff on every queueing when the sleep state admits a
    /// signal (v5.9 core).
    case handoff

    public var description: String {
        switch self {
        case .none: "none"
        case .retake: "retake after finish_wait"
        case .passOn: "abort_exclusive_wait"
        case .handoff: "handoff to signallable waiters"
        }
    }
}

extension Engine {
    /// An exclusive wait of `t` that, as things stand, ends without the bit:
    /// v4.x by its result, v5.9 by its entry lacking DONE (read plain, as
    /// the code after `finish_wait` does).
    func exclusiveWaitEndsWithoutBit(_ w: World, _ t: Int) -> Bool {
        let f = w.tasks[t].wait
        guard traits[Int(f.behavior)].isExclusive else { return false }
        switch config.waitCore.version {
        case .v4_19, .v4_10: return f.result != 0
        case .v5_9: return !load(w, .waitFlags(t), .plain).contains(.done)
        case .v5_9a: return false
        }
    }

    /// v5.9, repeat: whether this queueing asks for the handoff because the
    /// sleep state admits a signal (`.handoff`).
    @inline(__always)
    func asksForHandoffBecauseSignallable(_ state: SleepState) -> Bool {
        config.waitCore.abort == .handoff && state != .uninterruptible
    }

    /// `finish_wait`'s first step under `.passOn`: the state is RUNNING and
    /// the abort takes q->lock next, even if the entry is already unlinked.
    /// The rule's compare first and inlined, so that the cores' rule,
    /// `.none`, pays one compare at `finish_wait`, no call. The world is
    /// `inout` though only read: by value it was copied (76 bytes) before
    /// the compare, at every `finish_wait`.
    @inline(__always)
    func abortsExclusiveWait(_ w: inout World, _ t: Int) -> Bool {
        config.waitCore.abort == .passOn && exclusiveWaitEndsWithoutBit(w, t)
    }

    /// After `finish_wait`: `unlinked` says a waker, not the waiter, took the
    /// entry off the list (v4.x cores; the v5.9 core reads WOKEN instead). A
    /// waiter so chosen that leaves without the bit tries it once more under
    /// `.retake`; otherwise the wait ends here.
    /// Inlined up to the rule's compare (one compare, no call, unless the
    /// rule is `.retake`).
    @inline(__always)
    func afterFinishWait(_ w: inout World, _ t: Int, unlinked: Bool, site: StepEvent.Site) throws(Violation) -> StepEvent? {
        guard config.waitCore.abort == .retake else { return nil }
        return try retakeAfterFinishWait(&w, t, unlinked: unlinked, site: site)
    }

    /// `afterFinishWait` under `.retake`.
    @inline(never)
    func retakeAfterFinishWait(_ w: inout World, _ t: Int, unlinked: Bool, site: StepEvent.Site) throws(Violation) -> StepEvent? {
        guard exclusiveWaitEndsWithoutBit(w, t) else { return nil }
        let chosen = config.waitCore.version == .v5_9 ? load(w, .waitFlags(t), .plain).contains(.woken) : unlinked
        guard chosen else { return nil }
        w.tasks[t].wait.phase = WaitPhase.retake.rawValue
        return StepEvent(task: t, site: site, .nothing, pfn: w.tasks[t].wait.page.pfn)
    }

    /// `.retake`: test_and_set_bit (fully ordered); a win is the lock, the
    /// wait returns 0 (v5.9: the entry gets DONE, as the loop's own take
    /// does).
    func retakeStep(_ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let f = w.tasks[t].wait
        try touch(&w, t, f.page, "test_and_set_bit(\(f.bit.kernelName))")
        if testAndSet(&w, f.page.pfn, f.bit, owner: t, .fullyOrdered) {
            switch config.waitCore.version {
            case .v5_9:
                // wait->flags |= WQ_FLAG_DONE: plain, the waiter's own entry.
                rmw(&w, .waitFlags(t), .plain) { _ = $0.insert(.done) }
            default:
                w.tasks[t].wait.result = 0
            }
        }
        return try completeWait(&w, t, site: site)
    }

    /// `.passOn`, one step under q->lock (enabled while it is free): unlink
    /// the entry if it is still queued; otherwise, if the wait still ends
    /// without the bit and the list is not empty (`waitqueue_active`), the
    /// wait ends and the task walks the bucket as `wake_up_page_bit` does,
    /// from its head, keeping q->lock — the walk's last step moves the task
    /// past its wait. The walk clears a stale PG_waiters as any unlock's
    /// does: the model's PG_waiters stands for `waitqueue_active`.
    func abortExclusiveStep(_ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let f = w.tasks[t].wait
        let bucket = w.tasks[t].entry.bucket
        if w.tasks[t].entry.onList {
            unlinkEntry(&w, t)
            return try completeWait(&w, t, site: site)
        }
        guard exclusiveWaitEndsWithoutBit(w, t), w.bucketActive(bucket) else { return try completeWait(&w, t, site: site) }
        try endWait(&w, t)
        _ = try beginWake(&w, t, page: f.page, bit: f.bit)
        return StepEvent(task: t, site: site, .wakeBegin, pfn: f.page.pfn, a: Int64(bucket), b: 2)
    }
}
