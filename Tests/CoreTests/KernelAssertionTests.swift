// The kernel's BUG_ON / VM_BUG_ON assertions in the functions Core's
// primitives model, and the free-time bad-page checks: a small program
// trips each, and the step reports it as a value naming the assertion.

import Foundation
import Testing
import PagewaitCore

/// One way to trip one assertion: a world, a task order, the page the
/// report names.
enum Trip: String, CaseIterable, Sendable {
    case unlockUnlocked, putOnFree, getOnFrozen, getInRemoveMigrationPTE, getInCacheReplace
    case unfreezeUnfrozen, unfreezeToZero, endWritebackTwice, isolateFrozen, putbackOnLRU
    case unmapUnlocked, unmapToMigrationUnlocked, remapUnlocked, moveOldUnlocked, moveNewUnlocked
    case migrateUnderWriteback, removeMappingUnlocked, removeMappingForeign, removeMemoryInUse

    var assertion: KernelAssertion {
        switch self {
        case .unlockUnlocked: .unlockPage
        case .putOnFree: .putPageTestzero
        case .getOnFrozen, .getInRemoveMigrationPTE, .getInCacheReplace: .getPage
        case .unfreezeUnfrozen: .unfreezeNotFrozen
        case .unfreezeToZero: .unfreezeToZero
        case .endWritebackTwice: .endPageWriteback
        case .isolateFrozen: .isolateLRUPage
        case .putbackOnLRU: .lruCacheAdd
        case .unmapUnlocked, .unmapToMigrationUnlocked, .remapUnlocked: .rmapWalkFile
        case .moveOldUnlocked: .moveOldUnlocked
        case .moveNewUnlocked: .moveNewUnlocked
        case .migrateUnderWriteback: .migratePageWriteback
        case .removeMappingUnlocked: .removeMappingUnlocked
        case .removeMappingForeign: .removeMappingForeign
        case .removeMemoryInUse: .removeMemory
        }
    }

    /// The page the report names: the new page for the new page's checks.
    var pfn: PFN {
        switch self {
        case .getInRemoveMigrationPTE, .getInCacheReplace, .moveNewUnlocked: 1
        default: 0
        }
    }

