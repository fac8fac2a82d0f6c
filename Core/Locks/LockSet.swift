/// A set of `LockID`s as two machine words: the program locks a task holds,
/// the locks held by anyone, a step's locks. Plain data, so a `TaskState`
/// stays a copy of plain memory, and a test is a shift and a mask.
///
/// 128 locks: the first 64 numbers hold today's classes (page-table and
/// i_pages locks), the second 64 are room for more. More than that is a
/// third word: one more field and one more line in each operation below.
public struct LockSet: Hashable, Sendable, Sequence, CustomStringConvertible {
    public static let capacity = 128
    @usableFromInline var low: UInt64 = 0
    @usableFromInline var high: UInt64 = 0

    @inlinable public init() {}

    @inlinable public init(_ locks: some Sequence<LockID>) {
        for l in locks { insert(l) }
    }

    @inlinable public var isEmpty: Bool { low | high == 0 }

    @inlinable @inline(__always) public func contains(_ l: LockID) -> Bool {
        l.raw < 64 ? low & (1 << UInt64(l.raw)) != 0 : l.raw < 128 && high & (1 << UInt64(l.raw - 64)) != 0
    }

    @inlinable @inline(__always) public mutating func insert(_ l: LockID) {
        precondition(Int(l.raw) < Self.capacity, "lock \(l.raw) outside a LockSet")
        if l.raw < 64 { low |= 1 << UInt64(l.raw) } else { high |= 1 << UInt64(l.raw - 64) }
    }

    @inlinable @inline(__always) public mutating func remove(_ l: LockID) {
        if l.raw < 64 { low &= ~(1 << UInt64(l.raw)) } else if l.raw < 128 { high &= ~(1 << UInt64(l.raw - 64)) }
    }

    @inlinable public func union(_ o: LockSet) -> LockSet {
        var s = self
        s.formUnion(o)
        return s
    }

    @inlinable public mutating func formUnion(_ o: LockSet) {
        low |= o.low
        high |= o.high
    }

    /// The locks in exactly one of the two sets: what a step took or released.
    @inlinable public func symmetricDifference(_ o: LockSet) -> LockSet {
        var s = LockSet()
        s.low = low ^ o.low
        s.high = high ^ o.high
        return s
    }

    @inlinable public func isDisjoint(with o: LockSet) -> Bool { low & o.low | high & o.high == 0 }

    public struct Iterator: IteratorProtocol {
        @usableFromInline var set: LockSet
        @inlinable init(set: LockSet) { self.set = set }
        /// Locks in increasing number: clear the lowest bit each time.
        @inlinable public mutating func next() -> LockID? {
            if set.low != 0 {
                defer { set.low &= set.low - 1 }
                return LockID(raw: UInt8(set.low.trailingZeroBitCount))
            }
            if set.high != 0 {
                defer { set.high &= set.high - 1 }
                return LockID(raw: UInt8(64 + set.high.trailingZeroBitCount))
            }
            return nil
        }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(set: self) }

    public var description: String { "{" + map(\.description).joined(separator: ", ") + "}" }
}

extension LockSet: StateIdentity {
    /// Fed after the first word when a lock beyond it is held. No `Int16`
    /// widens to it (its top bits are neither all zeros nor all ones), so the
    /// `heldBucket` a `TaskState` feeds next is never mistaken for it.
    @usableFromInline static var beyondFirstWord: UInt64 { 0x6C6F_636B_7365_7432 }

    /// The first word, as the one-word mask before it fed, so fingerprints
    /// of today's locks are unchanged; the second only when it holds a lock.
    @inlinable @inline(__always) public func combineIdentity(into h: inout StableHasher) {
        h.combine(low)
        if high != 0 {
            h.combine(Self.beyondFirstWord)
            h.combine(high)
        }
    }
}
