/// A task's number where one structure names another task: a page's lock
/// owner, freezer or isolator, a wait-queue item, a waker's cursor.
///
/// A type of its own, so that renaming tasks (a symmetry reduction) can
/// find every place that holds one, and a pfn or a bucket cannot be stored
/// where a task is meant. Stored as the `Int16` the fields held before, so
/// no layout and no fingerprint moves.
public struct TaskID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int16

    @inlinable public init(rawValue: Int16) { self.rawValue = rawValue }

    /// The task at `index` in `World.tasks`.
    @inlinable public init(_ index: Int) { rawValue = Int16(index) }

    /// Nobody (the -1 the kernel-model tables write).
    @inlinable public static var none: TaskID { TaskID(rawValue: -1) }

    /// The index into `World.tasks`; -1 for `none`.
    @inlinable public var index: Int { Int(rawValue) }

    /// The plain number, as traces have always printed it.
    public var description: String { rawValue.description }
}

extension StableHasher {
    /// The raw number, the bytes the `Int16` fields fed before.
    @inlinable public mutating func combine(_ task: TaskID) { combine(task.rawValue) }
}
