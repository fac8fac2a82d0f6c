// One program instruction as one atomic step (kernel-model §2.1, §2.2,
// page tables §1.3, and the page-cache and LRU operations of §2.8–2.11).

extension Engine {
    func execute(_ w: inout World, _ t: Int) throws(Violation) -> StepEvent {
        // A program's first instructions may be local; run them first. If
        // they lead to a lock that is taken, this step was only them.
        // (After a step, `advance` has already run the locals that follow.)
        let program = Int(w.tasks[t].program)
        let ranLocals = Int(w.tasks[t].pc) < length[program] && isLocal[base[program] + Int(w.tasks[t].pc)]
        if ranLocals { try runLocals(&w, t) }
        let pc = w.tasks[t].pc
        let site = StepEvent.Site.instruction(pc)
        guard Int(pc) < length[program] else {
            w.tasks[t].finished = true
            return StepEvent(task: t, site: site, .exit)
        }
        if ranLocals && !isEnabled(w, t) { return StepEvent(task: t, site: site, .nothing) }
        let event: StepEvent
        switch ops[base[program] + Int(pc)] {
        case .jump, .branch, .set, .move, .add, .count, .readCounter, .loadPage, .exit:
            preconditionFailure("local instructions are run by runLocals")
        case .pause:
            event = StepEvent(task: t, site: site, .nothing)
        case .preemptionPoint(let permille):
            w.tasks[t].preemptHint = permille
            event = StepEvent(task: t, site: site, .nothing, a: Int64(permille))

        case .getPage(let r):
            let p = try pageOperand(w, t, r)
            try touch(w, t, p, "get_page")
            let page = w.pages[Int(p.pfn)]
            if page.refcount <= 0 || page.life != .inUse {
                throw bug(.getPage, w, t, pfn: p.pfn, "refcount \(page.refcount)\(page.life == .frozen ? ", frozen by task \(page.frozenBy)" : "") (only get_page_unless_zero may try)")
            }
            w.pages[Int(p.pfn)].refcount += 1
            ledger(&w, t, p.pfn, 1)
            event = StepEvent(task: t, site: site, .refcount, pfn: p.pfn, a: Int64(page.refcount), b: Int64(page.refcount + 1))
        case .getPageUnlessZero(let r, let out):
            // Safe on any frame whose memmap exists: that is its purpose.
            let p = try pageOperand(w, t, r)
            let page = w.pages[Int(p.pfn)]
            if !page.memmapPresent { try touch(w, t, p, "get_page_unless_zero") }
            if page.refcount == 0 {
                w.tasks[t].registers[Int(out)] = 0
                event = StepEvent(task: t, site: site, .refFailed, pfn: p.pfn, a: 0)
            } else {
                w.pages[Int(p.pfn)].refcount += 1
                ledger(&w, t, p.pfn, 1)
                // The pointer now names the usage the reference pins.
                w.tasks[t].registers[Int(r)] = PageRef(pfn: p.pfn, gen: page.gen).register
                w.tasks[t].registers[Int(out)] = 1
                event = StepEvent(task: t, site: site, .refcount, pfn: p.pfn, a: Int64(page.refcount), b: Int64(page.refcount + 1))
            }
        case .putPage(let r):
            let p = try pageOperand(w, t, r)
            event = try putPage(&w, t, p, owned: true, site: site)
        case .pageRefFreeze(let r, let expected, let out):
            let p = try pageOperand(w, t, r)
            try touch(w, t, p, "page_ref_freeze")
            let page = w.pages[Int(p.pfn)]
            if page.refcount == expected && page.life == .inUse {
                w.pages[Int(p.pfn)].refcount = 0
                w.pages[Int(p.pfn)].life = .frozen
                w.pages[Int(p.pfn)].frozenBy = Int16(t)
                w.tasks[t].registers[Int(out)] = 1
                event = StepEvent(task: t, site: site, .frozen, pfn: p.pfn, a: Int64(expected))
            } else {
                w.tasks[t].registers[Int(out)] = 0
                event = StepEvent(task: t, site: site, .refFailed, pfn: p.pfn, a: Int64(page.refcount))
            }
        case .pageRefUnfreeze(let r, let n):
            let p = try pageOperand(w, t, r)
            let page = w.pages[Int(p.pfn)]
            if page.refcount != 0 { throw bug(.unfreezeNotFrozen, w, t, pfn: p.pfn, "refcount \(page.refcount): the page is not frozen") }
            if n == 0 { throw bug(.unfreezeToZero, w, t, pfn: p.pfn, "unfrozen to a count of 0") }
            guard page.life == .frozen && Int(page.frozenBy) == t else {
                throw Violation(.badProgram, task: t, pfn: p.pfn, function: function(of: w, task: t), detail: "page_ref_unfreeze of a page this task has not frozen")
            }
            w.pages[Int(p.pfn)].refcount = n
            w.pages[Int(p.pfn)].life = .inUse
            w.pages[Int(p.pfn)].frozenBy = -1
            event = StepEvent(task: t, site: site, .unfrozen, pfn: p.pfn, a: Int64(n))

        case .readRefcount(let r, let out):
            event = try readCount(&w, t, r, into: out, "page_count", site: site) { $0.refcount }
        case .readMapcount(let r, let out):
            event = try readCount(&w, t, r, into: out, "page_mapcount", site: site) { $0.mapcount }

        case .trylockPage(let r, let out):
            let p = try pageOperand(w, t, r)
            try touch(w, t, p, "trylock_page")
            let ok = testAndSet(&w, p.pfn, .locked, owner: t)
            w.tasks[t].registers[Int(out)] = ok ? 1 : 0
            event = StepEvent(task: t, site: site, .trylock, pfn: p.pfn, a: ok ? 1 : 0)
        case .clearLockedTestWaiters(let r, let out):
            let p = try pageOperand(w, t, r)
            try touch(w, t, p, "unlock_page")
            if !w.pages[Int(p.pfn)].isLocked { throw bug(.unlockPage, w, t, pfn: p.pfn, "PG_locked is clear") }
            try checkUnlocker(w, t, p.pfn)
            w.pages[Int(p.pfn)].flags.remove(.locked)
            w.pages[Int(p.pfn)].lockOwner = -1
            let waiters = w.pages[Int(p.pfn)].flags.contains(.waiters)
            w.tasks[t].registers[Int(out)] = waiters ? 1 : 0
            event = StepEvent(task: t, site: site, .unlockU1, pfn: p.pfn, a: waiters ? 1 : 0)
        case .nonAtomicClearRead(let r):
            let p = try pageOperand(w, t, r)
            try touch(w, t, p, "__ClearPageLocked")
            w.tasks[t].snapshot = w.pages[Int(p.pfn)].flags
            event = StepEvent(task: t, site: site, .nonAtomicRead, pfn: p.pfn, a: Int64(w.tasks[t].snapshot.rawValue))
        case .nonAtomicClearWrite(let r):
            let p = try pageOperand(w, t, r)
            try touch(w, t, p, "__ClearPageLocked")
            try checkUnlocker(w, t, p.pfn)
            let before = w.pages[Int(p.pfn)].flags
            var after = w.tasks[t].snapshot
            after.remove(.locked)
            // Whatever changed since the read is overwritten: the lost update.
            w.pages[Int(p.pfn)].flags = after
            w.pages[Int(p.pfn)].lockOwner = -1
            event = StepEvent(task: t, site: site, .nonAtomicWrite, pfn: p.pfn, a: Int64(before.rawValue), b: Int64(after.rawValue))
        case .testFlag(let r, let f, let out):
            let p = try pageOperand(w, t, r)
            try touch(w, t, p, "test \(f.kernelName)")
            let set = w.pages[Int(p.pfn)].flags.contains(f)
            w.tasks[t].registers[Int(out)] = set ? 1 : 0
            event = StepEvent(task: t, site: site, .flagTest, pfn: p.pfn, a: Int64(f.rawValue), b: set ? 1 : 0)
        case .setFlag(let r, let f):
            let p = try pageOperand(w, t, r)
            try touch(w, t, p, "set \(f.kernelName)")
            let before = w.pages[Int(p.pfn)].flags
            w.pages[Int(p.pfn)].flags.insert(f)
            if f.contains(.locked) && !before.contains(.locked) { w.pages[Int(p.pfn)].lockOwner = Int16(t) }
            event = StepEvent(task: t, site: site, .flags, pfn: p.pfn, a: Int64(before.rawValue), b: Int64(w.pages[Int(p.pfn)].flags.rawValue))
        case .clearFlag(let r, let f):
            let p = try pageOperand(w, t, r)
            try touch(w, t, p, "clear \(f.kernelName)")
            // PG_writeback has no plain clear: test_clear_page_writeback is
            // the only one, and its caller BUG()s if the bit was clear.
            if f.contains(.writeback) && !w.pages[Int(p.pfn)].flags.contains(.writeback) {
                throw bug(.endPageWriteback, w, t, pfn: p.pfn, "PG_writeback is clear")
            }
            if f.contains(.locked) {
                try checkUnlocker(w, t, p.pfn)
                w.pages[Int(p.pfn)].lockOwner = -1
            }
            let before = w.pages[Int(p.pfn)].flags
            w.pages[Int(p.pfn)].flags.remove(f)
            event = StepEvent(task: t, site: site, .flags, pfn: p.pfn, a: Int64(before.rawValue), b: Int64(w.pages[Int(p.pfn)].flags.rawValue))

        case .waitOnPageBit(let r, let bit, let state, let behavior, let out):
            let p = try pageOperand(w, t, r)
            return try beginWait(&w, t, page: p, bit: bit, state: state, behavior: behavior, result: out)
        case .waitOnPageBitReleasing(let r, let bit, let state, let behavior, let release, let out):
            let p = try pageOperand(w, t, r)
            guard w.tasks[t].holds(release) else {
                throw Violation(.lockMisuse, task: t, pfn: p.pfn, function: function(of: w, task: t), detail: "wait releasing \(release) without holding it")
            }
            return try beginWait(&w, t, page: p, bit: bit, state: state, behavior: behavior, result: out, release: release)
        case .wakeUpPageBit(let r, let bit):
            let p = try pageOperand(w, t, r)
            return try beginWake(&w, t, page: p, bit: bit)

        case .spinLock(let l):
            w.tasks[t].heldLocks |= l.bit
            event = StepEvent(task: t, site: site, .spinLock, a: Int64(l.raw))
        case .spinUnlock(let l):
            guard w.tasks[t].holds(l) else {
                throw Violation(.lockMisuse, task: t, function: function(of: w, task: t), detail: "spin_unlock(\(l)) without holding it")
            }
            w.tasks[t].heldLocks &= ~l.bit
            event = StepEvent(task: t, site: site, .spinUnlock, a: Int64(l.raw))

        case .readPTE(let slot, let kindOut, let pageOut):
            let pte = try pteOperand(w, t, slot)
            w.tasks[t].registers[Int(kindOut)] = Int64(pte.kind.rawValue)
            let pfn = pte.pfn
            w.tasks[t].registers[Int(pageOut)] = pfn >= 0 ? PageRef(pfn: pfn, gen: w.pages[Int(pfn)].gen).register : -1
            event = StepEvent(task: t, site: site, .pteRead, pfn: pfn, a: Int64(slot), b: Int64(pte.kind.rawValue))
        case .unmapToMigration(let slot, let r):
            let p = try pageOperand(w, t, r)
            let pte = try pteOperand(w, t, slot, locked: true)
            try checkRmapWalk(w, t, p.pfn)
            guard pte.kind == .present && pte.pfn == p.pfn else {
                event = StepEvent(task: t, site: site, .pte, pfn: p.pfn, a: Int64(slot), b: Int64(pte.kind.rawValue))
                break
            }
            w.ptes[Int(slot)].kind = .migration
            w.pages[Int(p.pfn)].mapcount -= 1
            _ = try putPage(&w, t, p, owned: false, site: site)
            event = StepEvent(task: t, site: site, .pte, pfn: p.pfn, a: Int64(slot), b: Int64(PTEKind.migration.rawValue))
        case .removeMigrationPTE(let slot, let r):
            let target = try pageOperand(w, t, r)
            let pte = try pteOperand(w, t, slot, locked: true)
            try checkRmapWalk(w, t, target.pfn)
            guard pte.kind == .migration else {
                event = StepEvent(task: t, site: site, .pte, pfn: pte.pfn, a: Int64(slot), b: Int64(pte.kind.rawValue))
                break
            }
            try touch(w, t, target, "remove_migration_pte")
            try checkGetPage(w, t, target.pfn)
            w.ptes[Int(slot)] = PTE(kind: .present, pfn: target.pfn, mm: pte.mm)
            w.pages[Int(target.pfn)].refcount += 1
            w.pages[Int(target.pfn)].mapcount += 1
            event = StepEvent(task: t, site: site, .pte, pfn: target.pfn, a: Int64(slot), b: Int64(PTEKind.present.rawValue))
        case .unmapPTE(let slot, let r):
            let p = try pageOperand(w, t, r)
            let pte = try pteOperand(w, t, slot, locked: true)
            try checkRmapWalk(w, t, p.pfn)
            guard pte.kind == .present && pte.pfn == p.pfn else {
                event = StepEvent(task: t, site: site, .pte, pfn: p.pfn, a: Int64(slot), b: Int64(pte.kind.rawValue))
                break
            }
            w.ptes[Int(slot)] = PTE(kind: .none, pfn: -1, mm: pte.mm)
            w.pages[Int(p.pfn)].mapcount -= 1
            _ = try putPage(&w, t, p, owned: false, site: site)
            event = StepEvent(task: t, site: site, .pte, pfn: p.pfn, a: Int64(slot), b: Int64(PTEKind.none.rawValue))

        case .allocPage(let pfn, let into, let out):
            guard pfn >= 0 && Int(pfn) < w.pages.count else {
                throw Violation(.badProgram, task: t, pfn: pfn, function: function(of: w, task: t), detail: "no frame \(pfn)")
            }
            let page = w.pages[Int(pfn)]
            guard page.life == .free && page.memmapPresent else {
                w.tasks[t].registers[Int(out)] = 0
                event = StepEvent(task: t, site: site, .allocFailed, pfn: pfn)
                break
            }
            var fresh = PageFrame()
            fresh.gen = page.gen &+ 1
            fresh.refcount = 1
            fresh.life = .inUse
            w.pages[Int(pfn)] = fresh
            ledger(&w, t, pfn, 1)
            w.tasks[t].registers[Int(into)] = PageRef(pfn: pfn, gen: fresh.gen).register
            w.tasks[t].registers[Int(out)] = 1
            event = StepEvent(task: t, site: site, .allocated, pfn: pfn, a: Int64(fresh.gen))
        case .isolateLRU(let r, let out):
            let p = try pageOperand(w, t, r)
            try touch(w, t, p, "isolate_lru_page")
            if w.pages[Int(p.pfn)].refcount == 0 { throw bug(.isolateLRUPage, w, t, pfn: p.pfn, "refcount 0") }
            if w.pages[Int(p.pfn)].flags.contains(.lru) && w.pages[Int(p.pfn)].life == .inUse {
                w.pages[Int(p.pfn)].flags.remove(.lru)
                w.pages[Int(p.pfn)].isolatedBy = Int16(t)
                w.pages[Int(p.pfn)].refcount += 1
                ledger(&w, t, p.pfn, 1)
                w.tasks[t].registers[Int(out)] = 1
                event = StepEvent(task: t, site: site, .lru, pfn: p.pfn, a: 1)
            } else {
                w.tasks[t].registers[Int(out)] = 0
                event = StepEvent(task: t, site: site, .lru, pfn: p.pfn, a: -1)
            }
        case .putbackLRU(let r):
            let p = try pageOperand(w, t, r)
            try touch(w, t, p, "putback_lru_page")
            if w.pages[Int(p.pfn)].flags.contains(.lru) { throw bug(.lruCacheAdd, w, t, pfn: p.pfn, "PG_lru is already set") }
            w.pages[Int(p.pfn)].flags.insert(.lru)
            w.pages[Int(p.pfn)].isolatedBy = -1
            _ = try putPage(&w, t, p, owned: true, site: site)
            event = StepEvent(task: t, site: site, .lru, pfn: p.pfn, a: 0)
        case .findCachePage(let slot, let into):
            let s = try cacheOperand(w, t, slot)
            w.tasks[t].registers[Int(into)] = s.pfn >= 0 ? PageRef(pfn: s.pfn, gen: w.pages[Int(s.pfn)].gen).register : -1
            event = StepEvent(task: t, site: site, .cache, pfn: s.pfn, a: Int64(slot), b: Int64(s.pfn))
        case .cacheReplace(let slot, let r):
            let new = try pageOperand(w, t, r)
            let s = try cacheOperand(w, t, slot, locked: true)
            try touch(w, t, new, "page cache replace")
            if s.pfn >= 0 {
                let old = w.pages[Int(s.pfn)]
                if !old.isLocked { throw bug(.moveOldUnlocked, w, t, pfn: s.pfn, "the old page is not locked") }
                if !w.pages[Int(new.pfn)].isLocked { throw bug(.moveNewUnlocked, w, t, pfn: new.pfn, "the new page is not locked") }
                if old.flags.contains(.writeback) { throw bug(.migratePageWriteback, w, t, pfn: s.pfn, "PG_writeback is set") }
            } else if !w.pages[Int(new.pfn)].isLocked {
                throw bug(.moveNewUnlocked, w, t, pfn: new.pfn, "the new page is not locked")
            }
            try checkGetPage(w, t, new.pfn)
            if s.pfn >= 0 && w.pages[Int(s.pfn)].mapping == slot { w.pages[Int(s.pfn)].mapping = -1 }
            w.cache[Int(slot)].pfn = new.pfn
            w.pages[Int(new.pfn)].mapping = slot
            w.pages[Int(new.pfn)].refcount += 1
            event = StepEvent(task: t, site: site, .cache, pfn: new.pfn, a: Int64(slot), b: Int64(new.pfn))
        case .cacheRemove(let slot):
            let s = try cacheOperand(w, t, slot, locked: true)
            if s.pfn >= 0 {
                let page = w.pages[Int(s.pfn)]
                if !page.isLocked { throw bug(.removeMappingUnlocked, w, t, pfn: s.pfn, "the page is not locked") }
                if page.mapping != slot { throw bug(.removeMappingForeign, w, t, pfn: s.pfn, "slot \(slot) points at a page whose mapping is \(page.mapping)") }
            }
            if s.pfn >= 0 && w.pages[Int(s.pfn)].mapping == slot { w.pages[Int(s.pfn)].mapping = -1 }
            w.cache[Int(slot)].pfn = -1
            event = StepEvent(task: t, site: site, .cache, pfn: s.pfn, a: Int64(slot), b: -1)
        case .freeFrozenPage(let r):
            let p = try pageOperand(w, t, r)
            let page = w.pages[Int(p.pfn)]
            guard page.life == .frozen && Int(page.frozenBy) == t else {
                throw Violation(.badProgram, task: t, pfn: p.pfn, function: function(of: w, task: t), detail: "free of a page this task has not frozen")
            }
            try freePage(&w, t, p.pfn)
            // The references frozen into the zero go with the page.
            w.refs[t * w.pages.count + Int(p.pfn)] = 0
            event = StepEvent(task: t, site: site, .freed, pfn: p.pfn)

        case .sendSignal(let target, let fatal):
            guard target >= 0 && Int(target) < w.tasks.count else {
                throw Violation(.badProgram, task: t, function: function(of: w, task: t), detail: "no task \(target) to signal")
            }
            deliverSignal(&w, Int(target), fatal: fatal)
            event = StepEvent(task: t, site: site, .signal, a: Int64(target), b: fatal ? 1 : 0)
        case .signalPending(let out):
            let pending = w.tasks[t].pending != .none
            w.tasks[t].registers[Int(out)] = pending ? 1 : 0
            event = StepEvent(task: t, site: site, .signalRead, a: pending ? 1 : 0)
        case .hotRemove(let r):
            let p = try pageOperand(w, t, r)
            let page = w.pages[Int(p.pfn)]
            if page.life != .free && page.memmapPresent {
                throw bug(.removeMemory, w, t, pfn: p.pfn, "the frame is \(page.life == .frozen ? "frozen" : "in use, refcount \(page.refcount)")")
            }
            w.pages[Int(p.pfn)].memmapPresent = false
            event = StepEvent(task: t, site: site, .hotRemove, pfn: p.pfn)
        }
        try advance(&w, t)
        return event
    }

