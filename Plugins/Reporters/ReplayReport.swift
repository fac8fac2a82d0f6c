// FoundationEssentials, not Foundation: JSONEncoder without the ICU-sized
// libraries, which libpagewait would otherwise carry.
import FoundationEssentials
import PagewaitCore

/// A schedule to replay step by step, and how to render it.
public struct ReplayRequest: Sendable {
    public var schedule: Schedule
    /// The seed the schedule came from, shown in the report.
    public var seed: UInt64?
    /// The seeded run itself: when the replay ends otherwise, the report
    /// says so.
    public var seededOutcome: RunOutcome?
    /// The recorded run's step budget: a schedule that reaches it with tasks
    /// still runnable ends at the step limit, as the run did.
    public var maxSteps: Int
    /// One JSON document instead of one text line per step.
    public var json: Bool
    /// Also render the replay as a Chrome Trace Event / Perfetto document.
    public var perfetto: Bool

    public init(schedule: Schedule, seed: UInt64? = nil, seededOutcome: RunOutcome? = nil, maxSteps: Int = 200_000,
                json: Bool = false, perfetto: Bool = false) {
        self.schedule = schedule
        self.seed = seed
        self.seededOutcome = seededOutcome
        self.maxSteps = maxSteps
        self.json = json
        self.perfetto = perfetto
    }

    /// The schedule the seeded random scheduler produces for `seed` on
    /// `setup`; nil if the run kept none.
    public static func seeded(_ seed: UInt64, setup: Setup, maxSteps: Int = 200_000, timing: SchedulerTiming = SchedulerTiming(),
                              json: Bool = false, perfetto: Bool = false) -> ReplayRequest? {
        let o = setup.run(seed: seed, maxSteps: maxSteps, timing: timing, keepSchedule: true)
        guard let s = o.schedule else { return nil }
        return ReplayRequest(schedule: s, seed: seed, seededOutcome: o, maxSteps: maxSteps, json: json, perfetto: perfetto)
    }
}

/// What a replay produced.
public struct ReplayReport: Sendable {
    /// The report, text or JSON, ending in a newline.
    public var text: String
    /// The Perfetto document, when asked for.
    public var perfetto: String?
    /// The replay as `Engine.replay` ran it: its end, what it had reached,
    /// the violation, a stale schedule, the steps taken and the world.
    public var outcome: RunResult
    /// The PG_waiters diagnostic (I3) that fired first, when the schedule
    /// went on to the hang it predicted (`outcome.violation`).
    public var firstSign: Violation? = nil
}

/// The schedule does not fit the setup: it names a task that does not
/// exist or cannot take that step, or goes on after the run ended. A usage
/// error, not a finding, so front ends report it on one line.
public struct StaleScheduleError: Error, Sendable, CustomStringConvertible {
    /// One line naming the step and the task.
    public var message: String
    /// The step the replay stopped at.
    public var step: Int
    public var description: String { message }
}

