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
    ///
    /// A set of tasks 0–7 (most scenarios, and every pick the random
    /// scheduler makes among them) is counted from a constant instead.
    @inlinable public var count: Int {
        if high == 0 && low < 256 {
            return Int(truncatingIfNeeded: Self.nibbleCount(low & 15) &+ Self.nibbleCount(low &>> 4))
        }
        return high == 0 ? low.nonzeroBitCount : low.nonzeroBitCount + high.nonzeroBitCount
    }

    /// The bit counts of the sixteen 4-bit values, four bits each: a table
    /// in one constant, so that no global (and its lazy initializer) is read.
    @inlinable @inline(__always) static func nibbleCount(_ v: UInt64) -> UInt64 {
        (0x4332_3221_3221_2110 as UInt64 &>> (v &<< 2)) & 15
    }

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
    ///
    /// The random scheduler asks this at every step with a random `k`, so
    /// a loop of `k` rounds ends where the branch predictor cannot guess.
    /// A set of tasks 0–7 is answered without a branch: which of its two
    /// nibbles holds the member (by the low nibble's count), then the
    /// member's place in that nibble from a 128-bit table held in two
    /// constants (two bits for each 4-bit value and `k` in 0..<4).
    @inlinable @inline(__always) public func nth(_ k: Int) -> Int {
        if high == 0 && low < 256 {
            let k = UInt64(truncatingIfNeeded: k)
            let lowCount = Self.nibbleCount(low & 15)
            let upper: UInt64 = k >= lowCount ? 1 : 0
            let nibble = (low &>> (upper &<< 2)) & 15
            let index = (nibble &<< 2) | ((k &- (lowCount & (0 &- upper))) & 3)
            let first: UInt64 = 0x2409_0802_0401_0000, second: UInt64 = 0xE439_380E_340D_0C03
            let table = first ^ ((first ^ second) & (0 &- (index &>> 5)))
            return Int(truncatingIfNeeded: (upper &<< 2) &+ ((table &>> ((index & 31) &<< 1)) & 3))
        }
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