    /// The most backward jumps and branches taken in one run of local
    /// instructions before the program is judged to loop without ever
    /// taking a step. Only a backward transfer can repeat an instruction, so
    /// a straight run of any length (up to `ProgramLimits.instructions`) is
    /// fine, and a loop is still caught.
    static let localRunLimit = 10_000

    /// Move past the instruction just executed, then run the local
    /// instructions that follow it.
    func advance(_ w: inout World, _ t: Int) throws(Violation) {
        w.tasks[t].pc += 1
        let program = Int(w.tasks[t].program), pc = Int(w.tasks[t].pc)
        if pc >= length[program] {
            w.tasks[t].finished = true
        } else if isLocal[base[program] + pc] {
            try runLocals(&w, t)
        }
    }

    /// Run register moves, branches, jumps, counters and pointer formation
    /// in place: they touch nothing another task can see (counters are
    /// observations), so they are not scheduling points. The task rests on
    /// its next visible instruction, or finishes.
    func runLocals(_ w: inout World, _ t: Int) throws(Violation) {
        let program = Int(w.tasks[t].program)
        let count = length[program], first = base[program]
        var budget = Self.localRunLimit
        // Work on the task's pc and registers in locals and store them once:
        // every store through `w.tasks[t]` pays a uniqueness check.
        var pc = Int(w.tasks[t].pc)
        var registers = w.tasks[t].registers
        func store(_ w: inout World) {
            w.tasks[t].pc = Int32(pc)
            w.tasks[t].registers = registers
        }
        while true {
            guard pc < count else {
                store(&w)
                w.tasks[t].finished = true
                return
            }
            var next = pc + 1
            switch ops[first + pc] {
            case .jump(let to):
                next = Int(to)
            case .branch(let r, let cmp, let v, let to):
                if cmp.holds(registers[Int(r)], v) { next = Int(to) }
            case .set(let r, let v):
                registers[Int(r)] = v
            case .move(let r, let from):
                registers[Int(r)] = registers[Int(from)]
            case .add(let r, let v):
                registers[Int(r)] &+= v
            case .count(let c):
                guard let i = counterIndex(w, c) else { store(&w); throw badCounter(w, t, c) }
                w.counters[i] += 1
            case .readCounter(let c, let r):
                guard let i = counterIndex(w, c) else { store(&w); throw badCounter(w, t, c) }
                registers[Int(r)] = w.counters[i]
            case .loadPage(let r, let pfn):
                guard pfn >= 0 && Int(pfn) < w.pages.count else {
                    store(&w)
                    throw Violation(.badProgram, task: t, pfn: pfn, function: function(of: w, task: t), detail: "no frame \(pfn)")
                }
                registers[Int(r)] = PageRef(pfn: pfn, gen: w.pages[Int(pfn)].gen).register
            case .exit:
                next = count
            default:
                store(&w)
                return
            }
            if next <= pc {
                budget -= 1
                if budget < 0 {
                    store(&w)
                    throw Violation(.badProgram, task: t, function: function(of: w, task: t),
                                    detail: "more than \(Self.localRunLimit) backward jumps or branches among local instructions in a row: a loop that never takes a step")
                }
            }
            pc = next
        }
    }

