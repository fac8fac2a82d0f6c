// What the engine asks of a task inside a frame (`Frame`), by kind: what
// its next step needs, the step, and what the step may touch. Each kind's
// steps live in its own files (the wait: WaitQueueOps.swift and the wait
// cores; the wake: WakeWalk.swift); these only dispatch, so a new kind of
// frame is one case in each.

extension Engine {
    /// What the next step of the task at `task`, inside a frame, needs: the
    /// wait's and the wake's phases that take the bucket's q->lock.
    @inline(__always)
    func needInFrame(_ task: UnsafePointer<TaskState>) -> Need {
        // Matched on the case byte, then the locals read: a match against
        // `.none` would compare the locals' bytes too (see `Frame`).
        switch task.pointee.frame.kind {
        case .none: return .nothing  // not inside one: `need(of:)` reads the instruction's gate
        case .wait:
            guard case .wait(let f) = task.pointee.frame else { return .nothing }
            return waitPhaseTakesBucketLock(f.phase) ? .bucketLock(task.pointee.entry.bucket) : .nothing
        case .wake:
            guard case .wake(let f) = task.pointee.frame else { return .nothing }
            return f.phase == WakePhase.lock.rawValue ? .bucketLock(f.bucket) : .nothing
        }
    }

    /// The next step of task `t`: its frame's, or its next instruction's.
    @inline(__always)
    func stepFrameOrInstruction(_ w: inout World, _ t: Int) throws(Violation) -> StepEvent {
        // The case byte, one compare: at every step of every task.
        switch w.tasks[t].frame.kind {
        case .none: try execute(&w, t)
        case .wait: try waitStep(&w, t)
        case .wake: try wakeStep(&w, t)
        }
    }

    /// What the next step of `task` (task `t` of `w`), inside a frame, may
    /// touch (added to `f`); false if it is inside none.
    @inline(__always)
    func footprintInFrame(of task: TaskState, _ t: Int, in w: World, into f: inout Footprint) -> Bool {
        if task.frame.kind == .none { return false }
        switch task.frame {
        case .none:
            return false
        case .wait(let wait):
            f.page(wait.page.pfn)
            f.bucket(task.entry.bucket)
            if wait.release >= 0 { f.lock(LockID(raw: UInt8(wait.release))) }
            // Taking q->lock is a right mover, dropping the lock the wait was
            // asked to release a left mover (`Mover`); the other phases read
            // or write what others see.
            if wait.phase == WaitPhase.lock.rawValue { f.mover = .right }
            if wait.phase == WaitPhase.releaseLock.rawValue { f.mover = .left }
            // set_current_state under q->lock, then its release: only a waker
            // holding that lock reads the state, unless a signal can come.
            if wait.phase == WaitPhase.setStateUnlock.rawValue && !signalled.contains(t) { f.mover = .left }
            // v4.19: after the wake, a waiter that looks at nothing (DROP)
            // and returns reads only its pending signal, which nobody sets.
            if wait.phase == WaitPhase.postWake.rawValue && config.waitCore.version == .v4_19 && !signalled.contains(t) {
                let traits = self.traits[Int(wait.behavior)]
                if traits.postWake == .none && traits.returnsAfterWake { f.mover = .both }
            }
        case .wake(let wake):
            f.page(wake.page.pfn)
            f.bucket(wake.bucket)
            // Taking q->lock and reading the bucket's list, which only its
            // holder changes: a right mover. Resuming from a bookmark also
            // takes the bookmark off the list; that step is left a non-mover
            // (not classified: merging never needs it to be one).
            if wake.phase == WakePhase.lock.rawValue && !wake.resumeFromBookmark { f.mover = .right }
            // A visit may wake any waiter queued on the bucket.
            for i in w.tasks.indices where w.tasks[i].entry.onList && w.tasks[i].entry.bucket == wake.bucket { f.tasks.insert(i) }
        }
        return true
    }
}
