import PagewaitCore

extension ViolationKind {
    /// I6, §5.10: a wake walk held q.lock over more entries than the
    /// bookmark allows, or woke more than one exclusive waiter in one call.
    public static let wakeWalkBound = ViolationKind(rawValue: "WAKE_WALK_BOUND")
}

/// Kernel-model I6, §5.10, F11: with bookmarks (2554db916586, 11a19c7b099f)
/// no single q.lock hold visits more than WAITQUEUE_WALK_BREAK_CNT + 1
/// entries; in every core, one `wake_up_page_bit` call wakes at most one
/// exclusive waiter (`nr_exclusive` = 1); and no call meets again a waiter
/// it already woke. Such a waiter re-queued behind the call's bookmark
/// (woken, it found the bit set again): the walk is then bounded only by
/// how long the waiters keep re-queueing, which for the writeback bit was
/// for ever ("writeback completion soft lockup BUG in folio_wake_bit()",
/// 2022; bookmarks removed in v6.7). Without bookmarks one walk holds
/// q.lock throughout, so no entry can come back during it.
public struct WakeWalkChecker: Checker {
    public init() {}

    public mutating func afterStep(_ event: StepEvent, world: World, engine: Engine) -> Violation? {
        let config = engine.config
        let t = event.task.index
        // Named only when there is something to report: this runs at every step.
        var fn: String { t >= 0 && t < world.tasks.count ? engine.function(of: world, task: t) : "wake_up_page_bit" }
        if config.bookmarks && Int(world.stats.longestWakeChunk) > config.walkBreakCount + 1 {
            return Violation(.wakeWalkBound, task: t, pfn: event.pfn, function: fn,
                             detail: "one q.lock hold visited \(world.stats.longestWakeChunk) entries; with bookmarks at most"
                                 + " \(config.walkBreakCount + 1) (WAITQUEUE_WALK_BREAK_CNT \(config.walkBreakCount) + 1)")
        }
        if world.stats.wakeRevisits > 0 {
            return Violation(.wakeWalkBound, task: t, pfn: event.pfn, function: fn,
                             detail: "one wake_up_page_bit call met again a waiter it had woken: woken, it found the bit set"
                                 + " and re-queued behind the bookmark, and the walk goes round after it for as long as the"
                                 + " waiters keep re-queueing (soft lockup, F11)")
        }
        if world.stats.mostExclusiveWakesInOneCall > 1 {
            return Violation(.wakeWalkBound, task: t, pfn: event.pfn, function: fn,
                             detail: "one wake_up_page_bit call woke \(world.stats.mostExclusiveWakesInOneCall) exclusive waiters;"
                                 + " the \(config.waitCore) core wakes at most one")
        }
        return nil
    }

    public mutating func atEnd(_ end: RunEnd, world: World, engine: Engine) -> Violation? { nil }
}

/// The wake-walk checker as a plugin.
public struct WakeWalkCheckerPlugin: CheckerPlugin {
    public init() {}
    public var name: String { "wake-walk" }
    public var summary: String { "with bookmarks at most WALK_BREAK_CNT + 1 entries per q.lock hold and no waiter met twice in one call; at most one exclusive wake per call" }
    public var reference: String { "kernel-model I6, §5.10, F11; 2554db916586, 11a19c7b099f" }
    public func make() -> any Checker { WakeWalkChecker() }
}
