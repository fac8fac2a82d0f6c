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
struct EnabledSet {
    private(set) var tasks = TaskSet()
    private var needs: [Engine.Need]
    /// Per task, its held spinlocks and wait-queue lock at the last refresh.
    private var heldLocks: [LockSet]
    private var heldBucket: [Int16]
    /// Every spinlock held, and the tasks holding a wait-queue lock.
    private var spinLocked = LockSet()
    private var bucketHolders = TaskSet()
    /// Tasks whose need is `.asleep`: a wake comes from another task's step.
    private var sleepers = TaskSet()

    init(_ engine: Engine, _ w: World) {
        let n = min(w.tasks.count, TaskSet.capacity)
        needs = Array(repeating: .finished, count: n)
        heldLocks = Array(repeating: LockSet(), count: n)
        heldBucket = Array(repeating: -1, count: n)
        w.tasks.withUnsafeBufferPointer { tasks in
            for t in 0..<n {
                refreshLocks(of: t, held: tasks[t].heldLocks, bucket: tasks[t].heldBucket)
                refreshNeed(of: t, engine, tasks.baseAddress! + t, pageCount: w.pages.count)
            }
        }
        reevaluate(engine)
    }

    /// Bring the set up to date after a step of task `t` in `w`.
    mutating func update(afterStepOf t: Int, _ engine: Engine, _ w: World) {
        guard t < needs.count else { return }
        w.tasks.withUnsafeBufferPointer { tasks in
            var othersChanged = false
            let task = tasks.baseAddress! + t
            if task.pointee.heldLocks != heldLocks[t] || task.pointee.heldBucket != heldBucket[t] {
                refreshLocks(of: t, held: task.pointee.heldLocks, bucket: task.pointee.heldBucket)
                othersChanged = true
            }
            refreshNeed(of: t, engine, task, pageCount: w.pages.count)
            for u in sleepers where !tasks[u].blocked {
                refreshNeed(of: u, engine, tasks.baseAddress! + u, pageCount: w.pages.count)
                othersChanged = true
            }
            if othersChanged {
                reevaluate(engine)
            } else if isMet(needs[t], engine) {
                self.tasks.insert(t)
            } else {
                self.tasks.remove(t)
            }
        }
    }

    private mutating func refreshLocks(of t: Int, held: LockSet, bucket: Int16) {
        if held != heldLocks[t] {
            heldLocks[t] = held
            var all = LockSet()
            heldLocks.withUnsafeBufferPointer { for l in $0 { all.formUnion(l) } }
            spinLocked = all
        }
        heldBucket[t] = bucket
        if bucket >= 0 { bucketHolders.insert(t) } else { bucketHolders.remove(t) }
    }

    @inline(__always)
    private mutating func refreshNeed(of t: Int, _ engine: Engine, _ task: UnsafePointer<TaskState>, pageCount: Int) {
        let need = engine.need(of: task, pageCount: pageCount)
        needs[t] = need
        if case .asleep = need { sleepers.insert(t) } else { sleepers.remove(t) }
    }

    @inline(__always)
    private func isMet(_ need: Engine.Need, _ engine: Engine) -> Bool {
        engine.isMet(need, spinLocked: spinLocked) { b in bucketHolders.contains { heldBucket[$0] == b } }
    }

    /// Every task's need against the current locks.
    private mutating func reevaluate(_ engine: Engine) {
        var s = TaskSet()
        for t in needs.indices where isMet(needs[t], engine) { s.insert(t) }
        tasks = s
    }
}
