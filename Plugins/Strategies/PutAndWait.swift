import PagewaitCore

/// `put-and-wait` — the seed: "mm: put_and_wait_on_page_locked() while page
/// is migrated" (9a1ea439b16b, Hugh Dickins; v5.0-rc1).
///
/// Changed from `legacy`: the fault path calls
/// `put_and_wait_on_page_locked()`, a DROP wait that queues, sets
/// PG_waiters and tests PG_locked under its reference, then puts it before
/// sleeping and never touches the page again; -EINTR is checked before
/// DROP's exit; the delayacct decision is made up front (the `delayacct`
/// local). Reclaim goes back to `unlock_page()`, because a DROP waiter no
/// longer blocks reclaim's freeze.
///
/// Expected: migration nearly always succeeds with 1–3 faulters (the
/// reference lives only from `get_page_unless_zero` to the put right after
/// queueing); offline terminates; no lost wakeups.
public struct PutAndWait: AxisStrategy {
    public init() {}
    public var name: String { "put-and-wait" }
    public var summary: String { "put_and_wait_on_page_locked: drop the reference after queueing; reclaim uses unlock_page" }
    public var reference: String { "put_and_wait_on_page_locked, wait_on_page_bit_common DROP; 9a1ea439b16b (v5.0-rc1)" }
    public var axes: StrategyAxes { StrategyAxes(core: .v4_19, fault: .drop, reclaim: .unlock) }
}
