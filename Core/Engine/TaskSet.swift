/// A set of task numbers below `TaskSet.capacity`, as two machine words:
/// the runnable set handed to schedulers at every step, without allocating.
public struct TaskSet: Hashable, Sendable, Sequence, CustomStringConvertible {
    public static let capacity = 128
    public var low: UInt64 = 0
    public var high: UInt64 = 0

    @inlinable public init() {}

    @inlinable public init(_ tasks: some Sequence<Int>) {
        for t in tasks { insert(t) }
    }

    @inlinable public var isEmpty: Bool { low == 0 && high == 0 }
    /// (Without a popcount instruction in the baseline x86-64 target a bit
    /// count is some twenty instructions, so the usual case of at most 64
    /// tasks counts one word.)
    @inlinable public var count: Int { high == 0 ? low.nonzeroBitCount : low.nonzeroBitCount + high.nonzeroBitCount }

    @inlinable @inline(__always) public func contains(_ t: Int) -> Bool {
        guard t >= 0 && t < Self.capacity else { return false }
        return t < 64 ? low & (1 << UInt64(t)) != 0 : high & (1 << UInt64(t - 64)) != 0
    }

    @inlinable @inline(__always) public mutating func insert(_ t: Int) {
        precondition(t >= 0 && t < Self.capacity, "task \(t) outside a TaskSet")
        if t < 64 { low |= 1 << UInt64(t) } else { high |= 1 << UInt64(t - 64) }
    }

    @inlinable @inline(__always) public mutating func remove(_ t: Int) {
        guard t >= 0 && t < Self.capacity else { return }
        if t < 64 { low &= ~(1 << UInt64(t)) } else { high &= ~(1 << UInt64(t - 64)) }
    }

    /// The `k`-th smallest member (0-based); `k` must be below `count`.
    @inlinable @inline(__always) public func nth(_ k: Int) -> Int {
        var k = k
        var word = low, base = 0
        if high != 0 && k >= low.nonzeroBitCount {
            k -= low.nonzeroBitCount
            word = high
            base = 64
        }
        while k > 0 {
            word &= word - 1
            k -= 1
        }
        return base + word.trailingZeroBitCount
    }

    /// The smallest member, or nil.
    @inlinable public var first: Int? { isEmpty ? nil : nth(0) }

    public struct Iterator: IteratorProtocol {
        @usableFromInline var set: TaskSet
        @inlinable init(set: TaskSet) { self.set = set }
        /// Members in increasing order: clear the lowest bit each time.
        @inlinable public mutating func next() -> Int? {
            if set.low != 0 {
                defer { set.low &= set.low - 1 }
                return set.low.trailingZeroBitCount
            }
            if set.high != 0 {
                defer { set.high &= set.high - 1 }
                return 64 + set.high.trailingZeroBitCount
            }
            return nil
        }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(set: self) }

    @inlinable public static func & (a: TaskSet, b: TaskSet) -> TaskSet {
        var s = TaskSet()
        s.low = a.low & b.low
        s.high = a.high & b.high
        return s
    }

    @inlinable public static func | (a: TaskSet, b: TaskSet) -> TaskSet {
        var s = TaskSet()
        s.low = a.low | b.low
        s.high = a.high | b.high
        return s
    }

    @inlinable public static func - (a: TaskSet, b: TaskSet) -> TaskSet {
        var s = TaskSet()
        s.low = a.low & ~b.low
        s.high = a.high & ~b.high
        return s
    }

    public var description: String { "{" + map(String.init).joined(separator: ",") + "}" }
}
