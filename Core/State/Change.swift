/// One difference between the world before a step and after it: what a
/// trace names beside the step's own event (a wake's unlink, a lost
/// PG_waiters, a woken task). Each state type lists its own changes beside
/// its definition (`changes(from:to:...)`); `World.changes(from:to:)`
/// combines them in a fixed order.
public enum Change: Hashable, Sendable {
    case flags(pfn: PFN, set: PageFlags, cleared: PageFlags)
    case refcount(pfn: PFN, from: Int32, to: Int32)
    case mapcount(pfn: PFN, from: Int32, to: Int32)
    /// Allocation, freeze, unfreeze, free; `gen` is the generation after.
    case life(pfn: PFN, from: PageLife, to: PageLife, gen: UInt32)
    case lockOwner(pfn: PFN, from: TaskID, to: TaskID)
    /// The task whose I/O completion will clear PG_writeback.
    case writebackOwner(pfn: PFN, from: TaskID, to: TaskID)
    case isolation(pfn: PFN, from: TaskID, to: TaskID)
    case mapping(pfn: PFN, from: Int32, to: Int32)
    case memmapRemoved(pfn: PFN)
    case pte(slot: Int, from: PTE, to: PTE)
    case cache(slot: Int, from: PFN, to: PFN)
    /// `current->state` changed, other than by a wake out of io_schedule.
    case sleepState(task: Int, from: SleepState, to: SleepState)
    /// Blocked in io_schedule.
    case asleep(task: Int, state: SleepState)
    /// Taken out of io_schedule (by a wake or a signal); `state` is the
    /// state it slept in.
    case woken(task: Int, state: SleepState)
    case signalPending(task: Int, signal: PendingSignal)
    case finished(task: Int)
    case lockTaken(task: Int, lock: LockID)
    case lockReleased(task: Int, lock: LockID)
    case bucketLocked(task: Int, bucket: Int16)
    case bucketUnlocked(task: Int, bucket: Int16)
    case queued(task: Int, bucket: Int16)
    case unlinked(task: Int, bucket: Int16)
    case bookmarkPlaced(task: Int, bucket: Int16)
    case bookmarkRemoved(task: Int, bucket: Int16)
    case entryFlags(task: Int, from: WaitFlags, to: WaitFlags)
    case waitBegan(task: Int, page: PageRef, bit: PageFlags)
    case waitEnded(task: Int)
    case wakeBegan(task: Int, page: PageRef, bit: PageFlags)
    case wakeEnded(task: Int)
    case counter(index: Int, from: Int64, to: Int64)
}
