// put_and_wait_on_page_locked(): the DROP behaviour must not touch the page
// after its put_page (kernel-model §2.3 steps 4-5 and 9, §2.5 step 4,
// §2.12, §4 F5, F6, §5.11).

import Testing
import PagewaitCore

/// The forbidden `drop-loops` design: drops its reference after the test,
/// then re-tests the bit after every wake and goes round again.
struct LoopingDrop: WaitBehavior {
    var name: String { "DROP-LOOPS" }
    var isExclusive: Bool { false }
    var postWake: PostWakeCheck { .testBit }
    var dropsReference: ReferenceDrop { .afterTest }
    var returnsAfterWake: Bool { false }
}

/// The forbidden `drop-early-put` design: puts before queueing.
struct EarlyPutDrop: WaitBehavior {
    var name: String { "DROP-EARLY-PUT" }
    var isExclusive: Bool { false }
    var postWake: PostWakeCheck { .none }
    var dropsReference: ReferenceDrop { .beforeQueueing }
    var returnsAfterWake: Bool { true }
}

/// What happens to the frame after the DROP waiter's put and the holder's
/// unlock + put free it.
enum Aftermath: CaseIterable, Sendable, CustomStringConvertible {
    /// Freed, nothing else.
    case freed
    /// Reallocated (gen + 1) and locked by its new user (F5's allocator).
    case reused
    /// Reallocated, freed again, then its memmap hot-removed (F6): only a
    /// free frame's memory can go (remove_memory BUG()s otherwise).
    case reusedThenHotRemoved

    var description: String {
        switch self {
        case .freed: "freed"
        case .reused: "reused"
        case .reusedThenHotRemoved: "reused, freed, then hot-removed"
        }
    }

    /// The I5 verdict on a touch through the old pointer: memmap gone beats
    /// reuse, which beats a plain unsafe access.
    var expectedViolation: ViolationKind {
        switch self {
        case .freed: .unsafeAccess
        case .reused: .wrongUsage
        case .reusedThenHotRemoved: .fatalUAF
        }
    }
}

@Suite("DROP waiters")
struct DropTests {
    /// Task 0 holds page 0 locked (and a reference) and runs unlock + put;
    /// task 1 is the DROP waiter (behaviour `behavior`); task 2 reallocates
    /// and locks the frame, then unlocks and frees it; task 3 hot-removes it.
    static func dropWorld(core: WaitCore, behavior: UInt8, extra: [any WaitBehavior] = [],
                          thrashing: ThrashingAccounting = .decidedUpFront, flags: PageFlags = []) throws -> Fixture {
        let reuser = try Programs.ops("allocator", [.allocPage(pfn: 0, into: rTmp, result: rTmp2), .trylockPage(rTmp, result: rResult),
                                                    .clearLockedTestWaiters(rTmp, result: rResult), .putPage(rTmp)])
        let tasks = [
            TaskSpec(program: try Programs.unlockAndPut()),
            TaskSpec(program: try Programs.wait(behavior)),
            TaskSpec(program: reuser, holdsReference: false),
            TaskSpec(program: try Programs.ops("hot-remove", [.hotRemove(rPage)]), holdsReference: false),
        ]
        return try Fixture(config: KernelConfig(waitCore: core, thrashing: thrashing), pages: [.locked(by: 0, flags: flags)],
                           tasks: tasks, behaviors: extra)
    }

    /// The waiter sleeps having put its reference; the holder unlocks
    /// (waking it) and puts the last reference (freeing the frame); then
    /// the aftermath runs; the waiter has not run since it was woken.
    static func wakeFreeAndReuse(_ f: inout Fixture, _ after: Aftermath) throws {
        try f.sleep(1)
        #expect(f.world.references(of: 1, on: 0) == 0, "the DROP waiter put its reference before sleeping")
        #expect(f.page(0).refcount == 1)
        try f.finish(0)
        #expect(f[1].state == .running && !f[1].blocked, "woken, not yet run")
        #expect(f.page(0).life == .free)
        if after != .freed {
            try f.run([2, 2])
            #expect(f.page(0).gen == 2 && f.page(0).lockOwner == TaskID(2))
        }
        if after == .reusedThenHotRemoved {
            try f.finish(2)
            #expect(f.page(0).gen == 2 && f.page(0).life == .free)
            try f.finish(3)
            #expect(!f.page(0).memmapPresent)
        }
    }

