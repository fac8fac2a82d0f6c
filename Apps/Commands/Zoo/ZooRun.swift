import ArgumentParser
import Foundation
import PagewaitCore
import PagewaitPlugins

struct ZooRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Check that the model rediscovers zoo entries: each buggy configuration caught, each fixed one proved.",
        discussion: """
            Per entry: the buggy configuration's violation, which must be one of the \
            entry's expected kinds (else the entry is not ok); for each scheduler, the time \
            and the states (exhaustive) or runs (pct, random) to the first counterexample \
            and the shrunk schedule's length; and each fixed configuration's verdict, which \
            must be a proof, with its states and time. A quantitative entry (Z18) reports \
            fairness and handoff numbers of its configurations side by side over the same \
            seeds, and is ok when they were computed and its stated claims hold.

            The exhaustive search of the buggy configuration always runs: it decides the \
            entry. --scheduler pct, random or all adds those searches (the defaults of \
            `pagewait explore`: 10,000 runs from seed 1), which may miss the bug within \
            their runs; a violation they find must still be an expected one. Every search \
            is `pagewait explore`'s: `pagewait zoo show ID` prints the command lines.

            --format ktap prints KTAP version 1 as KUnit does: one test per entry, with a \
            subtest per configuration.

            Exit status: 0 when every entry is ok, 1 when any is not, 2 on bad usage, 130 \
            when interrupted (Ctrl-C) with every entry run so far ok: what was run is \
            reported, the rest marked interrupted.
            """)

    enum SchedulerChoice: String, ExpressibleByArgument, CaseIterable { case exhaustive, random, pct, all }
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, ktap }

    @Argument(help: "Entry ids (Z1, z1, Z01 or 1; default: every entry).")
    var ids: [String] = []

    @Option(help: "exhaustive, random, pct or all: the searches of each buggy configuration (exhaustive always runs).")
    var scheduler: SchedulerChoice = .exhaustive

    @Flag(help: "Only the entries of CI's quick subset.")
    var quick = false

    @Option(help: "Output format: text, json or ktap.")
    var format: Format = .text

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(help: "Threads of each exhaustive search (\(Limits.jobs); default \(defaultJobs)).")
    var jobs: Int?

    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    @Option(help: "Run every configuration under this memory model (sc, tso or arm; default: each configuration's own, sc but for the weak-memory rows).")
    var memory: String?

    func validate() throws {
        if let jobs { try check(Limits.jobs, jobs, "--jobs") }
        _ = try memoryModel()
    }

    func memoryModel() throws -> MemoryModel? {
        guard let memory else { return nil }
        do { return try MemoryModel(parsing: memory) } catch { throw ValidationError("--memory: \(error)") }
    }

    var methods: [ExplorationRequest.Method] {
        switch scheduler {
        case .exhaustive: [.exhaustive]
        case .random: [.exhaustive, .random]
        case .pct: [.exhaustive, .pct]
        case .all: [.exhaustive, .pct, .random]
        }
    }

    func run() throws {
        let interrupt = Interrupt()
        try interrupt.catching { try run(interrupt: interrupt) }
    }

    /// The entries to run: those named (or all), less those outside the
    /// quick subset with --quick.
    func selected(_ registry: Registry) throws -> [BugEntry] {
        let all = zooEntries(registry)
        let named = ids.isEmpty ? all : try zooEntries(named: ids, in: all)
        var seen = Set<String>()
        return named.filter { (!quick || $0.quick) && seen.insert($0.name).inserted }
    }

    /// Run with `interrupt` as the stop request and the entries of
    /// `registry` (tests give their own of each).
    func run(interrupt: Interrupt, registry: Registry = BuiltinPlugins.registry()) throws {
        try checkOutputs([("--output", output)])
        var entries = try selected(registry)
        if let m = try memoryModel() {
            if let refused = Engine.memoryModels.contains(m) ? nil : m {
                throw ValidationError("--memory \(refused): the engine runs \(Engine.memoryModels.map(\.rawValue).joined(separator: ", "))")
            }
            entries = entries.map { $0.underMemory(m) }
        }
        let runner = ZooRunner(registry: registry, methods: methods, jobs: jobs ?? defaultJobs)
        let start = ContinuousClock.now
        var results: [ZooEntryResult] = []
        for entry in entries {
            if interrupt.requested { break }
            let r = runner.run(entry, cancelled: { interrupt.requested })
            results.append(r)
            if !quiet {
                let status = r.interrupted ? "interrupted" : r.ok ? "ok" : "not ok"
                FileHandle.standardError.write(Data("  ... \(entry.name) \(status) (\(PagewaitCommands.format(r.seconds, 1)) s)\n".utf8))
            }
        }
        let report = ZooReport(requested: entries, results: results, seconds: seconds(since: start))
        let text: String = switch format {
        case .text: report.text()
        case .json: try jsonText(report) + "\n"
        case .ktap: report.ktap()
        }
        try emit(text, to: output)
        if results.contains(where: { !$0.ok && !$0.interrupted }) { throw ExitCode(1) }
        if report.interrupted { throw ExitCode(Interrupt.exitStatus) }
    }
}
