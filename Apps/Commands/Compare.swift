import ArgumentParser
import Foundation
import PagewaitCore
import PagewaitPlugins

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The strategy matrix: every strategy against 0-3 faulters on the built-in scenarios.",
        usage: "pagewait compare [--seeds N] [--scenario S ...] [--strategy S ...] [--faulters LIST] [--sweep NAME=V1,V2,...] [--svg FILE] [--format text|json] [<options>]",
        discussion: """
            For each scenario, one row per strategy and number of faulters: how often \
            migrate_pages succeeds within its 10 passes (with a 95 % Wilson interval), \
            passes per call, PTE unmap+remap operations, offline outer iterations \
            (p50/p99, and how often the budget was hit: the livelock), and hangs or \
            lost wakeups found. With no arguments it answers the seed patch's questions \
            on the built-in defaults.

            --sweep NAME=V1,V2,... repeats the migrate-vs-faulters rows (or those of the one \
            --scenario given) for each value of one scenario parameter (e.g. mappings=1,2,4,8 \
            or unmapCost=0,4,16). --svg draws the first scenario's success rate against \
            the number of faulters; it is refused with --sweep.

            Each finding gets a replay line (a seed's run) or an explore line (the \
            exhaustive verdict) that reproduces it with every option the row was run with.

            Exit status: 0 when no run and no exhaustive search found a violation, 1 when \
            any did (a hang, a lost wakeup, a livelock, ...), 2 on bad usage or input, 130 \
            when interrupted.
            """)

    @OptionGroup var plugins: PluginOptions

    @Option(name: .customLong("scenario"), help: "Scenario to include (repeatable; default: migrate-vs-faulters, offline, reclaim-race).", completion: Completions.scenarios)
    var scenarios: [String] = []

    @Option(name: .customLong("strategy"), help: "Strategy to include (repeatable; default: every built-in strategy but the forbidden ablations).", completion: Completions.strategies)
    var strategies: [String] = []

    @Option(help: "Faulter counts, comma-separated: \(Limits.listValues) counts, each \(Limits.compareFaulters).")
    var faulters: String = "0,1,2,3"

    @Option(help: "Sweep one scenario parameter over values, e.g. mappings=1,2,4,8 (\(Limits.listValues) values).")
    var sweep: String?

    @OptionGroup var scenarioOptions: ScenarioOptions

    @OptionGroup(title: "Seeds") var seedOptions: SeedOptions

    @OptionGroup(title: "Scheduler timing") var timingOptions: TimingOptions

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    @Option(help: "Also write an SVG chart of success rate against faulters (the first scenario; not with --sweep) to this file.")
    var svg: String?

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(help: "Run only chunk i of n of the seeds (e.g. 0/4; n in 1...--seeds) and write its JSON part (with --format json) for `pagewait merge`, which adds the chunks up to exactly the whole sweep's rows; chunk 0 also runs the exhaustive verdicts.")
    var seedsChunk: String?

    @Option(name: .customLong("progress"), help: "With --seeds-chunk: write the chunk's progress (seeds run) to this file, at most once a second, for `pagewait merge --watch`.")
    var progressFile: String?

    @Flag(inversion: .prefixedNo, help: "Explore reclaim-race exhaustively under each strategy and add its verdict (default: on when reclaim-race is included, without --sweep).")
    var exhaustive: Bool?

    func validate() throws {
        _ = try faulterCounts()
        if try parsedChunk() != nil {
            if format != .json { throw ValidationError("--seeds-chunk writes a part for `pagewait merge`: add --format json") }
            if svg != nil { throw ValidationError("--svg draws the whole sweep: run it on the merged report's sweep, not with --seeds-chunk") }
        } else if progressFile != nil {
            throw ValidationError("--progress applies only with --seeds-chunk")
        }
        let sweep = try sweepValues()
        if sweep != nil, scenarios.count > 1 {
            throw ValidationError("--sweep repeats the rows of one scenario; got \(scenarios.count) --scenario options")
        }
        if sweep != nil, svg != nil {
            throw ValidationError("--svg draws success against faulters for one set of parameters; it cannot draw a --sweep (run compare once per value instead)")
        }
        let given = try scenarioOptions.parsedParameters().map(\.name)
        if given.contains("faulters") {
            throw ValidationError("--param faulters: compare sets the faulters of each row from --faulters (e.g. --faulters 3)")
        }
        if let (name, _) = sweep {
            if name == "faulters" { throw ValidationError("--sweep faulters: compare already runs one row per count of --faulters") }
            if given.contains(name) || (name == "mappings" && scenarioOptions.mappings != nil) {
                throw ValidationError("--sweep \(name) and --\(name == "mappings" && scenarioOptions.mappings != nil ? "mappings" : "param \(name)") both set \(name); give one")
            }
        }
        if exhaustive == true {
            if sweep != nil { throw ValidationError("--exhaustive explores reclaim-race once; it does not combine with --sweep") }
            if !included.contains("reclaim-race") { throw ValidationError("--exhaustive explores reclaim-race, which this comparison does not include (add --scenario reclaim-race)") }
        }
    }

    /// Chunk i of n, n at most the seeds there are to split.
    func parsedChunk() throws -> (index: Int, count: Int)? {
        guard let seedsChunk else { return nil }
        return try parsePart(seedsChunk, option: "--seeds-chunk", limit: Limit(1...Int64(max(1, seedOptions.seeds))))
    }

    /// What every chunk of one sweep must share, as one line.
    var configuration: String {
        var words = ["compare", "--seeds", "\(seedOptions.seeds)", "--seed", "\(seedOptions.seed)", "--max-steps", "\(seedOptions.maxSteps)",
                     "--faulters", faulters]
        words += included.flatMap { ["--scenario", $0] } + strategies.flatMap { ["--strategy", $0] }
        if let sweep { words += ["--sweep", sweep] }
        if let exhaustive { words.append(exhaustive ? "--exhaustive" : "--no-exhaustive") }
        words += scenarioOptions.words + plugins.words + timingOptions.words
        return words.map(shellQuoted).joined(separator: " ")
    }

    /// The scenarios as given (names or files), or the default ones.
    var included: [String] { scenarios.isEmpty ? Comparison.defaultScenarios : scenarios }

    func faulterCounts() throws -> [Int] {
        let parts = faulters.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        guard !faulters.isEmpty, values.count == parts.count else {
            throw ValidationError("--faulters expects comma-separated counts, each \(Limits.compareFaulters), got '\(faulters)'")
        }
        try check(Limits.listValues, values.count, "--faulters: the number of counts")
        for v in values { try check(Limits.compareFaulters, v, "--faulters") }
        return values
    }

    func sweepValues() throws -> (String, [Int64])? {
        guard let sweep else { return nil }
        let parts = sweep.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let items = parts.count == 2 ? parts[1].split(separator: ",", omittingEmptySubsequences: false) : []
        let values = items.compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, !parts[0].isEmpty, !values.isEmpty, values.count == items.count else {
            throw ValidationError("--sweep expects NAME=V1,V2,... with integer values, got '\(sweep)'")
        }
        try check(Limits.listValues, values.count, "--sweep: the number of values")
        return (parts[0], values)
    }

    func run() throws {
        let interrupt = Interrupt()
        try interrupt.catching { try run(interrupt: interrupt) }
    }

    /// Run with `interrupt` as the stop request (`run()` has Ctrl-C set
    /// it): the rows so far are printed, marked interrupted, and the exit
    /// status is 130.
    func run(interrupt: Interrupt) throws {
        try checkOutputs([("--output", output), ("--svg", svg), ("--progress", progressFile)])
        let registry = try plugins.registry()
        let start = ContinuousClock.now
        let counts = try faulterCounts()
        let strategyList = try (strategies.isEmpty ? Comparison.defaultStrategies : strategies).map { try resolveStrategy($0, registry: registry) }
        let base = try scenarioOptions.parameters(faulters: nil)
        var comparison = Comparison(seeds: seedOptions.range, maxSteps: seedOptions.maxSteps, jobs: seedOptions.jobs, timing: timingOptions.timing)
        comparison.memory = try scenarioOptions.memoryModel()
        let sweep = try sweepValues()
        let loaded = try (sweep == nil ? included : [scenarios.first ?? "migrate-vs-faulters"]).map { ($0, try loadScenario($0, registry: registry)) }
        if let (name, values) = sweep {
            comparison.addSweep(scenario: loaded[0].1, strategies: strategyList, faulters: counts, parameter: name, values: values, base: base)
        } else {
            comparison.addMatrix(scenarios: loaded.map(\.1), strategies: strategyList, faulters: counts, base: base)
        }
        let reclaimRace = loaded.first { $0.1.name == "reclaim-race" }?.1
        var request: PagewaitPlugins.Comparison.ExhaustiveRequest?
        if exhaustive != false && sweep == nil, let reclaimRace {
            request = Comparison.ExhaustiveRequest(scenario: reclaimRace, strategies: strategyList, parameters: base)
        }
        if let chunk = try parsedChunk() {
            return try runChunk(chunk, comparison: comparison, exhaustive: request, loaded: loaded, sweep: sweep?.0,
                                registry: registry, start: start, interrupt: interrupt)
        }
        let result: (cells: [(label: String, summary: CellSummary)], verdicts: [ExhaustiveVerdict])
        do { result = try comparison.run(exhaustive: request, cancelled: { interrupt.requested }) } catch { throw ValidationError(error.description) }
        let cells = result.cells
        let verdicts = try result.verdicts.map { v in
            guard let reclaimRace else { return v }
            return try Self.followedOn(v, scenario: reclaimRace, registry: registry, parameters: base, memory: comparison.memory)
        }
        let elapsed = seconds(since: start)

        // Every option the rows were run with, for the printed commands.
        let scenarioArgument = Dictionary(loaded.map { ($0.1.name, $0.0) }, uniquingKeysWith: { a, _ in a })
        let shared = scenarioOptions.words + plugins.words
        let hints = replayHints(comparison, sweep: sweep?.0)
        // Each finding as its replay line will report it.
        var replayed: [Int: ReplayedFailure] = [:]
        if format == .text {
            for (i, cell) in comparison.cells.enumerated() {
                guard let seed = cells[i].summary.firstFailureSeed, cells[i].summary.firstFailure?.hasPrefix("LIVELOCK") == false else { continue }
                let setup = try build(cell.scenario, cell.strategy, cell.parameters, memory: comparison.memory)
                replayed[i] = replayedFailure(setup: setup, seed: seed, maxSteps: seedOptions.maxSteps, timing: timingOptions.timing)
            }
        }
        let text: String
        switch format {
        case .json:
            var doc = CompareDocument(seedsPerCell: seedOptions.seeds, firstSeed: seedOptions.seed, elapsedSeconds: elapsed,
                                      rows: cells.map(\.summary), exhaustive: verdicts)
            if interrupt.requested { doc.interrupted = true }
            text = try jsonText(doc) + "\n"
        case .text:
            text = CompareReport.render(cells, seeds: seedOptions.seeds, elapsed: elapsed, exhaustive: verdicts,
                                        scenarioArguments: scenarioArgument, replayOptions: hints,
                                        exploreOptions: shared, replayed: replayed)
                + (interrupt.requested ? "interrupted (Ctrl-C): partial results; rows hold fewer seeds than asked\n" : "")
        }
        try emit(text, to: output)
        if interrupt.requested { throw ExitCode(Interrupt.exitStatus) }
        if let svg {
            let first = loaded[0].1.name
            let rows = cells.map(\.summary).filter { $0.scenario == first }
            guard rows.contains(where: { $0.meanPasses > 0 }) else {
                throw ValidationError("--svg '\(svg)': \(first) made no migrate_pages call, so there is no success rate to draw; not written")
            }
            let chart = SuccessChart(title: "\(first): migrate_pages success within its passes (\(seedOptions.seeds) seeds per point)", rows: rows)
            try emit(chart.render(), to: svg, option: "--svg")
        }
        let found = cells.contains { $0.summary.violations > 0 } || verdicts.contains { $0.verdict == "violation" }
        if found { throw ExitCode(1) }
    }

    /// Per row, the options beyond scenario and strategy its printed replay
    /// line needs.
    func replayHints(_ comparison: PagewaitPlugins.Comparison, sweep: String?) -> [[String]] {
        comparison.cells.map { cell -> [String] in
            // The row's own faulters parameter, not its count of faulter
            // tasks: a scenario file may name its tasks otherwise.
            var words = cell.parameters["faulters"].map { ["--faulters", "\($0)"] } ?? []
            words += scenarioOptions.words + plugins.words
            if let name = sweep, let v = cell.parameters[name] { words += ["--param", "\(name)=\(v)"] }
            return words + timingOptions.words + seedOptions.replayWords
        }
    }

    /// `--seeds-chunk`: run this chunk's seeds (and, in chunk 0, the
    /// exhaustive verdicts) and write the part `pagewait merge` adds up.
    func runChunk(_ chunk: (index: Int, count: Int), comparison: PagewaitPlugins.Comparison, exhaustive request: PagewaitPlugins.Comparison.ExhaustiveRequest?,
                  loaded: [(String, any Scenario)], sweep: String?, registry: Registry, start: ContinuousClock.Instant,
                  interrupt: Interrupt) throws {
        let seeds = seedChunk(seedOptions.range, index: chunk.index, count: chunk.count)
        let progress = ProgressFile(path: progressFile, part: "seeds-chunk \(chunk.index)/\(chunk.count)", unit: "seeds", total: seeds.count * comparison.cells.count)
        let cancelled: @Sendable () -> Bool = { interrupt.requested }
        var setups: [Setup] = []
        for cell in comparison.cells { setups.append(try build(cell.scenario, cell.strategy, cell.parameters)) }
        let outcomes = runSeedChunk(setups, seeds: seeds, maxSteps: seedOptions.maxSteps, timing: timingOptions.timing,
                                    jobs: seedOptions.jobs, cancelled: cancelled, progress: progress)
        var verdicts: [ExhaustiveVerdict] = []
        if chunk.index == 0, let request {
            let only = PagewaitPlugins.Comparison(seeds: seedOptions.range, maxSteps: seedOptions.maxSteps, jobs: seedOptions.jobs, timing: timingOptions.timing)
            do { verdicts = try only.run(exhaustive: request, cancelled: cancelled).verdicts } catch { throw ValidationError(error.description) }
            verdicts = try verdicts.map { try Self.followedOn($0, scenario: request.scenario, registry: registry, parameters: request.parameters) }
        }
        let hints = replayHints(comparison, sweep: sweep)
        var cells: [CellTally] = []
        for (c, cell) in comparison.cells.enumerated() {
            let setup = setups[c]
            cells.append(CellTally(label: cell.label, scenario: cell.scenario.name, strategy: cell.strategy.name,
                                   faulters: setup.taskNames.filter { $0.hasPrefix("faulter") }.count, mappings: setup.world.ptes.count,
                                   replayOptions: hints[c], outcomes: outcomes[c]))
        }
        let doc = ChunkDocument(
            part: PartInfo(kind: "seeds-chunk", index: chunk.index, count: chunk.count, configuration: configuration),
            seedsPerCell: seedOptions.seeds, firstSeed: seedOptions.seed, chunkFirstSeed: seeds.lowerBound, chunkSeeds: seeds.count,
            elapsedSeconds: seconds(since: start), cells: cells, exhaustive: verdicts,
            scenarioArguments: Dictionary(loaded.map { ($0.1.name, $0.0) }, uniquingKeysWith: { a, _ in a }),
            exploreOptions: scenarioOptions.words + plugins.words,
            interrupted: interrupt.requested ? true : nil)
        try emit(try jsonText(doc) + "\n", to: output)
        try progress.finish(outcomes.reduce(0) { $0 + $1.count })
        if interrupt.requested { throw ExitCode(Interrupt.exitStatus) }
        if cells.contains(where: { $0.violations > 0 }) || verdicts.contains(where: { $0.verdict == "violation" }) { throw ExitCode(1) }
    }

    /// A verdict whose violation is the PG_waiters diagnostic, carried on to
    /// the hang it predicts, as `pagewait explore` reports it; the
    /// diagnostic stays in the detail as the first sign.
    static func followedOn(_ v: ExhaustiveVerdict, scenario: any Scenario, registry: Registry, parameters: Parameters,
                           memory: MemoryModel = .sc) throws -> ExhaustiveVerdict {
        guard v.kind == ViolationKind.waitersUnsound.rawValue, let text = v.schedule, let schedule = try? Schedule(parsing: text) else { return v }
        let setup = try build(scenario, try resolveStrategy(v.strategy, registry: registry), parameters, memory: memory)
        let (consequence, ran) = ScheduleShrinker(setup: setup, makeCheckers: { Checkers.standard(for: setup, waitersDiagnostic: false) })
            .replay(schedule.steps)
        guard let consequence else { return v }
        var out = v
        out.kind = consequence.kind.rawValue
        out.detail = "\(consequence); first sign: \(v.detail ?? v.kind ?? "")"
        out.schedule = ran.description
        return out
    }
}

