// The fair-cycle search runs over the state graph the exhaustive walk
// recorded instead of stepping every transition again: the graph must hold
// every transition of every state, and the search over it must answer as
// the stepping search does.

import Testing
import PagewaitCore
@testable import PagewaitPlugins

@Suite("Recorded state graph")
struct StateGraphTests {
    /// Every scope the reduction sweeps use (`sweep`), then the custom
    /// scenarios with fair cycles and reclaim-race with two faulters (whose
    /// quotient has components to lift).
    static func setups(sweep: Bool) throws -> [(name: String, setup: Setup)] {
        var setups: [(name: String, setup: Setup)] = []
        if sweep {
            setups += try (BuiltinScenarios.all.map(\.name) + ExplorationReductionTests.zooScenarios).flatMap { scenario in
                try smallScopeSetups(scenario).map { ("\(scenario) under \($0.strategy)", $0.setup) }
            }
        }
        setups += [("two spinners", try customSetup([ActorSpec(Spinner(), count: 2)])),
                   ("a looper starving a one-shot locker", try customSetup([ActorSpec(LockLooperUntilDone()), ActorSpec(LockOnce())])),
                   ("two loopers and a one-shot locker", try customSetup([ActorSpec(LockLooperUntilDone(), count: 2), ActorSpec(LockOnce())]))]
        let reclaimRace = try #require(BuiltinScenarios.all.first { $0.name == "reclaim-race" })
        for strategy in ["put-and-wait", "legacy"] {
            setups.append(("reclaim-race, 2 faulters, \(strategy)", try reclaimRace.build(
                strategy: try registry.strategy(strategy), parameters: ["faulters": 2, "passes": 2, "touches": 1])))
        }
        return setups
    }

    /// The graph a whole search records (one thread or two) when the
    /// termination check needs it; nil otherwise.
    static func recorded(_ explorer: ExhaustiveExplorer, jobs: Int) -> (ExplorationResult, ExhaustiveExplorer.Recorded?) {
        if jobs == 1 { return explorer.exploreRecording(shard: .whole, record: true, cancelled: { false }, progress: nil) }
        let (r, _, g) = explorer.search(shard: .whole, jobs: jobs, searchCycles: true, cancelled: { false }, progress: nil)
        return (r, g)
    }

    /// On one thread, every scope of the sweeps; on two, the scenarios
    /// with fair cycles and components to lift. Every recorded graph has
    /// every visited state and, from each, one edge per runnable task —
    /// those the walk explored and those sleep sets let it skip; the search
    /// over it answers as the stepping search or hands the question to it
    /// (a component that may be fair), and `explore`'s verdict, schedule and
    /// count are the stepping search's.
    @Test("the recorded graph has every state and every runnable task's transition from it, and the search over it answers as the stepping search",
          arguments: [1, 2])
    func graphSearchDecidesAsSteppingSearch(jobs: Int) throws {
        var decided = 0, steppedAgain = 0, lifted = 0
        let sweep = try Self.setups(sweep: jobs == 1)
        let compareRuns = Set(try Self.setups(sweep: false).map(\.name))
        for (name, setup) in sweep {
            let explorer = ExhaustiveExplorer(setup: setup, makeCheckers: { Checkers.forExploration(setup) })
            let (r, recorded) = Self.recorded(explorer, jobs: jobs)
            guard r.violation == nil, r.complete, r.cyclesPossible else {
                #expect(recorded == nil, "\(name): a graph recorded that no termination check needs")
                continue
            }
            guard explorer.recordsGraph else { continue }
            let g = try #require(recorded?.graph, "\(name): no graph recorded")
            #expect(g.states == r.states, "\(name): \(g.states) states in the graph, \(r.states) visited")
            var missing = 0
            for s in 0..<g.states where g.edges(of: s).count != g.runnable(s).count { missing += 1 }
            #expect(missing == 0, "\(name): \(missing) states whose edges are not their runnable tasks'")
            #expect(g.edges.allSatisfy { PackedEdge.target($0) < g.states })

            let stepping = explorer.fairCycles(cancelled: { false })
            switch (explorer.fairCycles(over: recorded!, cancelled: { false }, lifted: { lifted += 1 }), stepping) {
            case (.some(.none), .none), (.some(.cut), .cut):
                decided += 1
            case (nil, .fair):
                steppedAgain += 1
            case (let over, _):
                Issue.record("\(name): over the recorded graph \(String(describing: over)), stepping \(stepping)")
            }
            guard compareRuns.contains(name) else { continue }
            var old = explorer
            old.recordGraph = false
            let a = explorer.run(jobs: jobs), b = old.run(jobs: jobs)
            #expect(a.termination == b.termination && a.violation?.kind == b.violation?.kind && a.schedule == b.schedule
                        && a.states == b.states, "\(name)")
        }
        // The comparison means something only if both paths and lifting ran.
        #expect(decided >= 2 && steppedAgain > 0 && lifted > 0, "decided \(decided), stepped again \(steppedAgain), lifted \(lifted)")
    }
}
