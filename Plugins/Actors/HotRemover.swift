import PagewaitCore

/// Memory hot-remove after a successful offline: the range's memmap goes
/// away, so any later access to the old `struct page` is fatal
/// (kernel-model F6).
public struct HotRemover: ProgramActor {
    public init() {}
    public var name: String { "hotremover" }
    public var summary: String { "after offlining succeeds, remove the range's memmap: later accesses are fatal" }
    public var reference: String { "arch_remove_memory, sparse_remove_section (mm/memory_hotplug.c)" }
    /// Waits while the offliner works; gives up once it is done without success.
    public var parameters: Parameters { [:] }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        try build("hotremover", context) { b in
            let retry = b.label(), go = b.label(), exit = b.label()
            b.function("remove_memory") { b in
                b.bind(retry)
                b.emit(.readCounter(Counter.done.rawValue, into: Reg.loop))
                b.emit(.readCounter(Counter.offlineSucceeded.rawValue, into: Reg.t0))
                b.branch(Reg.t0, .notEqual, 0, to: go)
                b.branch(Reg.loop, .notEqual, 0, to: exit)
                b.emit(.pause)
                b.jump(to: retry)
                b.bind(go)
                b.emit(.loadPage(Reg.page, pfn: Layout.pagePfn))
                b.emit(.hotRemove(Reg.page))
                b.bind(exit)
            }
        }
    }
}
