/// A schedule replayed one step at a time, exactly as `Engine.run` runs it
/// with the same checkers, with every step's worlds handed to a visitor:
/// what `pagewait replay` prints and trace exporters draw.
public enum TraceReplay {
    /// One replayed step: its index, the event, the worlds around it.
    public struct Step {
        public var index: Int
        public var event: StepEvent
        public var before: World
        public var after: World
    }

    public struct Outcome: Sendable {
        /// How the run ended, as `Engine.run` would report it:
        /// `.schedulerStopped` when the schedule ran out with tasks still
        /// runnable before `maxSteps`.
        public var end: RunEnd
        /// What the run had come to before a checker judged it at the end
        /// (finished, quiescent, ...); equals `end` unless `end` is a
        /// violation found by `atEnd`.
        public var reached: RunEnd
        public var violation: Violation?
        /// Set when the schedule names a task that does not exist or cannot
        /// take that step (kind `NOT_RUNNABLE`, with the step index), or goes
        /// on after the run has ended. The replay stops there.
        public var stale: Violation?
        /// Steps taken.
        public var steps: Int
        /// The world at the end.
        public var world: World
    }

    /// Replay `schedule` from `world`. `maxSteps` is the step budget the
    /// recorded run had: a schedule that reaches it with tasks runnable ends
    /// at `.stepLimit`, as the recorded run did.
    public static func run(
        engine: Engine, world: World, schedule: Schedule, checkers: inout [any Checker],
        maxSteps: Int = Int.max, visit: (Step) -> Void = { _ in }
    ) -> Outcome {
        var w = world
        var end = RunEnd.schedulerStopped
        var violation: Violation?
        var stale: Violation?
        var taken = 0
        loop: while true {
            if taken >= maxSteps {
                end = .stepLimit
                break
            }
            let enabled = engine.enabledTasks(w)
            if enabled.isEmpty {
                end = w.allFinished ? .finished : .quiescent
                break
            }
            guard taken < schedule.steps.count else {
                end = .schedulerStopped
                break
            }
            let t = Int(schedule.steps[taken])
            let before = w
            do {
                let e = try engine.step(&w, task: t)
                visit(Step(index: taken, event: e, before: before, after: w))
                taken += 1
                for i in checkers.indices {
                    if var v = checkers[i].afterStep(e, world: w, engine: engine) {
                        v.step = taken - 1
                        violation = v
                        end = .violation
                        break loop
                    }
                }
            } catch {
                var v = error
                v.step = taken
                if v.kind == .notRunnable {
                    stale = v
                    end = .schedulerStopped
                } else {
                    violation = v
                    end = .violation
                    taken += 1
                }
                break
            }
        }
        let reached = end
        if violation == nil && stale == nil {
            for i in checkers.indices {
                if var v = checkers[i].atEnd(end, world: w, engine: engine) {
                    v.step = taken
                    violation = v
                    end = .violation
                    break
                }
            }
        }
        if stale == nil && taken < schedule.steps.count && end != .violation {
            let t = Int(schedule.steps[taken])
            stale = Violation(.notRunnable, task: t, function: "schedule",
                              detail: "the run ended (\(reached.rawValue)) after \(taken) steps, but the schedule goes on for \(schedule.steps.count - taken) more",
                              step: taken)
        }
        return Outcome(end: end, reached: reached, violation: violation, stale: stale, steps: taken, world: w)
    }
}
