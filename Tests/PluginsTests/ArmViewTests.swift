// ARMv8-like views in the engine (`--memory arm`, Core/Memory/Views.swift,
// ArmAccess.swift): loads read at the task's view, advances are scheduled
// like steps, schedules name them, replay reproduces them, and on a small
// scope the search reaches every end state tso reaches (and tso every one
// sc reaches).

import Testing
@testable import PagewaitCore
@testable import PagewaitPlugins

private func setup(_ scenario: String, _ model: MemoryModel, _ parameters: Parameters = [:]) throws -> Setup {
    let spec = try #require((BuiltinScenarios.all + ZooEntries.scenarios).first { $0.name == scenario })
    let s = try spec.build(strategy: try registry.strategy("put-and-wait"), parameters: parameters)
    return model == .sc ? s : try s.withMemory(model)
}

/// Runs `body` as task `t`'s accesses under `arm`, as a step does.
private func asTask(_ t: Int, _ w: inout World, _ body: (inout World) -> Void) {
    let step = ArmStep(views: w.views, task: t)
    w.views.step = step
    body(&w)
    w.views = step.views
    w.views.step = nil
}

/// Every end state (no choice left) of a search without reductions, as
/// the fingerprint of the world with its views dropped: what sc, tso and
/// arm can compare. `worlds` has every state's so, end or not.
private func endStates(_ s: Setup) -> (ends: Set<UInt64>, states: Int, worlds: Set<UInt64>) {
    let e = s.engine
    var seen: Set<UInt64> = [e.fingerprint(s.world)]
    var stack = [s.world]
    var ends: Set<UInt64> = [], worlds: Set<UInt64> = []
    while let w = stack.popLast() {
        var bare = w
        bare.views = Views()
        worlds.insert(e.fingerprint(bare))
        let runnable = e.runnableTasks(w)
        if runnable.isEmpty {
            ends.insert(e.fingerprint(bare))
            continue
        }
        for c in runnable {
            var n = w
            guard (try? e.step(&n, task: c)) != nil else { continue }
            if seen.insert(e.fingerprint(n)).inserted { stack.append(n) }
        }
    }
    return (ends, seen.count, worlds)
}

@Suite("Views (--memory arm)")
struct ArmViewTests {
    @Test("an advance is written ~t.j; strings without ~ read as before; bad advance tokens are refused where they are")
    func scheduleFormat() throws {
        let s = try Schedule(parsing: "pw1:0~1.2*3.1^0")
        #expect(s.steps == [0, 202, 202, 202, 1, 128])
        #expect(s.description == "pw1:0~1.2~1.2~1.21^0")
        #expect(try Schedule(parsing: s.description) == s)
        #expect(try Schedule(parsing: "pw1:0*12.1102*3.{40}").steps == Array(repeating: 0, count: 12) + [1, 1, 0, 2, 2, 2, 40])
        for bad in ["pw1:~", "pw1:~1", "pw1:~1.", "pw1:~8.0", "pw1:~1.8", "pw1:~a.0", "pw1:~1,0"] {
            do { _ = try Schedule(parsing: bad); Issue.record("\(bad) accepted") } catch {
                #expect(error.offset >= 4 && error.message.contains("~t.j"), "\(bad): \(error)")
            }
        }
        // The engine maps the byte to the choice and back.
        let e = try setup("reclaim-race", .arm).engine
        #expect(e.choice(ofScheduleByte: 202) == Engine.advanceBase + 8 * 1 + 2)
        #expect(e.scheduleByte(Engine.advanceBase + 8 * 1 + 2) == 202)
    }

    @Test("message passing in the engine's door: under arm a task that sees the flag's newest value may still read the data's old one; release/acquire forbids it, also once the flag's history is collected; tso never shows it")
    func messagePassing() throws {
        let s = try setup("reclaim-race", .arm)
        let e = s.engine
        let p = PFN(0)
        let data0 = s.world.pages[0].refcount, flag0 = s.world.pages[0].mapping
        for (storeOrder, loadOrder) in [(MemoryOrder.plain, MemoryOrder.relaxed), (.release, .acquire)] {
            var w = s.world
            asTask(0, &w) { w in
                e.store(&w, .refcount(p), data0 + 5, .plain)
                e.store(&w, .mapping(p), flag0 + 3, storeOrder)
            }
            #expect(w.views.isBehind(.mapping(pfn: p), task: 1) && w.views.isBehind(.refcount(pfn: p), task: 1))
            w.views.advance(.mapping(pfn: p), task: 1)
            // As after a step with only task 1 left: the flag's old message
            // is unreadable and goes; what its newest carries must stay.
            w.views.normalize(taskCount: w.tasks.count, finished: { $0 != 1 }, blocked: { _ in false })
            var flag: Int32 = 0, data: Int32 = 0
            asTask(1, &w) { w in
                flag = e.load(w, .mapping(p), loadOrder)
                data = e.load(w, .refcount(p), .relaxed)
            }
            #expect(flag == flag0 + 3)
            if storeOrder == .plain {
                #expect(data == data0, "the plain pair: the old data is readable after the new flag")
            } else {
                #expect(data == data0 + 5, "release/acquire: the data must be the new one")
            }
        }
        // tso: stores reach memory in order, so the new flag implies the new data.
        let t = try setup("reclaim-race", .tso)
        var w = t.world
        w.storeBuffers.current = 0
        t.engine.store(&w, .refcount(p), data0 + 5, .plain)
        t.engine.store(&w, .mapping(p), flag0 + 3, .plain)
        w.storeBuffers.current = 1
        for _ in 0..<3 {
            let flag = t.engine.load(w, .mapping(p), .relaxed), data = t.engine.load(w, .refcount(p), .relaxed)
            #expect(flag == flag0 || data == data0 + 5)
            if !w.storeBuffers.isEmpty { _ = try t.engine.step(&w, task: StoreBuffers.flushBase + 0) }
        }
    }

