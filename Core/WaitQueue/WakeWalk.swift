// wake_up_page_bit() around __wake_up_common(): the walk of one hashed
// bucket, one entry per micro-step under q.lock, with bookmarks every
// WAITQUEUE_WALK_BREAK_CNT entries (2554db916586, 11a19c7b099f) and the
// PageWaiters clearing rule. Kernel-model §2.4. A call remembers the
// waiters it woke (and so unlinked) across its chunks: meeting one of them
// again means it re-queued behind the bookmark, the walk chasing its own
// wakees that kept "writeback completion soft lockup BUG in
// folio_wake_bit()" spinning (F11) until bookmarks were removed (v6.7).

extension Engine {
    func beginWake(_ w: inout World, _ t: Int, page: PageRef, bit: PageFlags) throws(Violation) -> StepEvent {
        var f = WakeFrame()
        f.page = page
        f.bit = bit
        f.bucket = config.waitTable.bucket(of: page.pfn)
        f.phase = WakePhase.lock.rawValue
        w.tasks[t].frame = .wake(f)
        w.stats.wakeCalls += 1
        return try wakeStep(&w, t)
    }

    /// The item after `index` in the same bucket, as (task, isBookmark).
    private func following(_ w: World, after index: Int, bucket: Int16) -> (TaskID, Bool)? {
        var i = index + 1
        while i < w.queue.count {
            let q = w.queue[i]
            if q.bucket == bucket { return (q.task, q.isBookmark) }
            i += 1
        }
        return nil
    }

    private func index(_ w: World, task: TaskID, bookmark: Bool) -> Int? {
        w.queue.firstIndex { $0.task == task && $0.isBookmark == bookmark }
    }

    /// Point the walk (the frame's locals `f`) at `n`, or at its end.
    @inline(__always)
    private func setNext(_ f: inout WakeFrame, _ n: (TaskID, Bool)?) {
        if let (task, isBookmark) = n {
            f.next = task
            f.nextIsBookmark = isBookmark
            f.phase = WakePhase.visit.rawValue
        } else {
            f.next = .none
            f.phase = WakePhase.final.rawValue
        }
    }

