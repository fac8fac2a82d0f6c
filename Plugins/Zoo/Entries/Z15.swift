import PagewaitCore

extension ZooEntries {
    /// Z15: a trylock spinner starves the lock holder's per-CPU work (2026).
    /// The holder locks the folio and calls lru_add_drain_all(), which
    /// queues a work item on every CPU and waits for each; hmm_range_fault
    /// on another CPU fails folio_trylock in do_swap_page and retries at
    /// once. Without preemption the spinner never leaves its CPU, so that
    /// CPU's kworker never runs the drain: the holder waits for the work,
    /// the spinner for the holder. Arbitrary interleaving (`full`) preempts
    /// the spinner; the fix sleeps until the folio is unlocked, freeing the
    /// CPU under every model. Under `voluntary` a spin loop with a
    /// cond_resched() point yields to the kworker (`Preemption.voluntary`).
    static let z15 = BugEntry(
        "Z15", "a folio_trylock spinner owns the CPU whose lru_add_drain_all() work item the lock holder waits for",
        reference: "Thomas Hellström, \"[PATCH v5] mm: Fix a hmm_range_fault() livelock / starvation problem\" (2026-02-10), Fixes 1afaeb8293c9",
        functions: ["hmm_range_fault", "do_swap_page", "folio_trylock", "lru_add_drain_all", "flush_work", "softleaf_entry_wait_on_locked"],
        tags: [BugTag("Fixes", "1afaeb8293c9"), BugTag("Cc", "stable v6.15+")],
        scenario: hmmDrain.name,
        scenarios: [hmmDrain],
        buggy: BugConfiguration("trylock spin loop, no preemption (CONFIG_PREEMPT_NONE)", strategy: "noref",
                                parameters: ["preemption": 0, "resched": 0, "fix": 0], commit: "1afaeb8293c9"),
        fixed: [
            BugConfiguration("the same loop, full preemption (CONFIG_PREEMPT)", strategy: "noref", parameters: ["preemption": 2, "resched": 0, "fix": 0]),
            BugConfiguration("the loop with cond_resched(), voluntary preemption", strategy: "noref", parameters: ["preemption": 1, "resched": 1, "fix": 0]),
            BugConfiguration("the fix: wait for the unlock, no preemption", strategy: "noref", parameters: ["preemption": 0, "resched": 0, "fix": 1]),
            BugConfiguration("the fix, voluntary preemption", strategy: "noref", parameters: ["preemption": 1, "resched": 0, "fix": 1]),
            BugConfiguration("the fix, full preemption", strategy: "noref", parameters: ["preemption": 2, "resched": 0, "fix": 1]),
        ],
        check: .violation([.livelock]), bugClass: "CPU")

    /// Z15's scenario: two CPUs; the holder on CPU 0, the hmm_range_fault
    /// spinner on CPU 1, a kworker on each.
    static let hmmDrain = ScenarioSpec(
        name: "z15-hmm-drain",
        summary: "a folio holder drains every CPU's LRU batches (lru_add_drain_all) while hmm_range_fault spins on folio_trylock on the other CPU",
        reference: "known-bugs Z15; lru_add_drain_all (mm/swap.c), do_swap_page (mm/memory.c), hmm_range_fault (mm/hmm.c)",
        parameters: ["mappings": 0],
        actors: [ActorSpec(DrainLocker(), cpu: 0), ActorSpec(HmmFaulter(), cpu: 1)],
        cpus: CPUDeclaration(count: 2, preemption: .none))
}
