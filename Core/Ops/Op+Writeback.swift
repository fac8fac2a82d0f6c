// PG_writeback as a bit with an owner (mm/page-writeback.c, mm/filemap.c):
// set_page_writeback starts a page's writeback and test_clear_page_writeback
// ends it, each one fully ordered RMW of the flags word (kernel-model §2.2).
// PG_writeback holds no page reference of its own: truncation waits for the
// bit to clear before it frees the page (truncate_inode_pages ->
// wait_on_page_writeback), so the I/O completion may touch the page while
// the bit is set, and only then. The model records whose writeback it is
// (`PageFrame.writebackBy`, the task that set the bit and whose completion
// clears it) and gives that task the access right for as long as the bit
// is set (I5): from its test_clear_page_writeback on, it needs a reference
// of its own, which end_page_writeback took only from 073861ed77b6 on
// (kernel-model F10). The composite `end_page_writeback` and
// `wait_on_page_writeback` are `ProgramBuilder` helpers.

/// Starting and ending a page's writeback.
public enum WritebackOp: Hashable, Sendable {
    /// `set_page_writeback`: TestSetPageWriteback; the task's writeback
    /// owns the bit from here on.
    case setPageWriteback(Register)
    /// `test_clear_page_writeback`: clear PG_writeback and end the owner's
    /// right; `end_page_writeback` BUG()s if the bit was clear.
    case testClearPageWriteback(Register)
}

extension Op {
    /// `set_page_writeback`: TestSetPageWriteback; the task's writeback
    /// owns the bit from here on.
    public static func setPageWriteback(_ page: Register) -> Op { .writeback(.setPageWriteback(page)) }
    /// `test_clear_page_writeback`: clear PG_writeback, BUG() if it was clear.
    public static func testClearPageWriteback(_ page: Register) -> Op { .writeback(.testClearPageWriteback(page)) }
}

extension WritebackOp {
    var kernelName: String {
        switch self {
        case .setPageWriteback: "set_page_writeback"
        case .testClearPageWriteback: "test_clear_page_writeback"
        }
    }

    var listing: String {
        switch self {
        case .setPageWriteback(let p), .testClearPageWriteback(let p): "\(kernelName)(r\(p))"
        }
    }

    var registers: [Register] {
        switch self {
        case .setPageWriteback(let r), .testClearPageWriteback(let r): [r]
        }
    }

    /// Registers the operation always writes and does not read first
    /// (`LiveRegisters`): what they held before it is dead. A register
    /// written only on some outcomes is not among them.
    var kills: [Register] { [] }

    var gate: Engine.Gate { .free }

    func problem(length: Int32, behaviors: Int) -> String? { nil }
}

extension Engine {
    func execute(_ op: WritebackOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let event: StepEvent
        switch op {
        case .setPageWriteback(let r):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "set_page_writeback")
            // __test_set_page_writeback: TestSetPageWriteback, a
            // value-returning RMW (fully ordered).
            let (before, after) = rmw(&w, .flags(p.pfn), .fullyOrdered) { flags -> (PageFlags, PageFlags) in
                let before = flags
                flags.insert(.writeback)
                return (before, flags)
            }
            store(&w, .writebackOwner(p.pfn), TaskID(t), .modelOnly)
            event = StepEvent(task: t, site: site, .flags, pfn: p.pfn, a: Int64(before.rawValue), b: Int64(after.rawValue))
        case .testClearPageWriteback(let r):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "test_clear_page_writeback")
            // end_page_writeback: BUG() on !test_clear_page_writeback(page):
            // the RMW's own result, read first here so that the BUG leaves
            // the world as it was.
            if !load(w, .flags(p.pfn), .modelOnly).contains(.writeback) {
                throw bug(.endPageWriteback, w, t, pfn: p.pfn, "PG_writeback is clear")
            }
            // TestClearPageWriteback: a value-returning RMW (fully ordered).
            let (before, after) = rmw(&w, .flags(p.pfn), .fullyOrdered) { flags -> (PageFlags, PageFlags) in
                let before = flags
                flags.remove(.writeback)
                return (before, flags)
            }
            // The writeback is over, and with it the right it gave.
            store(&w, .writebackOwner(p.pfn), TaskID.none, .modelOnly)
            event = StepEvent(task: t, site: site, .flags, pfn: p.pfn, a: Int64(before.rawValue), b: Int64(after.rawValue))
        }
        try advance(&w, t)
        return event
    }

    /// Both touch the one page their register names (its flags word and
    /// the model's owner field, which lives in the frame).
    func footprint(of op: WritebackOp, _ t: Int, in w: World, into f: inout Footprint) {
        switch op {
        case .setPageWriteback(let r), .testClearPageWriteback(let r):
            f.page(pfn(in: r, of: t, w))
        }
    }
}
