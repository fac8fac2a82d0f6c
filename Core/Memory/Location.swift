/// One word of the model's memory a step can read or write: a field of a
/// `struct page`, a PTE, a page-cache slot, a wait entry's flags, or one
/// entry of the reference ledger.
///
/// The ledger is not shared memory: a task's steps read and write only its
/// own entries (the kernel keeps no such record; it is the model's account
/// of which references each task holds, kernel-model §1.1 refHolders), so
/// its accesses are `.modelOnly` and belong to the task. Everything else
/// here is memory other tasks see.
enum Location: Hashable, Sendable, CustomStringConvertible {
    /// `page->flags`.
    case flags(pfn: PFN)
    /// `page->_refcount`.
    case refcount(pfn: PFN)
    /// `page->_mapcount`.
    case mapcount(pfn: PFN)
    /// `page->mapping`.
    case mapping(pfn: PFN)
    /// The whole frame at once (the allocator's and the free path's
    /// initialisation, and the checks that look at several fields), and the
    /// fields only the model has: life, generation, lock owner, isolation,
    /// memmap presence.
    case frame(pfn: PFN)
    /// A page-table slot.
    case pte(slot: Int32)
    /// A page-cache slot (`mapping->i_pages` at one index).
    case cacheSlot(slot: Int32)
    /// `wait->flags` of the wait entry on `task`'s stack.
    case waitFlags(task: Int)
    /// `wait->entry.next` of the entry on `task`'s stack as a lockless
    /// reader sees it: finish_wait's `list_empty_careful` (kernel/sched/
    /// wait.c) reads it without q->lock to learn whether a waker unlinked
    /// the entry. Its value is whether the entry is linked; the list itself
    /// (`World.queue`) is only walked under q->lock.
    case waitLink(task: Int)
    /// The references `task` holds on frame `pfn`, by the ledger.
    case ledger(task: Int, pfn: PFN)
    /// PG_waiters in a word of its own (`PageLockWord.separate`, an
    /// ablation of known-bugs Z5): its value is the frame's PG_waiters bit,
    /// but it is another word than `flags`, so a store buffer holding a
    /// store to `flags` never carries it, and the door orders nothing
    /// between the two.
    case waitersWord(pfn: PFN)

    var description: String {
        switch self {
        case .flags(let p): "page \(p) flags"
        case .refcount(let p): "page \(p) refcount"
        case .mapcount(let p): "page \(p) mapcount"
        case .mapping(let p): "page \(p) mapping"
        case .frame(let p): "page \(p) frame"
        case .pte(let s): "PTE slot \(s)"
        case .cacheSlot(let s): "page-cache slot \(s)"
        case .waitFlags(let t): "task \(t) wait-entry flags"
        case .waitLink(let t): "task \(t) wait-entry next"
        case .ledger(let t, let p): "task \(t) ledger for page \(p)"
        case .waitersWord(let p): "page \(p) waiters word"
        }
    }
}

/// What an access does to its location.
enum AccessKind: UInt8, Hashable, Sendable, CustomStringConvertible {
    case read, write
    /// One indivisible read and write (an atomic RMW, or a plain one the
    /// model does in one step).
    case readModifyWrite

    var description: String {
        switch self {
        case .read: "read"
        case .write: "write"
        case .readModifyWrite: "RMW"
        }
    }
}

/// One access a step made: where, what, and with which order.
struct Access: Hashable, Sendable, CustomStringConvertible {
    var location: Location
    var kind: AccessKind
    var order: MemoryOrder

    var description: String { "\(kind) \(location) (\(order))" }
}

extension Footprint {
    /// Add the object `location` belongs to: a page word to its frame, a
    /// wait entry's flags and a ledger entry to their task.
    mutating func insert(_ location: Location) {
        switch location {
        case .flags(let p), .refcount(let p), .mapcount(let p), .mapping(let p), .frame(let p), .waitersWord(let p): page(p)
        case .pte(let s): pte(s)
        case .cacheSlot(let s): slot(s)
        case .waitFlags(let t), .waitLink(let t), .ledger(let t, _): tasks.insert(t)
        }
    }
}
