// Partial-order reduction is sound only if a step's declared footprint
// covers what its execution touches. Checked directly, on random walks of
// every built-in scenario under every strategy: at every state, each
// enabled task's step changes nothing outside its footprint, every location
// it reads or writes through the memory door (its access log) lies inside
// the footprint too, and any two enabled steps with independent footprints
// commute (either order reaches the same state) and neither disables the
// other. The access check sees reads, which the world's diff cannot: a step
// that only looks at a page another step changes must still name it.

import Testing
@testable import PagewaitCore
import PagewaitPlugins

/// What a step from `before` to `after` wrote, in footprint terms.
func written(from before: World, to after: World, engine: Engine) -> Footprint {
    var f = Footprint()
    for p in before.pages.indices where before.pages[p] != after.pages[p] { f.page(PFN(p)) }
    let pageCount = before.pages.count
    for i in before.refs.indices where before.refs[i] != after.refs[i] { f.page(PFN(i % pageCount)) }
    for s in before.ptes.indices where before.ptes[s] != after.ptes[s] { f.pte(Int32(s)) }
    for s in before.cache.indices where before.cache[s] != after.cache[s] { f.slot(Int32(s)) }
    for t in before.tasks.indices {
        let a = before.tasks[t], b = after.tasks[t]
        if a != b { f.tasks.insert(t) }
        for l in a.heldLocks.symmetricDifference(b.heldLocks) { f.lock(l) }
        if a.heldBucket != b.heldBucket { f.bucket(a.heldBucket); f.bucket(b.heldBucket) }
    }
    let buckets = before.queue == after.queue ? [] : Set(before.queue.map(\.bucket)).union(after.queue.map(\.bucket))
    for b in buckets where before.queue.filter({ $0.bucket == b }) != after.queue.filter({ $0.bucket == b }) { f.bucket(b) }
    for c in engine.controlCounters where before.counters[Int(c)] != after.counters[Int(c)] { f.controlCounters = true }
    return f
}

/// What the accesses a step made touch, in footprint terms: every
/// location, read or written.
func accessed(_ accesses: [Access]) -> Footprint {
    var f = Footprint()
    for a in accesses { f.insert(a.location) }
    return f
}

/// The parts of `written` that `declared` does not cover, in words.
func uncovered(_ written: Footprint, by declared: Footprint) -> [String] {
    var out: [String] = []
    if written.pages & ~declared.pages != 0 { out.append("pages \(String(written.pages & ~declared.pages, radix: 2))") }
    if written.buckets & ~declared.buckets != 0 { out.append("buckets \(String(written.buckets & ~declared.buckets, radix: 2))") }
    if written.locks & ~declared.locks != 0 { out.append("locks \(String(written.locks & ~declared.locks, radix: 2))") }
    if written.ptes & ~declared.ptes != 0 { out.append("PTE slots \(String(written.ptes & ~declared.ptes, radix: 2))") }
    if written.cache & ~declared.cache != 0 { out.append("cache slots \(String(written.cache & ~declared.cache, radix: 2))") }
    let tasks = written.tasks - declared.tasks
    if !tasks.isEmpty { out.append("tasks \(Array(tasks))") }
    if written.controlCounters && !declared.controlCounters { out.append("control counters") }
    return out
}

@Suite("Footprints")
struct FootprintPropertyTests {
    /// Ten walks of up to 150 steps per strategy (25 of them) at the small
    /// scope of the reduction tests (every actor present, touches > 0), and
    /// one of 60 steps at the scenario's defaults (more tasks, pages and
    /// slots): up to 39,000 steps per scenario. The walks' seeds differ per
    /// strategy, so the scenario's states are sampled 250 ways.
    static let walks: [(small: Bool, count: Int, steps: Int)] = [(true, 10, 150), (false, 1, 60)]
    /// Independent pairs checked per state, at most: a state with sixty
    /// enabled readers has 1,770, and checking all would take minutes.
    static let maxPairs = 24
    /// The zoo's scenarios with operations of their own: PMDs, the NUMA
    /// switch, folio splits, an injected refcount fault, two killed
    /// exclusive waiters for the exclusive-abort rules (walked under every
    /// strategy).
    static let zooScenarios = ["thp-numa-fault", "thp-migrate-vs-faulter", "migrate-private", "device-split", "two-killed-lockers"]

