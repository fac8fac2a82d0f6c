import Dispatch
import PagewaitCore

/// The strategy matrix behind `pagewait compare`: cells of (scenario,
/// strategy, parameters), each run over the same seeds.
public struct Comparison: Sendable {
    /// One row of the matrix.
    public struct Cell: Sendable {
        /// The table the row belongs to: the scenario, or a swept value.
        public var label: String
        public var scenario: any Scenario
        public var strategy: any Strategy
        public var parameters: Parameters
    }

    public static let defaultScenarios = ["migrate-vs-faulters", "offline", "reclaim-race"]
    /// Every built-in strategy but the forbidden-design ablations.
    public static let defaultStrategies = [
        "legacy", "legacy-unlock", "put-and-wait", "put-and-wait-unlockless", "put-and-wait-cond",
        "put-and-wait-waitersref", "put-and-wait-killable", "rewrite-fair", "unfair-5", "noref", "no-bookmarks",
    ]

    public var cells: [Cell] = []
    public var seeds: Range<UInt64>
    public var maxSteps: Int
    public var jobs: Int
    public var timing: SchedulerTiming

    public init(seeds: Range<UInt64>, maxSteps: Int = 200_000, jobs: Int = 1, timing: SchedulerTiming = SchedulerTiming()) {
        self.seeds = seeds
        self.maxSteps = maxSteps
        self.jobs = jobs
        self.timing = timing
    }

    /// One row per strategy and faulter count for each scenario; a scenario
    /// with a fixed cast (reclaim-race: one faulter) gets only its own count.
    public mutating func addMatrix(scenarios: [any Scenario], strategies: [any Strategy], faulters: [Int], base: Parameters = [:]) {
        for scenario in scenarios {
            let counts = scenario.name == "reclaim-race" ? [Int(scenario.parameters["faulters"] ?? 1)] : faulters
            for strategy in strategies {
                for k in counts {
                    var p = base
                    p["faulters"] = Int64(k)
                    cells.append(Cell(label: scenario.name, scenario: scenario, strategy: strategy, parameters: p))
                }
            }
        }
    }

    /// The same rows for each value of one parameter (`--sweep`).
    public mutating func addSweep(scenario: any Scenario, strategies: [any Strategy], faulters: [Int], parameter: String, values: [Int64], base: Parameters = [:]) {
        for v in values {
            for strategy in strategies {
                for k in faulters {
                    var p = base
                    p[parameter] = v
                    p["faulters"] = Int64(k)
                    cells.append(Cell(label: "\(parameter)=\(v)", scenario: scenario, strategy: strategy, parameters: p))
                }
            }
        }
    }

    /// Run every cell; rows come back in cell order.
    public func run() throws(BuildError) -> [(label: String, summary: CellSummary)] {
        var out: [(String, CellSummary)] = []
        for cell in cells {
            let setup = try cell.scenario.build(strategy: cell.strategy, parameters: cell.parameters)
            let outcomes = SeedSweep(setup: setup, seeds: seeds, maxSteps: maxSteps, jobs: jobs, timing: timing).run()
            let k = setup.taskNames.filter { $0.hasPrefix("faulter") }.count
            out.append((cell.label, CellSummary(scenario: cell.scenario.name, strategy: cell.strategy.name, faulters: k,
                                                mappings: setup.world.ptes.count, outcomes: outcomes)))
        }
        return out
    }
}

/// `pagewait compare --format json`: one document, rows as objects.
public struct CompareDocument: Codable, Sendable {
    public var seedsPerCell: Int
    public var firstSeed: UInt64
    public var elapsedSeconds: Double
    public var rows: [CellSummary]
    /// Exhaustive verdicts on reclaim-race, one per strategy.
    public var exhaustive: [ExhaustiveVerdict]

    public init(seedsPerCell: Int, firstSeed: UInt64, elapsedSeconds: Double, rows: [CellSummary], exhaustive: [ExhaustiveVerdict] = []) {
        self.seedsPerCell = seedsPerCell
        self.firstSeed = firstSeed
        self.elapsedSeconds = elapsedSeconds
        self.rows = rows
        self.exhaustive = exhaustive
    }
}

/// One strategy's exhaustive verdict on a scenario, as `compare` reports it.
public struct ExhaustiveVerdict: Codable, Hashable, Sendable {
    public var scenario: String
    public var strategy: String
    /// "violation", "proof" (every reachable state visited) or "bounded".
    public var verdict: String
    public var kind: String?
    public var detail: String?
    public var states: Int
    public var seconds: Double
    /// The schedule as found (not shrunk), for `pagewait replay`.
    public var schedule: String?
}

extension Comparison {
    /// Explore `scenario` exhaustively under each strategy, several at once.
    public static func exhaustiveVerdicts(scenario: any Scenario, strategies: [any Strategy], parameters: Parameters = [:],
                                          bounds: ExplorationBounds = ExplorationBounds(maxStates: 2_000_000),
                                          jobs: Int) throws(BuildError) -> [ExhaustiveVerdict] {
        var built: [Setup] = []
        for s in strategies { built.append(try scenario.build(strategy: s, parameters: parameters)) }
        let setups = built
        return parallelMap(setups.count, jobs: jobs) { i, _ in
            let setup = setups[i]
            let clock = ContinuousClock.now
            let r = ExhaustiveExplorer(setup: setup, bounds: bounds, makeCheckers: { Checkers.forExploration(setup) }).explore()
            let seconds = seconds(since: clock)
            return ExhaustiveVerdict(
                scenario: scenario.name, strategy: strategies[i].name,
                verdict: r.violation != nil ? "violation" : r.complete ? "proof" : "bounded",
                kind: r.violation?.kind.rawValue, detail: r.violation?.description, states: r.states, seconds: seconds,
                schedule: r.schedule?.description)
        }
    }
}
