// LockSet and LockID (Core/Locks): the program locks a task holds, two
// machine words for 128 locks; today's classes keep their numbers, and a
// lock beyond the first 64 gates, fingerprints and footprints like the rest.

import Testing
@testable import PagewaitCore

@Suite("LockSet")
struct LockSetTests {
    /// A lock numbered past today's classes, as a future class's would be.
    static let beyond = LockID(raw: 100)

    @Test("today's classes keep their numbers and names: ptl(mm) is mm, i_pages lock(file) is 32 + file")
    func classesKeepTheirNumbers() {
        #expect(LockID.ptl(0).raw == 0 && LockID.ptl(31).raw == 31)
        #expect(LockID.mapping(0).raw == 32 && LockID.mapping(31).raw == 63)
        #expect(LockID.ptl(5).description == "ptl(mm 5)" && LockID.mapping(2).description == "i_pages lock(file 2)")
        #expect(LockID.ptl(7).lockClass == .ptl && LockID.ptl(7).instance == 7)
        #expect(LockID.mapping(3).lockClass == .iPages && LockID.mapping(3).instance == 3)
        #expect(LockID.maxProcesses == 32)
        let ranges = LockClass.allCases.map { Int($0.first) ..< Int($0.first) + $0.count }
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound <= b.lowerBound, "\(a) and \(b) overlap") }
        #expect(ranges.last!.upperBound <= LockSet.capacity)
    }

    @Test("insert, contains, remove and iteration on both sides of 64, in increasing number; numbers past the capacity are never contained")
    func membership() {
        var s = LockSet()
        #expect(s.isEmpty && Array(s) == [] && s.description == "{}")
        for raw in [127, 64, 0, 63, 100, 32] { s.insert(LockID(raw: UInt8(raw))) }
        #expect(!s.isEmpty)
        #expect(s.map(\.raw) == [0, 32, 63, 64, 100, 127])
        for raw in [1, 31, 65, 126, 128, 255] { #expect(!s.contains(LockID(raw: UInt8(raw))), "\(raw)") }
        s.remove(LockID(raw: 64))
        s.remove(LockID(raw: 200))
        s.remove(.ptl(0))
        #expect(s.map(\.raw) == [32, 63, 100, 127])
        #expect(LockSet([.ptl(1), Self.beyond]) == LockSet([Self.beyond, .ptl(1)]))
        #expect(LockSet([.ptl(1)]).description == "{ptl(mm 1)}")
    }

    @Test("union, symmetric difference and disjointness see both words")
    func algebra() {
        let a = LockSet([.ptl(1), Self.beyond]), b = LockSet([.ptl(1), .mapping(0)])
        #expect(a.union(b).map(\.raw) == [1, 32, 100])
        #expect(a.symmetricDifference(b).map(\.raw) == [32, 100])
        #expect(!a.isDisjoint(with: b) && LockSet([Self.beyond]).isDisjoint(with: b))
        #expect(!LockSet([Self.beyond]).isDisjoint(with: a), "meets in the second word")
    }

    @Test("a set of today's locks feeds the fingerprint the one 64-bit mask it fed before; a lock beyond 64 moves it, and never reads as the first word alone")
    func identity() {
        let s = LockSet([.ptl(3), .mapping(0)])
        var old = StableHasher()
        old.combine(UInt64(1 << 3 | 1 << 32))
        #expect(s.identityHash == old.value)
        var t = s
        t.insert(Self.beyond)
        #expect(t.identityHash != s.identityHash)
        #expect(LockSet([LockID(raw: 64)]).identityHash != LockSet([LockID(raw: 65)]).identityHash)
        #expect(LockSet([LockID(raw: 64)]).identityHash != LockSet().identityHash)
    }

    @Test("a footprint folds lock numbers mod 64: a lock beyond 64 meets the lock 64 below it (coarse, sound) and no other")
    func footprintFolds() {
        var a = Footprint(), b = Footprint(), c = Footprint()
        a.lock(Self.beyond)
        b.lock(LockID(raw: 36))
        c.lock(.mapping(0))
        #expect(a.conflicts(with: b) && !a.conflicts(with: c))
    }

    @Test("a lock beyond 64 gates spin_lock, is held across steps, and sleeping with it held is SLEEP_IN_ATOMIC")
    func beyondGatesAndIsHeld() throws {
        let l = Self.beyond
        let holder = try Programs.ops("holder", [.spinLock(l), .pause, .spinUnlock(l)])
        let taker = try Programs.ops("taker", [.spinLock(l), .spinUnlock(l)])
        var f = try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: holder), TaskSpec(program: taker)])
        #expect(try f.step(0).action == .spinLock)
        #expect(f[0].holds(l) && f.world.locked(l) && !f.world.locked(LockID(raw: 36)))
        #expect(!f.engine.isEnabled(f.world, 1) && f.engine.enabledTasks(f.world) == TaskSet([0]))
        try f.finish(0)
        #expect(f.engine.isEnabled(f.world, 1))

        let sleeper = try Programs.build("sleeper") { b in
            b.emit(.spinLock(l))
            b.lockPage(rPage)
        }
        var g = try Fixture(pages: [.locked(by: 1)], tasks: [TaskSpec(program: sleeper), TaskSpec(program: holder)])
        let v = violation { for _ in 0..<20 { _ = try g.step(0) } }
        #expect(v?.kind == .sleepInAtomic)
    }
}
