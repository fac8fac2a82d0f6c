import PagewaitCore

/// The built-in scenarios. Defaults come from the kernel's structure
/// (docs/scenarios.md explains each), never from what makes a test pass.
public enum BuiltinScenarios {
    /// Kernel-model §5 E(k, m), F1: one migrator, k faulters on a page
    /// mapped by m processes.
    public static let migrateVsFaulters = ScenarioSpec(
        name: "migrate-vs-faulters",
        summary: "migrate_pages on a file page mapped by m processes while k faulters touch it",
        reference: "kernel-model F1; 9a1ea439b16b",
        parameters: ["mappings": 2, "faulters": 2],
        actors: [ActorSpec(Migrator()), ActorSpec(Faulter(), count: 2)])

    /// Kernel-model F2: memory offlining's outer loop against k faulters.
    public static let offline = ScenarioSpec(
        name: "offline",
        summary: "offline the page's range (retry until free, no timeout) while k faulters touch it",
        reference: "kernel-model F2; __offline_pages, ecde0f3e7f9e",
        parameters: ["mappings": 2, "faulters": 2],
        actors: [ActorSpec(Offliner()), ActorSpec(Faulter(), count: 2)])

    /// Kernel-model F3: a migrator, one faulter and a reclaimer on a page
    /// mapped once: the seed's lost wakeup under unlockless reclaim.
    public static let reclaimRace = ScenarioSpec(
        name: "reclaim-race",
        summary: "migrator, one faulter and reclaim on one page: DROP waiter vs unlockless reclaim",
        reference: "kernel-model F3, F4; a978d6f52106 reverted by 9a1ea439b16b",
        parameters: ["mappings": 1, "faulters": 1],
        actors: [ActorSpec(Migrator()), ActorSpec(Faulter()), ActorSpec(Reclaimer())])

    /// Kernel-model F5/F6: the page is migrated away and its frame reused
    /// by an allocator that keeps it locked.
    public static let reuse = ScenarioSpec(
        name: "reuse",
        summary: "a faulter waits while the page migrates; the freed frame is reused and held locked",
        reference: "kernel-model F5, F6; 9a1ea439b16b's DROP comment",
        parameters: ["mappings": 1, "faulters": 1],
        actors: [ActorSpec(Migrator()), ActorSpec(Faulter()), ActorSpec(Allocator())])

    /// Kernel-model F13: exclusive lockers and a trylock stealer.
    public static let fairness = ScenarioSpec(
        name: "fairness",
        summary: "three lock_page users and a trylock stealer: requeues and bypasses per waiter",
        reference: "kernel-model F13; 2a9127fcf229, 5ef64cc8987a",
        parameters: ["mappings": 0, "lockers": 3, "stealers": 1],
        actors: [ActorSpec(Locker(), count: 3, ["iterations": 4, "hold": 2, "think": 1]),
                 ActorSpec(Stealer(), count: 1, ["iterations": 24, "hold": 1, "think": 0])])

    /// Kernel-model §5.10, F11: one unlock walks a bucket with many waiters.
    public static let wakeWalk = ScenarioSpec(
        name: "wake-walk",
        summary: "a lock holder and many wait_on_page_locked readers: one unlock walks the whole bucket",
        reference: "kernel-model §5.10, F11; 2554db916586, 11a19c7b099f",
        parameters: ["mappings": 0, "readers": 80],
        actors: [ActorSpec(Holder(), count: 1, ["hold": 1000]), ActorSpec(Reader(), count: 80, ["delay": 10])])

    /// Kernel-model F8 (Oleg Nesterov's report, Linus's order): a holder, a
    /// lock_page_killable waiter A, a trylock stealer, a lock_page waiter B
    /// queued behind A, and SIGKILL for A.
    public static let killableLockers = ScenarioSpec(
        name: "killable-lockers",
        summary: "holder, killable locker A, stealer, locker B, SIGKILL to A: can B be left asleep on an unlocked page?",
        reference: "kernel-model F8; 2a9127fcf229",
        parameters: ["mappings": 0],
        actors: [ActorSpec(Holder(), count: 1, ["hold": 2]),
                 ActorSpec(Locker(), count: 1, ["iterations": 1, "hold": 1, "think": 0, "killable": 1], name: "killable"),
                 ActorSpec(Stealer(), count: 1, ["iterations": 1, "hold": 1, "think": 0]),
                 ActorSpec(Locker(), count: 1, ["iterations": 1, "hold": 1, "think": 0], name: "locker"),
                 ActorSpec(Signaller(), count: 1, ["target": 1, "delay": 0])])

    /// Known-bugs Z14 (2a9127fcf229's fair handoff exposing an ABBA
    /// deadlock, "Re: Kernel Benchmarking", 2020-09): the relocker A locks
    /// P, unlocks it, takes mutex M0 and locks P again; the taker B locks P
    /// and, holding it, takes M0. If B owns P when A, holding M0, asks for
    /// it again — which a handoff at A's unlock guarantees once B queued —
    /// A waits for B and B for A.
    public static let multiLock = ScenarioSpec(
        name: "multi-lock",
        summary: "A: lock P, unlock P, mutex M0, lock P again; B: lock P, then M0 (Z14's ABBA across the page lock and a mutex)",
        reference: "known-bugs Z14; 2a9127fcf229, 5ef64cc8987a",
        parameters: ["mappings": 0],
        actors: [ActorSpec(LockChain(), count: 1, LockChain.parameters([
                    (.lockPage, 0), (.pause, 8), (.unlockPage, 0), (.mutexLock, 0), (.lockPage, 0), (.unlockPage, 0), (.mutexUnlock, 0),
                 ]), name: "relocker"),
                 ActorSpec(LockChain(), count: 1, LockChain.parameters([
                    (.lockPage, 0), (.mutexLock, 0), (.mutexUnlock, 0), (.unlockPage, 0),
                 ]), name: "taker")])

    /// Mutex and rwsem contention without a cycle: a writer of rwsem S0
    /// inside the page lock of P, and readers that pass mutex M0 (stealing,
    /// the handoff flag, one wake per unlock) and then P, and only then read
    /// S0, holding nothing (so no lock order is inverted) (the writer's release grants the read
    /// lock to every queued reader). Identical readers: a symmetry scope.
    public static let sleepingLocks = ScenarioSpec(
        name: "sleeping-locks",
        summary: "an rwsem writer and readers that pass a mutex first: mutex wake and handoff, rwsem reader batching",
        reference: "kernel/locking/mutex.c __mutex_unlock_slowpath; kernel/locking/rwsem.c rwsem_mark_wake",
        parameters: ["mappings": 0],
        actors: [ActorSpec(LockChain(), count: 1, LockChain.parameters([
                    (.lockPage, 0), (.downWrite, 0), (.pause, 2), (.upWrite, 0), (.unlockPage, 0),
                 ]), name: "writer"),
                 ActorSpec(LockChain(), count: 2, LockChain.parameters([
                    (.mutexLock, 0), (.pause, 1), (.mutexUnlock, 0), (.lockPage, 0), (.unlockPage, 0),
                    (.downRead, 0), (.pause, 1), (.upRead, 0),
                 ]), name: "reader")])

    public static let all: [ScenarioSpec] = [migrateVsFaulters, offline, reclaimRace, reuse, fairness, wakeWalk, killableLockers, multiLock, sleepingLocks]
}
