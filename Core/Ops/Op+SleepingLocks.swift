// Sleeping locks: mutex_lock/mutex_unlock and down_read/up_read/
// down_write/up_write. One step each. A task that cannot take the lock
// joins the lock's FIFO wait list and sleeps (TASK_UNINTERRUPTIBLE) with
// its pc on the same instruction; when a release wakes it, its next step
// runs the instruction again — the retry of the kernel's wait loop — and
// finds the lock handed or granted to it, takes it, or sleeps again.
//
// What is modelled, per kernel/locking/mutex.c (v4.10 and later,
// __mutex_lock_common, __mutex_trylock, __mutex_unlock_slowpath,
// __mutex_handoff):
// - a newcomer takes a free mutex even with waiters queued (lock stealing:
//   __mutex_trylock only looks at the owner, not at the wait list), unless
//   MUTEX_FLAG_HANDOFF is set;
// - the waiter at the head of the list that wakes and finds the lock
//   stolen sets MUTEX_FLAG_HANDOFF before sleeping again;
// - mutex_unlock wakes exactly one waiter, the first (wake_q_add of the
//   list's first entry); with MUTEX_FLAG_HANDOFF set it first makes that
//   waiter the owner (__mutex_handoff; the waiter picks it up when it runs,
//   MUTEX_FLAG_PICKUP).
// Optimistic spinning (osq) is not modelled: a spinner either gets the lock
// as a stealer would or sleeps, so who can own the lock is the same.
//
// Per kernel/locking/rwsem.c (v5.13 and later: rwsem_down_read_slowpath,
// rwsem_down_write_slowpath, rwsem_try_write_lock, rwsem_mark_wake):
// - a reader takes the lock whenever no writer holds it (reader lock
//   stealing, even with writers queued); a writer when nobody holds it;
// - a release that leaves the lock free wakes the first waiter if it is a
//   writer (it retries); if the first waiter is a reader, the waker grants
//   the read lock to every reader on the list, writers skipped
//   (rwsem_mark_wake, RWSEM_WAKE_ANY: "wake up almost all readers", up to
//   MAX_READERS_WAKEUP = 256, more than a scenario has tasks), and wakes them.
// The rwsem's time-based handoff (RWSEM_WAIT_TIMEOUT) is not modelled: the
// model has no clock, so stealing is always allowed.

/// Mutexes and rwsems.
public enum SleepLockOp: Hashable, Sendable {
    /// `mutex_lock` (exclusive) or `down_read`/`down_write`.
    case acquire(SleepLockID, SleepLockMode)
    /// `mutex_unlock` or `up_read`/`up_write`.
    case release(SleepLockID, SleepLockMode)
}

extension Op {
    public static func mutexLock(_ m: SleepLockID) -> Op { .sleepLock(.acquire(m, .exclusive)) }
    public static func mutexUnlock(_ m: SleepLockID) -> Op { .sleepLock(.release(m, .exclusive)) }
    public static func downRead(_ s: SleepLockID) -> Op { .sleepLock(.acquire(s, .shared)) }
    public static func upRead(_ s: SleepLockID) -> Op { .sleepLock(.release(s, .shared)) }
    public static func downWrite(_ s: SleepLockID) -> Op { .sleepLock(.acquire(s, .exclusive)) }
    public static func upWrite(_ s: SleepLockID) -> Op { .sleepLock(.release(s, .exclusive)) }
}

extension SleepLockOp {
    var lock: SleepLockID {
        switch self {
        case .acquire(let l, _), .release(let l, _): l
        }
    }

    var kernelName: String {
        switch self {
        case .acquire(let l, let m):
            l.kind == .mutex ? "mutex_lock(\(l))" : m == .shared ? "down_read(\(l))" : "down_write(\(l))"
        case .release(let l, let m):
            l.kind == .mutex ? "mutex_unlock(\(l))" : m == .shared ? "up_read(\(l))" : "up_write(\(l))"
        }
    }

    var listing: String { kernelName }
    var registers: [Register] { [] }
    var kills: [Register] { [] }
    /// Never gated: a task that cannot take the lock sleeps in the step.
    var gate: Engine.Gate { .free }

    func problem(length: Int32, behaviors: Int) -> String? {
        let l = lock
        guard l.isValid else { return "sleeping lock \(l.raw) does not exist (0..<\(2 * SleepLockKind.perKind))" }
        switch self {
        case .acquire(_, .shared), .release(_, .shared):
            if l.kind == .mutex { return "\(l) has no shared (reader) mode" }
        default: break
        }
        return nil
    }
}

extension Engine {
    /// The lock's number in a footprint: past the program spinlocks'
    /// classes, folded as every lock is (coarse, sound).
    @inline(__always)
    static func footprintLock(_ l: SleepLockID) -> LockID { LockID(raw: 96 &+ l.raw) }

