/// The kind of a finding. A struct, not an enum, so checker plugins can add
/// their own kinds next to Core's always-on ones.
public struct ViolationKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// I2: PG_locked cleared by a task that does not own the lock.
    public static let unlockByNonOwner = ViolationKind(rawValue: "UNLOCK_BY_NON_OWNER")
    /// I2: a page freed with PG_locked set ("BUG: Bad page state").
    public static let badPage = ViolationKind(rawValue: "BAD_PAGE")
    /// I5: a page touched with no right to it.
    public static let unsafeAccess = ViolationKind(rawValue: "UNSAFE_ACCESS")
    /// I5: ... and the frame has been reused since the pointer was formed.
    public static let wrongUsage = ViolationKind(rawValue: "WRONG_USAGE")
    /// I5: ... and its memmap has been hot-removed.
    public static let fatalUAF = ViolationKind(rawValue: "FATAL_UAF")
    /// A spinlock released without being held, or an op missing its lock.
    public static let lockMisuse = ViolationKind(rawValue: "LOCK_MISUSE")
    /// io_schedule() while holding a spinlock.
    public static let sleepInAtomic = ViolationKind(rawValue: "SLEEP_IN_ATOMIC")
    /// A program jumped outside itself or named a register or object that
    /// does not exist: a bug in the program, reported instead of trapping.
    public static let badProgram = ViolationKind(rawValue: "BAD_PROGRAM")
}

/// A finding: what, who, on which page, in which kernel function, and at
/// which step of the schedule. A value, never a crash.
public struct Violation: Error, Hashable, Sendable, CustomStringConvertible {
    public var kind: ViolationKind
    public var task: Int
    /// The page involved, or none.
    public var pfn: PFN
    public var function: String
    public var detail: String
    /// Index of the step in the run's schedule (set by the runner), or -1.
    public var step: Int
    /// For a `BUG`: the kernel assertion that failed.
    public var assertion: KernelAssertion?

    public init(_ kind: ViolationKind, task: Int, pfn: PFN = .none, function: String, detail: String, step: Int = -1,
                assertion: KernelAssertion? = nil) {
        self.kind = kind
        self.task = task
        self.pfn = pfn
        self.function = function
        self.detail = detail
        self.step = step
        self.assertion = assertion
    }

    public var description: String {
        let at = step >= 0 ? " at step \(step)" : ""
        let page = !pfn.isNone ? " pfn \(pfn)" : ""
        return "\(kind): task \(task)\(page) in \(function)\(at): \(detail)"
    }
}
