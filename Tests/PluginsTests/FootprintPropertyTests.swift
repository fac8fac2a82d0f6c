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

/// What task `t`'s step from `before` to `after` wrote, in footprint
/// terms: each page field that changed, written; the ledger of another
/// task; another task's state, or the stepping task's sleep state, pending
/// signal, wait entry or frame (its pc, registers, held-lock record,
/// snapshot and ledger are its own: `Engine.footprint(of:in:)`).
func written(by t: Int, from before: World, to after: World, engine: Engine) -> Footprint {
    var f = Footprint()
    for p in before.pages.indices where before.pages[p] != after.pages[p] {
        let a = before.pages[p], b = after.pages[p]
        var fields = PageFields()
        if a.flags != b.flags { fields.insert(.flags) }
        if a.refcount != b.refcount { fields.insert(.refcount) }
        if a.mapcount != b.mapcount { fields.insert(.mapcount) }
        if a.mapping != b.mapping { fields.insert(.mapping) }
        var rest = b
        rest.flags = a.flags; rest.refcount = a.refcount; rest.mapcount = a.mapcount; rest.mapping = a.mapping
        if rest != a { fields.insert(.model) }
        f.write(fields, PFN(p))
    }
    let pageCount = before.pages.count
    for i in before.refs.indices where before.refs[i] != after.refs[i] && i / pageCount != t { f.tasks.insert(i / pageCount) }
    for s in before.ptes.indices where before.ptes[s] != after.ptes[s] { f.pte(Int32(s)) }
    for s in before.cache.indices where before.cache[s] != after.cache[s] { f.slot(Int32(s)) }
    for u in before.tasks.indices {
        let a = before.tasks[u], b = after.tasks[u]
        if u != t ? a != b : (a.state != b.state || a.blocked != b.blocked || a.pending != b.pending || a.entry != b.entry || a.frame != b.frame) {
            f.tasks.insert(u)
        }
        for l in a.heldLocks.symmetricDifference(b.heldLocks) { f.lock(l) }
        if a.heldBucket != b.heldBucket { f.bucket(a.heldBucket); f.bucket(b.heldBucket) }
    }
    let buckets = before.queue == after.queue ? [] : Set(before.queue.map(\.bucket)).union(after.queue.map(\.bucket))
    for b in buckets where before.queue.filter({ $0.bucket == b }) != after.queue.filter({ $0.bucket == b }) { f.bucket(b) }
    for c in engine.controlCounters where before.counters[Int(c)] != after.counters[Int(c)] {
        f.controlCounters = true
        f.controlWrites = true
    }
    return f
}

/// What the accesses task `t`'s step made touch, in footprint terms: each
/// location read, or written (a read-modify-write writes); its own ledger
/// is its own.
func accessed(by t: Int, _ accesses: [Access]) -> Footprint {
    var f = Footprint()
    for a in accesses {
        if case .ledger(let u, _) = a.location, u == t { continue }
        f.insert(a)
    }
    return f
}

/// The parts of `touched` that `declared` does not cover (`Footprint.covers`:
/// a read needs a declared read or write, a write a declared write), in words.
func uncovered(_ touched: Footprint, by declared: Footprint) -> [String] {
    var out: [String] = []
    func bits(_ x: UInt64) -> String { String(x, radix: 2) }
    if touched.pages & ~declared.pages != 0 { out.append("pages \(bits(touched.pages & ~declared.pages))") }
    let unread = touched.pageReads.subtracting(declared.pageReads.union(declared.pageWrites))
    if !unread.isEmpty { out.append("page fields read \(String(unread.rawValue, radix: 2))") }
    let unwritten = touched.pageWrites.subtracting(declared.pageWrites)
    if !unwritten.isEmpty { out.append("page fields written \(String(unwritten.rawValue, radix: 2))") }
    if touched.buckets & ~declared.buckets != 0 { out.append("buckets \(bits(touched.buckets & ~declared.buckets))") }
    if touched.locks & ~declared.locks != 0 { out.append("locks \(bits(touched.locks & ~declared.locks))") }
    if touched.ptes & ~declared.ptes != 0 { out.append("PTE slots \(bits(touched.ptes & ~declared.ptes))") }
    if touched.pteWrites & ~declared.pteWrites != 0 { out.append("PTE slots written \(bits(touched.pteWrites & ~declared.pteWrites))") }
    if touched.cache & ~declared.cache != 0 { out.append("cache slots \(bits(touched.cache & ~declared.cache))") }
    if touched.cacheWrites & ~declared.cacheWrites != 0 { out.append("cache slots written \(bits(touched.cacheWrites & ~declared.cacheWrites))") }
    let tasks = touched.tasks - declared.tasks
    if !tasks.isEmpty { out.append("tasks \(Array(tasks))") }
    if touched.controlCounters && !declared.controlCounters { out.append("control counters") }
    if touched.controlWrites && !declared.controlWrites { out.append("control counters written") }
    #expect(out.isEmpty == declared.covers(touched), "uncovered and Footprint.covers disagree")
    return out
}

