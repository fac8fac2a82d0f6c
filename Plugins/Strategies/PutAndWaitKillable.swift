import PagewaitCore

/// `put-and-wait-killable` — "mm/filemap: pass a sleep state to
/// put_and_wait_on_page_locked" (4805462598113f350838d612d0895db2dbb3992b,
/// v5.11 believed): the DROP wait may be TASK_KILLABLE
/// (filemap_update_page uses it).
///
/// Changed from `put-and-wait`: the fault path's DROP wait sleeps KILLABLE.
/// Expected (kernel-model F7): -EINTR possible for DROP; on the v4.19 core a
/// pending kill wins over a wake that came first.
public struct PutAndWaitKillable: AxisStrategy {
    public init() {}
    public var name: String { "put-and-wait-killable" }
    public var summary: String { "put-and-wait with a TASK_KILLABLE DROP wait (-EINTR possible)" }
    public var reference: String { "put_and_wait_on_page_locked(page, state); 4805462598113f35" }
    public var axes: StrategyAxes { StrategyAxes(core: .v4_19, fault: .drop, reclaim: .unlock, faultSleep: .killable) }
}
