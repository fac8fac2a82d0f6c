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

            Exit status: 0 when the replay ends without a violation, 1 when it reproduces \
            one, 2 when the schedule is malformed or stale (names a task that does not \
            exist or cannot take that step) or the scenario cannot be built.
            """)

    @Argument(help: ArgumentHelp("The schedule string to replay (omit it with --seed).", valueName: "schedule"))
    var schedule: String?

    @Option(help: "Replay the schedule the seeded random scheduler produces for this seed, instead of a schedule string.")
    var seed: UInt64?

    @Option(help: "A built-in scenario name or a scenario file path.")
    var scenario: String

    @Option(help: "Strategy the schedule was recorded under (see `pagewait list`); unfair-N takes any N.")
    var strategy: String

    @Option(help: "Number of faulters (scenario parameter `faulters`).")
    var faulters: Int?

    @OptionGroup var scenarioOptions: ScenarioOptions

    @Option(help: "Step budget of the recorded run: a schedule that reaches it with tasks still runnable ends at the step limit, as in `pagewait run`.")
    var maxSteps: Int = 200_000

    @OptionGroup(title: "Scheduler timing (with --seed)") var timingOptions: TimingOptions

    @Option(help: ArgumentHelp("Also write the replay as Chrome Trace Event JSON, for ui.perfetto.dev or chrome://tracing.", valueName: "file.json"))
    var traceOut: String?

    @Option(help: "Output format: text (one line per step) or json (one document).")
    var format: OutputFormat = .text

    @Option(name: .shortAndLong, help: "Write the replay to this file instead of standard output.")
    var output: String?

    func run() throws {
        let result: ReplayResult
        do {
            result = try replay()
            try emit(result.text, to: output)
            if let traceOut, let trace = result.perfetto { try emit(trace, to: traceOut) }
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
        var outcome: TraceReplay.Outcome
    }

    /// Build the scenario, replay the schedule and render the report. Usage
    /// problems (a malformed or stale schedule, an unknown scenario) throw a
    /// one-line `ValidationError`.
    func replay() throws -> ReplayResult {
        guard maxSteps > 0 else { throw ValidationError("--max-steps must be positive") }
        if let f = faulters, f < 0 { throw ValidationError("--faulters must not be negative") }
        try timingOptions.validate()
        let registry = BuiltinPlugins.registry()
        let scenario = try loadScenario(self.scenario, registry: registry)
        let strategy = try resolveStrategy(self.strategy, registry: registry)
        let setup = try build(scenario, strategy, try scenarioOptions.parameters(faulters: faulters))

        let schedule: Schedule
        var seeded: RunOutcome?
        switch (self.schedule, seed) {
        case (let text?, nil):
            do { schedule = try Schedule(parsing: text) } catch { throw ValidationError("malformed \(error.description)") }
        case (nil, let seed?):
            let o = setup.run(seed: seed, maxSteps: maxSteps, timing: timingOptions.timing, keepSchedule: true)
            guard let s = o.schedule else { throw ValidationError("seed \(seed) kept no schedule") }
            schedule = s
            seeded = o
        case (_?, _?):
            throw ValidationError("give a schedule string or --seed, not both")
        case (nil, nil):
            throw ValidationError("give a schedule string (pw1:...) or --seed X")
        }

        let formatter = TraceFormatter(engine: setup.engine, taskNames: setup.taskNames, counterNames: setup.counterNames)
        var lines: [String] = []
        var steps: [ReplayDocument.Step] = []
        let json = format == .json
        func replay(_ checkers: [any Checker]) -> TraceReplay.Outcome {
            var checkers = checkers
            lines = []
            steps = []
            return TraceReplay.run(engine: setup.engine, world: setup.world, schedule: schedule, checkers: &checkers, maxSteps: maxSteps) { s in
                if json {
                    let (fn, what) = formatter.describe(s.event, before: s.before)
                    steps.append(ReplayDocument.Step(step: s.index, task: Int(s.event.task), taskName: formatter.name(of: Int(s.event.task)),
                                                     function: fn, what: what,
                                                     changes: formatter.changeTexts(s.event, before: s.before, after: s.after)))
                } else {
                    lines.append(formatter.line(s.index, s.event, before: s.before, after: s.after))
                }
            }
        }
        var outcome = replay(Checkers.standard(for: setup))
        // The PG_waiters diagnostic stops a run at the step that breaks I3;
        // when the schedule goes on (as `explore` prints it), follow it to
        // the hang it predicted.
        var firstSign: Violation?
        if let v = outcome.violation, v.kind == .waitersUnsound {
            let later = replay(Checkers.standard(for: setup, waitersDiagnostic: false))
            if later.stale == nil, later.violation != nil {
                firstSign = v
                outcome = later
            } else {
                outcome = replay(Checkers.standard(for: setup))
            }
        }
        if let stale = outcome.stale {
            let t = stale.task
            let who = t >= 0 && t < setup.taskNames.count ? " (\(setup.taskNames[t]))" : ""
            throw ValidationError("stale schedule: step \(stale.step) names task \(t)\(who): \(Self.reason(stale.detail)); was it recorded for \(scenario.name) under \(strategy.name) with these parameters?")
        }

        let unfinished = Self.unfinished(outcome.world, setup: setup)
        var notes: [String] = []
        if let firstSign { notes.append("first sign, at step \(firstSign.step): \(firstSign)") }
        if outcome.end == .violation && outcome.steps < schedule.steps.count {
            notes.append("the schedule has \(schedule.steps.count - outcome.steps) more steps after the violation; they were not replayed")
        }
        if let o = seeded, o.end != outcome.end || o.violation?.description != outcome.violation?.description || o.steps != outcome.steps {
            notes.append("the seeded run ended differently (\(o.violation.map { "\($0)" } ?? o.end.rawValue) after \(o.steps) steps)")
        }

        let text: String
        if json {
            let doc = ReplayDocument(
                scenario: scenario.name, strategy: strategy.name, tasks: setup.taskNames, seed: seed,
                schedule: schedule.description, steps: steps, end: outcome.end.rawValue, reached: outcome.reached.rawValue,
                stepsTaken: outcome.steps,
                violation: outcome.violation.map {
                    ReplayDocument.Finding(kind: $0.kind.rawValue, task: $0.task, pfn: Int($0.pfn), function: $0.function,
                                           detail: $0.detail, step: $0.step, description: $0.description)
                },
                unfinished: unfinished.map { ReplayDocument.Waiter(task: $0.task, name: $0.name, state: $0.state) },
                notes: notes)
            text = try jsonText(doc) + "\n"
        } else {
            var out: [String] = []
            let names = setup.taskNames.enumerated().map { "\($0.offset) \($0.element)" }.joined(separator: ", ")
            out.append("\(scenario.name) under \(strategy.name): \(setup.taskNames.count) tasks (\(names)); \(schedule.steps.count) steps\(seed.map { " from seed \($0)" } ?? "")")
            out.append("schedule \(schedule)")
            out.append(TraceFormatter.header)
            out += lines
            out += Self.endLines(outcome, unfinished: unfinished)
            out += notes.map { "note: \($0)" }
            text = out.joined(separator: "\n") + "\n"
        }
        var perfetto: String?
        if traceOut != nil {
            perfetto = PerfettoTrace(setup: setup, title: "pagewait replay: \(scenario.name) under \(strategy.name)", maxSteps: maxSteps)
                .render(schedule)
        }
        return ReplayResult(text: text, perfetto: perfetto, schedule: schedule, outcome: outcome)
    }

    /// "task 3 cannot run: it has finished" -> "it has finished".
    static func reason(_ detail: String) -> String {
        if let r = detail.range(of: "cannot run: ") { return String(detail[r.upperBound...]) }
        return detail
    }

    static func endLines(_ o: TraceReplay.Outcome, unfinished: [(task: Int, name: String, state: String)]) -> [String] {
        var out: [String] = []
        switch o.end {
        case .finished: out.append("end: finished after \(o.steps) steps: every task ran to completion")
        case .quiescent: out.append("end: quiescent after \(o.steps) steps: no task can take a step")
        case .stepLimit: out.append("end: step limit after \(o.steps) steps, tasks still runnable")
        case .schedulerStopped: out.append("end: the schedule ran out after \(o.steps) steps, tasks still runnable")
        case .violation:
            let how = o.reached == .violation ? "" : " (the run was \(o.reached == .quiescent ? "quiescent: no task can take a step" : o.reached.rawValue))"
            out.append("end: violation after \(o.steps) steps\(how)")
        }
        let width = unfinished.map(\.name.count).max() ?? 0
        for u in unfinished {
            out.append("  \(u.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(u.state)")
        }
        if let v = o.violation { out.append("violation: \(v)") }
        return out
    }

    /// Every task that has not finished, and what it is doing: asleep on
    /// which bit of which page, spinning on which lock, or runnable.
    static func unfinished(_ w: World, setup: Setup) -> [(task: Int, name: String, state: String)] {
        let engine = setup.engine
        func name(_ t: Int) -> String { t >= 0 && t < setup.taskNames.count ? setup.taskNames[t] : "task \(t)" }
        func holder(bucket: Int16) -> String {
            w.tasks.indices.first { w.tasks[$0].heldBucket == bucket }.map { "held by \(name($0))" } ?? "free"
        }
        func holder(lock: LockID) -> String {
            w.tasks.indices.first { w.tasks[$0].holds(lock) }.map { "held by \(name($0))" } ?? "free"
        }
        var out: [(Int, String, String)] = []
        for (t, task) in w.tasks.enumerated() where !task.finished {
            let fn = engine.function(of: w, task: t)
            if task.blocked {
                let e = task.entry
                var s = "asleep in io_schedule (\(task.state)) in \(fn), on \(e.bit.kernelName) of \(e.page); "
                s += e.onList ? "entry queued in bucket \(e.bucket)\(e.flags.isEmpty ? "" : " (\(e.flags))")" : "entry not queued"
                if e.page.pfn >= 0 && Int(e.page.pfn) < w.pages.count {
                    let p = w.pages[Int(e.page.pfn)]
                    if p.life == .free {
                        s += "; the page is free"
                    } else if p.gen != e.page.gen {
                        s += "; the frame now holds gen \(p.gen)"
                    } else {
                        let bit = p.flags.contains(e.bit) ? "set\(e.bit == .locked && p.lockOwner >= 0 ? " (owner \(name(Int(p.lockOwner))))" : "")" : "clear"
                        s += "; \(e.bit.kernelName) is \(bit), PG_waiters \(p.flags.contains(.waiters) ? "set" : "clear")"
                    }
                }
                out.append((t, name(t), s))
            } else if engine.isEnabled(w, t) {
                out.append((t, name(t), "runnable, in \(fn)"))
            } else {
                var lock = "a lock"
                switch task.frame {
                case .wait: lock = "q->lock of bucket \(task.entry.bucket) (\(holder(bucket: task.entry.bucket)))"
                case .wake: lock = "q->lock of bucket \(task.wake.bucket) (\(holder(bucket: task.wake.bucket)))"
                case .none:
                    let p = engine.programs[Int(task.program)]
                    if Int(task.pc) < p.instructions.count {
                        switch p.instructions[Int(task.pc)].op {
                        case .spinLock(let l): lock = "\(l) (\(holder(lock: l)))"
                        case .wakeUpPageBit(let r, _):
                            let pfn = PageRef(register: task.registers[Int(r)]).pfn
                            if pfn >= 0 { lock = "the q->lock of pfn \(pfn)'s bucket" }
                        default: break
                        }
                    }
                }
                out.append((t, name(t), "spinning in \(fn) on \(lock)"))
            }
        }
        return out
    }
}

/// `pagewait replay --format json`.
struct ReplayDocument: Encodable {
    struct Step: Encodable {
        var step: Int
        var task: Int
        var taskName: String
        var function: String
        var what: String
        var changes: [String]
    }
    struct Finding: Encodable {
        var kind: String
        var task: Int
        var pfn: Int
        var function: String
        var detail: String
        var step: Int
        var description: String
    }
    struct Waiter: Encodable {
        var task: Int
        var name: String
        var state: String
    }
    var scenario: String
    var strategy: String
    var tasks: [String]
    var seed: UInt64?
    var schedule: String
    var steps: [Step]
    var end: String
    var reached: String
    var stepsTaken: Int
    var violation: Finding?
    var unfinished: [Waiter]
    var notes: [String]
}
