import PagewaitCore

/// Replays schedule prefixes leniently and delta-debugs a failing schedule
/// down to a short one that fails the same check (Zeller and Hildebrandt,
/// "Simplifying and isolating failure-inducing input", TSE 2002).
///
/// Lenient replay follows the choices, skipping any that name a task that
/// cannot run at that point, then lets the lowest-numbered runnable task go
/// until the run ends. The schedule printed is the one that actually ran,
/// so a strict `pagewait replay` reproduces it step for step.
public struct ScheduleShrinker: Sendable {
    public var setup: Setup
    public var makeCheckers: @Sendable () -> [any Checker]
    public var maxSteps: Int

    public init(setup: Setup, maxSteps: Int = 200_000, makeCheckers: @escaping @Sendable () -> [any Checker]) {
        self.setup = setup
        self.maxSteps = maxSteps
        self.makeCheckers = makeCheckers
    }

    /// Run `choices` leniently; the violation reached, if any, and the
    /// schedule that ran.
    public func replay(_ choices: [UInt8]) -> (violation: Violation?, ran: Schedule) {
        var scheduler = LenientScheduler(choices: choices)
        var checkers = makeCheckers()
        let r = setup.engine.run(setup.world, scheduler: &scheduler, checkers: &checkers, options: RunOptions(maxSteps: maxSteps))
        return (r.violation, r.schedule)
    }

    /// The shortest schedule ddmin finds that still ends in a violation of
    /// the same kind as `schedule`'s, never longer than `schedule` as it
    /// runs. Nil if `schedule` does not fail.
    public func shrink(_ schedule: Schedule) -> (schedule: Schedule, violation: Violation)? {
        guard let original = replay(schedule.steps).violation else { return nil }
        func fails(_ c: [UInt8]) -> Bool { replay(c).violation?.kind == original.kind }
        var current = schedule.steps
        var n = 2
        while current.count >= 2 {
            let chunk = (current.count + n - 1) / n
            var reduced = false
            var start = 0
            while start < current.count {
                let end = min(start + chunk, current.count)
                let complement = Array(current[..<start] + current[end...])
                if fails(complement) {
                    current = complement
                    n = max(n - 1, 2)
                    reduced = true
                    break
                }
                start = end
            }
            if !reduced {
                if n >= current.count { break }
                n = min(n * 2, current.count)
            }
        }
        if current.count == 1 && fails([]) { current = [] }
        let (violation, ran) = replay(current)
        guard let v = violation else { return nil }
        // ddmin shortens the choices; the lenient replay then runs on to the
        // violation, which may take more steps than the schedule as found
        // (the lowest-numbered task goes where no choice is left). The
        // schedule that ran as found is the answer then.
        let asFound = replay(schedule.steps)
        if asFound.ran.steps.count < ran.steps.count, let w = asFound.violation { return (asFound.ran, w) }
        return (ran, v)
    }
}

/// Follows a list of choices, skipping those that cannot run, then picks
/// the lowest-numbered runnable task.
public struct LenientScheduler: Scheduler {
    var choices: [UInt8]
    var position = 0

    public init(choices: [UInt8]) { self.choices = choices }

    public mutating func pick(runnable: TaskSet, world: World, step: Int) -> Int? {
        while position < choices.count {
            let t = Int(choices[position])
            position += 1
            if runnable.contains(t) { return t }
        }
        return runnable.first
    }
}