extension Setup {
    /// Replay `request.schedule` with the standard checkers and render what
    /// every step did. `scenario` and `strategy` are the names the report
    /// shows.
    public func replayReport(_ request: ReplayRequest, scenario: String, strategy: String) throws(StaleScheduleError) -> ReplayReport {
        let setup = self
        let schedule = request.schedule
        let json = request.json
        let formatter = TraceFormatter(engine: engine, taskNames: taskNames, counterNames: counterNames)
        var printer = ReplayPrinter(formatter: formatter, json: json)
        func replay(_ checkers: [any Checker]) -> RunResult {
            var checkers = checkers
            printer = ReplayPrinter(formatter: formatter, json: json)
            return engine.replay(world, schedule: schedule, checkers: &checkers, options: RunOptions(maxSteps: request.maxSteps),
                                 observer: &printer)
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
        // A schedule that ends where it has been before, in a fair cycle,
        // is a run that never ends (as `explore` reports it). A random or
        // PCT run that spun on its CPUs until the budget is judged by its
        // shortest last cycle, as `explore` judged it.
        if outcome.end == .schedulerStopped, outcome.violation == nil, let v = cpuLivelock(schedule) ?? nonTermination(schedule) {
            outcome.violation = v
            outcome.end = .violation
        }
        // A run the budget stopped, on CPUs that spinners keep, as `run` judges it.
        if outcome.end == .stepLimit, outcome.violation == nil, let v = cpuLivelock(schedule) { outcome.violation = v }
        if let stale = outcome.stale {
            let t = stale.task
            let who = t >= 0 && t < taskNames.count ? " (\(taskNames[t]))" : ""
            throw StaleScheduleError(
                message: "stale schedule: step \(stale.step) names task \(t)\(who): \(ReplayReport.reason(stale.detail)); was it recorded for \(scenario) under \(strategy) with these parameters?",
                step: stale.step)
        }

        let unfinished = ReplayReport.unfinished(outcome.world, setup: setup)
        var notes: [String] = []
        if let firstSign { notes.append("first sign, at step \(firstSign.step): \(firstSign)") }
        if outcome.end == .violation && outcome.steps < schedule.steps.count {
            notes.append("the schedule has \(schedule.steps.count - outcome.steps) more steps after the violation; they were not replayed")
        }
        if let o = request.seededOutcome, o.end != outcome.end || o.violation?.description != outcome.violation?.description || o.steps != outcome.steps {
            notes.append("the seeded run ended differently (\(o.violation.map { "\($0)" } ?? o.end.rawValue) after \(o.steps) steps)")
        }

        let text: String
        if json {
            let doc = ReplayDocument(
                scenario: scenario, strategy: strategy, tasks: taskNames, seed: request.seed,
                schedule: schedule.description, steps: printer.steps, end: outcome.end.rawValue, reached: outcome.reached.rawValue,
                stepsTaken: outcome.steps,
                violation: outcome.violation.map {
                    ReplayDocument.Finding(kind: $0.kind.rawValue, task: $0.task, pfn: $0.pfn.index, function: $0.function,
                                           detail: $0.detail, step: $0.step, description: $0.description)
                },
                unfinished: unfinished.map { ReplayDocument.Waiter(task: $0.task, name: $0.name, state: $0.state) },
                notes: notes)
            // Strings and integers only: encoding cannot fail.
            text = ((try? jsonText(doc)) ?? "") + "\n"
        } else {
            var out: [String] = []
            let names = taskNames.enumerated().map { "\($0.offset) \($0.element)" }.joined(separator: ", ")
            out.append("\(scenario) under \(strategy): \(taskNames.count) tasks (\(names)); \(schedule.steps.count) steps\(request.seed.map { " from seed \($0)" } ?? "")")
            out.append("schedule \(schedule)")
            out.append(TraceFormatter.header)
            out += printer.lines
            out += ReplayReport.endLines(outcome, unfinished: unfinished)
            out += notes.map { "note: \($0)" }
            text = out.joined(separator: "\n") + "\n"
        }
        var perfetto: String?
        if request.perfetto {
            perfetto = PerfettoTrace(setup: setup, title: "pagewait replay: \(scenario) under \(strategy)", maxSteps: request.maxSteps)
                .render(schedule)
        }
        return ReplayReport(text: text, perfetto: perfetto, outcome: outcome, firstSign: firstSign)
    }
}

/// Renders each replayed step as the report shows it: a trace line, or a
/// JSON step. Keeps the world before each step, for what the step changed.
struct ReplayPrinter: StepObserver {
    let formatter: TraceFormatter
    let json: Bool
    private var before: World?
    private(set) var lines: [String] = []
    private(set) var steps: [ReplayDocument.Step] = []

    init(formatter: TraceFormatter, json: Bool) {
        self.formatter = formatter
        self.json = json
    }

    mutating func willStep(_ index: Int, task: Int, world: World) {
        before = world
    }

    mutating func didStep(_ index: Int, _ e: StepEvent, world after: World) {
        let before = self.before ?? after
        if json {
            let (fn, what) = formatter.describe(e, before: before)
            steps.append(ReplayDocument.Step(step: index, task: e.task.index, taskName: formatter.name(of: e.task.index),
                                             function: fn, what: what, changes: formatter.changeTexts(e, before: before, after: after)))
        } else {
            lines.append(formatter.line(index, e, before: before, after: after))
        }
    }
}

extension ReplayReport {
    /// "task 3 cannot run: it has finished" -> "it has finished".
    static func reason(_ detail: String) -> String {
        if let r = detail.firstRange(of: "cannot run: ") { return String(detail[r.upperBound...]) }
        return detail
    }

    /// The report's closing lines: how the run ended, what every unfinished
    /// task waits on, the violation.
    public static func endLines(_ o: RunResult, unfinished: [(task: Int, name: String, state: String)]) -> [String] {
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
            out.append("  \(u.name + String(repeating: " ", count: max(0, width - u.name.count)))  \(u.state)")
        }
        if let v = o.violation { out.append("violation: \(v)") }
        return out
    }

