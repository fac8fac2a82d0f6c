import Testing
import PagewaitCore
import PagewaitPlugins

/// Property tests sweep this many seeds per cell (kernel-model §5: N ≥ 1000).
let propertySeeds: Range<UInt64> = 1..<1001

let registry = BuiltinPlugins.registry()

/// Build `scenario` under `strategy` with `parameters` and run it over `seeds`.
func sweep(_ scenario: String, _ strategy: String, _ parameters: Parameters = [:], seeds: Range<UInt64> = propertySeeds,
           timing: SchedulerTiming = SchedulerTiming()) throws -> CellSummary {
    let s = try registry.scenario(scenario)
    let st = try registry.resolveStrategy(strategy)
    let setup = try s.build(strategy: st, parameters: parameters)
    let outcomes = SeedSweep(setup: setup, seeds: seeds, jobs: 2, timing: timing).run()
    return CellSummary(scenario: scenario, strategy: strategy, faulters: Int(parameters["faulters"] ?? -1),
                       mappings: setup.world.ptes.count, outcomes: outcomes)
}

/// A zoo scenario built under `strategy` and memory model `memory`.
func zooSetup(_ scenario: String, _ strategy: String, _ memory: MemoryModel) throws -> Setup {
    let spec = try #require(ZooEntries.scenarios.first { $0.name == scenario })
    return try spec.build(strategy: try registry.strategy(strategy), parameters: [:]).withMemory(memory)
}

/// Success rate of migrate_pages within its passes.
func successRate(_ strategy: String, faulters: Int, _ extra: Parameters = [:]) throws -> Double {
    var p = extra
    p["faulters"] = Int64(faulters)
    return try sweep("migrate-vs-faulters", strategy, p).successRate
}