@Suite("Footprints")
struct FootprintPropertyTests {
    /// Twenty walks of up to 150 steps per strategy at the small scope of
    /// the reduction tests (every actor present, touches > 0), and one of 60
    /// steps at the scenario's defaults (more tasks, pages and slots):
    /// 12,000 to 84,000 steps and 3,000 to 34,000 independent pairs per
    /// scenario.
    static let walks: [(small: Bool, count: Int, steps: Int)] = [(true, 20, 150), (false, 1, 60)]
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
    /// the wake walk's per-call record): each configuration of their entry.
    static let flagWordScenarios = ["z9-split-clear-dirty", "z12-end-writeback", "z13-writeback-bookmarks", "z17-thrashing-drop"]

    @Test("zoo scenarios: every step stays inside its footprint and independent steps commute, under each configuration of the entry",
          arguments: flagWordScenarios)
    func zooFootprintsCoverSteps(scenario: String) throws {
        let entry = try #require(ZooEntries.all.first { $0.scenario == scenario })
        let spec = try #require(ZooEntries.scenarios.first { $0.name == scenario })
        // Z9, Z12 and Z13 have one page whose flags word every step of
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
                let wrote = written(by: t, from: w, to: after, engine: engine)
                // (A task resting on a local instruction: see below.)
                let missing = restsOnLocal(engine, w, t) ? [] : uncovered(wrote, by: declared)
                #expect(missing.isEmpty, "\(here()): task \(t) (\(engine.function(of: w, task: t))) wrote outside its footprint: \(missing.joined(separator: ", ")) (declared \(declared), wrote \(wrote))")
                // What the task may still touch from here covers this step,
                // and (checked for the step taken, below) never grows: so
                // every step it takes later lies inside it too.
                var touched = accessed(by: t, accesses)
                touched.formUnion(wrote)
                let future = engine.future(of: t, in: w)
                let beyond = uncovered(touched, by: future)
                #expect(beyond.isEmpty, "\(here()): task \(t) (\(engine.function(of: w, task: t))) touched what its future summary leaves out: \(beyond.joined(separator: ", "))")
                // A task that has not started may rest on a local instruction:
                // its first step runs the locals and the visible operation they
                // lead to, which `Engine.footprint` leaves out, so the explorer
                // takes that step to conflict with every other (Exhaustive.swift).
                if restsOnLocal(engine, w, t) {
                    footprints[t] = .everything
                    continue
                }
                let declaredBeyond = uncovered(declared, by: future)
                #expect(declaredBeyond.isEmpty, "\(here()): task \(t) (\(engine.function(of: w, task: t)))'s footprint is not inside its future summary: \(declaredBeyond.joined(separator: ", "))")
                let outside = uncovered(accessed(by: t, accesses), by: declared)
                #expect(outside.isEmpty, "\(here()): task \(t) (\(engine.function(of: w, task: t))) accessed outside its footprint: \(outside.joined(separator: ", ")) (accesses: \(accesses.map(\.description).joined(separator: "; ")))")
            }
            // The movers as the explorer takes them: declared, or a both
            // mover where the step meets no other task's future.
            var movers = footprints
            for (t, f) in footprints { movers[t]!.mover = engine.dynamicMover(f, of: t, in: w) }
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
            checkMovers(engine, w, enabled: enabled, footprints: movers, next: next, place: here())
            guard !next.isEmpty else { break }
            let choices = next.keys.sorted()
            let chosen = next[choices[rng.below(choices.count)]]!
            for u in w.tasks.indices {
                let grown = uncovered(engine.future(of: u, in: chosen), by: engine.future(of: u, in: w))
                #expect(grown.isEmpty, "\(here()): task \(u)'s future summary grew: \(grown.joined(separator: ", "))")
            }
            w = chosen
        }
        return checkedPairs
    }
}
