// Huge pages mapped by a PMD and folio splits (Core/Ops/Op+HugePages.swift,
// Core/Ops/Op+FolioSplit.swift, Core/Page/PageTableLevel.swift): the PMD
// lock guards a PMD and gives the right to touch the page it maps, the PMD
// migration entry and the NUMA switch keep references and mapcounts as the
// ledger says, and a split hands the caller a locked folio that the
// migration entry now names.

import Testing
@testable import PagewaitCore

@Suite("Huge pages and splits")
struct HugePageTests {
    /// One page mapped by a PMD of process 0 (kind `kind`), the mapping's
    /// reference and mapcount in place, and a task running `ops` with the
    /// page in r0 and no reference of its own.
    static func pmdWorld(_ ops: [Op], kind: PTEKind = .present, flags: PageFlags = [], extraPages: [PageSpec] = []) throws -> Fixture {
        var f = try Fixture(pages: [PageSpec(flags: flags, extraRefs: 1)] + extraPages,
                            tasks: [TaskSpec(program: try Programs.ops("pmd", ops), holdsReference: false)])
        f.world.ptes = [PTE(kind: kind, pfn: 0, mm: 0, level: .pmd)]
        f.world.pages[0].mapcount = 1
        return f
    }

    @Test("the PMD lock is its own class: pmd(mm) is 64 + mm, named as the kernel's pmd_lock, in a LockSet's second word")
    func pmdLockClass() {
        #expect(LockID.pmd(0).raw == 64 && LockID.pmd(31).raw == 95)
        #expect(LockID.pmd(3).lockClass == .pmd && LockID.pmd(3).instance == 3)
        #expect(LockID.pmd(2).description == "pmd lock(mm 2)")
        #expect(PageTableLevel.pmd.lock(mm: 5) == .pmd(5) && PageTableLevel.pte.lock(mm: 5) == .ptl(5))
        #expect(LockSet([.pmd(0)]).contains(.pmd(0)) && !LockSet([.pmd(0)]).contains(.ptl(0)))
    }

    @Test("a PTE's identity is what it was before levels existed; the same entry at PMD level is another state")
    func levelIdentity() {
        let pte = PTE(kind: .migration, pfn: 3, mm: 1)
        var old = StableHasher()
        old.combine(PTEKind.migration.rawValue); old.combine(Int32(3)); old.combine(Int8(1))
        #expect(pte.identityHash == old.value)
        var pmd = pte
        pmd.level = .pmd
        #expect(pmd.identityHash != pte.identityHash)
    }

    @Test("holding the PMD lock of a PMD that maps (or NUMA-hints) the page gives the right to touch it; the ptl of that process does not",
          arguments: [(LockID.pmd(0), PTEKind.present), (.pmd(0), .protnone), (.ptl(0), .present)])
    func pmdLockGivesRight(lock: LockID, kind: PTEKind) throws {
        var f = try Self.pmdWorld([.spinLock(lock), .testFlag(rPage, .locked, result: rResult), .spinUnlock(lock)], kind: kind)
        let v = violation { try f.finish(0) }
        if lock == .pmd(0) {
            #expect(v == nil)
        } else {
            #expect(v?.kind == .unsafeAccess && v?.pfn == 0)
        }
    }

    @Test("set_pmd_migration_entry and remove_migration_pmd move the mapping's reference and mapcount, under the PMD lock only")
    func pmdMigrationEntry() throws {
        let lock = LockID.pmd(0)
        var f = try Self.pmdWorld([.spinLock(lock), .getPage(rPage), .setPMDMigrationEntry(slot: 0, page: rPage),
                                   .spinUnlock(lock), .spinLock(lock), .removeMigrationPMD(slot: 0, target: rPage), .spinUnlock(lock),
                                   .putPage(rPage)])
        try f.run([0, 0, 0])
        #expect(f.world.ptes[0] == PTE(kind: .migration, pfn: 0, mm: 0, level: .pmd))
        #expect(f.page(0).refcount == 1 && f.page(0).mapcount == 0)
        #expect(f.world.ledgerMismatches().isEmpty)
        try f.finish(0)
        #expect(f.world.ptes[0] == PTE(kind: .present, pfn: 0, mm: 0, level: .pmd))
        #expect(f.page(0).refcount == 1 && f.page(0).mapcount == 1)
        #expect(f.world.ledgerMismatches().isEmpty)

        // The ptl does not guard a PMD.
        var g = try Self.pmdWorld([.spinLock(.ptl(0)), .setPMDMigrationEntry(slot: 0, page: rPage)])
        let v = violation { try g.finish(0) }
        #expect(v?.kind == .lockMisuse && v?.detail.contains("PMD slot 0") == true)
    }

