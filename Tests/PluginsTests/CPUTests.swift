// CPUs as resources (Core/CPU): which task each CPU runs, the preemption
// models, per-CPU work items, and the CPU-starvation LIVELOCK of known-bugs
// Z15. Each test states the property; the expected verdicts follow from
// the preemption model's definition, not from a recorded run.

import Testing
import PagewaitCore
@testable import PagewaitPlugins

/// Z15's scenario with `parameters`.
private func z15(_ parameters: Parameters) throws -> Setup {
    try ZooEntries.hmmDrain.build(strategy: try registry.strategy("noref"), parameters: parameters)
}

/// `setup`'s world after the steps of `tasks`, in order.
private func world(_ setup: Setup, after tasks: [Int]) throws -> World {
    var w = setup.world
    for t in tasks { _ = try setup.engine.step(&w, task: t) }
    return w
}

/// Steps `t` until it sleeps (at most `limit` steps).
private func stepUntilAsleep(_ setup: Setup, _ w: inout World, _ t: Int, limit: Int = 50) throws {
    for _ in 0..<limit where !w.tasks[t].blocked { _ = try setup.engine.step(&w, task: t) }
}

// Z15's tasks: 0 drain-locker (CPU 0), 1 hmm-faulter (CPU 1), 2 kworker/0, 3 kworker/1.
private let locker = 0, faulter = 1, kworker0 = 2, kworker1 = 3
/// The locker's steps up to its first sleep: get_page_unless_zero,
/// trylock_page, queue_work_on(0), queue_work_on(1), flush_work(0) (asleep).
private let lockerToFirstFlush = [0, 0, 0, 0, 0]

@Suite("CPUs, preemption models and work items")
struct CPUTests {
    @Test("Z15: LIVELOCK is reachable exactly when the spinner can keep its CPU — no preemption, or voluntary without a cond_resched() in the loop — and never with the fix",
          arguments: [0, 1, 2] as [Int64], [0, 1] as [Int64])
    func z15Verdicts(preemption: Int64, resched: Int64) throws {
        for fix: Int64 in [0, 1] {
            let setup = try z15(["preemption": preemption, "resched": resched, "fix": fix])
            let out = exploreOutcome(setup)
            let model = Preemption(rawValue: UInt8(preemption))!
            let keepsCPU = model == .none || (model == .voluntary && resched == 0)
            let what = "preemption \(model), resched \(resched), fix \(fix)"
            if fix == 0 && keepsCPU {
                let v = try #require(out.violation, "\(what): no violation")
                #expect(v.kind == .livelock, "\(what): \(v)")
                #expect(LivelockChecker.isCPUStarvation(v))
                // The spinner, what it spins on, the owner and what it waits
                // for, and the task kept off the CPU.
                for word in ["hmm-faulter keeps CPU 1", "trylock of PG_locked of pfn 0", "held by drain-locker",
                             "flush_work for CPU 1's work item", "kworker/1", "never gets CPU 1"] {
                    #expect(v.detail.contains(word), "\(what): '\(word)' missing from \(v.detail)")
                }
                // It replays: the schedule as found is the cycle, judged the same way.
                let found = try #require(out.found)
                #expect(setup.nonTermination(found)?.kind == .livelock)
            } else {
                #expect(out.violation == nil, "\(what): \(String(describing: out.violation))")
                #expect(ExplorationVerdict(out).isProof, "\(what): not a proof")
            }
        }
    }

    @Test("a spinning task keeps its CPU: under none, the woken kworker of the spinner's CPU cannot run; under full it can")
    func spinnerKeepsItsCPU() throws {
        for (p, kept) in [(Int64(0), true), (1, true), (2, false)] {
            let setup = try z15(["preemption": p])
            // The locker queued both CPUs' work and sleeps in flush_work(0);
            // the faulter took CPU 1 with its get_page_unless_zero, then
            // failed the trylock: it spins.
            let w = try world(setup, after: lockerToFirstFlush + [faulter, faulter])
            #expect(setup.engine.isEnabled(w, kworker1))
            let runnable = setup.engine.runnableTasks(w)
            #expect(runnable.contains(kworker1) == !kept, "preemption \(p): \(runnable)")
            #expect(runnable.contains(faulter))
            // The locker's sleep freed CPU 0 for its kworker under every model.
            #expect(runnable.contains(kworker0))
            if kept {
                #expect(w.cpu.running == [.none, TaskID(faulter)])
                #expect(throws: Violation.self) { var x = w; _ = try setup.engine.step(&x, task: kworker1) }
            }
        }
    }

    @Test("a sleeping task frees its CPU: the fixed faulter, asleep until the unlock, leaves CPU 1 to the kworker")
    func sleeperFreesItsCPU() throws {
        for p: Int64 in [0, 1] {
            let setup = try z15(["preemption": p, "fix": 1])
            var w = try world(setup, after: lockerToFirstFlush)
            try stepUntilAsleep(setup, &w, faulter)
            #expect(w.tasks[faulter].blocked)
            #expect(w.cpu.running[1] == .none)
            #expect(setup.engine.runnableTasks(w).contains(kworker1))
        }
    }

