import PagewaitCore

/// Sends one signal (SIGKILL by default) to task `target` after `delay` steps.
public struct Signaller: ProgramActor {
    public init() {}
    public var name: String { "signaller" }
    public var summary: String { "send SIGKILL (or a non-fatal signal) to one task after a delay" }
    public var reference: String { "signal_wake_up, signal_pending_state (kernel/signal.c, include/linux/sched/signal.h)" }
    /// `target`: a task's index in the scenario (its place in the task list).
    public var parameters: Parameters { ["target": 0, "delay": 0, "fatal": 1] }
    public var limits: [String: Limit] {
        ["target": Limit(0...Int64(TaskSet.capacity - 1)), "delay": ParameterLimit.steps, "fatal": ParameterLimit.flag]
    }

    public func dependentLimits(_ context: LimitContext) -> [DependentLimit] {
        [DependentLimit("target", Limit(0...Int64(max(0, context.tasks - 1))), because: "a task index; the scenario has \(context.tasks) tasks")]
    }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        try build("signaller", context) { b in
            b.pause(context.int("delay"))
            b.function("send_signal") { $0.emit(.sendSignal(task: TaskID(rawValue: Int16(clamping: context.int("target"))), fatal: context.int("fatal") != 0)) }
        }
    }
}
