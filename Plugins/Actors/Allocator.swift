import PagewaitCore

/// An allocator that reuses the page's frame once it is freed, and keeps
/// the new usage locked — for `hold` steps, or forever if `hold` < 0 (a page
/// under long I/O). The "reuse" actor of kernel-model F5.
public struct Allocator: ProgramActor {
    public init() {}
    public var name: String { "allocator" }
    public var summary: String { "wait for the frame to be freed, allocate it again and hold the new usage locked" }
    public var reference: String { "__alloc_pages; the reused-page hazard in 9a1ea439b16b's DROP comment" }
    /// Allocation is retried while the migrator works, and once more after
    /// it is done: no counting loop, so the program stays finite-state.
    public var parameters: Parameters { ["hold": -1, "delay": 0] }
    /// `hold` -1 is forever; below that means nothing.
    public var limits: [String: Limit] { ["hold": Limit(-1...ScenarioSpec.maxParameterValue), "delay": ParameterLimit.steps] }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        let P = Reg.page, t = Reg.t0
        let hold = context.int("hold")
        return try build("allocator", context) { b in
            let retry = b.label(), got = b.label(), exit = b.label()
            b.pause(context.int("delay"))
            b.function("__alloc_pages") { b in
                b.bind(retry)
                b.emit(.readCounter(Counter.done.rawValue, into: Reg.loop))
                b.emit(.allocPage(pfn: Layout.pagePfn, into: P, result: t))
                b.branch(t, .equal, 1, to: got)
                b.branch(Reg.loop, .notEqual, 0, to: exit)
                b.emit(.pause)
                b.jump(to: retry)
                b.bind(got)
                b.count(.reused)
            }
            b.function("allocator") { b in
                b.emit(.trylockPage(P, result: t))
                if hold >= 0 {
                    b.pause(hold)
                    b.unlockPage(P)
                }
                b.bind(exit)
            }
        }
    }
}