    /// A counter number checked against the world's counters.
    private func counterIndex(_ w: World, _ c: Int32) -> Int? {
        c >= 0 && Int(c) < w.counters.count ? Int(c) : nil
    }

    private func badCounter(_ w: World, _ t: Int, _ c: Int32) -> Violation {
        Violation(.badProgram, task: t, function: function(of: w, task: t), detail: "counter \(c) does not exist (the world has \(w.counters.count))")
    }

    /// `page_count()` / `page_mapcount()`: a read of one count into a register.
    /// (A closure, not a key path: a key path is looked up at run time, on
    /// every call.)
    private func readCount(_ w: inout World, _ t: Int, _ r: Register, into out: Register, _ name: String,
                           site: StepEvent.Site, _ field: (PageFrame) -> Int32) throws(Violation) -> StepEvent {
        let p = try pageOperand(w, t, r)
        try touch(w, t, p, name)
        let v = Int64(field(w.pages[Int(p.pfn)]))
        w.tasks[t].registers[Int(out)] = v
        return StepEvent(task: t, site: site, .setRegister, pfn: p.pfn, a: Int64(out), b: v)
    }

    func pteOperand(_ w: World, _ t: Int, _ slot: Int32, locked: Bool = false) throws(Violation) -> PTE {
        guard slot >= 0 && Int(slot) < w.ptes.count else {
            throw Violation(.badProgram, task: t, function: function(of: w, task: t), detail: "no PTE slot \(slot) (the world has \(w.ptes.count))")
        }
        let pte = w.ptes[Int(slot)]
        if locked && !w.tasks[t].holds(.ptl(Int(pte.mm))) {
            throw Violation(.lockMisuse, task: t, pfn: pte.pfn, function: function(of: w, task: t), detail: "PTE slot \(slot) changed without its ptl (mm \(pte.mm))")
        }
        return pte
    }

