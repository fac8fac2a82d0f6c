// x86-TSO in the engine (`--memory tso`, Core/Memory/StoreBuffer.swift):
// stores wait in per-task FIFO buffers, flushes are scheduled like steps,
// schedules name them, replay reproduces them, and the exhaustive search
// reaches every end state sequential consistency does, and more.

import Testing
@testable import PagewaitCore
@testable import PagewaitPlugins

private func tsoSetup(_ scenario: String, _ strategy: String = "put-and-wait", _ parameters: Parameters = [:]) throws -> Setup {
    let spec = try #require((BuiltinScenarios.all + ZooEntries.scenarios).first { $0.name == scenario })
    return try spec.build(strategy: try registry.strategy(strategy), parameters: parameters).withMemory(.tso)
}

/// Counts the steps taken with some store still buffered, and the flushes.
private struct BufferWatcher: StepObserver {
    var buffered = 0
    var flushes = 0
    mutating func didStep(_ index: Int, _ event: StepEvent, world: World) {
        if !world.storeBuffers.isEmpty { buffered += 1 }
        if event.action == .flush { flushes += 1 }
    }
}

@Suite("Store buffers (--memory tso)")
struct StoreBufferTests {
    @Test("a flush is written ^ and the task's token; strings without ^ read as before; a bad flush token is refused where it is")
    func scheduleFormat() throws {
        let s = try Schedule(parsing: "pw1:01^0*2.1^{40}")
        #expect(s.steps == [0, 1, 128, 128, 1, 168])
        #expect(s.description == "pw1:01^0^01^{40}")
        #expect(try Schedule(parsing: s.description) == s)
        #expect(try Schedule(parsing: "pw1:0*12.1102*3.{40}").steps == Array(repeating: 0, count: 12) + [1, 1, 0, 2, 2, 2, 40])
        #expect(throws: Schedule.ParseError.self) { try Schedule(parsing: "pw1:0^") }
        #expect(throws: Schedule.ParseError.self) { try Schedule(parsing: "pw1:^{64}") }
    }

    @Test("tso runs buffer stores, flush them before the run ends, and replay to the same trace; sc buffers nothing")
    func runsAndReplays() throws {
        let setup = try tsoSetup("reclaim-race")
        let formatter = TraceFormatter(engine: setup.engine, taskNames: setup.taskNames)
        var bufferedSomewhere = false, flushedSomewhere = false
        for seed in UInt64(1)...6 {
            var scheduler = RandomScheduler(seed: seed)
            var checkers = Checkers.standard(for: setup)
            var watcher = BufferWatcher()
            let r = setup.engine.run(setup.world, scheduler: &scheduler, checkers: &checkers,
                                     options: RunOptions(maxSteps: 20_000, recordTrace: true), observer: &watcher)
            #expect(r.violation == nil, "seed \(seed): \(r.violation.map { "\($0)" } ?? "")")
            #expect(r.world.storeBuffers.isEmpty, "seed \(seed): the run ended with stores still buffered")
            bufferedSomewhere = bufferedSomewhere || watcher.buffered > 0
            flushedSomewhere = flushedSomewhere || watcher.flushes > 0
            let parsed = try Schedule(parsing: r.schedule.description)
            #expect(parsed == r.schedule)
            let again = setup.engine.replay(setup.world, schedule: parsed, checkers: Checkers.standard(for: setup))
            #expect(again.trace == r.trace && again.stale == nil, "seed \(seed): the replay differs")
            if watcher.flushes > 0 {
                let lines = formatter.lines(initial: setup.world, schedule: parsed)
                #expect(lines.contains { $0.contains("store buffer") && $0.contains("reaches memory") })
                #expect(lines.contains { $0.contains("into task") && $0.contains("store buffer") })
            }
        }
        #expect(bufferedSomewhere && flushedSomewhere)
        // The same scenario under sc never fills a buffer.
        let sc = try #require(BuiltinScenarios.all.first { $0.name == "reclaim-race" })
            .build(strategy: try registry.strategy("put-and-wait"), parameters: [:])
        var scheduler = RandomScheduler(seed: 1)
        var checkers: [any Checker] = []
        var watcher = BufferWatcher()
        _ = sc.engine.run(sc.world, scheduler: &scheduler, checkers: &checkers, options: RunOptions(), observer: &watcher)
        #expect(watcher.buffered == 0 && watcher.flushes == 0)
    }

