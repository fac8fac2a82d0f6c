// The random scheduler's pick without a division or a loop: SplitMix64's
// remainder by multiplication (SplitMix64.swift) and TaskSet's count and
// nth of a set of tasks 0-7 (TaskSet.swift). Both must give exactly what
// the plain arithmetic gives, or every recorded schedule changes.

import Testing
@testable import PagewaitCore

@Suite("Pick arithmetic")
struct PickArithmeticTests {
    @Test("the remainder by multiplication equals % for every bound 1...20, at the ends of the dividend's range and over a million draws")
    func remainderEqualsModulo() {
        var rng = SplitMix64(seed: 11)
        let top: UInt64 = (1 << 31) - 1  // `below` divides next() >> 33
        for bound in 1...20 {
            let b = UInt64(bound)
            var xs: [UInt64] = [0, 1, b - 1, b, b + 1, 2 * b - 1, 2 * b, top, top - 1, top - b, top - b + 1, (1 << 32) - 1]
            for _ in 0..<50_000 { xs.append(rng.next() >> 33) }
            for x in xs where SplitMix64.remainder(x, bound) != Int(x % b) {
                Issue.record("\(x) % \(bound): \(SplitMix64.remainder(x, bound)), expected \(x % b)")
                return
            }
        }
    }

    @Test("below(n) draws what (next() >> 33) % n draws, seed for seed")
    func belowMatchesPlainDraw() {
        for seed in UInt64(1)...20 {
            var a = SplitMix64(seed: seed), b = SplitMix64(seed: seed)
            for i in 0..<2_000 {
                let n = 1 + i % 40
                #expect(a.below(n) == Int((b.next() >> 33) % UInt64(n)))
            }
        }
    }

    @Test("count and nth of every set of tasks 0-7 agree with iterating the set; a set reaching task 8 or 64 still counts and selects as before")
    func smallSets() {
        for bits in 0..<256 {
            var s = TaskSet()
            for t in 0..<8 where bits & (1 << t) != 0 { s.insert(t) }
            let members = Array(s)
            #expect(s.count == members.count, "count of \(s)")
            for k in members.indices where s.nth(k) != members[k] {
                Issue.record("nth(\(k)) of \(s) is \(s.nth(k)), expected \(members[k])")
            }
        }
        for members in [[0, 8], [3, 7, 8, 9], [1, 63], [2, 64], [0, 1, 2, 3, 4, 5, 6, 7, 100]] {
            let s = TaskSet(members)
            #expect(s.count == members.count)
            #expect(members.indices.map { s.nth($0) } == members)
        }
    }
}
