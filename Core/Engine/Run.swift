/// How a run ended.
public enum RunEnd: String, Hashable, Sendable {
    /// Every task finished.
    case finished
    /// No task can take a step, but some have not finished: blocked in
    /// io_schedule or spinning on a lock nobody will release.
    case quiescent
    /// The step budget ran out with tasks still runnable.
    case stepLimit
    /// The scheduler stopped the run (a replayed schedule ran out).
    case schedulerStopped
    /// A check failed; see `RunResult.violation`.
    case violation
}

public struct RunOptions: Sendable {
    public var maxSteps: Int
    /// Keep every step's event (for traces and replay output).
    public var recordTrace: Bool
    /// The scheduler follows a recorded schedule: a pick of a task that
    /// cannot take a step means the schedule was recorded for another
    /// setup, so the run stops before it (`RunResult.stale`) rather than
    /// report a NOT_RUNNABLE violation no kernel could have.
    public var replaying: Bool

    public init(maxSteps: Int = 100_000, recordTrace: Bool = false, replaying: Bool = false) {
        self.maxSteps = maxSteps
        self.recordTrace = recordTrace
        self.replaying = replaying
    }
}

public struct RunResult: Sendable {
    public var world: World
    /// The steps taken (a step that ended in a violation counts; a stale
    /// pick does not).
    public var schedule: Schedule
    public var end: RunEnd
    /// What the run had come to before the checkers judged it at its end
    /// (finished, quiescent, ...): `end`, unless a checker's `atEnd` found
    /// the violation.
    public var reached: RunEnd
    public var violation: Violation?
    /// Replaying only: the schedule does not fit the setup. It names a task
    /// that does not exist or cannot take that step (kind `NOT_RUNNABLE`,
    /// with the step index), or goes on after the run has ended. Not a
    /// finding: the replay stops there.
    public var stale: Violation?
    public var trace: [StepEvent]
    public var steps: Int { schedule.steps.count }
}

/// Watches a run step by step: what a trace printer or exporter needs.
/// Both calls get the world by reference, so a run pays nothing for an
/// observer that keeps nothing; one that needs the world before a step
/// keeps it in `willStep` (a copy per step).
public protocol StepObserver {
    /// Task `task` is about to take step `index` from `world`.
    mutating func willStep(_ index: Int, task: Int, world: World)
    /// Step `index` was taken: `event`, and `world` after it. Not called
    /// for a step the engine refused; called before the checkers see it.
    mutating func didStep(_ index: Int, _ event: StepEvent, world: World)
}

extension StepObserver {
    public mutating func willStep(_ index: Int, task: Int, world: World) {}
    public mutating func didStep(_ index: Int, _ event: StepEvent, world: World) {}
}

/// The observer of a run nobody watches.
public struct NoStepObserver: StepObserver {
    public init() {}
}

/// Follows a recorded schedule, then stops.
public struct ReplayScheduler: Scheduler {
    public var schedule: Schedule
    var position = 0

    public init(_ schedule: Schedule) { self.schedule = schedule }

    public mutating func pick(runnable: TaskSet, world: World, step: Int) -> Int? {
        guard position < schedule.steps.count else { return nil }
        defer { position += 1 }
        return Int(schedule.steps[position])
    }
}

extension Engine {
    /// Run `world` to its end under `scheduler`, with Core's always-on
    /// checks and the given checkers. Pure: the same inputs give the same
    /// result, trace and schedule.
    public func run<S: Scheduler>(
        _ world: World, scheduler: inout S, checkers: inout [any Checker], options: RunOptions = RunOptions()
    ) -> RunResult {
        var observer = NoStepObserver()
        return run(world, scheduler: &scheduler, checkers: &checkers, options: options, observer: &observer)
    }

