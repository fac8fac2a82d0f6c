/// The tasks that can take a step (enabled; which of them are on a CPU is
/// `CPUModel`'s to say), kept up to date step by step for a run.
///
/// `Engine.enabledTasks` asks every task about its next step and every
/// lock; a run needs the answer at every step, and it rarely changes by
/// more than one task. A step changes what its own task needs next
/// (`Engine.Need`, a function of that task's state alone), and it changes
/// whether another task is enabled only by taking or releasing a lock, or by
/// waking a sleeper. So after a step of task `t` this recomputes `t`'s need,
/// refreshes the lock summary if `t`'s held locks changed, and looks at the
/// sleepers; only when something besides `t` changed does it evaluate every
/// task's need again. Debug builds check the result against
/// `enabledTasks` at every step of every run.
///
/// The per-task records live in storage allocated once for the run and
/// freed with the set (it cannot be copied): the run loop updates them at
/// every step, and an array would check its uniqueness and bounds at each
/// write. Every index is a task below `count`, checked on entry to
/// `update`.
struct EnabledSet: ~Copyable {
    private(set) var tasks = TaskSet()
    /// What one task needs, and the locks it held, at the last refresh.
    ///
    /// The need is kept as plain fields, not as the `Engine.Need` enum: a
    /// re-evaluation tests every task, and a switch on each task's kind of
    /// need is a branch the predictor cannot guess (the needs change at
    /// random steps), where the fields give the answer by arithmetic.
    private struct Slot {
        var heldLocks = LockSet()
        var heldBucket: Int16 = -1
        /// The task may step once its locks are free (not finished, not asleep).
        var runs: UInt64 = 0
        /// The spinlock it needs free (empty: none).
        var spin = LockSet()
        /// The bucket whose lock it needs free; -1: none.
        var bucket: Int16 = -1
    }
    private let slots: UnsafeMutablePointer<Slot>
    /// The tasks tracked: the world's, up to `TaskSet.capacity`.
    private let count: Int
    /// Every spinlock held, and the tasks holding a wait-queue lock.
    private var spinLocked = LockSet()
    private var bucketHolders = TaskSet()
    /// Tasks whose need is `.asleep`: a wake comes from another task's step.
    private var sleepers = TaskSet()

    init(_ engine: Engine, _ w: World) {
        let n = min(w.tasks.count, TaskSet.capacity)
        count = n
        slots = .allocate(capacity: max(n, 1))
        slots.initialize(repeating: Slot(), count: n)
        w.tasks.withUnsafeBufferPointer { tasks in
            for t in 0..<n {
                refreshLocks(of: t, held: tasks[t].heldLocks, bucket: tasks[t].heldBucket)
                refreshNeed(of: t, engine, tasks.baseAddress! + t, pageCount: w.pages.count)
            }
        }
        reevaluate(engine)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    /// Bring the set up to date after a step of task `t` in `w`.
    mutating func update(afterStepOf t: Int, _ engine: Engine, _ w: World) {
        update(afterStepOf: t, engine, tasks: w.tasks, pageCount: w.pages.count)
    }

    /// `update` given the world's tasks and its number of frames, all it
    /// reads: the run loop calls this at every step, and a `World` passed
    /// by value to a call is copied (72 bytes) first.
    mutating func update(afterStepOf t: Int, _ engine: Engine, tasks: [TaskState], pageCount: Int) {
        guard t >= 0 && t < count else { return }
        tasks.withUnsafeBufferPointer { tasks in
            var othersChanged = false
            let task = tasks.baseAddress! + t
            let slot = slots + t
            if task.pointee.heldLocks != slot.pointee.heldLocks || task.pointee.heldBucket != slot.pointee.heldBucket {
                refreshLocks(of: t, held: task.pointee.heldLocks, bucket: task.pointee.heldBucket)
                othersChanged = true
            }
            refreshNeed(of: t, engine, task, pageCount: pageCount)
            if !sleepers.isEmpty {
                for u in sleepers where !tasks[u].blocked {
                    refreshNeed(of: u, engine, tasks.baseAddress! + u, pageCount: pageCount)
                    othersChanged = true
                }
            }
            if othersChanged {
                reevaluate(engine)
            } else if isMet(slot, heldBucket: soleHeldBucket()) != 0 {
                self.tasks.insert(t)
            } else {
                self.tasks.remove(t)
            }
        }
    }

    private mutating func refreshLocks(of t: Int, held: LockSet, bucket: Int16) {
        let slot = slots + t
        if held != slot.pointee.heldLocks {
            slot.pointee.heldLocks = held
            var all = LockSet()
            for u in 0..<count { all.formUnion(slots[u].heldLocks) }
            spinLocked = all
        }
        slot.pointee.heldBucket = bucket
        if bucket >= 0 { bucketHolders.insert(t) } else { bucketHolders.remove(t) }
    }

    @inline(__always)
    private mutating func refreshNeed(of t: Int, _ engine: Engine, _ task: UnsafePointer<TaskState>, pageCount: Int) {
        let slot = slots + t
        slot.pointee.runs = 1
        slot.pointee.spin = LockSet()
        slot.pointee.bucket = -1
        sleepers.remove(t)
        switch engine.need(of: task, pageCount: pageCount) {
        case .finished:
            slot.pointee.runs = 0
        case .asleep:
            slot.pointee.runs = 0
            sleepers.insert(t)
        case .nothing:
            break
        case .spinLock(let lock):
            // A lock outside a LockSet is never held (`LockSet.contains`).
            if Int(lock.raw) < LockSet.capacity { slot.pointee.spin.insert(lock) }
        case .bucketLock(let b):
            slot.pointee.bucket = b
        }
    }

    /// The one bucket whose lock is held, when at most one task holds a
    /// bucket lock: -2 (no bucket's number, nor "none") if nobody does, nil
    /// if two or more tasks do (several pages in several buckets), when
    /// `isMet(slot, heldBucket: nil)` asks every holder.
    @inline(__always)
    private func soleHeldBucket() -> Int16? {
        if bucketHolders.isEmpty { return -2 }
        if bucketHolders.high == 0 && bucketHolders.low & (bucketHolders.low &- 1) == 0 {
            return slots[bucketHolders.low.trailingZeroBitCount].heldBucket
        }
        return nil
    }

    /// 1 if the task in `slot` can step under the current locks, else 0.
    /// `heldBucket` is `soleHeldBucket()`.
    @inline(__always)
    private func isMet(_ slot: UnsafeMutablePointer<Slot>, heldBucket: Int16?) -> UInt64 {
        let spin = slot.pointee.spin
        let spinFree: UInt64 = (spin.low & spinLocked.low) | (spin.high & spinLocked.high) == 0 ? 1 : 0
        let bucket = slot.pointee.bucket
        let bucketFree: UInt64
        if let heldBucket {
            bucketFree = bucket != heldBucket ? 1 : 0
        } else {
            var held = false
            if bucket >= 0 { for u in bucketHolders where slots[u].heldBucket == bucket { held = true } }
            bucketFree = held ? 0 : 1
        }
        return slot.pointee.runs & spinFree & bucketFree
    }

    /// Every task's need against the current locks.
    private mutating func reevaluate(_ engine: Engine) {
        var s = TaskSet()
        let held = soleHeldBucket()
        for t in 0..<min(count, 64) { s.low |= isMet(slots + t, heldBucket: held) &<< UInt64(t) }
        if count > 64 {
            for t in 64..<count { s.high |= isMet(slots + t, heldBucket: held) &<< UInt64(t - 64) }
        }
        tasks = s
    }
}
