// The scheduler's voluntary preemption point: cond_resched()
// (include/linux/sched.h, __cond_resched in kernel/sched/core.c). What it
// does depends on the scenario's preemption model (`Preemption`): under
// `voluntary` the task gives its CPU to another task pinned there that can
// run; under `none` (the model's: no preemption point at all) and `full`
// (preemptible anywhere anyway) it is a step that does nothing.

/// Scheduler points a program marks.
public enum SchedOp: Hashable, Sendable {
    /// `cond_resched()`: a voluntary preemption point.
    case condResched
}

extension Op {
    /// `cond_resched()`: under `Preemption.voluntary` the task yields its
    /// CPU here to another task pinned to it that can run.
    public static var condResched: Op { .sched(.condResched) }
}

extension SchedOp {
    var kernelName: String {
        switch self {
        case .condResched: "cond_resched"
        }
    }

    var listing: String { kernelName + "()" }

    var registers: [Register] { [] }

    /// Writes no register.
    var kills: [Register] { [] }

    var gate: Engine.Gate { .free }

    func problem(length: Int32, behaviors: Int) -> String? { nil }
}

extension Engine {
    /// The yield itself is the CPU model's: at this step's state the task is
    /// not runnable if another task of its CPU is (`CPUTopology.runnable`),
    /// so the step is only taken when it goes on.
    func execute(_ op: SchedOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        switch op {
        case .condResched:
            let event = StepEvent(task: t, site: site, .resched)
            try advance(&w, t)
            return event
        }
    }

    /// Touches only the task's pc: a both mover, like `pause`. (Whether a
    /// CPU's task rests on it is CPU state, which the explorer treats as
    /// dependent on everything under `none` and `voluntary`:
    /// `CPUModel.interleavesFreely`.)
    func footprint(of op: SchedOp, _ t: Int, in w: World, into f: inout Footprint) {
        switch op {
        case .condResched: f.mover = .both
        }
    }
}
