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

    public init(maxSteps: Int = 100_000, recordTrace: Bool = false) {
        self.maxSteps = maxSteps
        self.recordTrace = recordTrace
    }
}

public struct RunResult: Sendable {
    public var world: World
    public var schedule: Schedule
    public var end: RunEnd
    public var violation: Violation?
    public var trace: [StepEvent]
    public var steps: Int { schedule.steps.count }
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
        var w = world
        var schedule = Schedule()
        schedule.steps.reserveCapacity(min(options.maxSteps, 1 << 16))
        var trace: [StepEvent] = []
        var end = RunEnd.stepLimit
        var violation: Violation?
        var enabled = EnabledSet(self, w)
        loop: while schedule.steps.count < options.maxSteps {
            assert(enabled.tasks == enabledTasks(w), "the enabled set drifted from the tasks' state")
            let runnable = config.cpus.runnable(enabled.tasks, in: w)
            if runnable.isEmpty {
                end = w.allFinished ? .finished : .quiescent
                break
            }
            let stepIndex = schedule.steps.count
            guard let t = scheduler.pick(runnable: runnable, world: w, step: stepIndex) else {
                end = .schedulerStopped
                break
            }
            schedule.steps.append(UInt8(truncatingIfNeeded: t))
            do {
                let event = runnable.contains(t) ? try stepRunnable(&w, task: t) : try step(&w, task: t)
                enabled.update(afterStepOf: t, self, w)
                if options.recordTrace { trace.append(event) }
                for i in checkers.indices {
                    if var v = checkers[i].afterStep(event, world: w, engine: self) {
                        v.step = stepIndex
                        violation = v
                        end = .violation
                        break loop
                    }
                }
            } catch {
                var v = error
                v.step = stepIndex
                violation = v
                end = .violation
                break
            }
        }
        if violation == nil {
            for i in checkers.indices {
                if var v = checkers[i].atEnd(end, world: w, engine: self) {
                    v.step = schedule.steps.count
                    violation = v
                    end = .violation
                    break
                }
            }
        }
        return RunResult(world: w, schedule: schedule, end: end, violation: violation, trace: trace)
    }

    /// Replay a schedule string against `world`, recording the trace.
    public func replay(_ world: World, schedule: Schedule, checkers: [any Checker] = [], maxSteps: Int = 10_000_000) -> RunResult {
        var s = ReplayScheduler(schedule)
        var c = checkers
        return run(world, scheduler: &s, checkers: &c, options: RunOptions(maxSteps: maxSteps, recordTrace: true))
    }
}
