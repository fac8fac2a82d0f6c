import PagewaitCore

extension ViolationKind {
    /// I1: a page in use whose refcount disagrees with the reference ledger
    /// (a leaked or double-counted reference; kernel-model F9).
    public static let ledgerMismatch = ViolationKind(rawValue: "LEDGER_MISMATCH")
}

/// Kernel-model I1 (§1.1): while a page is in use, its refcount equals the
/// ledger — the page cache's reference, PG_private's, one per present
/// mapping, and every task's own (`World.ledgerCount`). Checked after every
/// step whose event names a page; free and frozen pages are skipped (a zero
/// count says nothing). Core already traps a put on zero or on a frozen page.
public struct LedgerChecker: Checker {
    public init() {}

    public mutating func afterStep(_ event: StepEvent, world: World, engine: Engine) -> Violation? {
        // Under `tso` a count may still sit in its writer's store buffer:
        // the invariant holds of memory as it will be once the buffers drain.
        // (Not `let w = empty ? world : world.drained`: that binding is a
        // copy of the world, a retain and release of each of its arrays at
        // every step.)
        guard world.storeBuffers.isEmpty else { return Self.check(event, world.drained, engine) }
        return Self.check(event, world, engine)
    }

    private static func check(_ event: StepEvent, _ world: World, _ engine: Engine) -> Violation? {
        let pfn = event.pfn
        guard !pfn.isNone && pfn.index < world.pages.count else { return nil }
        let page = world.pages[pfn.index]
        guard page.life == .inUse else { return nil }
        let ledger = world.ledgerCount(pfn)
        guard ledger != Int(page.refcount) else { return nil }
        let t = event.task.index
        return Violation(.ledgerMismatch, task: t, pfn: pfn, function: engine.function(of: world, task: t),
                         detail: "refcount \(page.refcount) but the ledger says \(ledger) (\(Self.breakdown(world, pfn)))")
    }

    public mutating func atEnd(_ end: RunEnd, world: World, engine: Engine) -> Violation? { nil }

    /// Who the ledger counts, for the report.
    static func breakdown(_ w: World, _ pfn: PFN) -> String {
        let p = w.pages[pfn.index]
        var parts = ["mapcount \(p.mapcount)"]
        if p.flags.contains(.private) { parts.append("PG_private 1") }
        if p.mapping >= 0, w.cache[Int(p.mapping)].pfn == pfn { parts.append("page cache 1") }
        for t in w.tasks.indices {
            let n = w.references(of: t, on: pfn)
            if n > 0 { parts.append("task \(t) \(n)") }
        }
        return parts.joined(separator: ", ")
    }
}

/// The ledger checker as a plugin.
public struct LedgerCheckerPlugin: CheckerPlugin {
    public init() {}
    public var name: String { "ledger" }
    public var summary: String { "after every step on a page in use, refcount must equal the reference ledger: LEDGER_MISMATCH" }
    public var reference: String { "kernel-model I1, §1.1, F9" }
    public func make() -> any Checker { LedgerChecker() }
}
