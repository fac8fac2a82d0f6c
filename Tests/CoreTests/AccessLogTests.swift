// The memory door records what each step reads and writes, with the order
// the kernel code it models gives the access (Core/Memory), and recording
// changes nothing a run does.

import Testing
@testable import PagewaitCore

@Suite("Access log", .enabled(if: Engine.canRecordAccesses, "access logs are compiled into debug builds only"))
struct AccessLogTests {
    static func access(_ l: Location, _ k: AccessKind, _ o: MemoryOrder) -> Access { Access(location: l, kind: k, order: o) }

    /// One step of `t` with `engine`, and the accesses it made.
    static func step(_ engine: Engine, _ log: AccessLog, _ w: inout World, _ t: Int) throws -> [Access] {
        _ = log.take()
        _ = try engine.step(&w, task: t)
        return log.take()
    }

    @Test("trylock_page is an acquire RMW of the flags word, unlock_page's U1 a release one; get_page and put_page are RMWs of the count, relaxed and fully ordered, behind atomic_read checks; the ledger and the lock owner are the model's")
    func pageLockAndReferenceOrders() throws {
        let program = try Programs.build("lock+ref") { b in
            b.emit(.trylockPage(rPage, result: rResult))
            b.unlockPage(rPage)
            b.emit(.getPage(rPage))
            b.emit(.putPage(rPage))
        }
        let f = try Fixture(pages: [PageSpec(extraRefs: 1)], tasks: [TaskSpec(program: program)])
        let log = AccessLog()
        let engine = f.engine.recordingAccesses(into: log)
        var w = f.world
        #expect(try Self.step(engine, log, &w, 0) == [
            Self.access(.flags(pfn: 0), .readModifyWrite, .acquire),
            Self.access(.frame(pfn: 0), .write, .modelOnly),
        ])
        #expect(try Self.step(engine, log, &w, 0) == [
            Self.access(.flags(pfn: 0), .read, .relaxed),
            Self.access(.frame(pfn: 0), .read, .modelOnly),
            Self.access(.flags(pfn: 0), .readModifyWrite, .release),
            Self.access(.frame(pfn: 0), .write, .modelOnly),
        ])
        #expect(try Self.step(engine, log, &w, 0) == [
            Self.access(.refcount(pfn: 0), .read, .relaxed),
            Self.access(.frame(pfn: 0), .read, .modelOnly),
            Self.access(.refcount(pfn: 0), .readModifyWrite, .relaxed),
            Self.access(.ledger(task: 0, pfn: 0), .readModifyWrite, .modelOnly),
        ])
        #expect(try Self.step(engine, log, &w, 0) == [
            Self.access(.frame(pfn: 0), .read, .modelOnly),
            Self.access(.refcount(pfn: 0), .read, .relaxed),
            Self.access(.ledger(task: 0, pfn: 0), .readModifyWrite, .modelOnly),
            Self.access(.refcount(pfn: 0), .readModifyWrite, .fullyOrdered),
        ])
    }

    @Test("a v5.9 lock handoff: the waker reads the waiter's flags plainly under q->lock, takes the bit with a fully ordered test_and_set_bit and publishes WOKEN|DONE with a store-release; the waiter's look is a load-acquire")
    func handoffPairsReleaseWithAcquire() throws {
        let tasks = [TaskSpec(program: try Programs.waitThenUnlock()), TaskSpec(program: try Programs.unlock())]
        var f = try Fixture(config: KernelConfig(waitCore: .v5_9(unfairness: 0)), pages: [.locked(by: 1)], tasks: tasks)
        try f.sleep(0)
        let log = AccessLog()
        let engine = f.engine.recordingAccesses(into: log)
        var w = f.world
        while !w.tasks[1].finished { _ = try engine.step(&w, task: 1) }
        let waker = log.take()
        #expect(waker.contains(Self.access(.waitFlags(task: 0), .read, .plain)))
        #expect(waker.contains(Self.access(.flags(pfn: 0), .readModifyWrite, .fullyOrdered)))
        #expect(waker.contains(Self.access(.waitFlags(task: 0), .write, .release)))
        while !w.tasks[0].finished { _ = try engine.step(&w, task: 0) }
        let waiter = log.take()
        #expect(waiter.contains(Self.access(.waitFlags(task: 0), .read, .acquire)))
        #expect(w.tasks[0].registers[Int(rResult)] == 0, "the waiter got the lock handed over")
    }

    @Test("recording changes nothing: every step gives the same event and world with a log as without",
          arguments: allCores)
    func recordingIsInvisible(core: WaitCore) throws {
        let tasks = [TaskSpec(program: try Programs.lockCountUnlock(counter: 0)), TaskSpec(program: try Programs.lockCountUnlock(counter: 0)),
                     TaskSpec(program: try Programs.trylock(thenUnlock: true)), TaskSpec(program: try Programs.unlockAndPut())]
        let f = try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 3)], tasks: tasks, counters: 1)
        let log = AccessLog()
        let recording = f.engine.recordingAccesses(into: log)
        var plain = f.world, recorded = f.world
        var rng = SplitMix64(seed: 7)
        var steps = 0, accesses = 0
        while case let enabled = Array(f.engine.enabledTasks(plain)), !enabled.isEmpty, steps < 500 {
            let t = enabled[rng.below(enabled.count)]
            let e = try f.engine.step(&plain, task: t)
            #expect(try recording.step(&recorded, task: t) == e)
            #expect(recorded == plain)
            accesses += log.take().count
            steps += 1
        }
        #expect(steps > 10 && accesses > steps)
    }
}
