import PagewaitCore

/// `unfair-N` — "mm: allow a controlled amount of unfairness in the page
/// lock" (5ef64cc8987a9211d3f3667331ba3411a94ddc79, v5.9), with
/// `vm.page_lock_unfairness` = N (default 5).
///
/// Changed from `rewrite-fair`: a woken exclusive waiter takes the bit
/// itself, and if a stealer got there first it queues again, up to N times;
/// from then on it asks for a handoff (WQ_FLAG_CUSTOM) and the waker takes
/// the bit for it (WQ_FLAG_DONE).
///
/// Expected (F13): requeues per waiter ≤ N in every schedule.
public struct Unfair: AxisStrategy {
    public let unfairness: Int

    public init(unfairness: Int = 5) { self.unfairness = unfairness }
    public var name: String { "unfair-\(unfairness)" }
    public var summary: String { "v5.9 core, vm.page_lock_unfairness = \(unfairness): at most \(unfairness) requeues, then handoff" }
    public var reference: String { "wait_on_page_bit_common, sysctl_page_lock_unfairness; 5ef64cc8987a" }
    public var axes: StrategyAxes { StrategyAxes(core: .v5_9(unfairness: unfairness), fault: .drop, reclaim: .unlock) }
}
