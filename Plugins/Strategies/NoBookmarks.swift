import PagewaitCore

/// `no-bookmarks` — "sched: remove wait bookmarks" and "filemap: remove use
/// of wait bookmarks" (Matthew Wilcox, Oct 2023; v6.7 believed; upstream
/// ids not confirmed). Current kernels: `noref` semantics without bookmarks.
///
/// Changed from `noref`: the whole wake walk runs under one q.lock hold.
/// Expected (F11): no bookmark soft-lockup spin; one long hold instead.
public struct NoBookmarks: AxisStrategy {
    public init() {}
    public var name: String { "no-bookmarks" }
    public var summary: String { "current kernels: noref, v5.9 core, the wake walk under one q.lock hold" }
    public var reference: String { "folio_wake_bit without bookmarks (v6.7)" }
    public var axes: StrategyAxes { StrategyAxes(core: .v5_9(unfairness: 5), fault: .noref, reclaim: .unlock, bookmarks: false) }
}
