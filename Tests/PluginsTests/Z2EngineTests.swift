// Known-bugs Z2 in the engine: 2a9127fcf229's wake function as first
// posted unlinks a woken entry with a plain list_del_init, and finish_wait's
// lockless list_empty_careful reads the entry's `next` without acquire. A
// killable waiter leaving on SIGKILL that sees its entry unlinked reads its
// flags from before WOKEN under arm, returns -EINTR owning PG_locked, and
// the next locker sleeps forever. sc and tso forbid the reordering (MP);
// c6fe44d96fc1's release/acquire pair forbids it under arm.

import Testing
@testable import PagewaitCore
import PagewaitPlugins

@Suite("Z2: the careful unlink of a woken entry")
struct Z2EngineTests {
    static func setup(_ strategy: String, _ memory: MemoryModel) throws -> Setup {
        try zooSetup("z2-signal-vs-handoff", strategy, memory)
    }

    /// Holder locks; the killable locker queues and sets its state; SIGKILL;
    /// the killable sees it and goes to finish_wait; the holder's unlock hands
    /// it PG_locked (WOKEN, wake, unlink); the killable's view of its
    /// entry's `next` advances to the unlink; finish_wait.
    static let leak = "pw1:001*7.210*5.~1.01"

    @Test("sc and tso prove both unlinks: the waiter that finds its entry unlinked always reads WOKEN",
          arguments: ["rewrite-first-posting", "rewrite-fair"], [MemoryModel.sc, .tso])
    func cleanWithoutARM(strategy: String, memory: MemoryModel) throws {
        let r = summarise(try Self.setup(strategy, memory), ExplorationBounds())
        #expect(r.result.complete)
        #expect(r.findings.isEmpty, "\(strategy) under \(memory): \(r.findings)")
    }

    @Test("under arm the plain unlink lets the killed waiter miss WOKEN: it returns -EINTR owning PG_locked and the next locker HANGs; the replay reproduces it")
    func leakUnderARM() throws {
        let s = try Self.setup("rewrite-first-posting", .arm)
        let prefix = try Schedule(parsing: Self.leak)
        let cut = s.engine.replay(s.world, schedule: prefix)
        #expect(cut.stale == nil && cut.violation == nil)
        // The waiter's finish_wait read `next` unlinked and its flags without WOKEN.
        let killable = cut.world.tasks[1]
        #expect(killable.registers.values.contains(Int64(eintr)), "the wait did not return -EINTR")
        #expect(cut.world.pages[0].flags.contains(.locked) && cut.world.pages[0].lockOwner == TaskID(1))
        // Every run from here: the locker sleeps on a lock nobody will release.
        var scheduler = RandomScheduler(seed: 1)
        var checkers = Checkers.forExploration(s)
        let rest = s.engine.run(cut.world, scheduler: &scheduler, checkers: &checkers, options: RunOptions(maxSteps: 10_000, recordTrace: true))
        #expect(rest.violation?.kind == .hang, "\(String(describing: rest.violation))")
        // The whole schedule replays to the same violation.
        let whole = try Schedule(parsing: prefix.description + rest.schedule.description.dropFirst(4))
        var again = Checkers.forExploration(s)
        var observer = NoStepObserver()
        let replayed = s.engine.replay(s.world, schedule: whole, checkers: &again, options: RunOptions(maxSteps: 10_000, recordTrace: true), observer: &observer)
        #expect(replayed.violation?.kind == .hang && replayed.violation?.detail == rest.violation?.detail)
    }

    @Test("with c6fe44d96fc1's pair the same schedule hands the waiter the lock with WOKEN seen: the wait returns 0")
    func carefulPairOrders() throws {
        let s = try Self.setup("rewrite-fair", .arm)
        let r = s.engine.replay(s.world, schedule: try Schedule(parsing: Self.leak))
        #expect(r.stale == nil && r.violation == nil)
        #expect(!r.world.tasks[1].registers.values.contains(Int64(eintr)))
        #expect(r.world.pages[0].lockOwner == TaskID(1))
    }

    @Test("under arm the exhaustive search of the first posting finds the missing order; the unlink's store has the order the strategy names")
    func armSearchFinds() throws {
        let s = try Self.setup("rewrite-first-posting", .arm)
        var explorer = ExhaustiveExplorer(setup: s, bounds: ExplorationBounds(), makeCheckers: { Checkers.forExploration(s) })
        let r = explorer.explore()
        // The first violation the search meets: the new owner's reads are
        // unordered after the handoff, so either the killed waiter leaks the
        // lock (HANG) or a woken owner's VM_BUG_ON reads PG_locked clear (BUG).
        let kind = try #require(r.violation?.kind)
        #expect([ViolationKind.hang, .bug, .lostWakeup].contains(kind), "\(kind)")
        #expect(WaitCore.v5_9a.unlink == .careful && WaitCore.v5_9a.unlinking(.plain).unlink == .plain)
        #expect(WaitCore.v4_19.unlink == .plain && WaitCore.v5_9().unlink == .careful)
    }
}
