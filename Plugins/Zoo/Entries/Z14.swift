import PagewaitCore

extension ZooEntries {
    /// Z14: the fair page-lock handoff (2a9127fcf229) exposed an ABBA
    /// deadlock across the page lock and another lock that optimistic lock
    /// stealing had hidden (Linus, "Re: Kernel Benchmarking", 2020-09-14..16;
    /// 5ef64cc8987a: "the fair page coloring may end up exposing an ABBA
    /// deadlock that is hidden by the usual optimistic lock stealing"). A
    /// unlocks P and hands it to B; A, now holding mutex M0, locks P again
    /// and waits behind B; B, owning P, needs M0.
    ///
    /// The cycle is in the code under every version: exhaustive search
    /// reaches DEADLOCK under legacy (v4.19), rewrite-fair, unfair-0 and
    /// unfair-5 alike, since B can always run between A's unlock and A's
    /// re-lock. What fairness changes is how often a random schedule (with
    /// the scheduler's wake-up latency) hits it: the handoff makes it
    /// certain once B queued, stealing lets A's re-lock win. No fix of the
    /// cycle exists (the second lock was never identified), so the entry
    /// has no fixed configuration; the stealing versions are listed as the
    /// ones that hide it, and they are expected to show it too.
    static let z14 = BugEntry(
        "Z14", "the fair page-lock handoff exposes an ABBA deadlock with another sleeping lock (2a9127fcf229; hidden again by 5ef64cc8987a)",
        reference: "2a9127fcf229 \"mm: rewrite wait_on_page_bit_common() logic\"; 5ef64cc8987a; Linus, \"Re: Kernel Benchmarking\" (2020-09)",
        functions: ["lock_page", "unlock_page", "wake_page_function", "mutex_lock"],
        tags: [BugTag("linux-git", "2a9127fcf229"), BugTag("linux-git", "5ef64cc8987a")],
        scenario: "multi-lock",
        buggy: BugConfiguration("2a9127fcf229, the fair handoff", strategy: "rewrite-fair", commit: "2a9127fcf229"),
        fixed: [],
        check: .violation([.deadlock]), bugClass: "MULTI-LOCK",
        scope: "multi-lock: relocker A (lock P, hold 8 steps, unlock, mutex_lock M0, lock P again) and taker B (lock P, mutex_lock M0); each once")
}
