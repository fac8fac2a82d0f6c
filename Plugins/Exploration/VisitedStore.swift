import PagewaitCore
import Synchronization

/// The exhaustive explorer's visited-state store: hash compaction into one
/// 64-bit word per state, shared by the exploring threads.
///
/// A slot holds a 48-bit tag of the state's fingerprint and 16 bits of the
/// sleep set the state was explored with: bits 0–14 are tasks 0–14 exactly,
/// bit 15 stands for "every task ≥ 15 may be asleep". That over-approximates
/// the stored sleep set, which is sound — on a revisit the explorer only
/// re-explores transitions it already took — and it is exact for scenarios
/// of at most 15 tasks, which is every scenario small enough to explore. It
/// never under-approximates: that would lose states.
///
/// The fingerprint goes through a bijective mix; its low 8 bits choose one of
/// 256 segments and its top 48 bits are the tag, from which the slot is found
/// (a multiply-high over the segment's capacity, linear probing from there).
/// The home slot must follow from the tag alone: a segment grows by
/// rehashing what it stores, and it does not store the whole fingerprint.
///
/// Each segment is its own table behind its own lock and grows by 1.5× once
/// it is 80 % full, so the store takes 8 / load = 10–15 bytes per state.
///
/// An `indexed` store also numbers its states 0, 1, 2, … in the order they
/// were first stored (a 32-bit word beside each slot, 5–7.5 bytes more per
/// state): the explorer records the state graph by these numbers, so the
/// fair-cycle search can run over it without stepping again (`StateGraph`).
///
/// **The chance of a missed state.** Two distinct states are confused (the
/// second is taken for the first and not explored) when their 64-bit
/// fingerprints are equal, or when their mixes agree on the 56 bits the store
/// keeps (tag and segment). For n states that is about
/// n²/2⁶⁵ + n²/2⁵⁷ ≈ n²/2⁵⁷:
///
/// | states | chance of any confusion |
/// |---|---|
/// | 10⁵ | 7 × 10⁻⁸ |
/// | 10⁶ | 7 × 10⁻⁶ |
/// | 5 × 10⁶ (the default state limit) | 1.7 × 10⁻⁴ |
final class VisitedStore: Sendable {
    enum Visit: Equatable {
        /// First visit: the state is now stored with the given sleep set.
        case new
        /// Seen before: explore `newlyAwake` (asleep then, awake now); the
        /// store now keeps `sleep`, the old set ∩ the new one.
        case seen(newlyAwake: TaskSet, sleep: TaskSet)
        /// Seen before with nothing asleep then that is awake now.
        case nothingNew
        /// Not seen, and the store already holds `limit` states.
        case full
    }

    private static let sleepMask: UInt64 = 0xFFFF
    private static let minimumCapacity = 8

    /// A segment's open-addressed table; owns its slots.
    private struct Table: ~Copyable {
        var slots: UnsafeMutablePointer<UInt64>
        /// Each slot's state number (an indexed store), else nil.
        var numbers: UnsafeMutablePointer<UInt32>?
        var capacity: Int
        var count = 0

        init(capacity: Int, indexed: Bool) {
            self.capacity = capacity
            slots = .allocate(capacity: capacity)
            slots.initialize(repeating: 0, count: capacity)
            if indexed {
                numbers = .allocate(capacity: capacity)
                numbers!.initialize(repeating: 0, count: capacity)
            }
        }

        deinit {
            slots.deallocate()
            numbers?.deallocate()
        }

        /// The slot holding `key`'s tag, or the empty slot where it belongs.
        func find(_ key: UInt64) -> Int {
            var i = Int(truncatingIfNeeded: key.multipliedFullWidth(by: UInt64(capacity)).high)
            while true {
                let s = slots[i]
                if s == 0 || s & ~VisitedStore.sleepMask == key { return i }
                i += 1
                if i == capacity { i = 0 }
            }
        }

        mutating func grow() {
            let old = slots, oldNumbers = numbers, oldCapacity = capacity
            capacity = oldCapacity + oldCapacity / 2
            slots = .allocate(capacity: capacity)
            slots.initialize(repeating: 0, count: capacity)
            if oldNumbers != nil {
                numbers = .allocate(capacity: capacity)
                numbers!.initialize(repeating: 0, count: capacity)
            }
            for i in 0..<oldCapacity where old[i] != 0 {
                let j = find(old[i] & ~VisitedStore.sleepMask)
                slots[j] = old[i]
                if let oldNumbers { numbers![j] = oldNumbers[i] }
            }
            old.deallocate()
            oldNumbers?.deallocate()
        }
    }

    private final class Segment: Sendable {
        let table: Mutex<Table>
        init(indexed: Bool) { table = Mutex(Table(capacity: VisitedStore.minimumCapacity, indexed: indexed)) }
    }

    private let segments: [Segment]
    private let segmentMask: UInt64
    private let total = Atomic<Int>(0)

    /// `segmentBits`: 2^segmentBits segments (8 for a store threads share; 0
    /// for one only its own thread uses).
    /// `indexed`: number the states (`number(of:)`, `visitNumbered`).
    init(segmentBits: Int = 8, indexed: Bool = false) {
        precondition((0...16).contains(segmentBits))
        segments = (0..<(1 << segmentBits)).map { _ in Segment(indexed: indexed) }
        segmentMask = (1 << UInt64(segmentBits)) - 1
    }

