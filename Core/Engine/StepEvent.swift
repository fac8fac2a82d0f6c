/// What one atomic step did, in a compact form: no strings, no allocation.
/// The reporters' trace formatter turns it into the kernel's words.
public struct StepEvent: Hashable, Sendable {
    /// Which part of the model executed the step.
    public enum Site: Hashable, Sendable {
        case instruction(Int32)
        /// A phase of `wait_on_page_bit_common` (its wait core's numbering).
        case wait(UInt8)
        /// A phase of `wake_up_page_bit`.
        case wake(UInt8)
    }

    public enum Action: UInt8, Hashable, Sendable {
        case nothing
        case branch            // a: 1 taken, 0 not
        case setRegister       // a: register, b: value
        case counter           // a: counter id
        case exit
        case refcount          // a: from, b: to
        case refFailed         // get_page_unless_zero / freeze failed; a: refcount seen
        case freed             // page returned to the allocator
        case allocated         // a: new gen
        case allocFailed
        case frozen            // a: expected
        case unfrozen          // a: new count
        case flags             // a: flags before, b: flags after
        case flagTest          // a: flag, b: 1 set
        case trylock           // a: 1 success
        case unlockU1          // a: old PG_waiters
        case nonAtomicRead     // a: snapshot
        case nonAtomicWrite    // a: before, b: after
        case spinLock          // a: lock raw
        case spinUnlock        // a: lock raw
        case pte               // a: slot, b: new kind raw
        case pteRead           // a: slot, b: kind raw
        case cache             // a: slot, b: new pfn
        case lru               // a: 1 isolated / 0 putback / -1 isolation failed
        case signal            // a: target task, b: fatal
        case signalRead        // a: pending
        case hotRemove
        // wait core
        case waitBegin         // a: behaviour, b: thrashing
        case queueLock         // a: bucket
        case queueUnlock       // a: bucket
        case queued            // a: bucket, b: flags after
        case notQueued         // synchronous success; a: entry flags
        case setState          // a: state raw
        case bitTest           // a: 1 set
        case sleep             // io_schedule: a: 0 returned, 1 blocked, 2 signal
        case takeBit           // a: 1 taken
        case requeue           // going round again
        case signalExit        // -EINTR
        case waitEnd           // a: result
        case unlinked          // a: bucket
        // wake walk
        case wakeBegin         // a: bucket, b: 1 resumed after a bookmark, 2 an aborting waiter passing its wake on
        case wakeVisit         // a: waiter task, b: result (-1, 0, 1)
        case wakeSkip          // a: waiter (other page or bit), b: 1 page matched
        case bookmarkSkip      // a: owner
        case bookmarkPlaced    // a: bucket
        case chunkBreak        // a: bucket
        case wakeEnd           // a: 1 PG_waiters cleared
        // sleeping locks (mutex, rwsem)
        case sleepLockTaken    // a: SleepLockID raw, b: mode raw
        case sleepLockWait     // a: SleepLockID raw, b: mode raw; queued and asleep
        case sleepLockReleased // a: SleepLockID raw, b: task woken, -1 none
        // CPUs
        case resched           // cond_resched: went on
        case work              // a: CPU, b: 0 queued, 1 already pending, 2 ran, 3 idle, 4 flushed, 5 flush sleeps
        // --memory tso
        case flush             // the task's oldest buffered store reaches memory; a: location, b: value (StoredValue.flushText)
        // PG_waiters in a word of its own (PageLockWord, known-bugs Z5)
        case releaseLocked     // __clear_bit_unlock(PG_locked): a: flags before, b: flags written
        case waitersWordTest   // a: 1 PG_waiters set, b: 1 after smp_mb
        // --memory arm
        case advance           // the task's view of a word moves to the next newer message; a: location, b: its value
    }

    public var task: TaskID
    public var site: Site
    public var action: Action
    public var pfn: PFN
    public var a: Int64
    public var b: Int64

    @inlinable public init(task: Int, site: Site, _ action: Action, pfn: PFN = .none, a: Int64 = 0, b: Int64 = 0) {
        self.task = TaskID(task)
        self.site = site
        self.action = action
        self.pfn = pfn
        self.a = a
        self.b = b
    }
}

extension StepEvent.Site {
    /// The kernel's words for a phase of a wait or a wake (`spin_lock(q->lock)`),
    /// as `Op.kernelName` gives them for an instruction: nil for an
    /// instruction, or a phase no wait core has.
    public var phaseName: String? {
        switch self {
        case .instruction: nil
        case .wait(let phase): WaitPhase(rawValue: phase)?.name
        case .wake(let phase): WakePhase(rawValue: phase)?.name
        }
    }
}
