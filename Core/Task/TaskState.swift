/// Per-task observations the statistics and checkers read.
public struct TaskStats: Hashable, Sendable {
    /// Times an exclusive waiter was woken but lost the bit and queued
    /// again, over the task's life, and the most within one wait.
    public var requeues: Int32 = 0
    public var mostRequeuesInOneWait: Int32 = 0
    /// Thrashing accounting: psi memstall and delayacct enter/leave counts.
    public var psiEnter: Int32 = 0
    public var psiLeave: Int32 = 0
    public var delayacctStart: Int32 = 0
    public var delayacctEnd: Int32 = 0
    /// Times the task was woken out of io_schedule, by a wake or a signal.
    public var wakeups: Int32 = 0
    /// The step at which the task last went to sleep (`World.stats.steps`):
    /// when a wait-for edge out of it began.
    public var sleptAt: Int32 = 0
    public init() {}
}

/// A task's eight registers, stored inline: a `TaskState` holds no
/// reference, so copying a world copies plain memory.
public struct Registers: Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible {
    @usableFromInline var r: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0, 0, 0, 0)

    public init() {}

    /// The first values given; the rest are 0. Extra values are ignored.
    public init(_ values: [Int64]) {
        for (i, v) in values.prefix(TaskState.registerCount).enumerated() { self[i] = v }
    }

    public init(arrayLiteral values: Int64...) { self.init(values) }

    @inlinable public subscript(_ i: Int) -> Int64 {
        // Always inlined: the engine reads a register at most steps (a page
        // operand), and the call cost more than the switch.
        @inline(__always) get {
            // A switch, not `withUnsafeBytes(of: r)`: in a getter that copies
            // all eight registers to read one.
            switch i {
            case 0: return r.0
            case 1: return r.1
            case 2: return r.2
            case 3: return r.3
            case 4: return r.4
            case 5: return r.5
            case 6: return r.6
            case 7: return r.7
            default: preconditionFailure("register r\(i) does not exist")
            }
        }
        set {
            precondition(i >= 0 && i < TaskState.registerCount, "register r\(i) does not exist")
            withUnsafeMutableBytes(of: &r) { $0.storeBytes(of: newValue, toByteOffset: i * 8, as: Int64.self) }
        }
    }

    public var values: [Int64] { (0..<TaskState.registerCount).map { self[$0] } }

    public static func == (a: Registers, b: Registers) -> Bool { a.values == b.values }
    public func hash(into h: inout Hasher) {
        withUnsafeBytes(of: r) { h.combine(bytes: $0) }
    }

    public var description: String { values.description }

    /// The eight registers in order, read straight from the tuple (no
    /// subscript switch, no copy).
    @inlinable @inline(__always)
    func combineIdentity(into h: inout StableHasher) {
        h.combine(r.0); h.combine(r.1); h.combine(r.2); h.combine(r.3)
        h.combine(r.4); h.combine(r.5); h.combine(r.6); h.combine(r.7)
    }

    /// The same, with each register outside `live` (bit `r` for register
    /// `r`) fed as 0: what the search's state keys hold of a task whose
    /// dead registers do not matter (`LiveRegisters`).
    @inlinable @inline(__always)
    func combineIdentity(into h: inout StableHasher, live: UInt8) {
        @inline(__always) func pick(_ v: Int64, _ bit: UInt8) -> Int64 { live & bit != 0 ? v : 0 }
        h.combine(pick(r.0, 1)); h.combine(pick(r.1, 2)); h.combine(pick(r.2, 4)); h.combine(pick(r.3, 8))
        h.combine(pick(r.4, 16)); h.combine(pick(r.5, 32)); h.combine(pick(r.6, 64)); h.combine(pick(r.7, 128))
    }
}

/// A task running a program: pc, registers, sleep state, held locks, and the
/// frame of the multi-step primitive it is inside. Plain data.
public struct TaskState: Hashable, Sendable {
    public static let registerCount = 8

    public var program: Int32
    public var pc: Int32 = 0
    public var registers: Registers
    public var state: SleepState = .running
    /// Inside `io_schedule()` and not runnable until someone sets it RUNNING.
    public var blocked: Bool = false
    public var pending: PendingSignal = .none
    public var finished: Bool = false
    /// Program spinlocks held.
    public var heldLocks = LockSet()
    /// The wait-queue bucket whose lock this task holds, or -1.
    public var heldBucket: Int16 = -1
    /// The multi-step primitive the task is inside, with its locals.
    public var frame: Frame = .none
    public var entry = WaitEntry()
    /// Flags word read by a non-atomic clear's first half (`__ClearPageLocked`).
    public var snapshot: PageFlags = []
    /// Set by a preemption point for the scheduler to read (per mille);
    /// cleared by the task's next instruction.
    public var preemptHint: UInt16 = 0
    public var stats = TaskStats()

    public init(program: Int, registers: [Int64] = []) {
        self.program = Int32(program)
        self.registers = Registers(registers)
    }

    @inlinable public func holds(_ lock: LockID) -> Bool { heldLocks.contains(lock) }