    /// `run`, with every step shown to `observer`. The one run loop: random
    /// runs, exploration's runs, replays and traces all go through it.
    public func run<S: Scheduler, O: StepObserver>(
        _ world: World, scheduler: inout S, checkers: inout [any Checker], options: RunOptions, observer: inout O
    ) -> RunResult {
        var w = world
        var schedule = Schedule()
        schedule.steps.reserveCapacity(min(options.maxSteps, 1 << 16))
        var trace: [StepEvent] = []
        var end = RunEnd.stepLimit
        var violation: Violation?
        var stale: Violation?
        var enabled = EnabledSet(self, w)
        // `--memory tso`: flushes are choices too (StoreBuffer.swift). One
        // test of a constant per step under sc.
        let weak = memory != .sc
        loop: while schedule.steps.count < options.maxSteps {
            assert(enabled.tasks == enabledTasks(w), "the enabled set drifted from the tasks' state")
            var runnable = config.cpus.runnable(enabled.tasks, in: w)
            if weak { runnable = runnable | (tso ? w.storeBuffers.flushChoices : advanceChoices(w, runnable)) }
            if runnable.isEmpty {
                end = w.allFinished ? .finished : .quiescent
                break
            }
            let stepIndex = schedule.steps.count
            guard var t = scheduler.pick(runnable: runnable, world: w, step: stepIndex) else {
                end = .schedulerStopped
                break
            }
            var flushed: Int? = nil
            if weak {
                if t >= 128 { t = choice(ofScheduleByte: UInt8(truncatingIfNeeded: t)) }  // a replayed flush
                flushed = flushedTask(t) ?? advance(t)?.task
            }
            schedule.steps.append(weak ? scheduleByte(t) : UInt8(truncatingIfNeeded: t))
            observer.willStep(stepIndex, task: flushed ?? t, world: w)
            do {
                let event = runnable.contains(t) ? try stepRunnable(&w, task: t) : try step(&w, task: t)
                if flushed == nil { enabled.update(afterStepOf: t, self, tasks: w.tasks, pageCount: w.pages.count) }
                if options.recordTrace { trace.append(event) }
                observer.didStep(stepIndex, event, world: w)
                // Tested first: the world is copied for the checkers' calls
                // even when there are none, before the loop finds that out.
                if !checkers.isEmpty {
                    for i in checkers.indices {
                        if var v = checkers[i].afterStep(event, world: w, engine: self) {
                            v.step = stepIndex
                            violation = v
                            end = .violation
                            break loop
                        }
                    }
                }
            } catch {
                var v = error
                v.step = stepIndex
                if options.replaying && v.kind == .notRunnable {
                    // The engine refused before touching the world: the
                    // step was not taken.
                    schedule.steps.removeLast()
                    stale = v
                    end = .schedulerStopped
                } else {
                    violation = v
                    end = .violation
                }
                break
            }
        }
        let reached = end
        if violation == nil && stale == nil {
            for i in checkers.indices {
                if var v = checkers[i].atEnd(end, world: w, engine: self) {
                    v.step = schedule.steps.count
                    violation = v
                    end = .violation
                    break
                }
            }
        }
        return RunResult(world: w, schedule: schedule, end: end, reached: reached, violation: violation, stale: stale, trace: trace)
    }

    /// Replay a recorded schedule against `world` with `checkers`, showing
    /// every step to `observer`: the run `run` made, step for step, as
    /// `pagewait replay` prints it. `options.maxSteps` is the recorded run's
    /// step budget: a schedule that reaches it with tasks runnable ends at
    /// `.stepLimit`, as the recorded run did. A schedule that does not fit
    /// (a step its task cannot take, steps after the run's end) sets
    /// `stale`.
    public func replay<O: StepObserver>(
        _ world: World, schedule: Schedule, checkers: inout [any Checker], options: RunOptions, observer: inout O
    ) -> RunResult {
        var scheduler = ReplayScheduler(schedule)
        var options = options
        options.replaying = true
        var r = run(world, scheduler: &scheduler, checkers: &checkers, options: options, observer: &observer)
        if r.stale == nil && r.end != .violation && r.steps < schedule.steps.count {
            r.stale = Violation(.notRunnable, task: Int(schedule.steps[r.steps]), function: "schedule",
                                detail: "the run ended (\(r.reached.rawValue)) after \(r.steps) steps, but the schedule goes on for \(schedule.steps.count - r.steps) more",
                                step: r.steps)
        }
        return r
    }

    /// Replay a schedule against `world`, recording the trace.
    public func replay(_ world: World, schedule: Schedule, checkers: [any Checker] = [], maxSteps: Int = 10_000_000) -> RunResult {
        var c = checkers
        var observer = NoStepObserver()
        return replay(world, schedule: schedule, checkers: &c, options: RunOptions(maxSteps: maxSteps, recordTrace: true), observer: &observer)
    }
}