    @Test("every step writes and reads only inside its footprint (the world's diff and its access log), and steps with independent footprints commute, for every strategy",
          arguments: BuiltinScenarios.all.map(\.name) + Self.zooScenarios)
    func footprintsCoverSteps(scenario: String) throws {
        let spec = try #require((BuiltinScenarios.all + ZooEntries.scenarios).first { $0.name == scenario })
        let small = try #require(reductionScopes[scenario], "no small scope for \(scenario)")
        var checkedPairs = 0
        for (index, name) in registry.names(.strategy).enumerated() {
            for plan in Self.walks {
                let parameters = plan.small ? small : Parameters()
                let setup = try spec.build(strategy: try registry.strategy(name), parameters: parameters)
                for walk in 0..<plan.count {
                    checkedPairs += try check(setup, seed: UInt64(index * 100 + walk + 1), steps: plan.steps,
                                              place: "\(scenario) \(parameters) under \(name)")
                }
            }
        }
        #expect(checkedPairs > 0, "\(scenario): no independent pair met; the test checks nothing")
    }

    /// The zoo's scenarios that bring new operations (the flags word's
    /// non-atomic clear, set_page_writeback and test_clear_page_writeback,
    /// the wake walk's per-call record, Z5's separate unlock): each
    /// configuration of their entry.
    static let flagWordScenarios = ["z9-split-clear-dirty", "z12-end-writeback", "z13-writeback-bookmarks", "z17-thrashing-drop", "z5-unlock-vs-waiter"]

    @Test("zoo scenarios: every step stays inside its footprint and independent steps commute, under each configuration of the entry",
          arguments: flagWordScenarios)
    func zooFootprintsCoverSteps(scenario: String) throws {
        let entry = try #require(ZooEntries.all.first { $0.scenario == scenario })
        let spec = try #require(ZooEntries.scenarios.first { $0.name == scenario })
        // Z9, Z12, Z13 and Z5 have one page whose flags word every step of
        // theirs touches, so no two steps are independent there: those
        // walks check the footprints' cover of each step alone.
        for (index, c) in ([entry.buggy] + entry.fixed).enumerated() {
            let setup = try spec.build(strategy: try registry.resolveStrategy(c.strategy), parameters: c.parameters)
            for walk in 0..<20 {
                _ = try check(setup, seed: UInt64(index * 100 + walk + 1), steps: 150, place: "\(scenario) under \(c.label)")
            }
        }
    }

    /// Task `t` rests on a local instruction, as only a task that has not
    /// taken its first step can.
    func restsOnLocal(_ engine: Engine, _ w: World, _ t: Int) -> Bool {
        let task = w.tasks[t]
        let program = engine.programs[Int(task.program)]
        return task.frame == .none && Int(task.pc) < program.instructions.count && program.instructions[Int(task.pc)].op.isLocal
    }

