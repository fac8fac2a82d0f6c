import PagewaitCore

/// `__split_huge_page` on one tail page beyond i_size (mm/huge_memory.c,
/// v4.8 … v4.17): the tail comes out of the split locked, with PG_dirty
/// copied from the head, and the split clears PG_dirty before it unlocks
/// the tail. `atomic` = 0 clears it with `__ClearPageDirty`, the non-atomic
/// read-modify-write of the whole flags word that baa355fd3314 introduced;
/// `atomic` = 1 with `ClearPageDirty`, 2d077d4b5992's fix. Since
/// 62906027091f PG_waiters lives in that word, so the non-atomic store can
/// erase a SetPageWaiters made between its load and its store (known-bugs
/// Z9).
///
/// Scope: the tail is the scenario's page; the split takes its reference
/// and the page lock first (`trylock_page`: the tail is locked from the
/// start of the split, so a split that finds the page locked by someone
/// else does not run), and leaves out the page-cache deletion and the
/// other tails.
public struct Splitter: ProgramActor {
    public init() {}
    public var name: String { "splitter" }
    public var summary: String { "__split_huge_page on a locked dirty tail: clear PG_dirty, then unlock_page" }
    public var reference: String { "__split_huge_page (mm/huge_memory.c); 2d077d4b5992, baa355fd3314" }
    public var parameters: Parameters { ["atomic": 1] }
    public var limits: [String: Limit] { ["atomic": ParameterLimit.flag] }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        let P = Reg.page, t = Reg.t0
        return try build("splitter", context) { b in
            let exit = b.label(), unpin = b.label()
            b.emit(.loadPage(P, pfn: Layout.pagePfn))
            b.emit(.getPageUnlessZero(P, result: t))
            b.branch(t, .equal, 0, to: exit)
            b.emit(.trylockPage(P, result: t))
            b.branch(t, .equal, 0, to: unpin)
            b.function("__split_huge_page") { b in
                if context.int("atomic") != 0 {
                    b.emit(.clearFlag(P, .dirty))
                } else {
                    b.emit(.nonAtomicClearFlagRead(P, .dirty))
                    b.emit(.nonAtomicClearFlagWrite(P, .dirty))
                }
            }
            b.unlockPage(P)
            b.bind(unpin)
            b.emit(.putPage(P))
            b.bind(exit)
        }
    }
}