    @Test("tso reaches every end state sc reaches, and more states; the search under tso decides alike with reductions asked for or not",
          arguments: ["reclaim-race", "z9-split-clear-dirty"])
    func tsoContainsSC(scenario: String) throws {
        let scope = reductionScopes[scenario] ?? [:]
        let spec = try #require((BuiltinScenarios.all + ZooEntries.scenarios).first { $0.name == scenario })
        let sc = try spec.build(strategy: try registry.strategy("put-and-wait"), parameters: scope)
        let tso = try sc.withMemory(.tso)
        let off = ExplorationBounds(sleepSets: false, stepMerging: false, symmetry: false, deadVariables: false)
        let scAll = summarise(sc, off)
        let tsoAll = summarise(tso, off)
        // Sleep sets, step merging and symmetry asked for: the search under
        // tso leaves them off, and meets exactly the same states.
        let asked = summarise(tso, ExplorationBounds(deadVariables: false))
        // Dead variables stay on: the same findings and verdict.
        let dead = summarise(tso, ExplorationBounds())
        #expect(scAll.result.complete && tsoAll.result.complete && asked.result.complete && dead.result.complete)
        #expect(scAll.ends.isSubset(of: tsoAll.ends), "\(scenario): \(scAll.ends.subtracting(tsoAll.ends).count) sc end states tso never reaches")
        #expect(tsoAll.states.count > scAll.states.count, "\(scenario): tso adds no state (nothing was ever buffered)")
        let same = asked.states == tsoAll.states && asked.ends == tsoAll.ends
        #expect(same, "\(scenario): \(asked.states.count) states with reductions asked for, \(tsoAll.states.count) without")
        #expect(asked.findings == tsoAll.findings && dead.findings == tsoAll.findings)
        #expect(dead.result.violation?.kind == tsoAll.result.violation?.kind)
        #expect(dead.result.termination == tsoAll.result.termination)
        #expect(dead.states.count <= tsoAll.states.count)
    }

    @Test("the door under tso: a task reads its own buffered store, another reads memory until the flush; an atomic RMW drains the buffer first; modelOnly applies at once")
    func door() throws {
        let setup = try tsoSetup("reclaim-race")
        let e = setup.engine
        var w = setup.world
        let p = PFN(0)
        let before = w.pages[0].flags
        w.storeBuffers.current = 0
        e.store(&w, .flags(p), before.union(.dirty), .plain)
        #expect(w.pages[0].flags == before, "a plain store reached memory at once")
        #expect(e.load(w, .flags(p), .relaxed).contains(.dirty), "the storing task does not see its own store")
        w.storeBuffers.current = 1
        #expect(!e.load(w, .flags(p), .relaxed).contains(.dirty), "another task sees a store still buffered")
        #expect(e.isRunnable(w, StoreBuffers.flushBase + 0) && !e.isRunnable(w, StoreBuffers.flushBase + 1))
        let event = try e.step(&w, task: StoreBuffers.flushBase + 0)
        #expect(event.action == .flush && w.pages[0].flags.contains(.dirty) && w.storeBuffers.isEmpty)
        w.storeBuffers.current = 0
        e.store(&w, .refcount(p), 7, .release)
        e.rmw(&w, .flags(p), .fullyOrdered) { $0.remove(.dirty) }
        #expect(w.storeBuffers.isEmpty && w.pages[0].refcount == 7 && !w.pages[0].flags.contains(.dirty))
        e.store(&w, .refcount(p), 9, .modelOnly)
        #expect(w.pages[0].refcount == 9 && w.storeBuffers.isEmpty)
    }

    @Test("PCT under tso schedules flushes too, and its runs replay")
    func pct() throws {
        let setup = try tsoSetup("reclaim-race")
        var flushed = false
        for seed in UInt64(1)...4 {
            var scheduler = PCTScheduler(seed: seed, engine: setup.engine)
            var checkers: [any Checker] = []
            var watcher = BufferWatcher()
            let r = setup.engine.run(setup.world, scheduler: &scheduler, checkers: &checkers,
                                     options: RunOptions(maxSteps: 20_000, recordTrace: true), observer: &watcher)
            flushed = flushed || watcher.flushes > 0
            #expect(r.world.storeBuffers.isEmpty || r.end == .stepLimit)
            #expect(setup.engine.replay(setup.world, schedule: r.schedule).trace == r.trace)
        }
        #expect(flushed)
    }

    @Test("a store buffer is state: it moves the fingerprint, and renaming tasks moves it with its task")
    func buffersAreState() throws {
        let setup = try tsoSetup("reclaim-race")
        var w = setup.world
        let before = setup.engine.fingerprint(w)
        w.storeBuffers.append(PendingStore(location: .flags(pfn: 0), value: .flags(.locked)), task: 1, taskCount: w.tasks.count)
        #expect(setup.engine.fingerprint(w) != before)
        let p = TaskPermutation([1, 0] + Array(2..<w.tasks.count))
        let renamed = w.renamingTasks(p)
        #expect(renamed.storeBuffers.stores(of: 0).count == 1 && renamed.storeBuffers.stores(of: 1).isEmpty)
        #expect(renamed.storeBuffers.nonEmpty == TaskSet([0]))
    }

    @Test("tso beyond 64 tasks is refused with the range")
    func refusals() throws {
        let wide = try #require(BuiltinScenarios.all.first { $0.name == "wake-walk" })
            .build(strategy: try registry.strategy("put-and-wait"), parameters: [:])
        if wide.world.tasks.count > StoreBuffers.flushBase {
            do { _ = try wide.withMemory(.tso); Issue.record("tso accepted \(wide.world.tasks.count) tasks") } catch {
                #expect(error.message.contains("1...64"))
            }
        }
    }
}
