// Sleeping locks a program takes explicitly: `struct mutex` and
// `struct rw_semaphore`. Unlike the program spinlocks (`LockID`), a task
// that finds one of these taken sleeps on the lock's wait list and is woken
// by a release, so the lock's owner, readers and FIFO wait list are state of
// the world (`World.sleepLocks`), not a gate.

/// The two kinds of sleeping lock.
public enum SleepLockKind: UInt8, CaseIterable, Hashable, Sendable {
    /// `struct mutex` (kernel/locking/mutex.c).
    case mutex
    /// `struct rw_semaphore` (kernel/locking/rwsem.c).
    case rwsem

    /// The first `SleepLockID.raw` of the kind.
    @inlinable public var first: UInt8 { self == .mutex ? 0 : 16 }
    /// How many locks of the kind a scenario may use.
    @inlinable public static var perKind: Int { 16 }
}

/// One sleeping lock: a mutex or an rwsem, numbered within its kind.
/// `raw` is the index in `World.sleepLocks`.
public struct SleepLockID: Hashable, Sendable, CustomStringConvertible {
    public var raw: UInt8
    @inlinable public init(raw: UInt8) { self.raw = raw }

    /// Lock `instance` of `kind`, or nil when there is no such lock.
    @inlinable public init?(_ kind: SleepLockKind, _ instance: Int) {
        guard instance >= 0 && instance < SleepLockKind.perKind else { return nil }
        raw = kind.first + UInt8(instance)
    }

    /// `mutex M<instance>`; traps on an instance out of range (builders check first).
    public static func mutex(_ instance: Int) -> SleepLockID {
        guard let id = SleepLockID(.mutex, instance) else { preconditionFailure("mutex \(instance) does not exist (0..<\(SleepLockKind.perKind))") }
        return id
    }

    /// `rwsem S<instance>`; traps on an instance out of range (builders check first).
    public static func rwsem(_ instance: Int) -> SleepLockID {
        guard let id = SleepLockID(.rwsem, instance) else { preconditionFailure("rwsem \(instance) does not exist (0..<\(SleepLockKind.perKind))") }
        return id
    }

    @inlinable public var kind: SleepLockKind { raw < SleepLockKind.rwsem.first ? .mutex : .rwsem }
    @inlinable public var instance: Int { Int(raw - kind.first) }
    /// Whether the number names a lock at all.
    @inlinable public var isValid: Bool { Int(raw) < 2 * SleepLockKind.perKind }

    public var description: String { kind == .mutex ? "mutex M\(instance)" : "rwsem S\(instance)" }
}

/// How a task holds or wants a sleeping lock.
public enum SleepLockMode: UInt8, Hashable, Sendable {
    /// A mutex, or an rwsem for writing (`down_write`).
    case exclusive
    /// An rwsem for reading (`down_read`).
    case shared
}

/// A task on a sleeping lock's wait list (`struct mutex_waiter`,
/// `struct rwsem_waiter`).
public struct SleepWaiter: Hashable, Sendable {
    public var task: TaskID
    public var mode: SleepLockMode
    /// The step at which the task joined the list: when its wait-for edge
    /// began. An observation for reports, outside the identity.
    public var since: Int32

    @inlinable public init(task: TaskID, mode: SleepLockMode, since: Int32) {
        self.task = task
        self.mode = mode
        self.since = since
    }
}

/// The state of one mutex or rwsem.
///
/// What the kernel keeps in `owner`/`count` and the wait list, reduced to
/// what decides who runs: the exclusive owner, the readers, the FIFO list
/// of waiters, and the handoff flag (`MUTEX_FLAG_HANDOFF`).
public struct SleepLock: Hashable, Sendable {
    /// The mutex's owner or the rwsem's writer, or none.
    public var owner: TaskID = .none
    /// The rwsem's readers (the kernel keeps only their count; the model
    /// keeps who, for the wait-for graph).
    public var readers = TaskSet()
    /// Sleepers in arrival order (`list_add_tail(&waiter.list, &lock->wait_list)`).
    public var waiters: [SleepWaiter] = []
    /// `MUTEX_FLAG_HANDOFF`: the first waiter was woken and lost the lock
    /// to a stealer, so the next unlock hands the lock to it directly.
    public var handoff = false
    /// The step at which the current owner (or the latest reader) took
    /// the lock. An observation for reports, outside the identity.
    public var since: Int32 = 0

    public init() {}

    @inlinable public var isFree: Bool { owner == .none && readers.isEmpty }

    /// Where `t` is on the wait list, or nil.
    @inlinable public func waiterIndex(_ t: Int) -> Int? {
        waiters.firstIndex { $0.task.index == t }
    }

    /// The tasks that hold the lock: the owner, or the readers.
    public var holders: TaskSet {
        var s = readers
        if owner != .none, owner.index < TaskSet.capacity { s.insert(owner.index) }
        return s
    }
}

extension SleepLock: StateIdentity {
    public static var fieldsOutsideIdentity: Set<String> { ["since"] }

    @inlinable public func combineIdentity(into h: inout StableHasher) {
        combineIdentity(renamedBy: nil, into: &h)
    }

    /// The lock with every task number renamed by `image` (nil: as it is).
    @inlinable public func combineIdentity(renamedBy image: UnsafeBufferPointer<Int>?, into h: inout StableHasher) {
        h.combine(owner.renamed(by: image))
        let r = image.map { readers.renamed(by: $0) } ?? readers
        h.combine(r.low); h.combine(r.high)
        h.combine(handoff)
        h.combine(waiters.count)
        for w in waiters { h.combine(w.task.renamed(by: image)); h.combine(w.mode.rawValue) }
    }
}

extension SleepWaiter: StateIdentity {
    public static var fieldsOutsideIdentity: Set<String> { ["since"] }
    @inlinable public func combineIdentity(into h: inout StableHasher) {
        h.combine(task); h.combine(mode.rawValue)
    }
}