    /// The wait entry is what the task's last wait left behind, and nothing
    /// reads it before the task's next wait sets it afresh: the task is in
    /// no wait, not asleep, and the entry is on no list. Only the task's own
    /// wait (which begins by overwriting it whole, `beginWait`), a waker
    /// walking a list it is on, and checkers looking at sleepers, waiters
    /// or listed entries read an entry; a wake walk reads the entries of
    /// the list it walks, never its own. The search leaves a dead entry
    /// out of its keys. Once dead, an entry stays dead until a wait begins.
    /// A task asleep outside a wait frame sleeps on a mutex or rwsem
    /// (`Op+SleepingLocks`), which never reads the entry, so its entry stays
    /// dead.
    @inlinable public var waitEntryIsDead: Bool { frame.kind != .wait && !entry.onList && (!blocked || frame.kind == .none) }

    /// The locals of the wait the task is inside: what the wait cores read
    /// and update in place. Outside a wait it reads as a fresh frame, and
    /// only a task inside one may write it (`frame = .wait(f)` begins one).
    @inlinable public var wait: WaitFrame {
        get {
            if case .wait(let f) = frame { return f }
            return WaitFrame()
        }
        _modify {
            guard case .wait(var f) = frame else { preconditionFailure("the wait locals of a task that is not waiting") }
            yield &f
            frame = .wait(f)
        }
    }

    /// The locals of the wake walk the task is inside, as `wait` is for a wait.
    @inlinable public var wake: WakeFrame {
        get {
            if case .wake(let f) = frame { return f }
            return WakeFrame()
        }
        _modify {
            guard case .wake(var f) = frame else { preconditionFailure("the wake locals of a task that is not waking") }
            yield &f
            frame = .wake(f)
        }
    }
}

extension TaskStats: StateIdentity {
    /// Counts no step reads. The accounting enters and leaves are in, as
    /// their difference: whether the task is inside a memstall is state.
    public static var fieldsOutsideIdentity: Set<String> { ["requeues", "mostRequeuesInOneWait", "wakeups", "sleptAt"] }

    @inlinable @inline(__always)
    public func combineIdentity(into h: inout StableHasher) {
        h.combine(psiEnter &- psiLeave); h.combine(delayacctStart &- delayacctEnd)
    }
}

extension TaskState: StateIdentity {
    /// The scheduler's hint, cleared by the task's next instruction.
    public static var fieldsOutsideIdentity: Set<String> { ["preemptHint"] }

    /// The frame's kind, then (after the flags snapshot, where they always
    /// went) the locals of the frame the task is inside.
    @inlinable @inline(__always)
    public func combineIdentity(into h: inout StableHasher) {
        h.combine(program); h.combine(pc)
        registers.combineIdentity(into: &h)
        h.combine(state.rawValue); h.combine(blocked); h.combine(pending.rawValue); h.combine(finished)
        heldLocks.combineIdentity(into: &h); h.combine(heldBucket); h.combine(frame.kind.rawValue); h.combine(snapshot.rawValue)
        frame.combineLocals(into: &h)
        entry.combineIdentity(into: &h)
        stats.combineIdentity(into: &h)
    }
}

extension TaskState {
    /// What changed in task `t` that another task or a reader of the trace
    /// can see: the primitive it is inside, the locks it holds, its sleep,
    /// its signals, its entry's flags, its end. Registers, the pc and a
    /// frame's locals are private and left out. Pointers, as for
    /// `Engine.need(of:)`: a task is large, and a call would copy both.
    static func changes(from before: UnsafePointer<TaskState>, to after: UnsafePointer<TaskState>, task t: Int, into out: inout [Change]) {
        let a = before.pointee, b = after.pointee
        if a.frame.kind != b.frame.kind {
            if a.frame.kind == .wait { out.append(.waitEnded(task: t)) }
            if a.frame.kind == .wake { out.append(.wakeEnded(task: t)) }
            if b.frame.kind == .wait { out.append(.waitBegan(task: t, page: b.wait.page, bit: b.wait.bit)) }
            if b.frame.kind == .wake { out.append(.wakeBegan(task: t, page: b.wake.page, bit: b.wake.bit)) }
        }
        if a.heldBucket != b.heldBucket {
            if a.heldBucket >= 0 { out.append(.bucketUnlocked(task: t, bucket: a.heldBucket)) }
            if b.heldBucket >= 0 { out.append(.bucketLocked(task: t, bucket: b.heldBucket)) }
        }
        for l in a.heldLocks.symmetricDifference(b.heldLocks) {
            if a.heldLocks.contains(l) { out.append(.lockReleased(task: t, lock: l)) } else { out.append(.lockTaken(task: t, lock: l)) }
        }
        if a.blocked && !b.blocked {
            out.append(.woken(task: t, state: a.state))
        } else if a.state != b.state {
            out.append(.sleepState(task: t, from: a.state, to: b.state))
        }
        if !a.blocked && b.blocked { out.append(.asleep(task: t, state: b.state)) }
        if a.pending != b.pending { out.append(.signalPending(task: t, signal: b.pending)) }
        if a.entry.flags != b.entry.flags && a.frame.kind == .wait && b.frame.kind == .wait {
            out.append(.entryFlags(task: t, from: a.entry.flags, to: b.entry.flags))
        }
        if !a.finished && b.finished { out.append(.finished(task: t)) }
    }
}
