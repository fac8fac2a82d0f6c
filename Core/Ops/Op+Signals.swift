// Signals (kernel-model §1.6): sending one to a task, which may wake it
// from a sleep its state lets the signal interrupt, and the
// signal_pending() test the wait cores and strategies make.

/// Signals.
public enum SignalOp: Hashable, Sendable {
    case sendSignal(task: TaskID, fatal: Bool)
    case signalPending(result: Register)
}

extension Op {
    public static func sendSignal(task: TaskID, fatal: Bool) -> Op { .signal(.sendSignal(task: task, fatal: fatal)) }
    public static func signalPending(result: Register) -> Op { .signal(.signalPending(result: result)) }
}

extension SignalOp {
    var kernelName: String {
        switch self {
        case .sendSignal: "send_sig"
        case .signalPending: "signal_pending"
        }
    }

    var listing: String {
        switch self {
        case .sendSignal(let task, let fatal): "send_sig(\(fatal ? "SIGKILL" : "a signal"), task \(task))"
        case .signalPending(let result): "r\(result) = signal_pending(current)"
        }
    }

    var registers: [Register] {
        switch self {
        case .sendSignal: []
        case .signalPending(let r): [r]
        }
    }

    /// Registers the operation always writes and does not read first
    /// (`LiveRegisters`): what they held before it is dead. A register
    /// written only on some outcomes is not among them.
    var kills: [Register] {
        switch self {
        case .signalPending(let r): [r]
        case .sendSignal: []
        }
    }

    var gate: Engine.Gate { .free }

    func problem(length: Int32, behaviors: Int) -> String? { nil }
}

extension Engine {
    func execute(_ op: SignalOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let event: StepEvent
        switch op {
        case .sendSignal(let target, let fatal):
            guard target.index >= 0 && target.index < w.tasks.count else {
                throw Violation(.badProgram, task: t, function: function(of: w, task: t), detail: "no task \(target) to signal")
            }
            deliverSignal(&w, target.index, fatal: fatal)
            event = StepEvent(task: t, site: site, .signal, a: Int64(target.rawValue), b: fatal ? 1 : 0)
        case .signalPending(let out):
            let pending = w.tasks[t].pending != .none
            w.tasks[t].registers[Int(out)] = pending ? 1 : 0
            event = StepEvent(task: t, site: site, .signalRead, a: pending ? 1 : 0)
        }
        try advance(&w, t)
        return event
    }

    /// A send touches its target; `signal_pending` only the task itself,
    /// which every footprint holds.
    func footprint(of op: SignalOp, _ t: Int, in w: World, into f: inout Footprint) {
        switch op {
        case .sendSignal(let target, _):
            if target.index >= 0 && target.index < TaskSet.capacity { f.tasks.insert(target.index) }
        case .signalPending:
            break
        }
    }

    /// Signal delivery (kernel-model §1.6): set pending; wake a sleeper
    /// whose state the signal interrupts.
    func deliverSignal(_ w: inout World, _ target: Int, fatal: Bool) {
        let sig: PendingSignal = fatal ? .fatal : .nonfatal
        if sig > w.tasks[target].pending { w.tasks[target].pending = sig }
        let s = w.tasks[target].state
        if (fatal && (s == .killable || s == .interruptible)) || (!fatal && s == .interruptible) {
            w.tasks[target].state = .running
            if w.tasks[target].blocked { unblock(&w, target) }
        }
    }
}