enum CompareReport {
    /// `scenarioArguments`: each scenario's name as the user gave it (a
    /// file path for a scenario file); `replayOptions`: per cell, the options
    /// beyond scenario and strategy its runs were made with;
    /// `exploreOptions`: those the exhaustive verdicts were made with.
    static func render(_ cells: [(label: String, summary: CellSummary)], seeds: Int, elapsed: Double, exhaustive: [ExhaustiveVerdict] = [],
                       scenarioArguments: [String: String] = [:], replayOptions: [[String]] = [], exploreOptions: [String] = [],
                       replayed: [Int: ReplayedFailure] = [:]) -> String {
        var doc = ReportDocument(title: "pagewait compare: \(seeds) seeds per row, \(format(elapsed, 1)) s")
        var labels: [String] = []
        for c in cells where !labels.contains(c.label) { labels.append(c.label) }
        for label in labels {
            let indices = cells.indices.filter { cells[$0].label == label }
            let rows = indices.map { cells[$0].summary }
            let offline = rows.contains { $0.offlineP50 > 0 }
            var columns = ["strategy", "faulters", "success %", "95% CI", "passes", "PTE ops"]
            if offline { columns += ["offline p50", "p99", "budget hit %"] }
            // A deadlock column only where some row has one: every other table stays as it was.
            let deadlocks = rows.contains { $0.deadlocks > 0 }
            columns += ["hangs"] + (deadlocks ? ["deadlocks"] : []) + ["lost wakeups", "other"]
            let table = rows.map { s -> [String] in
                var r = [s.strategy, "\(s.faulters)", format(s.successRate * 100, 1),
                         "\(format(s.successLow * 100, 1))-\(format(s.successHigh * 100, 1))",
                         format(s.meanPasses), format(s.meanPTEOps, 1)]
                if offline { r += ["\(s.offlineP50)", "\(s.offlineP99)", format(s.budgetHitRate * 100, 1)] }
                r += ["\(s.hangs)"] + (deadlocks ? ["\(s.deadlocks)"] : [])
                    + ["\(s.lostWakeups)", "\(s.violations - s.hangs - s.deadlocks - s.lostWakeups - s.livelocks)"]
                return r
            }
            doc.tables.append(ReportDocument.Table(title: label, columns: columns, rows: table))
            // The offline livelock is the budget column; other findings get a line each.
            for i in indices {
                let s = cells[i].summary
                guard let failure = s.firstFailure, !failure.hasPrefix("LIVELOCK") else { continue }
                doc.notes.append("\(label) / \(s.strategy) / \(s.faulters) faulters: \(replayed[i].map { "\($0.violation)" } ?? failure)")
                if let sign = replayed[i]?.firstSign { doc.notes.append("  first sign: \(sign)") }
                if let seed = s.firstFailureSeed {
                    let options = i < replayOptions.count ? replayOptions[i] : ["--faulters", "\(s.faulters)"]
                    let replay = ReplayCommand(seed: seed, scenario: scenarioArguments[s.scenario] ?? s.scenario, strategy: s.strategy, options: options)
                    doc.notes.append("  replay: \(replay.text)")
                }
            }
        }
        if !exhaustive.isEmpty {
            let rows = exhaustive.map { v -> [String] in
                let what = switch v.verdict {
                case ExplorationVerdict.proof.name: "no violation in any reachable state, every run ends"
                case "bounded": "none found (bounded)"
                case "violation": v.kind ?? "violation"
                default: v.verdict
                }
                return [v.strategy, what, "\(v.states)", format(v.seconds, 2)]
            }
            doc.tables.append(ReportDocument.Table(title: "reclaim-race, exhaustive (every schedule; the explore line shows the minimal one)",
                                                   columns: ["strategy", "verdict", "states", "seconds"], rows: rows))
            // Kinds only: the steps are those of the schedule as found, and
            // the explore line prints the minimal one with its own steps.
            for v in exhaustive where v.verdict == "violation" {
                let firstSign = v.detail?.range(of: "; first sign: ").map { v.detail![$0.upperBound...].prefix { $0 != ":" } }
                doc.notes.append("reclaim-race / \(v.strategy), exhaustive: \(v.kind ?? "violation")\(firstSign.map { " (first sign: \($0))" } ?? "")")
                let words = ["pagewait", "explore", scenarioArguments[v.scenario] ?? v.scenario, "--strategy", v.strategy] + exploreOptions
                doc.notes.append("  explore: \(words.map(shellQuoted).joined(separator: " "))")
            }
        }
        return TextReporter().render(doc)
    }
}