    @Test("voluntary preemption: at cond_resched() the task yields its CPU to another task pinned there that can run, and goes on when none can")
    func condReschedYields() throws {
        let setup = try z15(["preemption": 1, "resched": 1])
        // Faulter first, before any work is queued: get, trylock (wins? no:
        // nobody holds the lock yet, so it wins). Take the locker first.
        var w = try world(setup, after: lockerToFirstFlush + [faulter, faulter, faulter])
        // get_page_unless_zero, trylock (fails), put_page: it rests on cond_resched.
        #expect(setup.engine.restsOnCondResched(w.tasks[faulter]))
        #expect(w.cpu.yields(1))
        var runnable = setup.engine.runnableTasks(w)
        #expect(runnable.contains(kworker1) && !runnable.contains(faulter), "\(runnable)")
        // The kworker runs the work and sleeps: CPU 1 is free, the faulter goes on.
        _ = try setup.engine.step(&w, task: kworker1)
        #expect(w.cpu.running[1] == .none)
        runnable = setup.engine.runnableTasks(w)
        #expect(runnable.contains(faulter))
        // Without work queued, nobody else can run on CPU 1: the faulter goes on.
        let alone = try z15(["preemption": 1, "resched": 1, "delay": 0])
        var v = try world(alone, after: [locker, locker])  // the locker holds the page lock, queued nothing yet
        for _ in 0..<3 { _ = try alone.engine.step(&v, task: faulter) }
        #expect(alone.engine.restsOnCondResched(v.tasks[faulter]))
        #expect(alone.engine.runnableTasks(v).contains(faulter))
    }

    @Test("which task a CPU runs is state: worlds that differ only there have different fingerprints and keys, renamed with the tasks")
    func cpuAssignmentIsState() throws {
        let setup = try z15(["preemption": 0])
        let w = try world(setup, after: [faulter])
        #expect(w.cpu.running == [.none, TaskID(faulter)])
        var idle = w
        idle.cpu.running[1] = .none
        #expect(setup.engine.fingerprint(w) != setup.engine.fingerprint(idle))
        // Renamed: the task a CPU runs is renamed like a lock owner.
        let swap = TaskPermutation([1, 0, 2, 3])
        #expect(w.renamingTasks(swap).cpu.running == [.none, TaskID(0)])
        let image = swap.image, inverse = swap.inverse.image
        let renamed = image.withUnsafeBufferPointer { i in inverse.withUnsafeBufferPointer { v in setup.engine.fingerprint(w, renamedBy: i, inverse: v) } }
        #expect(renamed == setup.engine.fingerprint(w.renamingTasks(swap)))
    }

    @Test("without CPUs the model is a CPU per task: the world has no CPU state and its fingerprint is what it was")
    func defaultModelUnchanged() throws {
        let setup = try registry.scenario("reclaim-race").build(strategy: try registry.strategy("put-and-wait"), parameters: [:])
        #expect(setup.engine.config.cpus == .cpuPerTask)
        #expect(setup.world.cpu.isEmpty)
        var h = StableHasher()
        setup.world.combineIdentity(into: &h, controlCounters: setup.engine.controlCounters)
        var legacy = StableHasher()
        // The identity as it was fed before CPUs existed: memory, tasks, ledger, queue, counters.
        setup.world.combineMemoryIdentity(renamedBy: nil, into: &legacy)
        for t in setup.world.tasks.indices { setup.world.tasks[t].combineIdentity(into: &legacy) }
        for r in setup.world.refs { legacy.combine(r) }
        legacy.combine(setup.world.queue.count)
        for c in setup.engine.controlCounters { legacy.combine(setup.world.counters[Int(c)]) }
        #expect(h.value == legacy.value)
    }

    @Test("symmetry permutes only tasks pinned to the same CPU")
    func symmetryRespectsPins() throws {
        func groups(_ pins: [Int]) throws -> [[Int]] {
            let actors = [ActorSpec(DrainLocker(), cpu: 0)] + pins.enumerated().map { ActorSpec(HmmFaulter(), name: "f\($0.offset)x", cpu: $0.element) }
            let spec = ScenarioSpec(name: "pins", summary: "", parameters: ["mappings": 0], actors: actors, cpus: CPUDeclaration(count: 3, preemption: .none))
            let setup = try spec.build(strategy: try registry.strategy("noref"), parameters: [:])
            return TaskSymmetry(setup: setup).groups
        }
        #expect(try groups([1, 1]) == [[1, 2]])
        #expect(try groups([1, 2]) == [])
        #expect(try groups([1, 1, 2]) == [[1, 2]])
    }

