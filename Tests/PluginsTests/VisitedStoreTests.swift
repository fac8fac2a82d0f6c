// The exhaustive explorer's visited-state store: the visit decisions, the
// sleep-set encoding's over-approximation, growth and sharing by threads.

import Dispatch
import Synchronization
import Testing
import PagewaitCore
@testable import PagewaitPlugins

/// Distinct, well spread fingerprints.
private func fingerprint(_ i: Int) -> UInt64 {
    var h = StableHasher()
    h.combine(i)
    return h.value
}

@Suite("VisitedStore")
struct VisitedStoreTests {
    @Test("a first visit is new; a revisit explores only what was asleep then and is awake now, and keeps the intersection")
    func visitDecisions() {
        let store = VisitedStore()
        let f = fingerprint(1)
        #expect(store.visit(f, sleep: TaskSet([1, 2, 3]), limit: 10) == .new)
        #expect(store.visit(f, sleep: TaskSet([1, 2, 3, 4]), limit: 10) == .nothingNew)
        #expect(store.visit(f, sleep: TaskSet([2, 5]), limit: 10) == .seen(newlyAwake: TaskSet([1, 3]), sleep: TaskSet([2])))
        #expect(store.visit(f, sleep: TaskSet([2]), limit: 10) == .nothingNew)
        #expect(store.visit(f, sleep: TaskSet(), limit: 10) == .seen(newlyAwake: TaskSet([2]), sleep: TaskSet()))
        #expect(store.visit(f, sleep: TaskSet([0, 1]), limit: 10) == .nothingNew)
        #expect(store.count == 1 && store.contains(f) && !store.contains(fingerprint(2)))
    }

    @Test("tasks 15 and up are kept as 'all of them may be asleep': a revisit re-explores them rather than skipping them")
    func highTasksOverApproximate() {
        let store = VisitedStore()
        let f = fingerprint(7)
        #expect(store.visit(f, sleep: TaskSet([3, 20]), limit: 10) == .new)
        // Task 30 was not asleep, but the store cannot tell: it is handed back.
        guard case .seen(let awake, let kept) = store.visit(f, sleep: TaskSet([3, 30]), limit: 10) else {
            Issue.record("a revisit with a task ≥ 15 awake that may have been asleep was skipped")
            return
        }
        #expect(awake.contains(20) && awake.contains(16) && !awake.contains(3) && !awake.contains(30))
        #expect(kept.contains(3) && kept.contains(30))
        // Below task 15 the store is exact: task 3 stays asleep.
        guard case .seen(let again, _) = store.visit(f, sleep: TaskSet([3]), limit: 10) else {
            Issue.record("the revisit was skipped")
            return
        }
        #expect(!again.contains(3) && again.contains(30))
    }

    @Test("the state limit refuses new states, not revisits")
    func limit() {
        let store = VisitedStore()
        #expect(store.visit(fingerprint(1), sleep: TaskSet(), limit: 2) == .new)
        #expect(store.visit(fingerprint(2), sleep: TaskSet([1]), limit: 2) == .new)
        #expect(store.visit(fingerprint(3), sleep: TaskSet(), limit: 2) == .full)
        #expect(store.visit(fingerprint(2), sleep: TaskSet(), limit: 2) == .seen(newlyAwake: TaskSet([1]), sleep: TaskSet()))
        #expect(store.count == 2)
    }

    @Test("growing keeps every state, at 16 bytes per state or less")
    func growth() {
        let store = VisitedStore()
        let n = 200_000
        for i in 0..<n { #expect(store.visit(fingerprint(i), sleep: TaskSet([i % 15]), limit: .max) == .new) }
        #expect(store.count == n)
        #expect((0..<n).allSatisfy { store.contains(fingerprint($0)) })
        #expect(store.visit(fingerprint(12_345), sleep: TaskSet(), limit: .max) == .seen(newlyAwake: TaskSet([12_345 % 15]), sleep: TaskSet()))
        #expect(store.bytes <= 16 * n && store.bytes >= 8 * n)
    }

    @Test("threads visiting the same states: each state is new to exactly one of them")
    func shared() {
        let store = VisitedStore()
        let n = 50_000
        let total = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            var mine = 0
            for i in 0..<n where store.visit(fingerprint(i), sleep: TaskSet(), limit: .max) == .new { mine += 1 }
            total.withLock { $0 += mine }
        }
        #expect(total.withLock { $0 } == n && store.count == n)
    }
}
