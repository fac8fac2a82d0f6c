import PagewaitCore

/// A reclaimer: `shrink_page_list()` on the page: isolate, trylock, unmap,
/// `__remove_mapping` (freeze at 2: the cache's and the isolation's
/// reference), clear PG_locked the strategy's way, free (kernel-model §2.11).
public struct Reclaimer: ProgramActor {
    public init() {}
    public var name: String { "reclaimer" }
    public var summary: String { "shrink_page_list + __remove_mapping on the page, clearing PG_locked the strategy's way" }
    public var reference: String { "shrink_page_list, __remove_mapping (mm/vmscan.c)" }
    /// `delay`: steps before starting. Isolation is retried while the
    /// migrator (or offliner) holds the page, and once more after it is done.
    public var parameters: Parameters { ["delay": 0] }
    public var limits: [String: Limit] { ["delay": ParameterLimit.steps] }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        let P = Reg.page, t = Reg.t0
        return try build("reclaimer", context) { b throws(BuildError) in
            let retry = b.label(), isolated = b.label(), exit = b.label(), keep = b.label(), keepLocked = b.label()
            let freezeFailed = b.label(), undoFreeze = b.label()
            b.pause(context.int("delay"))
            let isolateFailed = b.label()
            b.bind(retry)
            // Whether the migrator was already done before this attempt: no
            // counting loop, so the reclaimer stays a finite-state program.
            b.emit(.readCounter(Counter.done.rawValue, into: Reg.loop))
            MigratePages.isolate(into: &b, failed: isolateFailed)
            b.jump(to: isolated)
            // Not on the LRU now (the migrator has it): try again shortly.
            b.bind(isolateFailed)
            b.function("shrink_inactive_list") { b in
                b.branch(Reg.loop, .notEqual, 0, to: exit)
                b.emit(.pause)
                b.jump(to: retry)
            }
            b.bind(isolated)
            b.function("shrink_page_list") { b in
                b.emit(.trylockPage(P, result: t))
                b.branch(t, .equal, 0, to: keep)
                b.emit(.testFlag(P, .writeback, result: t))
                b.branch(t, .equal, 1, to: keepLocked)
                b.emit(.testFlag(P, .dirty, result: t))
                b.branch(t, .equal, 1, to: keepLocked)
                // Releasing buffers (try_to_release_page) is not modelled:
                // a page with PG_private is kept.
                b.emit(.testFlag(P, .private, result: t))
                b.branch(t, .equal, 1, to: keepLocked)
            }
            b.function("try_to_unmap_one") { b in
                for slot in context.layout.slots {
                    let ptl = LockID.ptl(Int(slot))
                    b.emit(.spinLock(ptl))
                    b.emit(.unmapPTE(slot: slot, page: P))
                    b.emit(.spinUnlock(ptl))
                }
                b.emit(.readMapcount(P, into: t))
                b.branch(t, .notEqual, 0, to: keepLocked)
            }
            let mappingLock = LockID.mapping(Layout.file)
            b.function("__remove_mapping") { b in
                b.emit(.spinLock(mappingLock))
                b.emit(.pageRefFreeze(P, expected: 2, result: t))
                b.branch(t, .equal, 0, to: freezeFailed)
            }
            try emit(.reclaimFrozen, context, into: &b, HookContext(page: P, temporaries: [t], bail: undoFreeze, parameters: context.parameters))
            b.function("__remove_mapping") { b in
                b.emit(.cacheRemove(slot: Layout.cacheSlot))
                b.emit(.spinUnlock(mappingLock))
            }
            try emit(.reclaimClearLocked, context, into: &b, HookContext(page: P, temporaries: [t], parameters: context.parameters))
            b.function("free_unref_page_list") { b in
                b.emit(.freeFrozenPage(P))
                b.count(.reclaimFreed)
                b.jump(to: exit)
            }
            b.function("__remove_mapping") { b in
                b.bind(undoFreeze)
                b.emit(.pageRefUnfreeze(P, count: 2))
                b.bind(freezeFailed)
                b.emit(.spinUnlock(mappingLock))
            }
            b.bind(keepLocked)
            b.unlockPage(P)
            b.function("shrink_page_list") { b in
                b.bind(keep)
                b.emit(.putbackLRU(P))
                b.count(.reclaimKept)
            }
            b.bind(exit)
        }
    }
}
