import PagewaitCore
import PagewaitPlugins

/// The workloads the suite measures, built once from the public API the
/// command line uses: the built-in registry, scenarios, strategies and
/// `Setup`.
enum Workloads {
    static let registry = BuiltinPlugins.registry()

    /// Steps one iteration of a steps or allocations benchmark takes. The
    /// steps benchmarks declare `scalingFactor: .mega`, so that the
    /// framework's scaled times are per step.
    static let stepsPerIteration = 1_000_000

    /// Seeds per compare-cell iteration: `pagewait compare`'s default, so
    /// one iteration is one cell as compare computes it (on one thread).
    static let seedsPerCell = 1_000

    /// `scenario` built under `strategy`, with `parameters` over the
    /// scenario's defaults. A benchmark of a workload that cannot be built
    /// is a broken suite: stop with the reason.
    static func setup(_ scenario: String, _ strategy: String, _ parameters: Parameters = [:]) -> Setup {
        do {
            return try registry.scenario(scenario).build(strategy: try registry.resolveStrategy(strategy), parameters: parameters)
        } catch {
            fatalError("cannot build \(scenario) under \(strategy) with \(parameters): \(error)")
        }
    }

    /// The random `migrate-vs-faulters` run of the speed target: three
    /// faulters, put-and-wait.
    static let migrateVsFaulters = setup("migrate-vs-faulters", "put-and-wait", ["faulters": 3])

    /// The lock-mix workload of `pagewait bench`: five tasks on one page that
    /// never finish, so one run is as long as its step budget. The steady
    /// state of the engine, without any per-run setup.
    static let lockMix: Setup = {
        do { return try LockMix.setup(config: KernelConfig(waitCore: .v4_19)) } catch {
            fatalError("cannot build lock-mix: \(error)")
        }
    }()

    /// Run `setup` under the random scheduler (`pagewait run`'s timing),
    /// seed after seed from 1, until exactly `steps` steps have run; the last
    /// run is cut by its step budget. Every call does the same work.
    /// `checkers` makes each run's checkers (nil: the engine alone). Returns
    /// how many runs ended by themselves.
    @inline(never)
    static func runSteps(_ setup: Setup, steps: Int, checkers makeCheckers: ((Setup) -> [any Checker])?) -> Int {
        let timing = SchedulerTiming()
        var done = 0
        var seed: UInt64 = 1
        var ended = 0
        while done < steps {
            var scheduler = RandomScheduler(seed: seed, wakeLatency: timing.wakeLatency, preemptLength: timing.preemptLength)
            var checkers = makeCheckers?(setup) ?? []
            let r = setup.engine.run(setup.world, scheduler: &scheduler, checkers: &checkers,
                                     options: RunOptions(maxSteps: min(200_000, steps - done)))
            done += r.steps
            if r.end != .stepLimit { ended += 1 }
            seed &+= 1
        }
        return ended
    }

    /// One run of `setup` of exactly `stepsPerIteration` steps under the
    /// random scheduler, seed 1: for a workload that never finishes.
    @inline(never)
    static func longRun(_ setup: Setup, checkers: [any Checker]) -> Int {
        var scheduler = RandomScheduler(seed: 1, wakeLatency: RandomScheduler.defaultWakeLatency,
                                        preemptLength: RandomScheduler.defaultPreemptLength)
        var checkers = checkers
        let r = setup.engine.run(setup.world, scheduler: &scheduler, checkers: &checkers, options: RunOptions(maxSteps: stepsPerIteration))
        precondition(r.steps == stepsPerIteration, "the run ended early: \(r.end) \(r.violation.map { "\($0)" } ?? "")")
        return r.steps
    }

    /// One `pagewait compare` cell: its setup, its 1,000 seeds on one
    /// thread, and the row's statistics, as `Comparison.run` computes them.
    @inline(never)
    static func compareCell(_ cell: PagewaitPlugins.Comparison.Cell, seeds: Int = seedsPerCell) -> CellSummary {
        let setup: Setup
        do { setup = try cell.scenario.build(strategy: cell.strategy, parameters: cell.parameters) } catch {
            fatalError("cannot build the \(cell.label) / \(cell.strategy.name) cell: \(error)")
        }
        let outcomes = SeedSweep(setup: setup, seeds: 1..<(1 + UInt64(seeds)), jobs: 1).run()
        let k = setup.taskNames.filter { $0.hasPrefix("faulter") }.count
        return CellSummary(scenario: cell.scenario.name, strategy: cell.strategy.name, faulters: k,
                           mappings: setup.world.ptes.count, outcomes: outcomes)
    }

    /// The cells of the default compare matrix the suite times: each
    /// default scenario under legacy and put-and-wait at 3 faulters
    /// (reclaim-race has its fixed cast of one faulter), built exactly as
    /// `Comparison.addMatrix` builds them.
    static let compareCells: [PagewaitPlugins.Comparison.Cell] = {
        var comparison = PagewaitPlugins.Comparison(seeds: 1..<(1 + UInt64(seedsPerCell)))
        do {
            comparison.addMatrix(scenarios: try PagewaitPlugins.Comparison.defaultScenarios.map { try registry.scenario($0) },
                                 strategies: try ["legacy", "put-and-wait"].map { try registry.resolveStrategy($0) },
                                 faulters: [3])
        } catch {
            fatalError("cannot look up the default compare matrix: \(error)")
        }
        return comparison.cells
    }()

    /// Exhaustive exploration of `setup` as `pagewait explore` runs it with
    /// one job (the explore command's bounds, the exploration checkers), up
    /// to the verdict: no shrinking of a found schedule.
    @inline(never)
    static func explore(_ setup: Setup) -> ExplorationResult {
        ExhaustiveExplorer(setup: setup, bounds: ExplorationBounds(), makeCheckers: { Checkers.forExploration(setup) }).explore()
    }

    /// Bytes the explorer's visited-state store occupies per visited state:
    /// the store's own count of its tables' bytes (`ExplorationResult.storeBytes`).
    static func visitedStoreBytesPerState(_ result: ExplorationResult) -> Double {
        result.states > 0 ? Double(result.storeBytes) / Double(result.states) : 0
    }
}
