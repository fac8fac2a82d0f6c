/// `current->state` (kernel-model §1.6).
public enum SleepState: UInt8, Hashable, Sendable, CustomStringConvertible {
    case running
    case uninterruptible
    /// Uninterruptible, but woken by a fatal signal (TASK_KILLABLE).
    case killable
    case interruptible

    public var description: String {
        switch self {
        case .running: "TASK_RUNNING"
        case .uninterruptible: "TASK_UNINTERRUPTIBLE"
        case .killable: "TASK_KILLABLE"
        case .interruptible: "TASK_INTERRUPTIBLE"
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
        case .running, .uninterruptible: false
        case .killable: p == .fatal
        case .interruptible: p != .none
        }
    }
}
