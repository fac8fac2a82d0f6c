import ArgumentParser
import Foundation
import PagewaitCore
import PagewaitPlugins

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the same seeds under two strategies and show where their outcomes differ.",
        discussion: """
            Both strategies run SCENARIO with the same parameters, seeds and scheduler \
            timing. For every seed whose outcomes differ, one row: whether migrate_pages \
            succeeded within its passes, the passes it used, the offline iterations, and the \
            violation (or step limit) each run ended in. Then a summary: how many seeds \
            differ, and in which direction. A seed's schedule depends on the strategy's \
            programs, so seeds differ only where the strategies' code does.

            Exit status: 0 when no run under either strategy found a violation, 1 when any \
            did (a hang, a lost wakeup, a livelock, ...), 2 on bad usage or input, 130 \
            when interrupted.
            """)

    @OptionGroup var plugins: PluginOptions

    @Argument(help: "A built-in scenario name or a scenario file path.", completion: Completions.scenarios)
    var scenario: String

    @Option(name: .customLong("strategy"), help: "A strategy to compare (give exactly two: --strategy A --strategy B).", completion: Completions.strategies)
    var strategies: [String] = []

    @Option(help: "Number of faulters (scenario parameter `faulters`; \(Limits.faulters)).")
    var faulters: Int?

    @OptionGroup var scenarioOptions: ScenarioOptions

    @OptionGroup(title: "Seeds") var seedOptions: SeedOptions

    @OptionGroup(title: "Scheduler timing") var timingOptions: TimingOptions

    @Option(help: "Show at most this many differing seeds (0: all of them; \(Limits.show)).")
    var show: Int = 40

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    func validate() throws {
        guard strategies.count == 2 else { throw ValidationError("give exactly two strategies: --strategy A --strategy B") }
        if let f = faulters { try check(Limits.faulters, f, "--faulters") }
        try check(Limits.show, show, "--show")
    }

    func run() throws {
        try checkOutputs([("--output", output)])
        let registry = try plugins.registry()
        let scenario = try loadScenario(self.scenario, registry: registry)
        let a = try resolveStrategy(strategies[0], registry: registry)
        let b = try resolveStrategy(strategies[1], registry: registry)
        let parameters = try scenarioOptions.parameters(faulters: faulters)
        let memory = try scenarioOptions.memoryModel()
        let setupA = try build(scenario, a, parameters, memory: memory), setupB = try build(scenario, b, parameters, memory: memory)
        let sweep = { (s: Setup) in
            SeedSweep(setup: s, seeds: seedOptions.range, maxSteps: seedOptions.maxSteps, jobs: seedOptions.jobs, timing: timingOptions.timing).run()
        }
        let outcomes = (sweep(setupA), sweep(setupB))
        let report = StrategyDiff(names: (a.name, b.name), outcomes: outcomes)
        let k = setupA.taskNames.filter { $0.hasPrefix("faulter") }.count
        let title = "\(scenario.name) (\(k) faulters): \(a.name) vs \(b.name), seeds \(seedOptions.range.lowerBound)...\(seedOptions.range.upperBound - 1)"
        try emit(report.render(title: title, show: show), to: output)
        if (outcomes.0 + outcomes.1).contains(where: { $0.violation != nil }) { throw ExitCode(1) }
    }
}

/// One seed's outcome reduced to what `diff` compares.
struct SeedVerdict: Equatable {
    /// nil when the scenario made no migrate_pages call.
    var migrated: Bool?
    var passes: Int64
    var offlineIterations: Int64
    /// The violation kind, "step limit", or nil for a clean end.
    var problem: String?

    init(_ o: RunOutcome) {
        migrated = o[.migrateCalls] > 0 ? o.migrationSucceeded : nil
        passes = o[.passes]
        offlineIterations = o[.offlineIterations]
        problem = o.violation.map(\.kind.rawValue) ?? (o.end == .stepLimit ? "step limit" : nil)
    }
}

/// The per-seed differences between two strategies' outcomes over the same seeds.
struct StrategyDiff {
    var names: (String, String)
    var rows: [(seed: UInt64, a: SeedVerdict, b: SeedVerdict)] = []
    var seeds: Int