    /// Every task that has not finished, and what it is doing: asleep on
    /// which bit of which page, spinning on which lock, or runnable. A hang
    /// is read from this, not from the violation alone.
    public static func unfinished(_ w: World, setup: Setup) -> [(task: Int, name: String, state: String)] {
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
            if task.blocked, let (l, waiter) = w.sleepLockWait(of: t) {
                // Asleep on a mutex or rwsem: its wait list and holders.
                let lock = w.sleepLocks[Int(l.raw)]
                let holders = lock.holders.map(name).joined(separator: ", ")
                let position = (lock.waiterIndex(t) ?? 0) + 1
                let what = WaitForGraph.Resource.sleepLock(l, waiter.mode).description
                out.append((t, name(t), "asleep in schedule (\(task.state)) in \(fn), on \(what): waiter \(position) of \(lock.waiters.count)"
                            + (holders.isEmpty ? "; the lock is free" : "; held by \(holders)")))
            } else if let c = engine.flushingCPU(of: w, task: t) {
                // Asleep on a work item, not a page: say which.
                let queued = w.cpu.workPending(c) ? "queued, not yet run" : "done"
                out.append((t, name(t), "asleep in flush_work (\(task.state)) in \(fn), on CPU \(c)'s work item (\(queued))"))
            } else if task.isIdleWorker {
                out.append((t, name(t), "idle in \(fn): no work queued on its CPU"))
            } else if task.blocked {
                let e = task.entry
                var s = "asleep in io_schedule (\(task.state)) in \(fn), on \(e.bit.kernelName) of \(e.page); "
                s += e.onList ? "entry queued in bucket \(e.bucket)\(e.flags.isEmpty ? "" : " (\(e.flags))")" : "entry not queued"
                if !e.page.pfn.isNone && e.page.pfn.index < w.pages.count {
                    let p = w.pages[e.page.pfn.index]
                    if p.life == .free {
                        s += "; the page is free"
                    } else if p.gen != e.page.gen {
                        s += "; the frame now holds gen \(p.gen)"
                    } else {
                        let bit = p.flags.contains(e.bit) ? "set\(e.bit == .locked && p.lockOwner != .none ? " (owner \(name(p.lockOwner.index)))" : "")" : "clear"
                        s += "; \(e.bit.kernelName) is \(bit), PG_waiters \(p.flags.contains(.waiters) ? "set" : "clear")"
                    }
                }
                out.append((t, name(t), s))
            } else if engine.isEnabled(w, t) {
                // On CPUs, a task that could step may still wait for its CPU.
                var cpu = ""
                if let topology = engine.config.cpus.topology {
                    let c = topology.cpu(of: t), owner = w.cpu.current(c)
                    if owner != .none && owner.index != t { cpu = "; waits for CPU \(c), which \(name(owner.index)) keeps" }
                }
                out.append((t, name(t), "runnable, in \(fn)\(cpu)"))
            } else {
                var lock = "a lock"
                switch task.frame {
                case .wait: lock = "q->lock of bucket \(task.entry.bucket) (\(holder(bucket: task.entry.bucket)))"
                case .wake: lock = "q->lock of bucket \(task.wake.bucket) (\(holder(bucket: task.wake.bucket)))"
                case .none:
                    let p = engine.programs[Int(task.program)]
                    if Int(task.pc) < p.instructions.count {
                        switch p.instructions[Int(task.pc)].op {
                        case .spin(.spinLock(let l)): lock = "\(l) (\(holder(lock: l)))"
                        case .waitWake(.wakeUpPageBit(let r, _)):
                            let pfn = PageRef(register: task.registers[Int(r)]).pfn
                            if !pfn.isNone { lock = "the q->lock of pfn \(pfn)'s bucket" }
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

/// The JSON shape of a replay (`pagewait replay --format json`).
public struct ReplayDocument: Encodable, Sendable {
    public struct Step: Encodable, Sendable {
        public var step: Int
        public var task: Int
        public var taskName: String
        public var function: String
        public var what: String
        public var changes: [String]
    }
    public struct Finding: Encodable, Sendable {
        public var kind: String
        public var task: Int
        public var pfn: Int
        public var function: String
        public var detail: String
        public var step: Int
        public var description: String
    }
    public struct Waiter: Encodable, Sendable {
        public var task: Int
        public var name: String
        public var state: String
    }
    public var scenario: String
    public var strategy: String
    public var tasks: [String]
    public var seed: UInt64?
    public var schedule: String
    public var steps: [Step]
    public var end: String
    public var reached: String
    public var stepsTaken: Int
    public var violation: Finding?
    public var unfinished: [Waiter]
    public var notes: [String]
}

/// `value` as pretty-printed JSON with sorted keys: the one encoding every
/// report uses, so documents diff cleanly.
public func jsonText<T: Encodable>(_ value: T) throws -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try e.encode(value), as: UTF8.self)
}
