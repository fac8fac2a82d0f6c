/// A page frame number where one structure names a frame: the index into
/// `World.pages` that a page reference, a PTE or a migration entry, a
/// page-cache slot, a cell of memory, an operand, an event, a change and a
/// finding hold.
///
/// A type of its own, so that a task number, a slot or a bucket cannot be
/// stored where a frame is meant, and every place that holds a frame can be
/// found. Stored as the `Int32` the fields held before, so no layout and no
/// fingerprint moves. A literal is a frame number, as programs and tests
/// write one (`.loadPage(r0, pfn: 0)`); a number in a variable must say it
/// is a frame (`PFN(i)`).
public struct PFN: Hashable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    public var rawValue: Int32

    @inlinable public init(rawValue: Int32) { self.rawValue = rawValue }

    @inlinable public init(integerLiteral value: Int32) { rawValue = value }

    /// The frame at `index` in `World.pages`.
    @inlinable public init(_ index: Int) { rawValue = Int32(index) }

    /// No frame (the -1 an empty PTE, an empty cache slot, an event or a
    /// finding about no page holds).
    @inlinable public static var none: PFN { PFN(rawValue: -1) }

    /// Names no frame: `none`, or any negative number a register held.
    @inlinable public var isNone: Bool { rawValue < 0 }

    /// The index into `World.pages`; negative for `isNone`.
    @inlinable public var index: Int { Int(rawValue) }

    /// The plain number, as traces have always printed it.
    public var description: String { rawValue.description }
}

extension StableHasher {
    /// The raw number, the bytes the `Int32` fields fed before.
    @inlinable public mutating func combine(_ pfn: PFN) { combine(pfn.rawValue) }
}
