import PagewaitCore

extension ZooEntries {
    /// known-bugs Z18 (kernel-model F13): 5.4.y took 2a9127fcf229 (as
    /// c32ab1c1959a, a Stable-dep-of 2192bba03d80) without 5ef64cc8987a,
    /// so it shipped the fully fair handoff alone; benchmarks regressed
    /// (pts/ramspeed 35 %, unixbench 16 %). No correctness failure: the
    /// entry runs the same seeds of the fairness scenario under both and
    /// sets their fairness and handoff numbers side by side.
    static let z18 = BugEntry(
        "Z18", "2a9127fcf229 in 5.4.y without 5ef64cc8987a: the fully fair page lock handoff shipped alone",
        reference: "2a9127fcf229 (5.4.y c32ab1c1959a), 5ef64cc8987a",
        functions: ["wait_on_page_bit_common", "wake_page_function", "sysctl_page_lock_unfairness"],
        tags: [BugTag("linux-git", "2a9127fcf229"), BugTag("stable", "c32ab1c1959a (5.4.y)"),
               BugTag("Stable-dep-of", "2192bba03d80"),
               BugTag("Link", "\"[PATCH 5.4 0/1] mm: allow a controlled amount of unfairness in the page lock\", 2023-08-21"),
               BugTag("kernel-model", "F13")],
        scenario: "fairness",
        buggy: BugConfiguration("2a9127fcf229 alone, as in 5.4.y: a handoff on every contended unlock", strategy: "rewrite-fair",
                                commit: "2a9127fcf229"),
        fixed: [
            BugConfiguration("5ef64cc8987a: up to vm.page_lock_unfairness = 5 requeues, then a handoff", strategy: "unfair-5",
                             commit: "5ef64cc8987a"),
        ],
        check: .metrics,
        bugClass: "SC, quantitative",
        scope: "fairness as built in: three lock_page users taking the lock 4 times each and a trylock stealer trying 24 times; "
            + "seeds 1 to 1,000 of the random scheduler, as `pagewait run`",
        metrics: MetricsSpec(claims: [
            MetricClaim("rewrite-fair", .mostRequeues, .atMost(0),
                        because: "2a9127fcf229: the waker takes PG_locked for the exclusive waiter it wakes, so no waiter is woken to lose it"),
            MetricClaim("unfair-5", .mostRequeues, .atMost(5),
                        because: "5ef64cc8987a: a waiter requeues at most vm.page_lock_unfairness times, then asks for a handoff"),
            MetricClaim("rewrite-fair", .mostBypasses, .atMostThatOf("unfair-5"),
                        because: "with handoff only a trylock between unlock_page's clear and the walk reaching a waiter bypasses it"),
            MetricClaim("rewrite-fair", .handoffsPerUnlock, .atLeastThatOf("unfair-5"),
                        because: "a handoff on every wake of an exclusive waiter, against one only after five losses"),
            MetricClaim("rewrite-fair", .handedOverStepsPerRun, .atLeastThatOf("unfair-5"),
                        because: "a handed-over lock is held by a task still waking up, which nobody may steal"),
            MetricClaim("rewrite-fair", .stepsPerAcquisition, .atLeastThatOf("unfair-5"),
                        because: "the regression the 5.4.y reports measured: the same work takes longer under the fair handoff"),
        ]))
}
