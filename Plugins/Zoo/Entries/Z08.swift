import PagewaitCore

extension ZooEntries {
    /// Z8: 777c6c5f1f6e ("wait: prevent exclusive waiter starvation",
    /// Johannes Weiner, 2009). The generic exclusive bit lock,
    /// `__wait_on_bit_lock()`, which `lock_page_killable` used then: after the
    /// sleep a signal ends the wait with `finish_wait`, so an exclusive waiter
    /// that the holder's wake chose while it was being interrupted takes the
    /// wake with it ("the first contender on the queue was aborting when the
    /// actual lock holder woke it up concurrently"). The fix,
    /// `abort_exclusive_wait()`, passes a wake it was chosen for on; 2016's
    /// eaf9ef52241b replaced that with a test-and-set after `finish_wait`.
    ///
    /// Scope: `killable-lockers` without its stealer — holder H, A
    /// (`lock_page_killable` through `__wait_on_bit_lock`) and B, SIGKILL to
    /// A — every interleaving. With the stealer as well, both fixes are still
    /// proofs (about 1.1 million states, 18 s in a release build): the page
    /// lock's stealer always unlocks with a wake, so the condition a chosen
    /// waiter finds false again is re-established with a wake of its own.
    static let z08 = BugEntry(
        "Z8", "an interrupted exclusive waiter chosen by a concurrent wake must pass it on (abort_exclusive_wait)",
        reference: "777c6c5f1f6e \"wait: prevent exclusive waiter starvation\"; removed by eaf9ef52241b and b1ea06a90f52",
        functions: ["__wait_on_bit_lock", "abort_exclusive_wait", "___wait_event", "finish_wait", "__wake_up_locked_key"],
        tags: [BugTag("linux-git", "777c6c5f1f6e"), BugTag("linux-git", "eaf9ef52241b"), BugTag("linux-git", "b1ea06a90f52")],
        scenario: "killable-lockers",
        buggy: BugConfiguration("before 777c6c5f1f6e: finish_wait and -EINTR", strategy: "wait-on-bit-lock", parameters: ["stealers": 0]),
        fixed: [
            BugConfiguration("777c6c5f1f6e: abort_exclusive_wait passes the wake on", strategy: "wait-on-bit-lock-abort",
                             parameters: ["stealers": 0], commit: "777c6c5f1f6e"),
            BugConfiguration("eaf9ef52241b: test_and_set_bit after finish_wait", strategy: "wait-on-bit-lock-retake",
                             parameters: ["stealers": 0], commit: "eaf9ef52241b"),
        ],
        check: .violation([.lostWakeup, .hang]),
        scope: "killable-lockers without its stealer (stealers = 0): a holder, locker A (lock_page_killable through the bit-lock "
            + "loop), locker B, SIGKILL to A; each takes the lock once")
}