    func execute(_ op: SleepLockOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let l = op.lock
        let i = Int(l.raw)
        if w.sleepLocks.count <= i { w.sleepLocks += Array(repeating: SleepLock(), count: i + 1 - w.sleepLocks.count) }
        let now = Int32(truncatingIfNeeded: w.stats.steps)
        switch op {
        case .acquire(_, let mode):
            var lock = w.sleepLocks[i]
            let me = TaskID(t)
            if let j = lock.waiterIndex(t) {
                // A woken waiter's retry: handed over (mutex), granted
                // (rwsem readers), free to take, or stolen again.
                if lock.owner == me || (mode == .shared && lock.readers.contains(t)) {
                    lock.waiters.remove(at: j)
                } else if Self.canTake(lock, t, mode, kind: l.kind) {
                    lock.waiters.remove(at: j)
                    Self.take(&lock, t, mode, at: now)
                } else {
                    if j == 0 && l.kind == .mutex { lock.handoff = true }
                    w.sleepLocks[i] = lock
                    return try sleepOnLock(&w, t, l, mode, site: site)
                }
            } else if Self.canTake(lock, t, mode, kind: l.kind) {
                Self.take(&lock, t, mode, at: now)
            } else {
                lock.waiters.append(SleepWaiter(task: me, mode: mode, since: now))
                w.sleepLocks[i] = lock
                return try sleepOnLock(&w, t, l, mode, site: site)
            }
            w.sleepLocks[i] = lock
            try advance(&w, t)
            return StepEvent(task: t, site: site, .sleepLockTaken, a: Int64(l.raw), b: Int64(mode.rawValue))
        case .release(_, let mode):
            var lock = w.sleepLocks[i]
            if mode == .shared {
                guard lock.readers.contains(t) else {
                    throw Violation(.lockMisuse, task: t, function: function(of: w, task: t), detail: "\(op.kernelName) without holding it for reading")
                }
                lock.readers.remove(t)
            } else {
                guard lock.owner == TaskID(t) && lock.waiterIndex(t) == nil else {
                    throw Violation(.lockMisuse, task: t, function: function(of: w, task: t), detail: "\(op.kernelName) by a task that does not own it (owner \(lock.owner))")
                }
                lock.owner = .none
            }
            var woken: Int64 = -1
            if lock.isFree, let first = lock.waiters.first {
                if l.kind == .mutex {
                    if lock.handoff {
                        // __mutex_handoff: the first waiter owns it before it runs.
                        lock.owner = first.task
                        lock.handoff = false
                        lock.since = now
                    }
                    woken = Int64(first.task.index)
                    w.sleepLocks[i] = lock
                    _ = tryToWakeUp(&w, first.task.index)
                } else if first.mode == .exclusive {
                    woken = Int64(first.task.index)
                    w.sleepLocks[i] = lock
                    _ = tryToWakeUp(&w, first.task.index)
                } else {
                    // rwsem_mark_wake: every queued reader gets the read lock.
                    var granted: [Int] = []
                    for wt in lock.waiters where wt.mode == .shared && !lock.readers.contains(wt.task.index) {
                        lock.readers.insert(wt.task.index)
                        granted.append(wt.task.index)
                    }
                    lock.since = now
                    woken = Int64(first.task.index)
                    w.sleepLocks[i] = lock
                    for u in granted { _ = tryToWakeUp(&w, u) }
                }
            } else {
                w.sleepLocks[i] = lock
            }
            try advance(&w, t)
            return StepEvent(task: t, site: site, .sleepLockReleased, a: Int64(l.raw), b: woken)
        }
    }

    /// Whether `t` may take `lock` in `mode` now. A mutex: no owner, and no
    /// handoff pending for another task. An rwsem: a reader when no writer
    /// holds it; a writer when nobody holds it.
    @inline(__always)
    static func canTake(_ lock: SleepLock, _ t: Int, _ mode: SleepLockMode, kind: SleepLockKind) -> Bool {
        guard lock.owner == .none else { return false }
        if kind == .mutex { return !lock.handoff || lock.waiters.first?.task == TaskID(t) }
        return mode == .shared || lock.readers.isEmpty
    }

    @inline(__always)
    static func take(_ lock: inout SleepLock, _ t: Int, _ mode: SleepLockMode, at now: Int32) {
        if mode == .shared { lock.readers.insert(t) } else { lock.owner = TaskID(t); lock.handoff = false }
        lock.since = now
    }

    /// `schedule()` on a sleeping lock's wait list, TASK_UNINTERRUPTIBLE:
    /// never with a spinlock held (`might_sleep()`, SLEEP_IN_ATOMIC).
    func sleepOnLock(_ w: inout World, _ t: Int, _ l: SleepLockID, _ mode: SleepLockMode, site: StepEvent.Site) throws(Violation) -> StepEvent {
        if !w.tasks[t].heldLocks.isEmpty || w.tasks[t].heldBucket >= 0 {
            let held = w.tasks[t].heldLocks.isEmpty ? "a wait-queue lock" : "\(w.tasks[t].heldLocks)"
            throw Violation(.sleepInAtomic, task: t, function: function(of: w, task: t),
                            detail: "\(SleepLockOp.acquire(l, mode).kernelName) sleeps while holding \(held)")
        }
        w.tasks[t].state = .uninterruptible
        w.tasks[t].blocked = true
        return StepEvent(task: t, site: site, .sleepLockWait, a: Int64(l.raw), b: Int64(mode.rawValue))
    }

    /// Both steps read and write the lock; a release may wake any task on
    /// its wait list. Non-movers: a sleeping lock's state is read by every
    /// taker, so neither step commutes with another task's on the lock.
    func footprint(of op: SleepLockOp, _ t: Int, in w: World, into f: inout Footprint) {
        let l = op.lock
        f.lock(Self.footprintLock(l))
        if case .release = op, Int(l.raw) < w.sleepLocks.count {
            for wt in w.sleepLocks[Int(l.raw)].waiters where wt.task.index >= 0 && wt.task.index < TaskSet.capacity {
                f.tasks.insert(wt.task.index)
            }
        }
    }
}