    /// Steps declared movers (`Mover`) commute as declared with every other
    /// enabled task's step: a left mover taken after another task's step
    /// could have been taken before it (and is not blocked by it); another
    /// task's step taken after a right mover could have been taken before it.
    /// Either way both orders reach the same state.
    func checkMovers(_ engine: Engine, _ s: World, enabled: [Int], footprints: [Int: Footprint], next: [Int: World], place: String) {
        func then(_ w: World, _ t: Int) -> World? {
            guard engine.isEnabled(w, t) else { return nil }
            var w = w
            return (try? engine.step(&w, task: t)) != nil ? w : nil
        }
        for t in enabled {
            guard let mover = footprints[t]?.mover, mover != .none, let sa = next[t] else { continue }
            for u in enabled where u != t {
                if mover.movesLeft, let sb = next[u] {
                    let sba = then(sb, t), sab = then(sa, u)
                    #expect(sba != nil && sab != nil && engine.fingerprint(sba!) == engine.fingerprint(sab!),
                            "\(place): task \(t)'s step (\(engine.function(of: s, task: t))) is a left mover, yet it does not commute back over task \(u)'s")
                }
                if mover.movesRight, let sab = then(sa, u) {
                    let sba = next[u].flatMap { then($0, t) }
                    #expect(sba != nil && engine.fingerprint(sba!) == engine.fingerprint(sab),
                            "\(place): task \(t)'s step (\(engine.function(of: s, task: t))) is a right mover, yet task \(u)'s step after it cannot come first with the same result")
                }
            }
        }
    }

    /// One random walk of `setup`, checking every state on the way; the
    /// number of independent pairs it checked.
    func check(_ setup: Setup, seed: UInt64, steps: Int, place: String) throws -> Int {
        let engine = setup.engine
        // A release build cannot record: then only the diff is checked.
        let log = AccessLog()
        let recording = Engine.canRecordAccesses ? engine.recordingAccesses(into: log) : engine
        var rng = SplitMix64(seed: seed), pick = SplitMix64(seed: ~seed)
        var w = setup.world, checkedPairs = 0
        for step in 0..<steps {
            func here() -> String { "\(place), seed \(seed) step \(step)" }
            let enabled = Array(engine.enabledTasks(w))
            var next: [Int: World] = [:], footprints: [Int: Footprint] = [:], enabledAfter: [Int: TaskSet] = [:]
            for t in enabled {
                let declared = engine.footprint(of: t, in: w)
                footprints[t] = declared
                var after = w
                _ = log.take()
                let stepped = (try? recording.step(&after, task: t)) != nil
                let accesses = log.take()
                guard stepped else { continue }
                next[t] = after
                enabledAfter[t] = engine.enabledTasks(after)
                let missing = uncovered(written(from: w, to: after, engine: engine), by: declared)
                #expect(missing.isEmpty, "\(here()): task \(t) (\(engine.function(of: w, task: t))) wrote outside its footprint: \(missing.joined(separator: ", "))")
                // A task that has not started may rest on a local instruction:
                // its first step runs the locals and the visible operation they
                // lead to, which `Engine.footprint` leaves out, so the explorer
                // takes that step to conflict with every other (Exhaustive.swift).
                if restsOnLocal(engine, w, t) { continue }
                let outside = uncovered(accessed(accesses), by: declared)
                #expect(outside.isEmpty, "\(here()): task \(t) (\(engine.function(of: w, task: t))) accessed outside its footprint: \(outside.joined(separator: ", ")) (accesses: \(accesses.map(\.description).joined(separator: "; ")))")
            }
            var pairs: [(Int, Int)] = []
            // A task resting on a local instruction conflicts with every
            // other in the explorer (its first step's visible operation is
            // not in the footprint of the local it rests on), so such a pair
            // is never taken as independent.
            let fresh = Set(enabled.filter { restsOnLocal(engine, w, $0) })
            for (i, a) in enabled.enumerated() where !fresh.contains(a) {
                for b in enabled[(i + 1)...] where !fresh.contains(b) && next[a] != nil && next[b] != nil && !footprints[a]!.conflicts(with: footprints[b]!) {
                    pairs.append((a, b))
                }
            }
            while pairs.count > Self.maxPairs { pairs.swapAt(pick.below(pairs.count), pairs.count - 1); pairs.removeLast() }
            for (a, b) in pairs {
                checkedPairs += 1
                #expect(enabledAfter[a]!.contains(b) && enabledAfter[b]!.contains(a), "\(here()): tasks \(a) and \(b) are independent, yet one disables the other")
                var ab = next[a]!, ba = next[b]!
                let okAB = (try? engine.step(&ab, task: b)) != nil, okBA = (try? engine.step(&ba, task: a)) != nil
                guard okAB && okBA else {
                    #expect(okAB == okBA, "\(here()): tasks \(a) and \(b) are independent, yet only one order ends in a violation")
                    continue
                }
                #expect(engine.fingerprint(ab) == engine.fingerprint(ba), "\(here()): tasks \(a) and \(b) are independent, yet the two orders reach different states")
            }
            checkMovers(engine, w, enabled: enabled, footprints: footprints, next: next, place: here())
            guard !next.isEmpty else { break }
            let choices = next.keys.sorted()
            w = next[choices[rng.below(choices.count)]]!
        }
        return checkedPairs
    }
}
