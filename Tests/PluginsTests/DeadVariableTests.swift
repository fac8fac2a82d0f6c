// The exhaustive search's dead-variable reduction (`ExplorationBounds.
// deadVariables`): states that differ only in registers their tasks will
// write before reading, or in a wait entry a task's last wait left behind,
// behave alike, so the search stores them as one. It must keep every state
// up to those variables and every verdict.

import Synchronization
import Testing
import PagewaitCore
@testable import PagewaitPlugins

/// `w` with every task's dead variables overwritten by values no program
/// forms: its dead registers (`LiveRegisters`) and a dead wait entry
/// (`TaskState.waitEntryIsDead`).
func scramblingDeadVariables(_ w: World, _ engine: Engine) -> World {
    var out = w
    for t in out.tasks.indices {
        let live = withUnsafePointer(to: out.tasks[t]) { engine.liveRegisters.live($0) }
        for r in 0..<TaskState.registerCount where live & (1 << r) == 0 {
            out.tasks[t].registers[r] = 0x5EAD_0000 + Int64(t * 16 + r)
        }
        if out.tasks[t].waitEntryIsDead {
            out.tasks[t].entry.page = PageRef(pfn: PFN(rawValue: 0), gen: 77)
            out.tasks[t].entry.bit = .writeback
            out.tasks[t].entry.flags = [.exclusive, .woken, .custom, .done]
            out.tasks[t].entry.bucket = 3
        }
    }
    return out
}

/// The key the search gives `w` with dead variables left out, symmetry off.
func deadVariableKey(_ w: World, _ setup: Setup) -> UInt64 {
    var keys = StateKeys(engine: setup.engine, symmetry: nil, taskCount: w.tasks.count, deadVariables: true)
    return keys.key(w, depth: 0, parent: nil).0
}

@Suite("Dead variables")
struct DeadVariableTests {
    @Test("a state with its dead variables scrambled steps as the state does: the same runnable tasks, footprints, events, violations, checker verdicts and successors up to dead variables",
          arguments: BuiltinScenarios.all.map(\.name) + ExplorationReductionTests.zooScenarios)
    func scrambledStepsAlike(scenario: String) throws {
        var scrambledSomewhere = false
        for (name, setup) in try smallScopeSetups(scenario) {
            let engine = setup.engine
            for w in sampleStates(setup, limit: 1000) {
                let junk = scramblingDeadVariables(w, engine)
                scrambledSomewhere = scrambledSomewhere || junk != w
                let what = "\(scenario) under \(name)"
                let runnable = engine.runnableTasks(w)
                #expect(engine.runnableTasks(junk) == runnable, "\(what)")
                if runnable.isEmpty {
                    let end: RunEnd = w.allFinished ? .finished : .quiescent
                    var a = Checkers.forExploration(setup), b = Checkers.forExploration(setup)
                    for i in a.indices {
                        #expect(a[i].atEnd(end, world: w, engine: engine)?.kind == b[i].atEnd(end, world: junk, engine: engine)?.kind, "\(what)")
                    }
                }
                for t in runnable {
                    #expect(engine.footprint(of: t, in: w) == engine.footprint(of: t, in: junk), "\(what): task \(t)'s footprint")
                    var next = w, jnext = junk
                    let e = Result<StepEvent, Violation>(catching: { () throws(Violation) -> StepEvent in try engine.step(&next, task: t) })
                    let je = Result<StepEvent, Violation>(catching: { () throws(Violation) -> StepEvent in try engine.step(&jnext, task: t) })
                    switch (e, je) {
                    case (.success(let ev), .success(let jev)):
                        #expect(ev == jev, "\(what): task \(t) steps otherwise with its dead variables scrambled")
                        #expect(deadVariableKey(next, setup) == deadVariableKey(jnext, setup), "\(what): task \(t)'s successors differ in a live variable")
                        var a = Checkers.forExploration(setup), b = Checkers.forExploration(setup)
                        for i in a.indices {
                            #expect(a[i].afterStep(ev, world: next, engine: engine)?.kind == b[i].afterStep(jev, world: jnext, engine: engine)?.kind, "\(what)")
                        }
                    case (.failure(let v), .failure(let jv)):
                        #expect(v.kind == jv.kind && v.detail == jv.detail, "\(what): task \(t)")
                    default:
                        Issue.record("\(what): task \(t)'s step fails in one of the two states only")
                    }
                }
            }
        }
        #expect(scrambledSomewhere, "\(scenario): no sampled state has a dead variable")
    }

    @Test("leaving dead variables out of the keys loses no state and adds none (up to those variables), and keeps every end state, finding and verdict",
          arguments: BuiltinScenarios.all.map(\.name) + ExplorationReductionTests.zooScenarios)
    func sameStatesUpToDeadVariables(scenario: String) throws {
        var fewerSomewhere = false
        for (name, setup) in try smallScopeSetups(scenario) {
            let what = "\(scenario) under \(name)"
            let full = reachedStates(setup, symmetry: false, deadVariables: false) { deadVariableKey($0, setup) }
            let reduced = reachedStates(setup, symmetry: false, deadVariables: true) { deadVariableKey($0, setup) }
            // Every key the reduced search stored is its state's key.
            #expect(reduced.allSatisfy { $0.key == $0.value }, "\(what)")
            let images = Set(full.values), keys = Set(reduced.keys)
            let lost = images.subtracting(keys).count, extra = keys.subtracting(images).count
            #expect(lost == 0 && extra == 0, "\(what): \(lost) of \(images.count) states lost, \(extra) extra")
            #expect(reduced.count <= full.count)
            fewerSomewhere = fewerSomewhere || reduced.count < full.count
            let on = summarise(setup, ExplorationBounds(symmetry: false, deadVariables: true))
            let off = summarise(setup, ExplorationBounds(symmetry: false, deadVariables: false))
            #expect(on.findings == off.findings, "\(what): findings \(off.findings.sorted()) with dead variables kept, \(on.findings.sorted()) without")
            #expect(on.ends.count <= off.ends.count)
            #expect(on.result.violation?.kind == off.result.violation?.kind, "\(what)")
            func ends(_ t: Termination) -> Bool { t == .acyclic || t == .noFairCycle }
            #expect(ends(on.result.termination) == ends(off.result.termination),
                    "\(what): termination \(off.result.termination) with dead variables kept, \(on.result.termination) without")
        }
        #expect(fewerSomewhere, "\(scenario): no strategy's search stored fewer states")
    }
}