    @Test("a PTE op on a PMD slot, or a PMD op on a PTE slot, is a wrong program")
    func levelsDoNotMix() throws {
        var f = try Self.pmdWorld([.readPTE(slot: 0, kind: rTmp, page: rTmp2)])
        #expect(violation { try f.finish(0) }?.kind == .badProgram)
        var g = try Self.pmdWorld([.readPMD(slot: 0, kind: rTmp, page: rTmp2)])
        g.world.ptes[0].level = .pte
        #expect(violation { try g.finish(0) }?.kind == .badProgram)
    }

    @Test("clear_pmdnuma makes a PROT_NONE PMD present again, page, reference and mapcount unchanged")
    func clearNuma() throws {
        var f = try Self.pmdWorld([.spinLock(.pmd(0)), .clearPMDNuma(slot: 0), .spinUnlock(.pmd(0))], kind: .protnone)
        try f.finish(0)
        #expect(f.world.ptes[0] == PTE(kind: .present, pfn: 0, mm: 0, level: .pmd))
        #expect(f.page(0).refcount == 1 && f.page(0).mapcount == 1 && f.world.ledgerMismatches().isEmpty)
    }

    @Test("migrate_misplaced_transhuge_page's switch: the new page's allocation reference becomes the PMD's, and the old page's rmap reference the task's to put; the ledger agrees at every step")
    func hugeSwitch() throws {
        let lock = LockID.pmd(0), N: Register = 4, ok: Register = 5
        var f = try Self.pmdWorld([.spinLock(lock), .getPage(rPage), .allocPage(pfn: 1, into: N, result: ok), .setHugePMD(slot: 0, new: N),
                                   .removeHugeRmap(rPage), .spinUnlock(lock), .putPage(rPage), .putPage(rPage)],
                                  kind: .protnone, extraPages: [.free])
        try f.runAlone(0) { _, w in
            #expect(w.ledgerMismatches().isEmpty)
            return false
        }
        #expect(f.world.ptes[0] == PTE(kind: .present, pfn: 1, mm: 0, level: .pmd))
        #expect(f.page(1).refcount == 1 && f.page(1).mapcount == 1 && f.world.references(of: 0, on: 1) == 0)
        #expect(f.page(0).life == .free, "the old page's last references were the task's")
    }

    @Test("split_folio: the part the entry maps becomes a folio of its own, locked by the caller with its reference, and the migration entry names it; a folio the caller has not locked cannot be split")
    func split() throws {
        let Q: Register = 4
        let ops: [Op] = [.spinLock(.ptl(0)), .getPage(rPage), .trylockPage(rPage, result: rResult),
                         .unmapToMigration(slot: 0, page: rPage), .splitFolio(rPage, slot: 0, pfn: 1, into: Q), .spinUnlock(.ptl(0))]
        var f = try Fixture(pages: [PageSpec(extraRefs: 1), .free], tasks: [TaskSpec(program: try Programs.ops("split", ops), holdsReference: false)])
        f.world.ptes = [PTE(kind: .present, pfn: 0, mm: 0)]
        f.world.pages[0].mapcount = 1
        try f.finish(0)
        #expect(f.world.ptes[0] == PTE(kind: .migration, pfn: 1, mm: 0))
        let q = f.page(1)
        #expect(q.life == .inUse && q.isLocked && q.lockOwner == TaskID(0) && q.refcount == 1 && q.gen == 1)
        #expect(f.world.references(of: 0, on: 1) == 1 && f.world.ledgerMismatches().isEmpty)
        #expect(PageRef(register: f.world.tasks[0].registers[Int(Q)]) == PageRef(pfn: 1, gen: 1))

        // Without the folio lock.
        var g = try Fixture(pages: [PageSpec(extraRefs: 1), .free],
                            tasks: [TaskSpec(program: try Programs.ops("split", [.spinLock(.ptl(0)), .getPage(rPage), .unmapToMigration(slot: 0, page: rPage),
                                                                                  .splitFolio(rPage, slot: 0, pfn: 1, into: Q)]), holdsReference: false)])
        g.world.ptes = [PTE(kind: .present, pfn: 0, mm: 0)]
        g.world.pages[0].mapcount = 1
        #expect(violation { try g.finish(0) }?.kind == .badProgram)
    }
}