    @Test("reductions on and off give the same verdict and the same end states under every preemption model, two faulters sharing a CPU (symmetry and dead variables at work)",
          arguments: [0, 1, 2] as [Int64])
    func reductionsAgreeUnderCPUs(preemption: Int64) throws {
        let actors = [ActorSpec(DrainLocker(), cpu: 0), ActorSpec(HmmFaulter(), count: 2, ["resched": 1], cpu: 1)]
        let spec = ScenarioSpec(name: "two-spinners", summary: "", parameters: ["mappings": 0], actors: actors,
                                cpus: CPUDeclaration(count: 2, preemption: .none))
        let setup = try spec.build(strategy: try registry.strategy("noref"), parameters: ["preemption": preemption])
        #expect(TaskSymmetry(setup: setup).groups == [[1, 2]])
        // Sleep sets alone (under none and voluntary the search leaves them
        // off; under full they prune): the same states, ends and findings.
        let on = summarise(setup, ExplorationBounds(stepMerging: false, symmetry: false, deadVariables: false))
        let off = summarise(setup, ExplorationBounds(sleepSets: false, stepMerging: false, symmetry: false, deadVariables: false))
        #expect(on.result.complete && off.result.complete)
        #expect(on.findings == off.findings, "preemption \(preemption): \(on.findings) vs \(off.findings)")
        #expect(on.ends == off.ends && !on.ends.isEmpty)
        #expect(on.states == off.states)
        // Every reduction on (symmetry folds the two faulters): the same verdict.
        let verdictOn = exploreOutcome(setup).violation?.kind
        var request = ExplorationRequest()
        request.sleepSets = false; request.stepMerging = false; request.symmetry = false; request.deadVariables = false
        #expect(verdictOn == setup.explore(request).violation?.kind)
    }

    @Test("scenario files declare CPUs, the preemption model and pins; bad values are refused at their line with the allowed range")
    func scenarioFiles() throws {
        let good = """
            cpus = 2
            preemption = "voluntary"
            [parameters]
            mappings = 0
            [[actor]]
            kind = "drain-locker"
            cpu = 0
            [[actor]]
            kind = "hmm-faulter"
            cpu = 1
            """
        let spec = try ScenarioFile.parse(good, path: "good.toml", registry: registry)
        #expect(spec.cpus == CPUDeclaration(count: 2, preemption: .voluntary))
        let setup = try spec.build(strategy: try registry.strategy("noref"), parameters: [:])
        let topology = try #require(setup.engine.config.cpus.topology)
        #expect(topology.pin == [0, 1, 0, 1] && topology.worker == [TaskID(2), TaskID(3)])
        #expect(setup.taskNames == ["drain-locker", "hmm-faulter", "kworker/0", "kworker/1"])
        #expect(setup.world.tasks[2].isIdleWorker && setup.world.tasks[3].isIdleWorker)

        let faulter = "[[actor]]\nkind = \"hmm-faulter\"\n"
        let refused: [(String, Int, String)] = [
            ("cpus = 0\n" + faulter, 1, "cpus 0 is out of range: allowed 1...64"),
            ("cpus = 65\n" + faulter, 1, "cpus 65 is out of range: allowed 1...64"),
            ("cpus = 2\npreemption = \"lazy\"\n" + faulter, 2, "'preemption' must be one of"),
            ("preemption = \"none\"\n" + faulter, 1, "'preemption' needs CPUs"),
            ("cpus = 2\n" + faulter + "cpu = 2\n", 4, "cpu 2 is out of range: allowed 0...1"),
            ("cpus = 2\n" + faulter + "cpu = -1\n", 4, "cpu -1 is out of range: allowed 0...1"),
            (faulter + "cpu = 0\n", 3, "declare the CPUs first"),
            ("cpus = 2\n[parameters]\npreemption = 3\n" + faulter, 3, "parameter preemption 3 is out of range: allowed 0...2"),
            ("cpus = 64\n[[actor]]\nkind = \"hmm-faulter\"\ncount = 65\n", 4, "out of range: allowed 0...64"),
        ]
        for (text, line, words) in refused {
            do {
                _ = try ScenarioFile.parse(text, path: "bad.toml", registry: registry)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.line == line && error.message.contains(words), "\(text) -> \(error)")
            }
        }
        // A caller's out-of-range model is refused naming the scenario.
        #expect(throws: BuildError.self) { _ = try spec.build(strategy: try registry.strategy("noref"), parameters: ["preemption": 7]) }
    }

    @Test("the documented example Examples/scenarios/drain-spinner.toml loads and livelocks without preemption, and is a proof with full preemption")
    func documentedExample() throws {
        let path = repositoryRoot.appendingPathComponent("Examples/scenarios/drain-spinner.toml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let doc = try String(contentsOfFile: repositoryRoot.appendingPathComponent("docs/scenarios.md").path, encoding: .utf8)
        #expect(doc.contains(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        let spec = try ScenarioFile.parse(text, path: path, registry: registry)
        let strategy = try registry.strategy("noref")
        #expect(exploreOutcome(try spec.build(strategy: strategy, parameters: [:])).violation?.kind == .livelock)
        #expect(ExplorationVerdict(exploreOutcome(try spec.build(strategy: strategy, parameters: ["preemption": 2]))).isProof)
    }
}