    /// Seeds where the migration succeeded under only one of the two.
    var migratedOnlyA = 0, migratedOnlyB = 0
    var fewerPassesA = 0, fewerPassesB = 0
    var fewerOfflineA = 0, fewerOfflineB = 0
    var problemOnlyA: [String: Int] = [:], problemOnlyB: [String: Int] = [:]
    var problemKindsDiffer = 0

    init(names: (String, String), outcomes: ([RunOutcome], [RunOutcome])) {
        self.names = names
        seeds = min(outcomes.0.count, outcomes.1.count)
        for (x, y) in zip(outcomes.0, outcomes.1) {
            let a = SeedVerdict(x), b = SeedVerdict(y)
            guard a != b else { continue }
            rows.append((x.seed, a, b))
            if a.migrated == true && b.migrated != true { migratedOnlyA += 1 }
            if b.migrated == true && a.migrated != true { migratedOnlyB += 1 }
            if a.passes < b.passes { fewerPassesA += 1 }
            if b.passes < a.passes { fewerPassesB += 1 }
            if a.offlineIterations < b.offlineIterations { fewerOfflineA += 1 }
            if b.offlineIterations < a.offlineIterations { fewerOfflineB += 1 }
            switch (a.problem, b.problem) {
            case (let p?, nil): problemOnlyA[p, default: 0] += 1
            case (nil, let p?): problemOnlyB[p, default: 0] += 1
            case (let p?, let q?) where p != q: problemKindsDiffer += 1
            default: break
            }
        }
    }

    var differing: Int { rows.count }

    func render(title: String, show: Int) -> String {
        let (a, b) = names
        func yes(_ v: Bool?) -> String { v.map { $0 ? "yes" : "no" } ?? "-" }
        var doc = ReportDocument(title: "pagewait diff: \(title)")
        let shown = show == 0 ? rows : Array(rows.prefix(show))
        if !rows.isEmpty {
            // Offline columns only for scenarios that offline.
            let offline = rows.contains { $0.a.offlineIterations + $0.b.offlineIterations > 0 }
            var columns = ["seed", "migrated: \(a)", "\(b)", "passes: \(a)", "\(b)"]
            if offline { columns += ["offline iterations: \(a)", "\(b)"] }
            columns += ["violation: \(a)", "\(b)"]
            doc.tables.append(ReportDocument.Table(
                title: "seeds whose outcomes differ" + (shown.count < rows.count ? " (first \(shown.count) of \(rows.count); --show 0 for all)" : ""),
                columns: columns,
                rows: shown.map { r in
                    var row = ["\(r.seed)", yes(r.a.migrated), yes(r.b.migrated), "\(r.a.passes)", "\(r.b.passes)"]
                    if offline { row += ["\(r.a.offlineIterations)", "\(r.b.offlineIterations)"] }
                    return row + [r.a.problem ?? "-", r.b.problem ?? "-"]
                }))
        }
        func kinds(_ d: [String: Int]) -> String {
            d.isEmpty ? "0" : "\(d.values.reduce(0, +)) (" + d.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        }
        func seeds(_ n: Int) -> String { n == 1 ? "1 seed" : "\(n) seeds" }
        var notes = ["\(differing) of \(self.seeds) seeds differ"]
        if differing > 0 {
            notes.append("migration succeeded only under \(a): \(seeds(migratedOnlyA)); only under \(b): \(seeds(migratedOnlyB))")
            notes.append("fewer passes under \(a): \(seeds(fewerPassesA)); under \(b): \(seeds(fewerPassesB))")
            if fewerOfflineA + fewerOfflineB > 0 {
                notes.append("fewer offline iterations under \(a): \(seeds(fewerOfflineA)); under \(b): \(seeds(fewerOfflineB))")
            }
            notes.append("violation only under \(a): \(kinds(problemOnlyA)); only under \(b): \(kinds(problemOnlyB))"
                         + (problemKindsDiffer > 0 ? "; different kinds: \(problemKindsDiffer)" : ""))
        }
        doc.notes = notes
        return TextReporter().render(doc)
    }
}
