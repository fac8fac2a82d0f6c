import PagewaitCore

/// One writeback of the page, from `write_cache_pages` to its I/O
/// completion: pin the page, `lock_page`, `wait_on_page_writeback` (an
/// earlier writeback must end first), `set_page_writeback`, `unlock_page`,
/// unpin (the I/O holds no reference: PG_writeback stands in for one), then,
/// as the I/O completion, `end_page_writeback`. `pinned` = 1 is
/// 073861ed77b6's end_page_writeback, which holds a reference across the
/// clear and the wake; 0 is the one before it (kernel-model F10).
/// `untilClear` = 1 waits for writeback while the bit is set
/// (c2407cf7d22d), 0 once (before it).
public struct WritebackIO: ProgramActor {
    public init() {}
    public var name: String { "writeback" }
    public var summary: String { "write_cache_pages: lock, wait for writeback, set_page_writeback, unlock; end_page_writeback as the I/O completes" }
    public var reference: String { "write_cache_pages (mm/page-writeback.c), end_page_writeback (mm/filemap.c); 073861ed77b6" }
    public var parameters: Parameters { ["pinned": 1, "untilClear": 1] }
    public var limits: [String: Limit] { ["pinned": ParameterLimit.flag, "untilClear": ParameterLimit.flag] }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        let P = Reg.page, t = Reg.t0
        return try build("writeback", context) { b in
            let exit = b.label()
            b.function("write_cache_pages") { b in
                b.emit(.loadPage(P, pfn: Layout.pagePfn))
                b.emit(.getPageUnlessZero(P, result: t))
                b.branch(t, .equal, 0, to: exit)
            }
            b.lockPage(P)
            b.waitOnPageWriteback(P, untilClear: context.int("untilClear") != 0)
            b.emit(.setPageWriteback(P))
            b.unlockPage(P)
            // The bio holds the page through PG_writeback, not a reference.
            b.function("write_cache_pages") { b in b.emit(.putPage(P)) }
            b.endPageWriteback(P, pinned: context.int("pinned") != 0)
            b.bind(exit)
        }
    }
}

/// Waits for the page's writeback with a reference held:
/// `wait_on_page_writeback` as truncation, fsync or reclaim call it.
/// `untilClear` as for `WritebackIO`.
public struct WritebackWaiter: ProgramActor {
    public init() {}
    public var name: String { "waiter" }
    public var summary: String { "pin the page and wait_on_page_writeback (a SHARED waiter on PG_writeback)" }
    public var reference: String { "wait_on_page_writeback (mm/page-writeback.c), folio_wait_writeback; c2407cf7d22d" }
    public var parameters: Parameters { ["untilClear": 1] }
    public var limits: [String: Limit] { ["untilClear": ParameterLimit.flag] }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        let P = Reg.page, t = Reg.t0
        return try build("waiter", context) { b in
            let exit = b.label()
            b.emit(.loadPage(P, pfn: Layout.pagePfn))
            b.emit(.getPageUnlessZero(P, result: t))
            b.branch(t, .equal, 0, to: exit)
            b.waitOnPageWriteback(P, untilClear: context.int("untilClear") != 0)
            b.emit(.putPage(P))
            b.bind(exit)
        }
    }
}

/// The I/O completion of a writeback already under way when the scenario
/// starts (the page begins with PG_writeback set): pin the page (a
/// speculative get, as the ended writeback's own reference stands in for
/// what 073861ed77b6's get_page relies on), `end_page_writeback`, unpin.
public struct WritebackCompletion: ProgramActor {
    public init() {}
    public var name: String { "completion" }
    public var summary: String { "end the writeback under way at the start: end_page_writeback with a reference held" }
    public var reference: String { "end_page_writeback, folio_end_writeback (mm/filemap.c); 073861ed77b6" }
    public var parameters: Parameters { [:] }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        let P = Reg.page, t = Reg.t0
        return try build("completion", context) { b in
            let exit = b.label()
            b.emit(.loadPage(P, pfn: Layout.pagePfn))
            b.emit(.getPageUnlessZero(P, result: t))
            b.branch(t, .equal, 0, to: exit)
            b.endPageWriteback(P)
            b.emit(.putPage(P))
            b.bind(exit)
        }
    }
}
