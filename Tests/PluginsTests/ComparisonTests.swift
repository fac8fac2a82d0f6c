// `Comparison`: the matrix behind `pagewait compare`, run as one pool of
// work items. The rows and verdicts must not depend on how many threads
// ran them or in what order the items finished.

import Testing
import PagewaitCore
@testable import PagewaitPlugins

@Suite("Comparison")
struct ComparisonTests {
    static func matrix(jobs: Int) throws -> (cells: [(label: String, summary: CellSummary)], verdicts: [ExhaustiveVerdict]) {
        // 130 seeds: items of 50, 50 and 30, so a cell spans several items.
        var c = Comparison(seeds: 7..<137, jobs: jobs)
        let strategies: [any Strategy] = [try registry.resolveStrategy("legacy"), try registry.resolveStrategy("put-and-wait-unlockless")]
        c.addMatrix(scenarios: [try registry.scenario("migrate-vs-faulters"), try registry.scenario("offline")],
                    strategies: strategies, faulters: [1, 3])
        let exhaustive = Comparison.ExhaustiveRequest(scenario: try registry.scenario("reclaim-race"), strategies: strategies,
                                                      bounds: ExplorationBounds(maxStates: 200_000))
        return try c.run(exhaustive: exhaustive)
    }

    @Test("one, two or three threads give the same rows, in cell order, and the same verdicts, in strategy order")
    func threadCountDoesNotShow() throws {
        let one = try Self.matrix(jobs: 1), two = try Self.matrix(jobs: 2), three = try Self.matrix(jobs: 3)
        #expect(one.cells.map(\.label) == ["migrate-vs-faulters", "migrate-vs-faulters", "migrate-vs-faulters", "migrate-vs-faulters",
                                           "offline", "offline", "offline", "offline"])
        #expect(one.cells.map(\.summary.strategy) == ["legacy", "legacy", "put-and-wait-unlockless", "put-and-wait-unlockless",
                                                      "legacy", "legacy", "put-and-wait-unlockless", "put-and-wait-unlockless"])
        for other in [two, three] {
            #expect(other.cells.map(\.summary) == one.cells.map(\.summary))
            #expect(other.verdicts.map(\.strategy) == ["legacy", "put-and-wait-unlockless"])
            for (a, b) in zip(one.verdicts, other.verdicts) {
                #expect(a.verdict == b.verdict && a.states == b.states && a.kind == b.kind && a.schedule == b.schedule)
            }
        }
        #expect(one.verdicts.map(\.verdict) == ["proof", "violation"])
    }

    @Test("a row is its seeds' outcomes, every one: the same as one SeedSweep over the cell")
    func rowsAreWholeSweeps() throws {
        let (cells, _) = try Self.matrix(jobs: 2)
        let setup = try registry.scenario("offline").build(strategy: try registry.resolveStrategy("legacy"), parameters: ["faulters": 3])
        let sweep = CellSummary(scenario: "offline", strategy: "legacy", faulters: 3, mappings: setup.world.ptes.count,
                                outcomes: SeedSweep(setup: setup, seeds: 7..<137).run())
        #expect(cells[5].summary == sweep)
    }

    @Test("strategies that build the same model share one run of it, and the shared rows and verdicts are what each would have got alone")
    func identicalModelsRunOnce() throws {
        let names = ["put-and-wait", "put-and-wait-unlockless", "legacy"]
        let strategies = try names.map { try registry.resolveStrategy($0) }
        let scenario = try registry.scenario("migrate-vs-faulters")
        // Without a reclaimer the reclaim variants build the same model; legacy does not.
        let setups = try strategies.map { try scenario.build(strategy: $0, parameters: ["faulters": 2]) }
        #expect(Comparison.firstWithSameModel(setups) == [0, 0, 2])

        var c = Comparison(seeds: 1..<81, jobs: 2)
        c.addMatrix(scenarios: [scenario], strategies: strategies, faulters: [2])
        let race = try registry.scenario("reclaim-race")
        let (cells, verdicts) = try c.run(exhaustive: Comparison.ExhaustiveRequest(scenario: race, strategies: strategies))
        for (i, setup) in setups.enumerated() {
            let alone = CellSummary(scenario: scenario.name, strategy: names[i], faulters: 2, mappings: setup.world.ptes.count,
                                    outcomes: SeedSweep(setup: setup, seeds: 1..<81).run())
            #expect(cells[i].summary == alone, "\(names[i])")
        }
        // In reclaim-race the reclaim variant matters: three models, three verdicts.
        #expect(verdicts.map(\.strategy) == names)
        #expect(verdicts.map(\.verdict) == ["proof", "violation", "proof"])
    }
}
