/// `wait_queue_entry->flags` (include/linux/wait.h).
public struct WaitFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let exclusive = WaitFlags(rawValue: 1 << 0)
    /// Set by the waker (v5.9a+) before it unlinks the entry.
    public static let woken = WaitFlags(rawValue: 1 << 1)
    /// The waiter asked for the lock to be handed over (v5.9 unfairness).
    public static let custom = WaitFlags(rawValue: 1 << 2)
    /// The lock bit was taken on the waiter's behalf, or by the waiter (v5.9).
    public static let done = WaitFlags(rawValue: 1 << 3)

    public var description: String {
        var s: [String] = []
        if contains(.exclusive) { s.append("EXCLUSIVE") }
        if contains(.woken) { s.append("WOKEN") }
        if contains(.custom) { s.append("CUSTOM") }
        if contains(.done) { s.append("DONE") }
        return s.isEmpty ? "0" : s.joined(separator: "|")
    }
}

/// A `wait_page_queue`: one waiter's entry. It lives on the waiter's stack,
/// so the model keeps it in the waiting task's state; the bucket list holds
/// only the task number.
public struct WaitEntry: Hashable, Sendable {
    /// The page the waiter waits on, compared by pfn only (like the kernel's
    /// pointer compare); `page.gen` is the model-only generation at wait start.
    public var page: PageRef = PageRef(pfn: .none, gen: 0)
    public var bit: PageFlags = .locked
    public var flags: WaitFlags = []
    /// Linked on its bucket's list.
    public var onList: Bool = false
    public var bucket: Int16 = -1

    public init() {}
}

/// One item on a hashed wait-queue list: a waiter's entry, or a waker's
/// bookmark (2554db916586).
public struct QueueItem: Hashable, Sendable {
    public var bucket: Int16
    /// Task number; for a bookmark, the waking task's number.
    public var task: TaskID
    public var isBookmark: Bool

    @inlinable public init(bucket: Int16, task: TaskID, isBookmark: Bool) {
        self.bucket = bucket
        self.task = task
        self.isBookmark = isBookmark
    }
}

extension WaitEntry: StateIdentity {
    @inlinable @inline(__always)
    public func combineIdentity(into h: inout StableHasher) {
        h.combine(page.register); h.combine(bit.rawValue); h.combine(flags.rawValue); h.combine(onList); h.combine(bucket)
    }
}

extension QueueItem: StateIdentity {
    public func combineIdentity(into h: inout StableHasher) {
        h.combine(bucket); h.combine(task); h.combine(isBookmark)
    }
}
