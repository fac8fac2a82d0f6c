// The page's flags word read and written whole: the non-atomic
// `__ClearPageXxx` (`__clear_bit`, include/linux/page-flags.h) on a page
// other tasks can see. Like `__ClearPageLocked` (`Op+Flags.swift`) it is two
// steps: load the word, then store it back less the flag; an atomic update
// of any other bit of the same word between the two (SetPageWaiters by a
// task going to sleep on PG_locked, say) is lost. PG_waiters lives in
// PG_locked's word since 62906027091f, so every such clear on a page a
// sleeper may be queued on can erase it: 2d077d4b5992 ("__split_huge_page():
// use atomic ClearPageDirty()") found one on the tail pages of a huge page
// split (kernel-model §2.2, known-bugs Z9).

/// Non-atomic updates of the flags word.
public enum FlagWordOp: Hashable, Sendable {
    /// `__ClearPageXxx` step 1: load the whole flags word.
    case nonAtomicClearRead(Register, PageFlags)
    /// `__ClearPageXxx` step 2: store what step 1 loaded, less the flag.
    case nonAtomicClearWrite(Register, PageFlags)
}

extension Op {
    /// `__ClearPageXxx` step 1 for flag `flag`: load the whole flags word.
    public static func nonAtomicClearFlagRead(_ page: Register, _ flag: PageFlags) -> Op { .flagWord(.nonAtomicClearRead(page, flag)) }
    /// `__ClearPageXxx` step 2: store what step 1 loaded, less `flag`.
    public static func nonAtomicClearFlagWrite(_ page: Register, _ flag: PageFlags) -> Op { .flagWord(.nonAtomicClearWrite(page, flag)) }
}

extension FlagWordOp {
    /// The flags the kernel clears with a non-atomic `__ClearPageXxx` on a
    /// page others may see: `__ClearPageDirty` (`__split_huge_page` before
    /// 2d077d4b5992), `__ClearPagePrivate`, `__ClearPageLRU`,
    /// `__ClearPageSwapBacked`. PG_locked has its own two steps, with the
    /// owner check (`FlagOp.nonAtomicClearRead`); PG_waiters and
    /// PG_writeback have no non-atomic clear.
    public static let clearable: PageFlags = [.dirty, .private, .lru, .swapbacked]

    var kernelName: String {
        switch self {
        case .nonAtomicClearRead(_, let f): "__ClearPage\(FlagOp.camel(f)) (read)"
        case .nonAtomicClearWrite(_, let f): "__ClearPage\(FlagOp.camel(f)) (write)"
        }
    }

    var listing: String {
        switch self {
        case .nonAtomicClearRead(let p, let f): "__ClearPage\(FlagOp.camel(f))(r\(p)): read the flags word"
        case .nonAtomicClearWrite(let p, let f): "__ClearPage\(FlagOp.camel(f))(r\(p)): write it back less \(f.kernelName)"
        }
    }

    var registers: [Register] {
        switch self {
        case .nonAtomicClearRead(let r, _), .nonAtomicClearWrite(let r, _): [r]
        }
    }

    /// Registers the operation always writes and does not read first
    /// (`LiveRegisters`): what they held before it is dead. A register
    /// written only on some outcomes is not among them.
    var kills: [Register] { [] }

    var gate: Engine.Gate { .free }

    func problem(length: Int32, behaviors: Int) -> String? {
        switch self {
        case .nonAtomicClearRead(_, let f), .nonAtomicClearWrite(_, let f):
            if f.rawValue.nonzeroBitCount != 1 || !Self.clearable.contains(f) {
                return "no non-atomic clear of \(f.kernelName): only one of \(Self.clearable.kernelName)"
            }
            return nil
        }
    }
}

extension Engine {
    func execute(_ op: FlagWordOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let event: StepEvent
        switch op {
        case .nonAtomicClearRead(let r, let f):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "__ClearPage\(FlagOp.camel(f))")
            // __clear_bit: a plain load of the flags word here and a plain
            // store of it in the next step.
            w.tasks[t].snapshot = load(w, .flags(p.pfn), .plain)
            event = StepEvent(task: t, site: site, .nonAtomicRead, pfn: p.pfn, a: Int64(w.tasks[t].snapshot.rawValue))
        case .nonAtomicClearWrite(let r, let f):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "__ClearPage\(FlagOp.camel(f))")
            // What the store overwrites, for the trace only.
            let before = load(w, .flags(p.pfn), .modelOnly)
            var after = w.tasks[t].snapshot
            after.remove(f)
            // Whatever changed since the read is overwritten: the lost update.
            store(&w, .flags(p.pfn), after, .plain)
            event = StepEvent(task: t, site: site, .nonAtomicWrite, pfn: p.pfn, a: Int64(before.rawValue), b: Int64(after.rawValue))
        }
        try advance(&w, t)
        return event
    }

    /// Both steps touch the one page their register names.
    func footprint(of op: FlagWordOp, _ t: Int, in w: World, into f: inout Footprint) {
        switch op {
        case .nonAtomicClearRead(let r, _), .nonAtomicClearWrite(let r, _):
            f.page(pfn(in: r, of: t, w))
        }
    }
}