    func cacheOperand(_ w: World, _ t: Int, _ slot: Int32, locked: Bool = false) throws(Violation) -> CacheSlot {
        guard slot >= 0 && Int(slot) < w.cache.count else {
            throw Violation(.badProgram, task: t, function: function(of: w, task: t), detail: "no page-cache slot \(slot) (the world has \(w.cache.count))")
        }
        let s = w.cache[Int(slot)]
        if locked && !w.tasks[t].holds(.mapping(Int(s.file))) {
            throw Violation(.lockMisuse, task: t, pfn: s.pfn, function: function(of: w, task: t), detail: "page-cache slot \(slot) changed without the i_pages lock of file \(s.file)")
        }
        return s
    }

    /// Signal delivery (kernel-model §1.6): set pending; wake a sleeper
    /// whose state the signal interrupts.
    func deliverSignal(_ w: inout World, _ target: Int, fatal: Bool) {
        let sig: PendingSignal = fatal ? .fatal : .nonfatal
        if sig > w.tasks[target].pending { w.tasks[target].pending = sig }
        let s = w.tasks[target].state
        if (fatal && (s == .killable || s == .interruptible)) || (!fatal && s == .interruptible) {
            w.tasks[target].state = .running
            if w.tasks[target].blocked {
                w.tasks[target].blocked = false
                w.tasks[target].stats.wakeups += 1
            }
        }
    }
}
