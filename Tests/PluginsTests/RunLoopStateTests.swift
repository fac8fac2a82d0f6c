// The run loop's incremental state (EnabledSet.swift, RandomScheduler.swift)
// against the plain definitions it replaces: the enabled set kept step by
// step must equal Engine.enabledTasks after every step, and the random
// scheduler, which only looks at tasks something happened to, must pick
// exactly what a scheduler visiting every task at every step picks.

import Testing
@testable import PagewaitCore
import PagewaitPlugins

/// The random scheduler as first written: every pick visits every task,
/// notes wakes and preemption hints, and collects the tasks still off the
/// CPU. The same generator draws in the same order, so the same seed must
/// give the same picks as `RandomScheduler`.
private struct PerTaskRandomScheduler: Scheduler {
    var rng: SplitMix64
    let wakeLatency: Int
    let preemptLength: Int
    var wasBlocked: [Bool] = []
    var readyAt: [Int] = []
    var picks: [Int] = []
    var hintDecided: [Int] = []

    init(seed: UInt64, wakeLatency: Int, preemptLength: Int) {
        rng = SplitMix64(seed: seed)
        self.wakeLatency = wakeLatency
        self.preemptLength = preemptLength
    }

    mutating func pick(runnable: TaskSet, world: World, step: Int) -> Int? {
        let n = world.tasks.count
        if wasBlocked.count != n {
            wasBlocked = Array(repeating: false, count: n)
            readyAt = Array(repeating: 0, count: n)
            picks = Array(repeating: 0, count: n)
            hintDecided = Array(repeating: -1, count: n)
        }
        var candidates = runnable
        if wakeLatency > 0 || preemptLength > 0 {
            var delayed = TaskSet()
            for t in 0..<n {
                let blocked = world.tasks[t].blocked
                if wakeLatency > 0 && wasBlocked[t] && !blocked { readyAt[t] = step + rng.below(2 * wakeLatency + 1) }
                wasBlocked[t] = blocked
                let hint = world.tasks[t].preemptHint
                if hint > 0 && hintDecided[t] != picks[t] {
                    hintDecided[t] = picks[t]
                    if rng.below(1000) < Int(hint) { readyAt[t] = step + 1 + rng.below(2 * preemptLength + 1) }
                }
                if readyAt[t] > step { delayed.insert(t) }
            }
            let ready = candidates - delayed
            if !ready.isEmpty { candidates = ready }
        }
        let t = candidates.nth(candidates.count == 1 ? 0 : rng.below(candidates.count))
        picks[t] += 1
        return t
    }
}

/// The tests walk every scenario under a strategy that waits with DROP, one
/// that holds its reference, and the v5.9 handoff core.
private let strategies = ["put-and-wait", "legacy", "unfair-5"]

private func setups() throws -> [(String, Setup)] {
    var out: [(String, Setup)] = []
    for scenario in registry.names(.scenario) {
        for strategy in strategies {
            let spec = try registry.scenario(scenario)
            // Five faulters where a scenario has them, and preemption points
            // inside the fault path's window, so hints are decided too.
            // (A scenario refuses a parameter none of its actors has.)
            let st = try registry.resolveStrategy(strategy)
            let tries: [Parameters] = [["faulters": 5, "preemptInWindow": 300], ["faulters": 5], ["preemptInWindow": 300], [:]]
            guard let setup = tries.lazy.compactMap({ try? spec.build(strategy: st, parameters: $0) }).first else {
                throw BuildError("\(scenario) does not build under \(strategy)")
            }
            out.append(("\(scenario)/\(strategy)", setup))
        }
    }
    return out
}

private func hasPreemptionPoint(_ setup: Setup) -> Bool {
    setup.engine.programs.contains { $0.instructions.contains { if case .control(.preemptionPoint) = $0.op { true } else { false } } }
}

@Suite("Run-loop state")
struct RunLoopStateTests {
    @Test("the enabled set kept step by step equals Engine.enabledTasks after every step (every scenario, three strategies, 40 seeds each)")
    func enabledSetMatchesEnabledTasks() throws {
        var steps = 0
        for (name, setup) in try setups() {
            let engine = setup.engine
            for seed in UInt64(1)...40 {
                var w = setup.world
                var enabled = EnabledSet(engine, w)
                var scheduler = RandomScheduler(seed: seed, wakeLatency: RandomScheduler.defaultWakeLatency)
                for step in 0..<2_000 {
                    let expected = engine.enabledTasks(w)
                    guard enabled.tasks == expected else {
                        Issue.record("\(name) seed \(seed) step \(step): kept \(enabled.tasks), every task says \(expected)")
                        return
                    }
                    guard !expected.isEmpty, let t = scheduler.pick(runnable: expected, world: w, step: step) else { break }
                    do { _ = try engine.step(&w, task: t) } catch { break }
                    enabled.update(afterStepOf: t, engine, w)
                    steps += 1
                }
            }
        }
        #expect(steps > 100_000, "the walk must take many steps to mean anything (took \(steps))")
    }

    @Test("the random scheduler picks what a scheduler visiting every task at every step picks (every scenario, three strategies, 20 seeds, three timings)")
    func randomSchedulerMatchesPerTaskDefinition() throws {
        var differing: [String] = []
        var withWakes = 0, withHints = 0
        for (name, setup) in try setups() {
            for (latency, preempt) in [(RandomScheduler.defaultWakeLatency, RandomScheduler.defaultPreemptLength), (0, 7), (3, 0)] {
                for seed in UInt64(1)...20 {
                    var fast = RandomScheduler(seed: seed, wakeLatency: latency, preemptLength: preempt)
                    var reference = PerTaskRandomScheduler(seed: seed, wakeLatency: latency, preemptLength: preempt)
                    var none: [any Checker] = []
                    let options = RunOptions(maxSteps: 5_000)
                    let a = setup.engine.run(setup.world, scheduler: &fast, checkers: &none, options: options)
                    let b = setup.engine.run(setup.world, scheduler: &reference, checkers: &none, options: options)
                    if a.schedule != b.schedule { differing.append("\(name) seed \(seed) latency \(latency) preempt \(preempt)") }
                    if a.world.tasks.contains(where: { $0.stats.wakeups > 0 }) { withWakes += 1 }
                    if preempt > 0 && hasPreemptionPoint(setup) { withHints += 1 }
                }
            }
        }
        #expect(differing.count == 0, "schedules differ, e.g. \(differing.prefix(5))")
        #expect(withWakes > 100, "the runs must include wakes for the comparison to mean anything (\(withWakes))")
        #expect(withHints > 50, "the runs must include preemption points (\(withHints))")
    }
}
