// The engine is a pure function of (programs, world, schedule): the same
// inputs give the same world, events, trace lines and, with a seeded
// scheduler, the same schedule (kernel-model's reproducibility requirement
// for counterexamples; Run.swift).

import Testing
import PagewaitCore

/// A seeded scheduler defined here: picks among the enabled tasks with a
/// SplitMix64, so a seed names one schedule.
struct SeededScheduler: Scheduler {
    var rng: SplitMix64
    init(seed: UInt64) { rng = SplitMix64(seed: seed) }
    mutating func pick(runnable: TaskSet, world: World, step: Int) -> Int? {
        runnable.nth(rng.below(runnable.count))
    }
}

@Suite("Determinism")
struct DeterminismTests {
    /// A busy page: a holder, three lock_page users, a reader
    /// (wait_on_page_locked), a DROP waiter and a trylock stealer.
    static func busy(_ core: WaitCore) throws -> (Engine, World) {
        let reader = try Programs.build("reader") { $0.waitOnPageLocked(rPage) }
        let tasks = [
            TaskSpec(program: try Programs.unlock()),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 0)),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 1)),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 2)),
            TaskSpec(program: reader),
            TaskSpec(program: try Programs.wait(BehaviorID.drop)),
            TaskSpec(program: try Programs.trylock(thenUnlock: true)),
        ]
        let f = try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 0)], tasks: tasks, counters: 3)
        return (f.engine, f.world)
    }

    static func seededRun(_ engine: Engine, _ world: World, seed: UInt64) -> RunResult {
        var s = SeededScheduler(seed: seed)
        var checkers: [any Checker] = []
        return engine.run(world, scheduler: &s, checkers: &checkers, options: RunOptions(recordTrace: true))
    }

    @Test("two runs with the same seeded scheduler give the same schedule, final world and trace", arguments: allCores)
    func seededRunsAgree(core: WaitCore) throws {
        let (engine, world) = try Self.busy(core)
        for seed: UInt64 in [1, 2, 42] {
            let a = Self.seededRun(engine, world, seed: seed)
            let b = Self.seededRun(engine, world, seed: seed)
            #expect(a.end == .finished, "seed \(seed): \(a.violation.map { "\($0)" } ?? "\(a.end)")")
            #expect(a.schedule == b.schedule)
            #expect(a.world == b.world)
            #expect(a.trace == b.trace)
            #expect(a.trace.count == a.steps)
        }
    }

    @Test("replaying a schedule twice gives the same final world, the same events and the same TraceFormatter lines; the replay reproduces the recorded run", arguments: allCores)
    func replayIsDeterministic(core: WaitCore) throws {
        let (engine, world) = try Self.busy(core)
        let recorded = Self.seededRun(engine, world, seed: 7)
        let r1 = engine.replay(world, schedule: recorded.schedule)
        let r2 = engine.replay(world, schedule: recorded.schedule)
        #expect(r1.world == r2.world && r1.trace == r2.trace)
        #expect(r1.world == recorded.world && r1.trace == recorded.trace)
        #expect(r1.world.counters == [1, 1, 1])

        let formatter = TraceFormatter(engine: engine, taskNames: ["holder", "locker1", "locker2", "locker3", "reader", "dropper", "stealer"])
        let lines1 = formatter.lines(initial: world, schedule: recorded.schedule)
        let lines2 = formatter.lines(initial: world, schedule: recorded.schedule)
        #expect(lines1 == lines2)
        #expect(lines1.count == recorded.steps)
        // The lines are the formatter's rendering of exactly the replayed events.
        var w = world
        for (i, t) in recorded.schedule.steps.enumerated() {
            let before = w
            let e = try engine.step(&w, task: Int(t))
            #expect(e == r1.trace[i])
            #expect(formatter.line(i, e, before: before) == lines1[i])
        }
        #expect(w == r1.world)
    }

    @Test("stepping by hand in a chosen order equals replaying that order as a schedule")
    func handSteppingEqualsReplay() throws {
        let (engine, world) = try Self.busy(.v4_19)
        // Locker 1 fails its trylock and queues; locker 2 fails its trylock
        // and begins its wait; the holder unlocks and walks (wakes locker 1);
        // the stealer trylocks and unlocks; the DROP waiter begins and takes
        // q->lock; the reader sees the page unlocked; locker 1 takes the bit;
        // locker 3's trylock fails. Every step in the order is runnable
        // (local instructions run inside the step before them).
        let order: [UInt8] = [1, 1, 1, 1, 1, 2, 2, 0, 0, 0, 0, 6, 6, 5, 5, 4, 1, 1, 3]
        var w = world
        var events: [StepEvent] = []
        for t in order { events.append(try engine.step(&w, task: Int(t))) }
        #expect(events.contains { $0.action == .wakeVisit && $0.task == 0 && $0.a == 1 }, "the order includes the holder's walk")
        #expect(w.tasks[0].finished && w.tasks[4].finished && w.tasks[6].finished)
        let r = engine.replay(world, schedule: Schedule(order))
        #expect(r.end == .schedulerStopped)
        #expect(r.violation == nil && r.steps == order.count)
        #expect(r.world == w && r.trace == events)
    }

    @Test("a schedule survives printing and parsing: the parsed schedule replays to the same world")
    func scheduleStringReplays() throws {
        let (engine, world) = try Self.busy(.v5_9())
        let recorded = Self.seededRun(engine, world, seed: 99)
        let parsed = try Schedule(parsing: recorded.schedule.description)
        #expect(parsed == recorded.schedule)
        #expect(engine.replay(world, schedule: parsed).world == recorded.world)
    }
}