    @Test("a DROP waiter never touches the page after its put: it finishes cleanly, returning 0, after the frame was freed, reused and hot-removed",
          arguments: allCores, Aftermath.allCases)
    func dropFinishesWithoutTouching(core: WaitCore, after: Aftermath) throws {
        var f = try Self.dropWorld(core: core, behavior: BehaviorID.drop)
        try Self.wakeFreeAndReuse(&f, after)
        try f.finish(1)
        #expect(f.result(1) == 0)
        #expect(f[1].stats.requeues == 0)
    }

    @Test("contrast (v4.19): a DROP that loops (re-tests the bit after the wake) touches the freed page: UNSAFE_ACCESS if freed, WRONG_USAGE if reused, FATAL_UAF if hot-removed",
          arguments: Aftermath.allCases)
    func loopingDropTouchesFreedPage(after: Aftermath) throws {
        var f = try Self.dropWorld(core: .v4_19, behavior: 3, extra: [LoopingDrop()])
        try Self.wakeFreeAndReuse(&f, after)
        let v = try #require(violation { try f.finish(1) })
        #expect(v.kind == after.expectedViolation)
        #expect(v.task == 1 && v.pfn == 0)
    }

    @Test("contrast: a DROP that puts before queueing touches the page after its put (SetPageWaiters with no reference): UNSAFE_ACCESS",
          arguments: allCores)
    func earlyPutTouchesAfterPut(core: WaitCore) throws {
        var f = try Self.dropWorld(core: core, behavior: 3, extra: [EarlyPutDrop()])
        let v = try #require(violation { try f.sleep(1) })
        #expect(v.kind == .unsafeAccess)
        #expect(v.task == 1 && v.pfn == 0)
        #expect(f.world.references(of: 1, on: 0) == 0, "the put happened before the access")
    }

    @Test("contrast: with the early put, the holder can free the page and an allocator reuse it before the waiter queues; the waiter then sets PG_waiters on the wrong usage (WRONG_USAGE)",
          arguments: allCores)
    func earlyPutQueuesOnReusedPage(core: WaitCore) throws {
        var f = try Self.dropWorld(core: core, behavior: 3, extra: [EarlyPutDrop()])
        try f.run([1, 1])                 // begin, put_page (before queueing)
        #expect(f.page(0).refcount == 1)
        try f.finish(0)                   // unlock (PG_waiters clear: no walk), put: freed
        try f.finish(2)                   // reallocated, gen 2, locked
        let v = try #require(violation { try f.sleep(1) })
        #expect(v.kind == .wrongUsage && v.task == 1 && v.pfn == 0)
    }

    @Test("stale PG_waiters: a DROP wait on an already unlocked page still queues (v4.19) or tries (v5.9*) after SetPageWaiters, returns 0, and leaves PG_waiters set with no entry queued",
          arguments: allCores)
    func dropOnUnlockedPageLeavesStaleWaiters(core: WaitCore) throws {
        var f = try Fixture(config: KernelConfig(waitCore: core), pages: [PageSpec(extraRefs: 1)],
                            tasks: [TaskSpec(program: try Programs.wait(BehaviorID.drop))])
        try f.finish(0)
        #expect(f.result(0) == 0)
        #expect(f.page(0).flags == [.waiters])
        #expect(f.world.queue.isEmpty)
        #expect(f.page(0).refcount == 1 && f.world.references(of: 0, on: 0) == 0)
    }

    @Test("thrashing accounting for DROP: decided up front (the seed's delayacct local) the end side never reads the page and psi/delayacct stay balanced; re-reading PG_swapbacked at the end (pre-seed v4.20) touches the hot-removed page (FATAL_UAF)",
          arguments: [ThrashingAccounting.decidedUpFront, .rereadAtEnd])
    func thrashingEndSideUsesLocals(thrashing: ThrashingAccounting) throws {
        // !PG_uptodate && PG_workingset && !PG_swapbacked: psi and delayacct both start.
        var f = try Self.dropWorld(core: .v4_19, behavior: BehaviorID.drop, thrashing: thrashing, flags: [.workingset])
        try Self.wakeFreeAndReuse(&f, .reusedThenHotRemoved)
        #expect(f[1].stats.psiEnter == 1 && f[1].stats.delayacctStart == 1)
        let v = violation { try f.finish(1) }
        if thrashing == .decidedUpFront {
            #expect(v == nil)
            #expect(f[1].stats.psiLeave == 1 && f[1].stats.delayacctEnd == 1)
        } else {
            #expect(v?.kind == .fatalUAF && v?.task == 1 && v?.pfn == 0)
        }
    }
}