    @Test("on a small scope arm reaches every end state tso reaches, and tso every one sc reaches; arm has states tso has not")
    func inclusion() throws {
        let sc = endStates(try setup("z9-split-clear-dirty", .sc))
        let tso = endStates(try setup("z9-split-clear-dirty", .tso))
        let arm = endStates(try setup("z9-split-clear-dirty", .arm))
        #expect(sc.ends.isSubset(of: tso.ends), "\(sc.ends.subtracting(tso.ends).count) sc end states tso never reaches")
        #expect(tso.ends.isSubset(of: arm.ends), "\(tso.ends.subtracting(arm.ends).count) tso end states arm never reaches")
        #expect(arm.states > tso.states)
    }

    @Test("the exhaustive search under arm decides alike with reductions asked for or not, and with dead variables")
    func reductions() throws {
        let arm = try setup("z9-split-clear-dirty", .arm)
        let off = summarise(arm, ExplorationBounds(sleepSets: false, stepMerging: false, symmetry: false, deadVariables: false))
        let asked = summarise(arm, ExplorationBounds(deadVariables: false))
        let dead = summarise(arm, ExplorationBounds())
        #expect(off.result.complete && asked.result.complete && dead.result.complete)
        #expect(asked.states == off.states && asked.ends == off.ends)
        #expect(asked.findings == off.findings && dead.findings == off.findings)
        #expect(dead.result.violation?.kind == off.result.violation?.kind && dead.result.termination == off.result.termination)
        #expect(dead.states.count <= off.states.count)
    }

    @Test("random runs under arm take advances, round-trip their schedules and replay to the same trace; the trace names advances and stale reads")
    func runsAndReplays() throws {
        let s = try setup("reclaim-race", .arm)
        let formatter = TraceFormatter(engine: s.engine, taskNames: s.taskNames)
        var advanced = false, staleNamed = false
        for seed in UInt64(1)...6 {
            var scheduler = RandomScheduler(seed: seed)
            var checkers: [any Checker] = []
            let r = s.engine.run(s.world, scheduler: &scheduler, checkers: &checkers, options: RunOptions(maxSteps: 20_000, recordTrace: true))
            let parsed = try Schedule(parsing: r.schedule.description)
            #expect(parsed == r.schedule)
            let again = s.engine.replay(s.world, schedule: parsed)
            #expect(again.trace == r.trace && again.stale == nil, "seed \(seed): the replay differs")
            if r.trace.contains(where: { $0.action == .advance }) {
                advanced = true
                #expect(r.schedule.description.contains("~"))
                let lines = formatter.lines(initial: s.world, schedule: parsed)
                #expect(lines.contains { $0.contains("memory view") && $0.contains("'s view of page") && $0.contains(" moves to ") })
                staleNamed = staleNamed || lines.contains { $0.contains("stale,") && $0.contains("is newer") }
            }
        }
        #expect(advanced && staleNamed)
    }

    @Test("a wake joins the waker's view into a task that slept in the scheduler, and into no task still in its wait loop")
    func wakeCarriesTheWakersView() throws {
        let s = try setup("killable-lockers", .arm)
        let e = s.engine
        let p = PFN(0)
        var w = s.world
        let asleep = 1, looping = 2
        w.tasks[asleep].state = .uninterruptible
        w.tasks[asleep].blocked = true
        w.tasks[looping].state = .uninterruptible
        asTask(0, &w) { w in
            e.store(&w, .refcount(p), w.pages[0].refcount + 1, .plain)
            _ = e.tryToWakeUp(&w, asleep)
            _ = e.tryToWakeUp(&w, looping)
        }
        let x = Location.refcount(pfn: p)
        #expect(w.views.isBehind(x, task: 3), "a task the step did not wake may read the older value")
        #expect(!w.views.isBehind(x, task: asleep), "the woken sleeper must see what its waker wrote before the wake")
        #expect(w.views.isBehind(x, task: looping), "a task woken before it slept is ordered by nothing but its own reads")
        #expect(!w.tasks[asleep].blocked && w.tasks[asleep].stats.wakeups == 1)
    }

