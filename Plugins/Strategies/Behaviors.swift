import PagewaitCore

/// The wait of `migration_entry_wait_on_locked` (ffa65753c431): queued
/// under the ptl without a reference, so once woken it must not look at
/// the page, and it never drops anything.
public struct NoRefWait: WaitBehavior {
    public init() {}
    public var name: String { "NOREF" }
    public var isExclusive: Bool { false }
    public var postWake: PostWakeCheck { .none }
    public var dropsReference: ReferenceDrop { .never }
    public var returnsAfterWake: Bool { true }
}

/// Ablation (kernel-model F5, F6): DROP that goes back round the loop like
/// SHARED, re-testing the bit of a page it no longer holds a reference to.
/// A v4.19-core ablation: the v5.9 cores end every non-exclusive wait on WOKEN.
public struct DropLoops: WaitBehavior {
    public init() {}
    public var name: String { "DROP(loops)" }
    public var isExclusive: Bool { false }
    public var postWake: PostWakeCheck { .testBit }
    public var dropsReference: ReferenceDrop { .afterTest }
    public var returnsAfterWake: Bool { false }
}

/// Ablation (kernel-model F6): DROP that puts its reference before queueing,
/// so SetPageWaiters and the bit test touch a page it may no longer pin.
public struct DropEarlyPut: WaitBehavior {
    public init() {}
    public var name: String { "DROP(early put)" }
    public var isExclusive: Bool { false }
    public var postWake: PostWakeCheck { .none }
    public var dropsReference: ReferenceDrop { .beforeQueueing }
    public var returnsAfterWake: Bool { true }
}
