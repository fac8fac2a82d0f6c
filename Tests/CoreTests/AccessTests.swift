// Access safety I5 (kernel-model §4 I5, F6): a page may be touched only
// with a right to it; the generation tells a reused frame from a freed one.

import Testing
import PagewaitCore

@Suite("Access safety and generations")
struct AccessTests {
    /// Task 0 owns page 0's only reference and puts it; task 1 reallocates
    /// the frame and frees it again; task 2 hot-removes it (only a free
    /// frame's memory can go); task 3 holds a stale pointer (no
    /// reference) and tests PG_locked through it.
    static func staleWorld() throws -> Fixture {
        let tasks = [
            TaskSpec(program: try Programs.ops("put", [.putPage(rPage)])),
            TaskSpec(program: try Programs.ops("alloc", [.allocPage(pfn: 0, into: rTmp, result: rResult), .putPage(rTmp)]), holdsReference: false),
            TaskSpec(program: try Programs.ops("hot-remove", [.hotRemove(rPage)]), holdsReference: false),
            TaskSpec(program: try Programs.ops("stale", [.testFlag(rPage, .locked, result: rResult)]), holdsReference: false),
        ]
        return try Fixture(pages: [PageSpec()], tasks: tasks)
    }

    @Test("a stale pointer (no reference) to a frame that was freed and reallocated is WRONG_USAGE; freed but not reused is UNSAFE_ACCESS; after hot-remove it is FATAL_UAF",
          arguments: [([0, 1], ViolationKind.wrongUsage), ([0], .unsafeAccess), ([0, 2], .fatalUAF), ([0, 1, 1, 2], .fatalUAF)])
    func stalePointer(before: [Int], expected: ViolationKind) throws {
        var f = try Self.staleWorld()
        try f.run(before)
        let snapshot = f.world
        let v = try #require(violation { try f.step(3) })
        #expect(v.kind == expected)
        #expect(v.task == 3 && v.pfn == 0)
        #expect(f.world == snapshot, "a violation leaves the world as it was")
    }

    @Test("allocation bumps the generation and starts the frame at refcount 1 with no flags; an in-use frame cannot be allocated")
    func allocationBumpsGeneration() throws {
        let tasks = [
            TaskSpec(program: try Programs.ops("put", [.putPage(rPage)])),
            TaskSpec(program: try Programs.ops("alloc", [.allocPage(pfn: 0, into: rTmp, result: rResult), .allocPage(pfn: 0, into: rTmp2, result: rResult)]),
                     holdsReference: false),
        ]
        var f = try Fixture(pages: [PageSpec(flags: [.uptodate, .waiters])], tasks: tasks)
        let gen = f.page(0).gen
        let freed = try f.step(0)
        #expect(freed.action == .freed)
        #expect(f.page(0).flags == [], "the free path clears every flag, a stale PG_waiters included")
        let e = try f.step(1)
        #expect(e.action == .allocated && e.a == Int64(gen + 1))
        #expect(f.page(0).gen == gen + 1 && f.page(0).refcount == 1 && f.page(0).flags == [] && f.page(0).life == .inUse)
        #expect(PageRef(register: f[1].registers[Int(rTmp)]) == PageRef(pfn: 0, gen: gen + 1))
        #expect(f.world.references(of: 1, on: 0) == 1)
        let again = try f.step(1)
        #expect(again.action == .allocFailed && f.result(1) == 0)
        #expect(f.world.ledgerMismatches().isEmpty)
    }

    @Test("the same touch is legal while the task holds a reference")
    func referenceGivesRight() throws {
        var f = try Fixture(pages: [.locked(by: 1)], tasks: [TaskSpec(program: try Programs.ops("test", [.testFlag(rPage, .locked, result: rResult)])),
                                                             TaskSpec(program: try Programs.idle())])
        try f.finish(0)
        #expect(f.result(0) == 1)
    }

    @Test("holding the ptl of a PTE that maps the page gives the right to touch it without a reference; the same access without the ptl is UNSAFE_ACCESS",
          arguments: [true, false])
    func ptlGivesRight(takePtl: Bool) throws {
        var ops: [Op] = [.testFlag(rPage, .locked, result: rResult)]
        if takePtl { ops = [.spinLock(.ptl(0))] + ops + [.spinUnlock(.ptl(0))] }
        var f = try Fixture(pages: [PageSpec(extraRefs: 1)], tasks: [TaskSpec(program: try Programs.ops("ptl", ops), holdsReference: false)])
        f.world.ptes = [PTE(kind: .present, pfn: 0, mm: 0)]
        f.world.pages[0].mapcount = 1
        let v = violation { try f.finish(0) }
        if takePtl {
            #expect(v == nil)
        } else {
            #expect(v?.kind == .unsafeAccess && v?.task == 0 && v?.pfn == 0)
        }
    }

    @Test("get_page_unless_zero on a freed frame fails without a violation (that is its purpose); on a live page it takes a reference and re-forms the pointer at the current generation")
    func getPageUnlessZero() throws {
        let tasks = [
            TaskSpec(program: try Programs.ops("put", [.putPage(rPage)])),
            TaskSpec(program: try Programs.ops("try", [.getPageUnlessZero(rPage, result: rResult)]), holdsReference: false),
        ]
        var freed = try Fixture(pages: [PageSpec()], tasks: tasks)
        try freed.run([0, 1])
        #expect(freed.result(1) == 0 && freed.page(0).refcount == 0)

        var live = try Fixture(pages: [PageSpec()], tasks: tasks)
        try live.step(1)
        #expect(live.result(1) == 1 && live.page(0).refcount == 2)
        #expect(live.world.references(of: 1, on: 0) == 1)
        #expect(live.world.ledgerMismatches().isEmpty)
    }
}
