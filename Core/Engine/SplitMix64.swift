/// SplitMix64 (Steele, Lea, Flood, OOPSLA 2014): a tiny, fast, seedable
/// generator. Every random choice in pagewait comes from one of these, so a
/// run is a pure function of its seed.
public struct SplitMix64: RandomNumberGenerator, Hashable, Sendable {
    public var state: UInt64

    @inlinable public init(seed: UInt64) { state = seed }

    @inlinable @inline(__always) public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in 0..<bound without the modulo bias that matters here (bound is tiny).
    ///
    /// The remainder of a bound in 2...16 (the random scheduler's pick
    /// among the runnable tasks, at every step) is computed by two
    /// multiplications instead of a division, which is the longest latency
    /// in a pick: Lemire, Kaser and Kurz, "Faster remainder by direct
    /// computation" (2019), exact for a 32-bit dividend and divisor. The
    /// value is the same as `%` gives.
    @inlinable @inline(__always) public mutating func below(_ bound: Int) -> Int {
        Self.below(bound, of: next())
    }

    /// What `below(bound)` gives when `next()` gives `value`: for a caller
    /// that draws its values ahead (`RandomScheduler`).
    @inlinable @inline(__always) public static func below(_ bound: Int, of value: UInt64) -> Int {
        remainder(value >> 33, bound)
    }

    /// `x % bound` for `x` below 2³², by multiplication when `bound` is in
    /// 2...16.
    @inlinable @inline(__always) static func remainder(_ x: UInt64, _ bound: Int) -> Int {
        if bound >= 2 && bound <= 16 {
            let fraction = remainderMultiplier(bound) &* x
            return Int(truncatingIfNeeded: fraction.multipliedFullWidth(by: UInt64(truncatingIfNeeded: bound)).high)
        }
        return Int(truncatingIfNeeded: x % UInt64(bound))
    }

    /// ⌊(2⁶⁴ − 1) / d⌋ + 1 for d in 2...16, the multiplier `below` needs: a
    /// switch of constants, which the compiler makes one table lookup.
    @inlinable @inline(__always) static func remainderMultiplier(_ d: Int) -> UInt64 {
        switch d {
        case 2: 0x8000_0000_0000_0000
        case 3: 0x5555_5555_5555_5556
        case 4: 0x4000_0000_0000_0000
        case 5: 0x3333_3333_3333_3334
        case 6: 0x2AAA_AAAA_AAAA_AAAB
        case 7: 0x2492_4924_9249_2493
        case 8: 0x2000_0000_0000_0000
        case 9: 0x1C71_C71C_71C7_1C72
        case 10: 0x1999_9999_9999_999A
        case 11: 0x1745_D174_5D17_45D2
        case 12: 0x1555_5555_5555_5556
        case 13: 0x13B1_3B13_B13B_13B2
        case 14: 0x1249_2492_4924_924A
        case 15: 0x1111_1111_1111_1112
        case 16: 0x1000_0000_0000_0000
        default: 0
        }
    }
}
