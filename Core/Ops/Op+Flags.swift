// Page flags and the page lock's bit: the page-lock primitives of
// kernel-model §2.2 (trylock_page, unlock_page's U1, the two steps of the
// non-atomic __ClearPageLocked) and plain flag tests, sets and clears. Each
// is one atomic step on the page's flags word; the model records who holds
// PG_locked so an unlock by another task is caught (I2).

/// Flags and the page lock.
public enum FlagOp: Hashable, Sendable {
    case trylockPage(Register, result: Register)
    /// unlock_page step U1: clear PG_locked, result = old PG_waiters.
    case clearLockedTestWaiters(Register, result: Register)
    /// `__ClearPageLocked` step N1: read the whole flags word.
    case nonAtomicClearRead(Register)
    /// `__ClearPageLocked` step N2: write back what N1 read, less PG_locked.
    case nonAtomicClearWrite(Register)
    case testFlag(Register, PageFlags, result: Register)
    case setFlag(Register, PageFlags)
    case clearFlag(Register, PageFlags)
    /// unlock_page when PG_waiters has a word of its own
    /// (`PageLockWord.separate`): `__clear_bit_unlock(PG_locked)`, a
    /// release store of the flags word that leaves the waiters word alone.
    case releaseLocked(Register)
    /// unlock_page's test of PG_waiters in its own word: a plain load,
    /// after `smp_mb()` when `barrier` (the kerneldoc's "second mb"; after
    /// a non-atomic clear, smp_mb__after_atomic would not be enough).
    case testWaitersWord(Register, barrier: Bool, result: Register)
}

extension Op {
    public static func trylockPage(_ page: Register, result: Register) -> Op { .flag(.trylockPage(page, result: result)) }
    /// unlock_page step U1: clear PG_locked, result = old PG_waiters.
    public static func clearLockedTestWaiters(_ page: Register, result: Register) -> Op { .flag(.clearLockedTestWaiters(page, result: result)) }
    /// `__ClearPageLocked` step N1: read the whole flags word.
    public static func nonAtomicClearRead(_ page: Register) -> Op { .flag(.nonAtomicClearRead(page)) }
    /// `__ClearPageLocked` step N2: write back what N1 read, less PG_locked.
    public static func nonAtomicClearWrite(_ page: Register) -> Op { .flag(.nonAtomicClearWrite(page)) }
    public static func testFlag(_ page: Register, _ flag: PageFlags, result: Register) -> Op { .flag(.testFlag(page, flag, result: result)) }
    public static func setFlag(_ page: Register, _ flag: PageFlags) -> Op { .flag(.setFlag(page, flag)) }
    public static func clearFlag(_ page: Register, _ flag: PageFlags) -> Op { .flag(.clearFlag(page, flag)) }
    /// `__clear_bit_unlock(PG_locked)` when PG_waiters has a word of its own.
    public static func releaseLocked(_ page: Register) -> Op { .flag(.releaseLocked(page)) }
    /// [`smp_mb()`;] `PageWaiters` on PG_waiters' own word.
    public static func testWaitersWord(_ page: Register, barrier: Bool, result: Register) -> Op {
        .flag(.testWaitersWord(page, barrier: barrier, result: result))
    }
}

extension FlagOp {
    var kernelName: String {
        switch self {
        case .trylockPage: "trylock_page"
        case .clearLockedTestWaiters: "unlock_page: clear_bit_unlock_is_negative_byte"
        case .nonAtomicClearRead: "__ClearPageLocked (read)"
        case .nonAtomicClearWrite: "__ClearPageLocked (write)"
        case .testFlag(_, let f, _): "Page\(Self.camel(f))"
        case .setFlag(_, let f): "SetPage\(Self.camel(f))"
        case .clearFlag(_, let f): "ClearPage\(Self.camel(f))"
        case .releaseLocked: "unlock_page: __clear_bit_unlock"
        case .testWaitersWord(_, let barrier, _): barrier ? "unlock_page: smp_mb + PageWaiters" : "unlock_page: PageWaiters"
        }
    }

    /// The flag in the page-flags macros' spelling: `Dirty` in `SetPageDirty`.
    static func camel(_ f: PageFlags) -> String {
        let names: [(PageFlags, String)] = [
            (.locked, "Locked"), (.waiters, "Waiters"), (.writeback, "Writeback"), (.uptodate, "Uptodate"),
            (.workingset, "Workingset"), (.swapbacked, "SwapBacked"), (.dirty, "Dirty"), (.private, "Private"), (.lru, "LRU"),
        ]
        let parts = names.filter { f.contains($0.0) }.map(\.1)
        return parts.isEmpty ? "?" : parts.joined(separator: "|")
    }