    @Test("raising a sleeper's views to the lowest of the awake tasks' keeps every reachable world, end state and finding",
          arguments: ["z9-split-clear-dirty", "z12-end-writeback", "z17-thrashing-drop", "multi-lock"])
    func sleepersViews(scenario: String) throws {
        let raised = try setup(scenario, .arm)
        var kept = raised
        kept.engine.raisesSleepersViews = false
        let on = endStates(raised), off = endStates(kept)
        #expect(on.ends == off.ends, "\(off.ends.symmetricDifference(on.ends).count) end states differ")
        #expect(on.worlds == off.worlds, "\(off.worlds.subtracting(on.worlds).count) worlds lost, \(on.worlds.subtracting(off.worlds).count) gained")
        #expect(on.states <= off.states)
        let bounds = ExplorationBounds(sleepSets: false, stepMerging: false, symmetry: false, deadVariables: false)
        let a = summarise(raised, bounds), b = summarise(kept, bounds)
        #expect(a.result.complete && b.result.complete)
        #expect(a.findings == b.findings && a.result.violation?.kind == b.result.violation?.kind)
        #expect(a.result.termination == b.result.termination)
    }

    @Test("collection raises a sleeper's view of a word to the lowest awake task's and drops the messages below it; awake tasks keep theirs")
    func sleeperRule() {
        let x = Location.refcount(pfn: PFN(0))
        var v = Views()
        for k in 0..<3 { v.append(x, replacing: .count(Int32(k)), .plain, task: 0) }
        v.ensure(2)
        v.tasks[2].cur[x] = 1
        // Task 0 is at the newest (3), task 2 (awake) at message 1, task 1 at 0.
        var raised = v
        raised.normalize(taskCount: 3, finished: { _ in false }, blocked: { $0 == 1 })
        #expect(raised.lines[x]?.older.count == 2, "only message 0 is below every awake task")
        #expect(raised.cur(x, task: 1) == 0 && raised.cur(x, task: 2) == 0 && raised.cur(x, task: 0) == 2)
        var kept = v
        kept.normalize(taskCount: 3, finished: { _ in false }, blocked: { _ in false })
        #expect(kept.lines[x]?.older.count == 3, "awake, task 1 may still read message 0")
        var alone = v
        alone.normalize(taskCount: 3, finished: { $0 == 2 }, blocked: { $0 == 1 })
        #expect(alone.lines[x] == nil, "with its only waker at the newest, the sleeper keeps no history")
    }

    @Test("somewhere the raised views merge states: a sleeper no longer keeps history its wakers moved past")
    func sleepersViewsMerge() throws {
        var fewer = 0
        for scenario in ["z9-split-clear-dirty", "z12-end-writeback", "z17-thrashing-drop"] {
            let raised = try setup(scenario, .arm)
            var kept = raised
            kept.engine.raisesSleepersViews = false
            if endStates(raised).states < endStates(kept).states { fewer += 1 }
        }
        #expect(fewer > 0)
    }

    @Test("views are state: they move the fingerprint, rename with their task, and an sc world hashes as before")
    func viewsAreState() throws {
        let s = try setup("reclaim-race", .arm)
        var w = s.world
        let before = s.engine.fingerprint(w)
        asTask(0, &w) { w in s.engine.store(&w, .refcount(PFN(0)), 9, .plain) }
        #expect(s.engine.fingerprint(w) != before)
        var only = w
        only.views = Views()
        #expect(s.engine.fingerprint(only) != s.engine.fingerprint(w))
        let p = TaskPermutation([1, 0] + Array(2..<w.tasks.count))
        let renamed = w.renamingTasks(p)
        #expect(renamed.views.cur(.refcount(pfn: PFN(0)), task: 1) == 1 && renamed.views.cur(.refcount(pfn: PFN(0)), task: 0) == 0)
        #expect(renamed.views.lines[.refcount(pfn: PFN(0))]?.newestWriter == 1)
    }

    @Test("arm beyond 8 tasks is refused with the range; so is Z5's separate PG_waiters word, which arm does not split")
    func refusals() throws {
        let wide = try setup("wake-walk", .sc)
        try #require(wide.world.tasks.count > Engine.armTasks)
        do { _ = try wide.withMemory(.arm); Issue.record("arm accepted \(wide.world.tasks.count) tasks") } catch {
            #expect(error.message.contains("1...8"))
        }
        let spec = try #require(ZooEntries.scenarios.first { $0.name == "z5-unlock-vs-waiter" })
        let separate = try spec.build(strategy: try registry.strategy("separate-waiters"), parameters: [:])
        _ = try separate.withMemory(.tso)
        do { _ = try separate.withMemory(.arm); Issue.record("arm accepted the separate PG_waiters word") } catch {
            #expect(error.message.contains("word of its own"))
        }
    }
}
