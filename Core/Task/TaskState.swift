/// Which multi-step primitive a task is inside, if any.
public enum FrameKind: UInt8, Hashable, Sendable {
    case none
    /// `wait_on_page_bit_common()`.
    case wait
    /// `wake_up_page_bit()`.
    case wake
}

/// Locals of an in-progress `wait_on_page_bit_common()`.
public struct WaitFrame: Hashable, Sendable {
    public var phase: UInt8 = 0
    public var page: PageRef = PageRef(pfn: -1, gen: 0)
    public var bit: PageFlags = .locked
    public var state: SleepState = .uninterruptible
    /// Index into the engine's behaviour table.
    public var behavior: UInt8 = 0
    /// Register that receives the result (0 or -EINTR).
    public var resultRegister: UInt8 = 0
    /// `bit_is_set` (v4.19).
    public var bitSet: Bool = false
    public var result: Int8 = 0
    /// `unfairness` countdown (v5.9).
    public var unfairness: Int16 = 0
    /// Thrashing decisions taken at the start (the seed's `delayacct` local).
    public var thrashing: Bool = false
    public var delayacct: Bool = false
    public init() {}
}

/// Locals of an in-progress `wake_up_page_bit()` walk.
public struct WakeFrame: Hashable, Sendable {
    public var phase: UInt8 = 0
    public var page: PageRef = PageRef(pfn: -1, gen: 0)
    public var bit: PageFlags = .locked
    public var bucket: Int16 = -1
    /// The next item to visit (a task number), or -1 at the end of the list.
    public var next: Int16 = -1
    public var nextIsBookmark: Bool = false
    /// `key.page_match`.
    public var pageMatch: Bool = false
    /// `nr_exclusive` and the per-chunk visit count (`__wake_up_common`).
    public var nrExclusive: Int8 = 1
    public var count: Int16 = 0
    /// Entries visited under the current q.lock hold, and exclusive
    /// waiters woken by this call (statistics only).
    public var visits: Int16 = 0
    public var exclusiveWoken: Int16 = 0
    public var resumeFromBookmark: Bool = false
    public init() {}
}

/// Per-task observations the statistics and checkers read.
public struct TaskStats: Hashable, Sendable {
    /// Times an exclusive waiter was woken but lost the bit and queued again.
    public var requeues: Int32 = 0
    /// Thrashing accounting: psi memstall and delayacct enter/leave counts.
    public var psiEnter: Int32 = 0
    public var psiLeave: Int32 = 0
    public var delayacctStart: Int32 = 0
    public var delayacctEnd: Int32 = 0
    /// Steps spent blocked in io_schedule (counted when woken).
    public var sleeps: Int32 = 0
    public init() {}
}

/// A task running a program: pc, registers, sleep state, held locks, and the
/// frame of the multi-step primitive it is inside. Plain data.
public struct TaskState: Hashable, Sendable {
    public static let registerCount = 8

    public var program: Int32
    public var pc: Int32 = 0
    public var registers: [Int64]
    public var state: SleepState = .running
    /// Inside `io_schedule()` and not runnable until someone sets it RUNNING.
    public var blocked: Bool = false
    public var pending: PendingSignal = .none
    public var finished: Bool = false
    /// Program spinlocks held (`LockID` bits).
    public var heldLocks: UInt64 = 0
    /// The wait-queue bucket whose lock this task holds, or -1.
    public var heldBucket: Int16 = -1
    public var frame: FrameKind = .none
    public var wait = WaitFrame()
    public var wake = WakeFrame()
    public var entry = WaitEntry()
    /// Flags word read by a non-atomic clear's first half (`__ClearPageLocked`).
    public var snapshot: PageFlags = []
    public var stats = TaskStats()

    public init(program: Int, registers: [Int64] = []) {
        self.program = Int32(program)
        var r = registers
        r += Array(repeating: 0, count: max(0, Self.registerCount - r.count))
        self.registers = r
    }

    @inlinable public func holds(_ lock: LockID) -> Bool { heldLocks & lock.bit != 0 }
}
