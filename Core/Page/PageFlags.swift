/// The `page->flags` bits the model needs (include/linux/page-flags.h).
///
/// `locked` and `waiters` share a byte in the kernel so that `unlock_page()`
/// can clear one and read the other in a single atomic operation
/// (`clear_bit_unlock_is_negative_byte`); the model gives each its own bit
/// and makes that operation one step instead.
public struct PageFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// PG_locked: the page lock.
    public static let locked = PageFlags(rawValue: 1 << 0)
    /// PG_waiters: "a wait-queue entry for this page may exist" (62906027091f).
    public static let waiters = PageFlags(rawValue: 1 << 1)
    /// PG_writeback: the second bit waited on through the same hashed queues.
    public static let writeback = PageFlags(rawValue: 1 << 2)
    public static let uptodate = PageFlags(rawValue: 1 << 3)
    public static let workingset = PageFlags(rawValue: 1 << 4)
    public static let swapbacked = PageFlags(rawValue: 1 << 5)
    public static let dirty = PageFlags(rawValue: 1 << 6)
    /// PG_private: buffers attached; adds one expected reference in migration.
    public static let `private` = PageFlags(rawValue: 1 << 7)
    public static let lru = PageFlags(rawValue: 1 << 8)

    static let names: [(PageFlags, String)] = [
        (.locked, "locked"), (.waiters, "waiters"), (.writeback, "writeback"),
        (.uptodate, "uptodate"), (.workingset, "workingset"), (.swapbacked, "swapbacked"),
        (.dirty, "dirty"), (.private, "private"), (.lru, "lru"),
    ]

    /// The named flags set here, one by one, in bit order: what a trace
    /// says was set or cleared.
    public var members: [PageFlags] { Self.names.map(\.0).filter { contains($0) } }

    /// The kernel's name for one flag, e.g. `PG_locked`.
    public var kernelName: String {
        let parts = Self.names.filter { contains($0.0) }.map { "PG_" + $0.1 }
        return parts.isEmpty ? "0" : parts.joined(separator: "|")
    }

    public var description: String {
        let parts = Self.names.filter { contains($0.0) }.map(\.1)
        return "[" + parts.joined(separator: ",") + "]"
    }
}
