/// How a waker's unlink of a woken entry is ordered against the woken
/// task's lockless `list_empty_careful` in finish_wait (known-bugs Z2).
///
/// The waiter that finds its entry unlinked skips q->lock and reads
/// `wait->flags` next; only this pair orders that read after the waker's
/// WOKEN (message passing, forbidden under x86-TSO, allowed on ARMv8).
public enum EntryUnlink: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// `list_del_init` (INIT_LIST_HEAD's WRITE_ONCE of `next`) on the
    /// waker's side and a plain `next` load in `list_empty_careful`: every
    /// wake function and finish_wait before c6fe44d96fc1, and the first
    /// posting of 2a9127fcf229's wake_page_function.
    case plain
    /// c6fe44d96fc1 ("list: add "list_del_init_careful()" to go with
    /// "list_empty_careful()""): the unlink ends with
    /// `smp_store_release(&entry->next, entry)` and `list_empty_careful`
    /// reads `next` with `smp_load_acquire` (include/linux/list.h).
    case careful

    /// The order of the waker's store of `next`.
    var storeOrder: MemoryOrder { self == .careful ? .release : .plain }
    /// The order of finish_wait's lockless load of `next`.
    var loadOrder: MemoryOrder { self == .careful ? .acquire : .plain }

    public var description: String { self == .careful ? "list_del_init_careful" : "list_del_init" }
}
