// Program spinlocks: a process's page-table lock (ptl) and a file's i_pages
// lock. Taking one is its own step, enabled only while nobody holds the
// lock (the gate); a task sleeping with one held is SLEEP_IN_ATOMIC.

/// Spinlocks.
public enum SpinOp: Hashable, Sendable {
    case spinLock(LockID)
    case spinUnlock(LockID)
}

extension Op {
    public static func spinLock(_ lock: LockID) -> Op { .spin(.spinLock(lock)) }
    public static func spinUnlock(_ lock: LockID) -> Op { .spin(.spinUnlock(lock)) }
}

extension SpinOp {
    var kernelName: String {
        switch self {
        case .spinLock(let l): "spin_lock(\(l))"
        case .spinUnlock(let l): "spin_unlock(\(l))"
        }
    }

    var listing: String { kernelName }

    var registers: [Register] { [] }

    /// Registers the operation always writes and does not read first
    /// (`LiveRegisters`): what they held before it is dead. A register
    /// written only on some outcomes is not among them.
    var kills: [Register] { [] }

    /// `spin_lock` runs only when the lock is free: the model spins by not
    /// being enabled.
    var gate: Engine.Gate {
        switch self {
        case .spinLock(let l): .spin(l)
        case .spinUnlock: .free
        }
    }

    func problem(length: Int32, behaviors: Int) -> String? { nil }
}

extension Engine {
    func execute(_ op: SpinOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let event: StepEvent
        switch op {
        case .spinLock(let l):
            w.tasks[t].heldLocks.insert(l)
            event = StepEvent(task: t, site: site, .spinLock, a: Int64(l.raw))
        case .spinUnlock(let l):
            guard w.tasks[t].holds(l) else {
                throw Violation(.lockMisuse, task: t, function: function(of: w, task: t), detail: "spin_unlock(\(l)) without holding it")
            }
            w.tasks[t].heldLocks.remove(l)
            event = StepEvent(task: t, site: site, .spinUnlock, a: Int64(l.raw))
        }
        try advance(&w, t)
        return event
    }

    /// Taking a lock is a right mover and releasing it a left mover
    /// (`Mover`): while one task holds a lock no other task takes or
    /// releases it, and only the gate of a `spin_lock` reads it.
    func footprint(of op: SpinOp, _ t: Int, in w: World, into f: inout Footprint) {
        switch op {
        case .spinLock(let l):
            f.lock(l)
            f.mover = .right
        case .spinUnlock(let l):
            f.lock(l)
            f.mover = .left
        }
    }
}