    var listing: String {
        switch self {
        case .trylockPage(let p, let result), .testFlag(let p, _, let result): "r\(result) = \(kernelName)(r\(p))"
        case .clearLockedTestWaiters(let p, let result): "r\(result) = clear_bit_unlock_is_negative_byte(PG_locked, r\(p))"
        case .nonAtomicClearRead(let p): "__ClearPageLocked(r\(p)): read the flags word"
        case .nonAtomicClearWrite(let p): "__ClearPageLocked(r\(p)): write it back less PG_locked"
        case .setFlag(let p, _), .clearFlag(let p, _): "\(kernelName)(r\(p))"
        case .releaseLocked(let p): "__clear_bit_unlock(PG_locked, r\(p)) (PG_waiters in its own word)"
        case .testWaitersWord(let p, let barrier, let result): "r\(result) = \(barrier ? "smp_mb(); " : "")PageWaiters(r\(p)) (its own word)"
        }
    }

    var registers: [Register] {
        switch self {
        case .nonAtomicClearRead(let r), .nonAtomicClearWrite(let r), .setFlag(let r, _), .clearFlag(let r, _), .releaseLocked(let r): [r]
        case .trylockPage(let a, let b), .clearLockedTestWaiters(let a, let b), .testFlag(let a, _, let b),
             .testWaitersWord(let a, _, let b): [a, b]
        }
    }

    /// Registers the operation always writes and does not read first
    /// (`LiveRegisters`): what they held before it is dead. A register
    /// written only on some outcomes is not among them.
    var kills: [Register] {
        switch self {
        case .trylockPage(let a, let b), .clearLockedTestWaiters(let a, let b), .testFlag(let a, _, let b),
             .testWaitersWord(let a, _, let b): LiveRegisters.result(b, after: a)
        case .nonAtomicClearRead, .nonAtomicClearWrite, .setFlag, .clearFlag, .releaseLocked: []
        }
    }

    var gate: Engine.Gate { .free }

    func problem(length: Int32, behaviors: Int) -> String? { nil }
}