    /// A fixture in which running task 0 to its end trips the assertion.
    func fixture() throws -> Fixture {
        let ptl = LockID.ptl(0), iPages = LockID.mapping(0)
        switch self {
        case .unlockUnlocked:
            // Locked once, unlocked three times: the second unlock is the bug.
            let p = try Programs.build("unlock-thrice") { b in
                b.lockPage(rPage)
                for _ in 0..<3 { b.unlockPage(rPage) }
            }
            return try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: p)])
        case .putOnFree:
            let put = try Programs.ops("put", [.putPage(rPage), .putPage(rPage)])
            var f = try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: put)])
            f.world.refs[0] = 2                              // an injected imbalance: the ledger says 2
            return f
        case .getOnFrozen:
            return try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: try Programs.ops("freeze-get", [
                .pageRefFreeze(rPage, expected: 1, result: rResult), .getPage(rPage)]))])
        case .getInRemoveMigrationPTE:
            // The target is frozen by the task itself, so it may touch it.
            let ops: [Op] = [.pageRefFreeze(rTmp, expected: 1, result: rResult), .spinLock(ptl),
                             .removeMigrationPTE(slot: 0, target: rTmp), .spinUnlock(ptl)]
            var f = try Fixture(pages: [PageSpec(), PageSpec(extraRefs: 1)],
                                tasks: [TaskSpec(program: try Programs.ops("remap", ops), registers: [0, pageRegister(1)])])
            f.world.ptes = [PTE(kind: .migration, pfn: 0, mm: 0)]
            f.world.refs[1] = 1                              // the task's reference on the target
            return f
        case .getInCacheReplace:
            var f = try twoPages(ops: [.pageRefFreeze(rTmp, expected: 1, result: rResult), .spinLock(iPages),
                                       .cacheReplace(slot: 0, new: rTmp), .spinUnlock(iPages)],
                                 oldLocked: true, newLocked: true)
            f.world.refs[1] = 1
            f.world.pages[1].refcount = 1
            return f
        case .unfreezeUnfrozen:
            return try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: try Programs.ops("unfreeze", [.pageRefUnfreeze(rPage, count: 1)]))])
        case .unfreezeToZero:
            return try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: try Programs.ops("unfreeze-0", [
                .pageRefFreeze(rPage, expected: 1, result: rResult), .pageRefUnfreeze(rPage, count: 0)]))])
        case .endWritebackTwice:
            let p = try Programs.build("end-twice") { b in
                b.endPageWriteback(rPage)
                b.endPageWriteback(rPage)
            }
            return try Fixture(pages: [PageSpec(flags: [.writeback])], tasks: [TaskSpec(program: p)])
        case .isolateFrozen:
            return try Fixture(pages: [PageSpec(flags: [.lru])], tasks: [TaskSpec(program: try Programs.ops("isolate", [
                .pageRefFreeze(rPage, expected: 1, result: rResult), .isolateLRU(rPage, result: rResult)]))])
        case .putbackOnLRU:
            return try Fixture(pages: [PageSpec(flags: [.lru])], tasks: [TaskSpec(program: try Programs.ops("putback", [.putbackLRU(rPage)]))])
        case .unmapUnlocked, .unmapToMigrationUnlocked:
            let unmap: Op = self == .unmapUnlocked ? .unmapPTE(slot: 0, page: rPage) : .unmapToMigration(slot: 0, page: rPage)
            var f = try Fixture(pages: [PageSpec(extraRefs: 2)], tasks: [TaskSpec(program: try Programs.ops("unmap", [.spinLock(ptl), unmap, .spinUnlock(ptl)]))])
            Self.fileBacked(&f, pfn: 0)
            f.world.ptes = [PTE(kind: .present, pfn: 0, mm: 0)]
            f.world.pages[0].mapcount = 1
            return f
        case .remapUnlocked:
            var f = try Fixture(pages: [PageSpec(extraRefs: 1)],
                                tasks: [TaskSpec(program: try Programs.ops("remap", [.spinLock(ptl), .removeMigrationPTE(slot: 0, target: rPage), .spinUnlock(ptl)]))])
            Self.fileBacked(&f, pfn: 0)
            f.world.ptes = [PTE(kind: .migration, pfn: 0, mm: 0)]
            return f
        case .moveOldUnlocked, .moveNewUnlocked, .migrateUnderWriteback:
            var f = try twoPages(ops: [.spinLock(iPages), .cacheReplace(slot: 0, new: rTmp), .spinUnlock(iPages)],
                                 oldLocked: self != .moveOldUnlocked, newLocked: self != .moveNewUnlocked)
            if self == .migrateUnderWriteback { f.world.pages[0].flags.insert(.writeback) }
            return f
        case .removeMappingUnlocked, .removeMappingForeign:
            var f = try Fixture(pages: [self == .removeMappingForeign ? .locked(by: 0) : PageSpec(extraRefs: 1)],
                                tasks: [TaskSpec(program: try Programs.ops("remove", [.spinLock(iPages), .cacheRemove(slot: 0), .spinUnlock(iPages)]))])
            Self.fileBacked(&f, pfn: 0)
            if self == .removeMappingForeign { f.world.pages[0].mapping = -1 }
            return f
        case .removeMemoryInUse:
            return try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: try Programs.ops("remove_memory", [.hotRemove(rPage)]))])
        }
    }

    /// Page 0 in page-cache slot 0 of file 0, with the cache's reference.
    static func fileBacked(_ f: inout Fixture, pfn: PFN) {
        f.world.cache = [CacheSlot(file: 0, pfn: pfn)]
        f.world.pages[pfn.index].mapping = 0
    }

    /// migrate_page_move_mapping's shape: the old page 0 in slot 0 (r0,
    /// with a reference), the new page 1 in r2 (with a reference).
    func twoPages(ops: [Op], oldLocked: Bool, newLocked: Bool) throws -> Fixture {
        var f = try Fixture(pages: [oldLocked ? .locked(by: 0) : PageSpec(extraRefs: 1), newLocked ? .locked(by: 0) : PageSpec()],
                            tasks: [TaskSpec(program: try Programs.ops("move", ops), registers: [0, pageRegister(1)])])
        Self.fileBacked(&f, pfn: 0)
        f.world.refs[1] += 1
        f.world.pages[1].refcount += 1
        return f
    }
}

