import PagewaitCore

extension ZooEntries {
    /// Z19: the killable exclusive lost wakeup that 5ef64cc8987a ("mm: allow
    /// a controlled amount of unfairness in the page lock", v5.9) reopened
    /// for vm.page_lock_unfairness ≥ 1 (default 5). An exclusive waiter asks
    /// for the handoff only once its unfairness is spent; a killed waiter
    /// that has left its loop but not yet run `finish_wait` can still be
    /// chosen by an unlock's walk, which marks it WOKEN without DONE and
    /// stops; the waiter returns -EINTR and the one behind it sleeps on a
    /// clear PG_locked. No report or fix is known: the fixed configurations
    /// are candidate fixes (docs/findings/unfair-killable-lost-wakeup.md),
    /// with `unfair-0` (a handoff from the first queueing) as the reference.
    ///
    /// Scope: `killable-lockers` without its stealer — holder H (hold 2), A
    /// `lock_page_killable` once, B `lock_page` once, SIGKILL to A — every
    /// interleaving. Wider scopes, each a proof for every candidate fix (the
    /// findings page has their sizes): the stealer back in, two lockers
    /// behind A, `two-killed-lockers` (two killable lockers, each killed),
    /// and unfairness 1 … 5.
    static let z19 = BugEntry(
        "Z19", "a killed exclusive waiter chosen after its signal check spends the exclusive wake (5ef64cc8987a, unfairness ≥ 1)",
        reference: "5ef64cc8987a \"mm: allow a controlled amount of unfairness in the page lock\"; found by this model, no fix known",
        functions: ["folio_wait_bit_common", "wake_page_function", "__wake_up_common", "finish_wait", "folio_lock_killable"],
        tags: [BugTag("linux-git", "5ef64cc8987a"), BugTag("sysctl", "vm.page_lock_unfairness")],
        scenario: "killable-lockers",
        scenarios: [twoKilledLockers],
        buggy: BugConfiguration("5ef64cc8987a, vm.page_lock_unfairness = 5 (the default)", strategy: "unfair-5",
                                parameters: ["stealers": 0], commit: "5ef64cc8987a"),
        fixed: [
            BugConfiguration("candidate: a WOKEN, not DONE waiter retries the bit after finish_wait (a8b169afbf06's rule)",
                             strategy: "unfair-5-retake", parameters: ["stealers": 0]),
            BugConfiguration("candidate: a WOKEN, not DONE waiter passes the wake on (abort_exclusive_wait's way)",
                             strategy: "unfair-5-passon", parameters: ["stealers": 0]),
            BugConfiguration("candidate: killable and interruptible waiters always ask for the handoff",
                             strategy: "unfair-5-handoff", parameters: ["stealers": 0]),
            BugConfiguration("candidate retake, vm.page_lock_unfairness = 1", strategy: "unfair-1-retake", parameters: ["stealers": 0]),
            BugConfiguration("candidate pass-on, vm.page_lock_unfairness = 1", strategy: "unfair-1-passon", parameters: ["stealers": 0]),
            BugConfiguration("candidate handoff, vm.page_lock_unfairness = 1", strategy: "unfair-1-handoff", parameters: ["stealers": 0]),
            BugConfiguration("reference: vm.page_lock_unfairness = 0 (handoff from the first queueing, as 2a9127fcf229)",
                             strategy: "unfair-0", parameters: ["stealers": 0], commit: "2a9127fcf229"),
        ],
        check: .violation([.lostWakeup, .hang]),
        scope: "killable-lockers without its stealer (stealers = 0): a holder, lock_page_killable locker A, lock_page locker B, "
            + "SIGKILL to A; each takes the lock once. Wider scopes in docs/findings/unfair-killable-lost-wakeup.md")

    /// Two killable lockers A1 and A2 queued before a `lock_page` locker B,
    /// each killed by a signaller of its own, against a holder; a stealer
    /// line comes last (none by default), so the signallers' targets stay
    /// tasks 1 and 2 whatever the counts of the lines after them.
    static let twoKilledLockers = ScenarioSpec(
        name: "two-killed-lockers",
        summary: "holder, two lock_page_killable lockers each sent SIGKILL, a lock_page locker behind them: is B left asleep?",
        reference: "known-bugs Z19; 5ef64cc8987a",
        parameters: ["mappings": 0],
        actors: [ActorSpec(Holder(), count: 1, ["hold": 2]),
                 ActorSpec(Locker(), count: 2, ["iterations": 1, "hold": 1, "think": 0, "killable": 1], name: "killable"),
                 ActorSpec(Locker(), count: 1, ["iterations": 1, "hold": 1, "think": 0], name: "locker"),
                 ActorSpec(Signaller(), count: 1, ["target": 1, "delay": 0], name: "signaller-a1"),
                 ActorSpec(Signaller(), count: 1, ["target": 2, "delay": 0], name: "signaller-a2"),
                 ActorSpec(Stealer(), count: 0, ["iterations": 1, "hold": 1, "think": 0])])
}
