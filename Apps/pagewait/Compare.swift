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

            --sweep NAME=V1,V2,... repeats the migrate-vs-faulters rows for each value of \
            one scenario parameter (e.g. mappings=1,2,4,8 or unmapCost=0,4,16).
            """)

    @OptionGroup var plugins: PluginOptions

    @Option(name: .customLong("scenario"), help: "Scenario to include (repeatable; default: migrate-vs-faulters, offline, reclaim-race).", completion: Completions.scenarios)
    var scenarios: [String] = []

    @Option(name: .customLong("strategy"), help: "Strategy to include (repeatable; default: every built-in strategy but the forbidden ablations).", completion: Completions.strategies)
    var strategies: [String] = []

    @Option(help: "Faulter counts, comma-separated.")
    var faulters: String = "0,1,2,3"

    @Option(help: "Sweep one scenario parameter over values, e.g. mappings=1,2,4,8.")
    var sweep: String?

    @OptionGroup var scenarioOptions: ScenarioOptions

    @OptionGroup(title: "Seeds") var seedOptions: SeedOptions

    @OptionGroup(title: "Scheduler timing") var timingOptions: TimingOptions

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    @Option(help: "Also write an SVG chart of success rate against faulters (migrate-vs-faulters) to this file.")
    var svg: String?

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Flag(inversion: .prefixedNo, help: "Explore reclaim-race exhaustively under each strategy and add its verdict.")
    var exhaustive = true

    func validate() throws {
        _ = try faulterCounts()
        _ = try sweepValues()
    }

    func faulterCounts() throws -> [Int] {
        let parts = faulters.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ (0...32).contains($0) }) else {
            throw ValidationError("--faulters expects comma-separated counts 0...32, got '\(faulters)'")
        }
        return values
    }

    func sweepValues() throws -> (String, [Int64])? {
        guard let sweep else { return nil }
        let parts = sweep.split(separator: "=", maxSplits: 1).map(String.init)
        let values = parts.count == 2 ? parts[1].split(separator: ",").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) } : []
        guard parts.count == 2, !parts[0].isEmpty, !values.isEmpty,
              values.count == parts[1].split(separator: ",").count else {
            throw ValidationError("--sweep expects NAME=V1,V2,..., got '\(sweep)'")
        }
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
        let registry = try plugins.registry()
        let start = ContinuousClock.now
        let counts = try faulterCounts()
        let strategyList = try (strategies.isEmpty ? Comparison.defaultStrategies : strategies).map { try resolveStrategy($0, registry: registry) }
        let base = try scenarioOptions.parameters(faulters: nil)
        var comparison = Comparison(seeds: seedOptions.range, maxSteps: seedOptions.maxSteps, jobs: seedOptions.jobs, timing: timingOptions.timing)
        if let (name, values) = try sweepValues() {
            let scenario = try loadScenario(scenarios.first ?? "migrate-vs-faulters", registry: registry)
            comparison.addSweep(scenario: scenario, strategies: strategyList, faulters: counts, parameter: name, values: values, base: base)
        } else {
            let list = try (scenarios.isEmpty ? Comparison.defaultScenarios : scenarios).map { try loadScenario($0, registry: registry) }
            comparison.addMatrix(scenarios: list, strategies: strategyList, faulters: counts, base: base)
        }
        let cells: [(label: String, summary: CellSummary)]
        let verdicts: [ExhaustiveVerdict]
        do {
            let included = scenarios.isEmpty ? Comparison.defaultScenarios : scenarios
            var request: PagewaitPlugins.Comparison.ExhaustiveRequest?
            if exhaustive && sweep == nil && included.contains("reclaim-race") {
                request = Comparison.ExhaustiveRequest(scenario: try loadScenario("reclaim-race", registry: registry),
                                                       strategies: strategyList, parameters: base)
            }
            (cells, verdicts) = try comparison.run(exhaustive: request, cancelled: { interrupt.requested })
        } catch let error as BuildError { throw ValidationError(error.description) }
        let elapsed = seconds(since: start)
        let text: String
        switch format {
        case .json:
            var doc = CompareDocument(seedsPerCell: seedOptions.seeds, firstSeed: seedOptions.seed, elapsedSeconds: elapsed,
                                      rows: cells.map(\.summary), exhaustive: verdicts)
            if interrupt.requested { doc.interrupted = true }
            text = try jsonText(doc) + "\n"
        case .text:
            text = CompareReport.render(cells, seeds: seedOptions.seeds, elapsed: elapsed, exhaustive: verdicts)
                + (interrupt.requested ? "interrupted (Ctrl-C): partial results; rows hold fewer seeds than asked\n" : "")
        }
        try emit(text, to: output)
        if interrupt.requested { throw ExitCode(Interrupt.exitStatus) }
        if let svg {
            let first = scenarios.first ?? "migrate-vs-faulters"
            let rows = sweep == nil ? cells.map(\.summary).filter { $0.scenario == first } : []
            let chart = SuccessChart(title: "migrate_pages success within 10 passes (\(seedOptions.seeds) seeds per point)", rows: rows)
            try emit(chart.render(), to: svg)
        }
    }
}

enum CompareReport {
    static func render(_ cells: [(label: String, summary: CellSummary)], seeds: Int, elapsed: Double, exhaustive: [ExhaustiveVerdict] = []) -> String {
        var doc = ReportDocument(title: "pagewait compare: \(seeds) seeds per row, \(format(elapsed, 1)) s")
        var labels: [String] = []
        for c in cells where !labels.contains(c.label) { labels.append(c.label) }
        for label in labels {
            let rows = cells.filter { $0.label == label }.map(\.summary)
            let offline = rows.contains { $0.offlineP50 > 0 }
            var columns = ["strategy", "faulters", "success %", "95% CI", "passes", "PTE ops"]
            if offline { columns += ["offline p50", "p99", "budget hit %"] }
            columns += ["hangs", "lost wakeups", "other"]
            let table = rows.map { s -> [String] in
                var r = [s.strategy, "\(s.faulters)", format(s.successRate * 100, 1),
                         "\(format(s.successLow * 100, 1))-\(format(s.successHigh * 100, 1))",
                         format(s.meanPasses), format(s.meanPTEOps, 1)]
                if offline { r += ["\(s.offlineP50)", "\(s.offlineP99)", format(s.budgetHitRate * 100, 1)] }
                r += ["\(s.hangs)", "\(s.lostWakeups)", "\(s.violations - s.hangs - s.lostWakeups - s.livelocks)"]
                return r
            }
            doc.tables.append(ReportDocument.Table(title: label, columns: columns, rows: table))
            // The offline livelock is the budget column; other findings get a line each.
            for s in rows where s.firstFailure != nil && s.firstFailure?.hasPrefix("LIVELOCK") == false {
                doc.notes.append("\(label) / \(s.strategy) / \(s.faulters) faulters: \(s.firstFailure!)")
                if let seed = s.firstFailureSeed {
                    doc.notes.append("  replay: pagewait replay --seed \(seed) --scenario \(s.scenario) --strategy \(s.strategy) --faulters \(s.faulters)")
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
            doc.tables.append(ReportDocument.Table(title: "reclaim-race, exhaustive (every schedule; `pagewait explore reclaim-race --strategy S` shows the minimal one)",
                                                   columns: ["strategy", "verdict", "states", "seconds"], rows: rows))
        }
        return TextReporter().render(doc)
    }
}
