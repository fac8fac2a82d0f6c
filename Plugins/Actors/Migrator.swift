import PagewaitCore

/// A migrator: isolate the page from the LRU, call `migrate_pages()` on it
/// once (SYNC, `passes` passes), then signal the end of the experiment.
/// Kernel-model §2.8, §2.9 (mm/migrate.c v4.19).
public struct Migrator: ProgramActor {
    public init() {}
    public var name: String { "migrator" }
    public var summary: String { "isolate the page and migrate_pages() it once (10 passes, trylock-only in passes 0-2)" }
    public var reference: String { "migrate_pages, unmap_and_move, __unmap_and_move, migrate_page_move_mapping (v4.19)" }
    public var parameters: Parameters { ["passes": 10, "unmapCost": 0, "delay": 0] }
    /// Zero passes would be a migrate_pages that never tries.
    public var limits: [String: Limit] { ["passes": ParameterLimit.atLeastOnce, "unmapCost": ParameterLimit.steps, "delay": ParameterLimit.steps] }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        try build("migrator", context) { b in
            let done = b.label()
            b.pause(context.int("delay"))
            MigratePages.isolate(into: &b, failed: done)
            MigratePages.emit(into: &b, layout: context.layout, passes: context.int("passes"), unmapCost: context.int("unmapCost"))
            b.bind(done)
            b.count(.done)
        }
    }
}
