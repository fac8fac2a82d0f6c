import ArgumentParser
import Foundation
import PagewaitCore
import PagewaitPlugins

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay one schedule step by step and print its trace in the kernel's words.",
        discussion: """
            SCHEDULE is a schedule string (pw1:...) as `pagewait run --seeds 1` or a failure \
            report prints it; --seed X replays the schedule the seeded random scheduler \
            produces for seed X instead. Give the scenario, strategy and parameters the \
            schedule was recorded with.

            One line per step: step index, task, kernel function, what the step did and \
            what it changed (refcounts, page flags, PTEs, the page cache, wait-queue \
            entries, task states, locks, wakes). Then the run's end: finished, quiescent \
            (with what every unfinished task waits on) or the violation, checked by the \
            same checkers as `pagewait run`, so the replay reproduces what the run reported.

            Steps are numbered from 0. A violation "at step N" was found by the check after \
            step N; one found when no task could move any more (a hang) is at step N = the \
            number of steps taken. `explore`, `run` and the Perfetto trace number steps the \
            same way.

            Exit status: 0 when the replay ends without a violation, 1 when it reproduces \
            one, 2 when the schedule is malformed or stale (names a task that does not \
            exist or cannot take that step) or the scenario cannot be built, 130 when \
            interrupted.
            """)

    @OptionGroup var plugins: PluginOptions

    @Argument(help: ArgumentHelp("The schedule string to replay (omit it with --seed).", valueName: "schedule"))
    var schedule: String?

    @Option(help: "Replay the schedule the seeded random scheduler produces for this seed, instead of a schedule string.")
    var seed: UInt64?

    @Option(help: "A built-in scenario name or a scenario file path.", completion: Completions.scenarios)
    var scenario: String

    @Option(help: "Strategy the schedule was recorded under (see `pagewait list`); unfair-N takes N in \(Limits.unfairness).", completion: Completions.strategies)
    var strategy: String

    @Option(help: "Number of faulters (scenario parameter `faulters`; \(Limits.faulters)).")
    var faulters: Int?

    @OptionGroup var scenarioOptions: ScenarioOptions

    @Option(help: "Step budget of the recorded run: a schedule that reaches it with tasks still runnable ends at the step limit, as in `pagewait run`; \(Limits.maxSteps).")
    var maxSteps: Int = 200_000

    @OptionGroup(title: "Scheduler timing (with --seed)") var timingOptions: TimingOptions

    @Option(help: ArgumentHelp("Also write the replay as Chrome Trace Event JSON, for ui.perfetto.dev or chrome://tracing.", valueName: "file.json"))
    var traceOut: String?

    @Option(help: "Output format: text (one line per step) or json (one document).")
    var format: OutputFormat = .text

    @Option(help: ArgumentHelp("Write the reordering a --memory tso counterexample shows as a small litmus test: the accesses of the two tasks involved, from the store still buffered to the load that read the older value, with the outcome the run saw (docs/memory-model.md).", valueName: "file"))
    var litmus: String?

    @Option(help: "Format of --litmus: c (herd7's C litmus format, for the kernel's memory model or klitmus7) or pagewait (what `pagewait litmus --file` reads).")
    var litmusFormat: LitmusFormat = .c

    @Option(name: .shortAndLong, help: "Write the replay to this file instead of standard output.")
    var output: String?

    func validate() throws {
        try check(Limits.maxSteps, maxSteps, "--max-steps")
        if let f = faulters { try check(Limits.faulters, f, "--faulters") }
        if seed == nil, let option = timingOptions.given.first {
            throw ValidationError("\(option) shapes the seeded random scheduler's run: give it with --seed, not with a schedule string")
        }
    }

    func run() throws {
        let result: ReplayResult
        do {
            try checkOutputs([("--output", output), ("--trace-out", traceOut), ("--litmus", litmus)])
            let named = [output, traceOut, litmus].compactMap { $0 }
            if Set(named).count < named.count { throw ValidationError("--output, --trace-out and --litmus name the same file") }
            result = try replay()
            var text = result.text
            if let litmus, let export = result.litmus {
                text += "litmus test (\(litmusFormat == .c ? "herd7 C" : "pagewait") format) written to \(litmus): \(export.summary)\n"
            }
            try emit(text, to: output)
            if let traceOut, let trace = result.perfetto { try emit(trace, to: traceOut, option: "--trace-out") }
            if let litmus, let export = result.litmus {
                try emit(litmusFormat == .c ? export.herd : export.pagewait, to: litmus, option: "--litmus")
            }
        } catch let error as ValidationError {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
        if result.outcome.violation != nil { throw ExitCode(1) }
    }

    /// What a replay produced: the report, the Perfetto trace if asked for,
    /// and the replay's outcome.
    struct ReplayResult {
        var text: String
        var perfetto: String?
        var schedule: Schedule
        var outcome: RunResult
        /// The counterexample's reordering as a litmus test (`--litmus`).
        var litmus: LitmusExport?
    }

    /// Build the scenario, replay the schedule and render the report. Usage
    /// problems (a malformed or stale schedule, an unknown scenario) throw a
    /// one-line `ValidationError`.
    func replay() throws -> ReplayResult {
        try validate()
        try timingOptions.validate()
        let registry = try plugins.registry()
        let scenario = try loadScenario(self.scenario, registry: registry)
        let strategy = try resolveStrategy(self.strategy, registry: registry)
        let setup = try build(scenario, strategy, try scenarioOptions.parameters(faulters: faulters), memory: try scenarioOptions.memoryModel())

        let json = format == .json, perfetto = traceOut != nil
        let request: ReplayRequest
        switch (self.schedule, seed) {
        case (let text?, nil):
            let schedule: Schedule
            do { schedule = try Schedule(parsing: text) } catch { throw ValidationError("malformed \(error.description)") }
            request = ReplayRequest(schedule: schedule, maxSteps: maxSteps, json: json, perfetto: perfetto)
        case (nil, let seed?):
            guard let r = ReplayRequest.seeded(seed, setup: setup, maxSteps: maxSteps, timing: timingOptions.timing, json: json, perfetto: perfetto) else {
                throw ValidationError("seed \(seed) kept no schedule")
            }
            request = r
        case (_?, _?):
            throw ValidationError("give a schedule string or --seed, not both")
        case (nil, nil):
            throw ValidationError("give a schedule string (pw1:...) or --seed X")
        }

        let report: ReplayReport
        do { report = try setup.replayReport(request, scenario: scenario.name, strategy: strategy.name) } catch {
            throw ValidationError(error.message)
        }
        var export: LitmusExport?
        if litmus != nil {
            // A second replay that keeps each step's worlds: only here, so a
            // run or a search pays nothing for it.
            var recorder = StepRecorder()
            var none: [any Checker] = []
            _ = setup.engine.replay(setup.world, schedule: request.schedule, checkers: &none, options: RunOptions(maxSteps: maxSteps), observer: &recorder)
            do { export = try setup.engine.litmusExport(recorder.steps, name: "\(scenario.name)+\(strategy.name)") } catch {
                throw ValidationError(error.message)
            }
        }
        return ReplayResult(text: report.text, perfetto: report.perfetto, schedule: request.schedule, outcome: report.outcome, litmus: export)
    }

    /// See `ReplayReport.endLines`.
    static func endLines(_ o: RunResult, unfinished: [(task: Int, name: String, state: String)]) -> [String] {
        ReplayReport.endLines(o, unfinished: unfinished)
    }

    /// See `ReplayReport.unfinished`.
    static func unfinished(_ w: World, setup: Setup) -> [(task: Int, name: String, state: String)] {
        ReplayReport.unfinished(w, setup: setup)
    }
}

/// The two formats `replay --litmus` writes.
enum LitmusFormat: String, ExpressibleByArgument, CaseIterable {
    /// herd7's C litmus format (tools/memory-model, klitmus7).
    case c
    /// pagewait's litmus text format (`pagewait litmus --file`).
    case pagewait
}