    /// States stored.
    var count: Int { total.load(ordering: .relaxed) }

    /// Bytes the tables take (the slots; the segments' headers are left out).
    var bytes: Int { segments.reduce(0) { sum, s in sum + s.table.withLock { $0.capacity } * MemoryLayout<UInt64>.size } }

    /// Bytes the state numbers take (an indexed store; counted with the
    /// recorded graph they serve, `ExplorationResult.graphBytes`).
    var numberBytes: Int {
        segments.reduce(0) { sum, s in sum + s.table.withLock { $0.numbers == nil ? 0 : $0.capacity } * MemoryLayout<UInt32>.size }
    }

    /// The splitmix64 finaliser: bijective, so fingerprints that differ
    /// anywhere differ in the mix.
    @inline(__always) private static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The segment and the tag (in the top 48 bits, never 0: 0 is an empty slot).
    @inline(__always) private func locate(_ fingerprint: UInt64) -> (Segment, UInt64) {
        let m = Self.mix(fingerprint)
        let key = m & ~Self.sleepMask
        return (segments[Int(truncatingIfNeeded: m & segmentMask)], key == 0 ? Self.sleepMask + 1 : key)
    }

    @inline(__always) static func encode(_ s: TaskSet) -> UInt64 {
        s.low & 0x7FFF | (s.low >> 15 != 0 || s.high != 0 ? 0x8000 : 0)
    }

    @inline(__always) static func decode(_ bits: UInt64) -> TaskSet {
        var s = TaskSet()
        s.low = bits & 0x7FFF
        if bits & 0x8000 != 0 {
            s.low |= ~0x7FFF
            s.high = ~0
        }
        return s
    }

    /// Record a visit to the state with `fingerprint`, reached with `sleep`,
    /// and say what is left to explore from it. One call, under the
    /// segment's lock, so across threads each transition out of a state is
    /// left to exactly one visitor. A new state is kept only while the store
    /// holds fewer than `limit`.
    func visit(_ fingerprint: UInt64, sleep: TaskSet, limit: Int) -> Visit {
        visit(fingerprint, sleep: sleep) { total.load(ordering: .relaxed) < limit }.0
    }

    /// `visit`, with a state budget shared by stores and threads instead of
    /// a limit of this store's own: a new state is kept only if it can take
    /// one from `budget`, so together the stores never keep more.
    func visit(_ fingerprint: UInt64, sleep: TaskSet, budget: StateBudget) -> Visit {
        visit(fingerprint, sleep: sleep) { budget.take() }.0
    }

    /// `visit`, and the state's number in an indexed store (0 for `.full`).
    func visitNumbered(_ fingerprint: UInt64, sleep: TaskSet, budget: StateBudget) -> (Visit, UInt32) {
        visit(fingerprint, sleep: sleep) { budget.take() }
    }

    /// Both: `admit` says, under the lock, whether a new state may be kept.
    private func visit(_ fingerprint: UInt64, sleep: TaskSet, admit: () -> Bool) -> (Visit, UInt32) {
        let (segment, key) = locate(fingerprint)
        return segment.table.withLock { t -> (Visit, UInt32) in
            var i = t.find(key)
            let s = t.slots[i]
            if s != 0 {
                let number = t.numbers?[i] ?? 0
                let seen = Self.decode(s & Self.sleepMask)
                let newlyAwake = seen - sleep
                if newlyAwake.isEmpty { return (.nothingNew, number) }
                let now = seen & sleep
                t.slots[i] = key | Self.encode(now)
                return (.seen(newlyAwake: newlyAwake, sleep: now), number)
            }
            guard admit() else { return (.full, 0) }
            if (t.count + 1) * 5 > t.capacity * 4 {
                t.grow()
                i = t.find(key)
            }
            t.slots[i] = key | Self.encode(sleep)
            t.count += 1
            let number = UInt32(truncatingIfNeeded: total.wrappingAdd(1, ordering: .relaxed).oldValue)
            t.numbers?[i] = number
            return (.new, number)
        }
    }

    func contains(_ fingerprint: UInt64) -> Bool {
        let (segment, key) = locate(fingerprint)
        return segment.table.withLock { t in t.slots[t.find(key)] != 0 }
    }

    /// The number of the stored state with `fingerprint` (an indexed store), or nil.
    func number(of fingerprint: UInt64) -> UInt32? {
        let (segment, key) = locate(fingerprint)
        return segment.table.withLock { t in
            let i = t.find(key)
            return t.slots[i] == 0 ? nil : t.numbers?[i]
        }
    }
}

/// The distinct states a search may still keep, shared by its stores and
/// threads. Taking one is a compare-and-swap, so however the threads race,
/// no more than `limit` are ever taken.
final class StateBudget: Sendable {
    let limit: Int
    private let used = Atomic<Int>(0)

    init(limit: Int) { self.limit = max(0, limit) }

    /// Take one state; false when none is left.
    func take() -> Bool {
        var u = used.load(ordering: .relaxed)
        while u < limit {
            let (exchanged, original) = used.compareExchange(expected: u, desired: u + 1, ordering: .relaxed)
            if exchanged { return true }
            u = original
        }
        return false
    }

    var taken: Int { used.load(ordering: .relaxed) }
}
