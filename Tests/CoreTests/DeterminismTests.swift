// The engine is a pure function of (programs, world, schedule): the same
// inputs give the same world, events and, with a seeded
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

    @Test("replaying a schedule twice gives the same final world and the same events; the replay reproduces the recorded run", arguments: allCores)
    func replayIsDeterministic(core: WaitCore) throws {
        let (engine, world) = try Self.busy(core)
        let recorded = Self.seededRun(engine, world, seed: 7)
        let r1 = engine.replay(world, schedule: recorded.schedule)
        let r2 = engine.replay(world, schedule: recorded.schedule)
        #expect(r1.world == r2.world && r1.trace == r2.trace)
        #expect(r1.world == recorded.world && r1.trace == recorded.trace)
        #expect(r1.world.counters == [1, 1, 1])
        #expect(r1.stale == nil && r1.reached == .finished)

        // The replay's events are exactly those of stepping by hand.
        var w = world
        for (i, t) in recorded.schedule.steps.enumerated() {
            let e = try engine.step(&w, task: Int(t))
            #expect(e == r1.trace[i])
        }
        #expect(w == r1.world)
    }

    /// Sees every step with the worlds around it, as a trace printer does.
    struct Recorder: StepObserver {
        var before: World?
        var steps: [(index: Int, event: StepEvent, before: World, after: World)] = []
        mutating func willStep(_ index: Int, task: Int, world: World) { before = world }
        mutating func didStep(_ index: Int, _ event: StepEvent, world: World) { steps.append((index, event, before!, world)) }
    }

    @Test("an observed run is the same run: the observer sees every step taken, in order, with the worlds before and after it", arguments: allCores)
    func observedRunIsTheSameRun(core: WaitCore) throws {
        let (engine, world) = try Self.busy(core)
        let plain = Self.seededRun(engine, world, seed: 42)
        var s = SeededScheduler(seed: 42)
        var checkers: [any Checker] = []
        var recorder = Recorder()
        let observed = engine.run(world, scheduler: &s, checkers: &checkers, options: RunOptions(recordTrace: true), observer: &recorder)
        #expect(observed.schedule == plain.schedule && observed.world == plain.world && observed.trace == plain.trace)
        #expect(recorder.steps.map(\.index) == Array(0..<plain.steps))
        #expect(recorder.steps.map(\.event) == plain.trace)
        var w = world
        for (step, t) in zip(recorder.steps, plain.schedule.steps) {
            #expect(step.before == w)
            _ = try engine.step(&w, task: Int(t))
            #expect(step.after == w)
        }
    }

    @Test("a replayed schedule that does not fit is stale, not a violation: a step its task cannot take stops the replay before it; steps after the run's end are named")
    func staleSchedules() throws {
        let (engine, world) = try Self.busy(.v4_19)
        let recorded = Self.seededRun(engine, world, seed: 7)
        let n = recorded.steps
        // The holder (task 0) finishes at some step; naming it again right
        // after is a step it cannot take.
        var w = world
        var finishedAt = -1
        for (i, t) in recorded.schedule.steps.enumerated() {
            _ = try engine.step(&w, task: Int(t))
            if t == 0 && w.tasks[0].finished { finishedAt = i; break }
        }
        #expect(finishedAt >= 0)
        var steps = recorded.schedule.steps
        steps.insert(0, at: finishedAt + 1)
        let mid = engine.replay(world, schedule: Schedule(steps))
        #expect(mid.violation == nil && mid.end == .schedulerStopped && mid.reached == .schedulerStopped)
        #expect(mid.steps == finishedAt + 1)
        #expect(mid.stale?.kind == .notRunnable && mid.stale?.step == finishedAt + 1 && mid.stale?.task == 0)
        #expect(mid.stale?.detail == "task 0 cannot run: it has finished")

        let past = engine.replay(world, schedule: Schedule(recorded.schedule.steps + [3, 3]))
        #expect(past.violation == nil && past.end == .finished && past.steps == n && past.world == recorded.world)
        #expect(past.stale?.step == n && past.stale?.task == 3)
        #expect(past.stale?.detail == "the run ended (finished) after \(n) steps, but the schedule goes on for 2 more")

        // A run that is not a replay still calls such a pick a violation.
        var s = ReplayScheduler(Schedule(steps))
        var checkers: [any Checker] = []
        let run = engine.run(world, scheduler: &s, checkers: &checkers)
        #expect(run.stale == nil && run.end == .violation && run.violation?.kind == .notRunnable && run.steps == finishedAt + 2)
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
        #expect(events.contains { $0.action == .wakeVisit && $0.task == TaskID(0) && $0.a == 1 }, "the order includes the holder's walk")
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
