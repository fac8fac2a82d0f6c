/// Observations about the whole run that no step reads back.
public struct WorldStats: Hashable, Sendable {
    /// wake_up_page_bit calls, and the most entries one q.lock hold visited.
    public var wakeCalls: Int64 = 0
    public var longestWakeChunk: Int32 = 0
    /// Exclusive wakes per call (kernel-model §5.10 says at most one).
    public var mostExclusiveWakesInOneCall: Int32 = 0
    /// Entries a wake call met again after waking them in the same call:
    /// re-queued behind its bookmark (F11).
    public var wakeRevisits: Int32 = 0
    /// Steps taken so far: the step number a report gives an event
    /// (when a sleeping-lock waiter queued, when an owner took a lock).
    public var steps: Int64 = 0
    public init() {}
}

/// Everything the model's kernel holds, as one value: page frames, page
/// tables, the page cache, tasks, the reference ledger and the hashed
/// wait-queue lists. Copyable for backtracking, hashable for visited sets.
public struct World: Hashable, Sendable {
    public var pages: [PageFrame]
    public var ptes: [PTE]
    public var cache: [CacheSlot]
    public var tasks: [TaskState]
    /// The reference ledger: references task `t` holds on frame `p`, at
    /// `refs[t * pages.count + p]` (kernel-model §1.1 refHolders).
    public var refs: [UInt8]
    /// Every hashed wait-queue list, as one ordered sequence; a bucket's
    /// list is the subsequence of items with that bucket, in order.
    public var queue: [QueueItem]
    /// Counters programs bump (`Op.count`); the scenario names them.
    public var counters: [Int64]
    /// Mutexes and rwsems (`SleepLockID.raw` indexes it): empty unless a
    /// program takes one; the table grows to the highest lock a step takes.
    public var sleepLocks: [SleepLock] = []
    /// The scenario's CPUs: which task each runs, and their queued work
    /// items (`CPUState`; empty without CPUs).
    public var cpu = CPUState()
    /// The tasks' store buffers under `--memory tso` (StoreBuffer.swift);
    /// always empty under `sc`.
    public var storeBuffers = StoreBuffers()
    /// The message histories and task views under `--memory arm`
    /// (Views.swift); always empty under `sc` and `tso`.
    public var views = Views()
    public var stats = WorldStats()

    public init(pages: Int, ptes: [PTE] = [], cache: [CacheSlot] = [], tasks: [TaskState] = [], counters: Int = 0) {
        self.pages = Array(repeating: PageFrame(), count: pages)
        self.ptes = ptes
        self.cache = cache
        self.tasks = tasks
        self.refs = Array(repeating: 0, count: pages * tasks.count)
        self.queue = []
        self.queue.reserveCapacity(tasks.count * 2)
        self.counters = Array(repeating: 0, count: counters)
    }

    /// References `task` holds on frame `pfn`, by the ledger.
    @inlinable public func references(of task: Int, on pfn: PFN) -> Int {
        Int(refs[task * pages.count + pfn.index])
    }

    /// What the ledger says `pfn`'s refcount should be: the page cache's
    /// reference, PG_private's, one per present mapping, and every task's.
    public func ledgerCount(_ pfn: PFN) -> Int {
        let p = pages[pfn.index]
        var n = Int(p.mapcount)
        if p.flags.contains(.private) { n += 1 }
        if p.mapping >= 0, cache[Int(p.mapping)].pfn == pfn { n += 1 }
        for t in tasks.indices { n += references(of: t, on: pfn) }
        return n
    }

    /// Frames whose refcount disagrees with the ledger (kernel-model I1);
    /// frozen and free frames are skipped: their count says nothing.
    public func ledgerMismatches() -> [(pfn: PFN, refcount: Int32, ledger: Int)] {
        var out: [(PFN, Int32, Int)] = []
        for i in pages.indices where pages[i].life == .inUse {
            let l = ledgerCount(PFN(i))
            if l != Int(pages[i].refcount) { out.append((PFN(i), pages[i].refcount, l)) }
        }
        return out
    }

    /// Some task holds the wait-queue lock of `bucket`.
    @inlinable public func bucketLocked(_ bucket: Int16) -> Bool {
        for i in tasks.indices where tasks[i].heldBucket == bucket { return true }
        return false
    }

    /// Every program spinlock some task holds.
    @inlinable public var spinLocked: LockSet {
        var locks = LockSet()
        for i in tasks.indices { locks.formUnion(tasks[i].heldLocks) }
        return locks
    }

    /// Some task holds `lock`.
    @inlinable public func locked(_ lock: LockID) -> Bool { spinLocked.contains(lock) }

    /// `waitqueue_active()`: the bucket's list has any item.
    @inlinable public func bucketActive(_ bucket: Int16) -> Bool {
        for i in queue.indices where queue[i].bucket == bucket { return true }
        return false
    }

    /// The tasks queued on `bucket`, in list order (bookmarks left out).
    public func waiters(in bucket: Int16) -> [Int] {
        queue.filter { $0.bucket == bucket && !$0.isBookmark }.map { $0.task.index }
    }

    /// Every task has finished (an idle kworker, asleep with no work
    /// queued, counts as finished: it has nothing left to do).
    public var allFinished: Bool {
        for i in tasks.indices where !tasks[i].finished && !tasks[i].isIdleWorker { return false }
        return storeBuffers.isEmpty
    }
}
