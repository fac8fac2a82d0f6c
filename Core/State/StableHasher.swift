/// A deterministic 64-bit hash, the same in every process (Swift's
/// `Hasher` is seeded per process, so it cannot name a state in a shard's
/// output or across runs).
public struct StableHasher: Sendable {
    @usableFromInline var state: UInt64 = 0x243F_6A88_85A3_08D3

    @inlinable public init() {}

    @inlinable public mutating func combine(_ v: UInt64) {
        state = (state ^ (v &* 0x9E37_79B9_7F4A_7C15)).rotateLeft(27) &* 0xBF58_476D_1CE4_E5B9 &+ 0x94D0_49BB_1331_11EB
    }

    @inlinable public mutating func combine(_ v: Int64) { combine(UInt64(bitPattern: v)) }
    @inlinable public mutating func combine<I: FixedWidthInteger>(_ v: I) { combine(UInt64(truncatingIfNeeded: v)) }
    @inlinable public mutating func combine(_ b: Bool) { combine(b ? 1 as UInt64 : 0) }

    /// SplitMix64's finaliser, so nearby states land far apart.
    @inlinable public var value: UInt64 {
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension UInt64 {
    @inlinable func rotateLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