    /// One step of the walk. The frame's locals are read once into `f`,
    /// changed there and stored back with one write of the frame (before
    /// any call that may throw, so a violation sees them as the step left
    /// them): each `w.tasks[t].wake.x = ...` would re-wrap the whole frame.
    func wakeStep(_ w: inout World, _ t: Int) throws(Violation) -> StepEvent {
        var f = w.tasks[t].wake
        let phase = WakePhase(rawValue: f.phase)!
        let site = StepEvent.Site.wake(f.phase)
        switch phase {
        case .lock:
            let resumed = f.resumeFromBookmark
            w.tasks[t].heldBucket = f.bucket
            f.nrExclusive = 1
            f.count = 0
            f.visits = 0
            if resumed, let i = index(w, task: TaskID(t), bookmark: true) {
                let n = following(w, after: i, bucket: f.bucket)
                w.queue.remove(at: i)
                setNext(&f, n)
            } else {
                let first = w.queue.firstIndex { $0.bucket == f.bucket }
                setNext(&f, first.map { (w.queue[$0].task, w.queue[$0].isBookmark) })
            }
            f.resumeFromBookmark = false
            w.tasks[t].frame = .wake(f)
            return StepEvent(task: t, site: site, .wakeBegin, pfn: f.page.pfn, a: Int64(f.bucket), b: resumed ? 1 : 0)

        case .visit:
            guard let i = index(w, task: f.next, bookmark: f.nextIsBookmark) else {
                preconditionFailure("wake walk lost its cursor: the list changed under q.lock")
            }
            let after = following(w, after: i, bucket: f.bucket)
            if f.nextIsBookmark {
                let skipped = f.next
                setNext(&f, after)
                w.tasks[t].frame = .wake(f)
                return StepEvent(task: t, site: site, .bookmarkSkip, pfn: f.page.pfn, a: Int64(skipped.rawValue))
            }
            let waiter = f.next.index
            // wake_page_match's key, the entry's page and bit: set before the
            // entry was queued, and stable while it is.
            let entry = w.tasks[waiter].entry
            // __wake_up_common: flags = curr->flags, plain, under q->lock,
            // before the wake function; it decides the exclusive count.
            let flags = load(w, .waitFlags(waiter), .plain)
            f.visits += 1
            w.stats.longestWakeChunk = max(w.stats.longestWakeChunk, Int32(f.visits))
            var result = 0
            if entry.page.pfn == f.page.pfn {
                f.pageMatch = true
                if entry.bit == f.bit {
                    // An entry this call woke and unlinked is on the list
                    // again: its task re-queued behind our bookmark.
                    if f.woken.contains(waiter) { w.stats.wakeRevisits += 1 }
                    w.tasks[t].frame = .wake(f)
                    switch config.waitCore.version {
                    case .v4_19, .v4_10: result = try wakeFunctionV419(&w, waker: t, waiter: waiter, page: f.page, bit: f.bit)
                    case .v5_9a: result = try wakeFunctionV59a(&w, waker: t, waiter: waiter, page: f.page, bit: f.bit)
                    case .v5_9: result = try wakeFunctionV59(&w, waker: t, waiter: waiter, page: f.page, bit: f.bit)
                    }
                    // The model's record, kept only where a chunk can break:
                    // with bookmarks, and more than WAITQUEUE_WALK_BREAK_CNT
                    // + 1 other tasks to queue (fewer never fill a chunk).
                    if config.bookmarks && w.tasks.count > config.walkBreakCount + 2 && !w.tasks[waiter].entry.onList {
                        f.woken.insert(waiter)
                    }
                }
            }
            let event: StepEvent
            if entry.page.pfn == f.page.pfn && entry.bit == f.bit {
                event = StepEvent(task: t, site: site, .wakeVisit, pfn: f.page.pfn, a: Int64(waiter), b: Int64(result))
            } else {
                event = StepEvent(task: t, site: site, .wakeSkip, pfn: f.page.pfn, a: Int64(waiter), b: entry.page.pfn == f.page.pfn ? 1 : 0)
            }
            defer { w.tasks[t].frame = .wake(f) }
            if result < 0 {
                f.phase = WakePhase.final.rawValue
                return event
            }
            if result > 0 && flags.contains(.exclusive) {
                f.exclusiveWoken += 1
                w.stats.mostExclusiveWakesInOneCall = max(w.stats.mostExclusiveWakesInOneCall, Int32(f.exclusiveWoken))
                f.nrExclusive -= 1
                if f.nrExclusive == 0 {
                    f.phase = WakePhase.final.rawValue
                    return event
                }
            }
            f.count += 1
            if config.bookmarks && Int(f.count) > config.walkBreakCount, let (nt, nb) = after,
               let j = index(w, task: nt, bookmark: nb) {
                // list_add_tail(&bookmark->entry, &next->entry): just before next.
                w.queue.insert(QueueItem(bucket: f.bucket, task: TaskID(t), isBookmark: true), at: j)
                f.phase = WakePhase.chunkUnlock.rawValue
                return event
            }
            setNext(&f, after)
            return event

        case .chunkUnlock:
            w.tasks[t].heldBucket = -1
            f.resumeFromBookmark = true
            f.phase = WakePhase.lock.rawValue
            w.tasks[t].frame = .wake(f)
            return StepEvent(task: t, site: site, .chunkBreak, pfn: f.page.pfn, a: Int64(f.bucket))

        case .final:
            // "It is possible for other pages to have collided on the
            // waitqueue hash": clear PG_waiters only if the list is empty or
            // no entry for this page was seen; otherwise it stays (stale).
            let clear = !w.bucketActive(f.bucket) || !f.pageMatch
            if clear {
                try touch(&w, t, f.page, "ClearPageWaiters")
                // ClearPageWaiters: clear_bit, unordered (under q->lock).
                if config.pageLockWord.isSeparate {
                    clearSeparateWaiters(&w, f.page.pfn)
                } else {
                    rmw(&w, .flags(f.page.pfn), .relaxed) { _ = $0.remove(.waiters) }
                }
            }
            w.tasks[t].heldBucket = -1
            w.tasks[t].frame = .none
            try advance(&w, t)
            return StepEvent(task: t, site: site, .wakeEnd, pfn: f.page.pfn, a: clear ? 1 : 0)
        }
    }

    /// ClearPageWaiters on PG_waiters' own word (known-bugs Z5 ablation),
    /// out of line: the shared word's path stays as it was.
    @inline(never)
    private func clearSeparateWaiters(_ w: inout World, _ pfn: PFN) {
        rmw(&w, .waitersWord(pfn), .relaxed) { $0 = false }
    }
}