@Suite("Kernel assertions")
struct KernelAssertionTests {
    @Test("each kernel assertion is tripped by a small program, reported as BUG naming the assertion, the task and the page, never a trap",
          arguments: Trip.allCases)
    func trips(_ trip: Trip) throws {
        let f = try trip.fixture()
        let r = f.engine.replay(f.world, schedule: Schedule(Array(repeating: 0, count: 20)))
        #expect(r.end == .violation, "\(trip): \(r.end)")
        let v = try #require(r.violation)
        #expect(v.kind == .bug, "\(v)")
        #expect(v.assertion == trip.assertion, "\(v)")
        #expect(v.task == 0 && v.pfn == trip.pfn, "\(v)")
        #expect(v.description.hasPrefix("BUG: task 0 pfn \(trip.pfn) in "), "\(v)")
        #expect(v.detail.hasPrefix("\(trip.assertion) (\(trip.assertion.source)): "), "\(v)")
    }

    @Test("every assertion has a program that trips it")
    func everyAssertionIsTested() {
        let tripped = Set(Trip.allCases.map(\.assertion))
        for a in KernelAssertion.all { #expect(tripped.contains(a), "\(a)") }
        #expect(Set(KernelAssertion.all).count == KernelAssertion.all.count, "no assertion listed twice")
    }

    @Test("unlock_page on a page locked once and unlocked three times fails at the second unlock; once locked and once unlocked it is fine")
    func unlockThrice() throws {
        let f = try Trip.unlockUnlocked.fixture()
        let r = f.engine.replay(f.world, schedule: Schedule(Array(repeating: 0, count: 10)))
        #expect(r.violation?.assertion == .unlockPage && r.violation?.step == 2, "trylock, U1, U1: \(r.violation.map { "\($0)" } ?? "none")")
        let once = try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: try Programs.build("once") { b in
            b.lockPage(rPage)
            b.unlockPage(rPage)
        })])
        let ok = once.engine.replay(once.world, schedule: Schedule([0, 0]))
        #expect(ok.violation == nil && ok.world.tasks[0].finished)
    }

    @Test("BAD_PAGE: a page freed with PG_writeback or PG_private set, still mapped, or still in the page cache (free_pages_check)",
          arguments: ["writeback", "private", "mapcount", "mapping"])
    func badPageAtFree(_ what: String) throws {
        let ops: [Op] = [.pageRefFreeze(rPage, expected: 1, result: rResult), .freeFrozenPage(rPage)]
        var f = try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: try Programs.ops("free", ops))])
        switch what {
        case "writeback": f.world.pages[0].flags.insert(.writeback)
        case "private": f.world.pages[0].flags.insert(.private)
        case "mapcount": f.world.pages[0].mapcount = 1
        default: Trip.fileBacked(&f, pfn: 0)
        }
        try InvariantTests.expectViolation(&f, [0, 0], .badPage, task: 0)
    }

    @Test("BAD_PAGE through put_page: the last reference of a page still in the page cache (the cache's own reference missing)")
    func badPageOnLastPut() throws {
        var f = try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: try Programs.ops("put", [.putPage(rPage)]))])
        Trip.fileBacked(&f, pfn: 0)
        try InvariantTests.expectViolation(&f, [0], .badPage, task: 0)
    }

    @Test("docs/architecture.md lists every assertion Core checks, with its kernel function")
    func documented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let rows = doc.split(separator: "\n").filter { $0.hasPrefix("|") }
        for a in KernelAssertion.all {
            #expect(rows.contains { $0.contains("`\(a.check)`") && $0.contains("`\(a.function)`") && $0.contains(a.source.split(separator: ",")[0]) },
                    "no table row for \(a)")
        }
    }
}
