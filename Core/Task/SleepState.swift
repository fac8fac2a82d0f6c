/// `current->state` (kernel-model §1.6).
public enum SleepState: UInt8, Hashable, Sendable, CustomStringConvertible {
    case running
    case uninterruptible
    /// Uninterruptible, but woken by a fatal signal (TASK_KILLABLE).
    case killable
    case interruptible
    /// TASK_IDLE (uninterruptible, not counted as load): an idle kworker
    /// waiting for work (`worker_thread`, kernel/workqueue.c). A run whose
    /// other tasks finished counts such a worker as finished.
    case idle

    public var description: String {
        switch self {
        case .running: "TASK_RUNNING"
        case .uninterruptible: "TASK_UNINTERRUPTIBLE"
        case .killable: "TASK_KILLABLE"
        case .interruptible: "TASK_INTERRUPTIBLE"
        case .idle: "TASK_IDLE"
        }
    }
}

/// A task's pending signal.
public enum PendingSignal: UInt8, Hashable, Sendable, Comparable {
    case none
    case nonfatal
    /// SIGKILL.
    case fatal

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

extension SleepState {
    /// `signal_pending_state(state, p)`.
    @inlinable func signalPending(_ p: PendingSignal) -> Bool {
        switch self {
        case .running, .uninterruptible, .idle: false
        case .killable: p == .fatal
        case .interruptible: p != .none
        }
    }
}