extension Engine {
    func execute(_ op: FlagOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let event: StepEvent
        switch op {
        case .trylockPage(let r, let out):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "trylock_page")
            // trylock_page: test_and_set_bit_lock, acquire (include/linux/pagemap.h).
            let ok = testAndSet(&w, p.pfn, .locked, owner: t, .acquire)
            w.tasks[t].registers[Int(out)] = ok ? 1 : 0
            event = StepEvent(task: t, site: site, .trylock, pfn: p.pfn, a: ok ? 1 : 0)
        case .clearLockedTestWaiters(let r, let out):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "unlock_page")
            // unlock_page: VM_BUG_ON_PAGE(!PageLocked(page)), a test_bit (mm/filemap.c).
            if !load(w, .flags(p.pfn), .relaxed).contains(.locked) { throw bug(.unlockPage, w, t, pfn: p.pfn, "PG_locked is clear") }
            try checkUnlocker(&w, t, p.pfn)
            // clear_bit_unlock_is_negative_byte: clear PG_locked and return
            // PG_waiters in one release RMW (asm-generic/bitops/lock.h:
            // atomic_long_fetch_andnot_release; a locked and on x86).
            let after = rmw(&w, .flags(p.pfn), .release) { flags -> PageFlags in
                flags.remove(.locked)
                return flags
            }
            setLockOwner(&w, p.pfn, -1)
            let waiters = after.contains(.waiters)
            w.tasks[t].registers[Int(out)] = waiters ? 1 : 0
            event = StepEvent(task: t, site: site, .unlockU1, pfn: p.pfn, a: waiters ? 1 : 0)
        case .nonAtomicClearRead(let r):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "__ClearPageLocked")
            // __ClearPageLocked: __clear_bit, a plain load of the flags word
            // here and a plain store of it in the next step.
            w.tasks[t].snapshot = load(w, .flags(p.pfn), .plain)
            event = StepEvent(task: t, site: site, .nonAtomicRead, pfn: p.pfn, a: Int64(w.tasks[t].snapshot.rawValue))
        case .nonAtomicClearWrite(let r):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "__ClearPageLocked")
            try checkUnlocker(&w, t, p.pfn)
            // What the store overwrites, for the trace only.
            let before = load(w, .flags(p.pfn), .modelOnly)
            var after = w.tasks[t].snapshot
            after.remove(.locked)
            // Whatever changed since the read is overwritten: the lost update.
            store(&w, .flags(p.pfn), after, .plain)
            setLockOwner(&w, p.pfn, -1)
            event = StepEvent(task: t, site: site, .nonAtomicWrite, pfn: p.pfn, a: Int64(before.rawValue), b: Int64(after.rawValue))
        case .testFlag(let r, let f, let out):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "test \(f.kernelName)")
            // PageXxx: test_bit, unordered.
            let set = load(w, .flags(p.pfn), .relaxed).contains(f)
            w.tasks[t].registers[Int(out)] = set ? 1 : 0
            event = StepEvent(task: t, site: site, .flagTest, pfn: p.pfn, a: Int64(f.rawValue), b: set ? 1 : 0)
        case .setFlag(let r, let f):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "set \(f.kernelName)")
            // SetPageXxx: set_bit, or TestSetPageWriteback (`order(ofSettingOrClearing:)`).
            let (before, after) = rmw(&w, .flags(p.pfn), Self.order(ofSettingOrClearing: f)) { flags -> (PageFlags, PageFlags) in
                let before = flags
                flags.insert(f)
                return (before, flags)
            }
            if f.contains(.locked) && !before.contains(.locked) { setLockOwner(&w, p.pfn, t) }
            event = StepEvent(task: t, site: site, .flags, pfn: p.pfn, a: Int64(before.rawValue), b: Int64(after.rawValue))
        case .clearFlag(let r, let f):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "clear \(f.kernelName)")
            // PG_writeback has no plain clear: test_clear_page_writeback is
            // the only one, and its caller BUG()s if the bit was clear. That
            // is the RMW's own result, read first here so that the BUG
            // leaves the world as it was.
            if f.contains(.writeback) && !load(w, .flags(p.pfn), .modelOnly).contains(.writeback) {
                throw bug(.endPageWriteback, w, t, pfn: p.pfn, "PG_writeback is clear")
            }
            if f.contains(.locked) {
                try checkUnlocker(&w, t, p.pfn)
                setLockOwner(&w, p.pfn, -1)
            }
            // ClearPageXxx: clear_bit, or TestClearPageWriteback.
            let (before, after) = rmw(&w, .flags(p.pfn), Self.order(ofSettingOrClearing: f)) { flags -> (PageFlags, PageFlags) in
                let before = flags
                flags.remove(f)
                return (before, flags)
            }
            event = StepEvent(task: t, site: site, .flags, pfn: p.pfn, a: Int64(before.rawValue), b: Int64(after.rawValue))
        case .releaseLocked, .testWaitersWord:
            event = try executeSeparateWord(op, &w, t, site: site)
        }
        try advance(&w, t)
        return event
    }

    /// The steps of unlock_page when PG_waiters has a word of its own
    /// (`PageLockWord.separate`), out of line so the common flag steps'
    /// code stays as small as it was.
    @inline(never)
    private func executeSeparateWord(_ op: FlagOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        switch op {
        case .releaseLocked(let r):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "unlock_page")
            // The same VM_BUG_ON_PAGE(!PageLocked(page)) as unlock_page's.
            let before = load(w, .flags(p.pfn), .relaxed)
            if !before.contains(.locked) { throw bug(.unlockPage, w, t, pfn: p.pfn, "PG_locked is clear") }
            try checkUnlocker(&w, t, p.pfn)
            // __clear_bit_unlock (include/asm-generic/bitops/lock.h): a
            // release store of the word less PG_locked; no RMW, so under
            // tso it waits in the store buffer. PG_waiters is not in it.
            var after = before
            after.remove(.locked)
            store(&w, .lockWord(p.pfn), after, .release)
            setLockOwner(&w, p.pfn, -1)
            return StepEvent(task: t, site: site, .releaseLocked, pfn: p.pfn, a: Int64(before.rawValue), b: Int64(after.subtracting(.waiters).rawValue))
        case .testWaitersWord(let r, let barrier, let out):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "unlock_page")
            // smp_mb(): a full barrier (mfence on x86), so the task's buffer
            // drains first (memory-barriers.txt, "CPU memory barriers"). Done
            // in the same step as the load, as an RMW's drain is: the
            // explorer also tries each flush as a step of its own before it.
            if barrier && tso { w.drainStoreBuffer(of: w.storeBuffers.current) }
            // PageWaiters: test_bit, unordered (include/linux/page-flags.h).
            let set = load(w, .waitersWord(p.pfn), .relaxed)
            w.tasks[t].registers[Int(out)] = set ? 1 : 0
            return StepEvent(task: t, site: site, .waitersWordTest, pfn: p.pfn, a: set ? 1 : 0, b: barrier ? 1 : 0)
        default:
            preconditionFailure("not a separate-word step: \(op)")
        }
    }

    /// The order of SetPageXxx / ClearPageXxx for `f` (include/linux/page-flags.h):
    /// set_bit and clear_bit are unordered RMWs, but PG_writeback changes
    /// only through TestSetPageWriteback and TestClearPageWriteback
    /// (set_page_writeback, end_page_writeback), which are fully ordered.
    /// The kernel has no atomic SetPageLocked (only __SetPageLocked, on a
    /// page nobody else can see yet) and clears PG_locked with unlock_page;
    /// the model's set or clear of it is recorded as unordered.
    static func order(ofSettingOrClearing f: PageFlags) -> MemoryOrder {
        f.contains(.writeback) ? .fullyOrdered : .relaxed
    }

    /// Every flag operation touches the one page its register names, and
    /// is a non-mover (`Mover.none`, the footprint's default): each reads or
    /// writes a word other tasks test.
    func footprint(of op: FlagOp, _ t: Int, in w: World, into f: inout Footprint) {
        switch op {
        case .trylockPage(let r, _), .clearLockedTestWaiters(let r, _), .nonAtomicClearRead(let r), .nonAtomicClearWrite(let r),
             .testFlag(let r, _, _), .setFlag(let r, _), .clearFlag(let r, _), .releaseLocked(let r), .testWaitersWord(let r, _, _):
            f.page(pfn(in: r, of: t, w))
        }
    }
}
