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
    /// The memory model every cell and verdict runs under (`--memory`).
    public var memory: MemoryModel = .sc

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
        try run(exhaustive: nil).cells
    }

    /// What to explore exhaustively alongside the cells: `scenario` under
    /// each of `strategies` (compare's reclaim-race verdicts).
    public struct ExhaustiveRequest: Sendable {
        public var scenario: any Scenario
        public var strategies: [any Strategy]
        public var parameters: Parameters
        public var bounds: ExplorationBounds

        public init(scenario: any Scenario, strategies: [any Strategy], parameters: Parameters = [:],
                    bounds: ExplorationBounds = ExplorationBounds(maxStates: 2_000_000)) {
            self.scenario = scenario
            self.strategies = strategies
            self.parameters = parameters
            self.bounds = bounds
        }
    }

    /// Seeds per work item: small enough that `jobs` threads stay busy to
    /// the end of the matrix, large enough that handing items out costs
    /// nothing. Outcomes depend on the seed only, so the split never shows.
    static let seedsPerItem = 50

    private enum Item { case verdict(Int), seeds(cell: Int, Range<UInt64>) }
    private enum ItemResult { case verdict(ExhaustiveVerdict), outcomes([RunOutcome]) }

    /// For each setup, the index of the first one with the same model.
    static func firstWithSameModel(_ setups: [Setup]) -> [Int] {
        var first: [ModelIdentity: Int] = [:]
        return setups.indices.map { i in
            let key = ModelIdentity(setups[i])
            if let j = first[key] { return j }
            first[key] = i
            return i
        }
    }

    /// Run every cell and every exhaustive verdict as one pool of work
    /// items on `jobs` threads — the explorations first, since they are the
    /// longest items — so that no thread waits for another between cells.
    /// Cells, and explorations, whose setups build the same model
    /// (`ModelIdentity`) run once and share the results. Rows come back in
    /// cell order and verdicts in strategy order.
    ///
    /// `cancelled` is polled between seeds and inside the explorations: once
    /// it says true, work not yet done is skipped, so rows hold fewer seeds
    /// than asked and unfinished explorations say "interrupted".
    public func run(exhaustive: ExhaustiveRequest?, cancelled: @escaping @Sendable () -> Bool = { false })
        throws(BuildError) -> (cells: [(label: String, summary: CellSummary)], verdicts: [ExhaustiveVerdict]) {
        var built: [Setup] = []
        for cell in cells { built.append(try cell.scenario.build(strategy: cell.strategy, parameters: cell.parameters).withMemory(memory)) }
        var explored: [Setup] = []
        if let e = exhaustive {
            for s in e.strategies { explored.append(try e.scenario.build(strategy: s, parameters: e.parameters).withMemory(memory)) }
        }
        // Cells (and explorations) whose models are identical have identical
        // outcomes: run the first of each, and copy its results to the rest.
        let cellModel = Self.firstWithSameModel(built), verdictModel = Self.firstWithSameModel(explored)
        var items: [Item] = explored.indices.filter { verdictModel[$0] == $0 }.map { .verdict($0) }
        for c in built.indices where cellModel[c] == c {
            var from = seeds.lowerBound
            while from < seeds.upperBound {
                let to = min(seeds.upperBound, from + UInt64(Self.seedsPerItem))
                items.append(.seeds(cell: c, from..<to))
                from = to
            }
        }
        let setups = built, exploredSetups = explored, work = items
        let maxSteps = self.maxSteps, timing = self.timing
        let results = parallelMap(work.count, jobs: jobs) { i, _ -> ItemResult in
            switch work[i] {
            case .verdict(let v):
                let e = exhaustive!, setup = exploredSetups[v]
                let clock = ContinuousClock.now
                let r = ExhaustiveExplorer(setup: setup, bounds: e.bounds, makeCheckers: { Checkers.forExploration(setup) })
                    .explore(cancelled: cancelled)
                return .verdict(ExhaustiveVerdict(
                    scenario: e.scenario.name, strategy: e.strategies[v].name,
                    verdict: ExplorationOutcome(r, shard: .whole, tasks: setup.world.tasks.count).verdict.name,
                    kind: r.violation?.kind.rawValue, detail: r.violation?.description, states: r.states,
                    seconds: seconds(since: clock), schedule: r.schedule?.description))
            case .seeds(let c, let range):
                let setup = setups[c]
                var outcomes: [RunOutcome] = []
                for seed in range {
                    if cancelled() { break }
                    outcomes.append(setup.run(seed: seed, maxSteps: maxSteps, timing: timing))
                }
                return .outcomes(outcomes)
            }
        }
        var found: [Int: ExhaustiveVerdict] = [:]
        var outcomes = Array(repeating: [RunOutcome](), count: cells.count)
        for (item, result) in zip(work, results) {
            switch (item, result) {
            case (.seeds(let c, _), .outcomes(let o)): outcomes[c] += o
            case (.verdict(let i), .verdict(let v)): found[i] = v
            default: break
            }
        }
        for c in built.indices where cellModel[c] != c { outcomes[c] = outcomes[cellModel[c]] }
        let verdicts = explored.indices.map { i in
            var v = found[verdictModel[i]]!
            v.strategy = exhaustive!.strategies[i].name
            return v
        }
        var rows: [(label: String, summary: CellSummary)] = []
        for (c, cell) in cells.enumerated() {
            let setup = setups[c]
            let k = setup.taskNames.filter { $0.hasPrefix("faulter") }.count
            rows.append((cell.label, CellSummary(scenario: cell.scenario.name, strategy: cell.strategy.name, faulters: k,
                                                 mappings: setup.world.ptes.count, outcomes: outcomes[c])))
        }
        return (rows, verdicts)
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
    /// Set when the comparison was interrupted: rows hold fewer seeds than
    /// `seedsPerCell` (each row's `runs` says how many).
    public var interrupted: Bool?

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
    /// `ExplorationVerdict.name`: "violation", "proof", "bounded", ...
    public var verdict: String
    public var kind: String?
    public var detail: String?
    public var states: Int
    public var seconds: Double
    /// The schedule as found (not shrunk), for `pagewait replay`.
    public var schedule: String?
}
