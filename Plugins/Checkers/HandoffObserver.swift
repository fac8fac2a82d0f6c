import PagewaitCore

/// Kernel-model F13's throughput side (known-bugs Z18): how the page lock
/// changes hands. Per run it counts
///
/// - unlocks: PG_locked going from an owner to nobody (unlock_page's U1);
/// - acquisitions: PG_locked going to a task;
/// - handoffs: acquisitions made by a step of another task: the waker took
///   the bit for the waiter it woke (2a9127fcf229 for every exclusive
///   waiter, 5ef64cc8987a for one that asked with WQ_FLAG_CUSTOM);
/// - idle-wait steps: steps after which P is unlocked while an exclusive
///   waiter sleeps on it (the lock free, someone waiting for it: what
///   stealing and requeueing cost);
/// - handed-over steps: steps after which P's owner is still inside its
///   wait, handed the lock but not yet back in its caller (the lock held by
///   a task that is only waking up: what a fair handoff costs).
///
/// Like `FairnessObserver` it reports nothing; statistics read it after
/// the run.
public struct HandoffObserver: Checker {
    public private(set) var unlocks = 0
    public private(set) var acquisitions = 0
    public private(set) var handoffs = 0
    public private(set) var idleWaitSteps = 0
    public private(set) var handedOverSteps = 0
    private var owners: [TaskID]

    public init(pages: Int) {
        owners = Array(repeating: .none, count: pages)
    }

    public mutating func afterStep(_ event: StepEvent, world: World, engine: Engine) -> Violation? {
        if !event.pfn.isNone && event.pfn.index < owners.count {
            let pfn = event.pfn.index
            let before = owners[pfn], after = world.pages[pfn].lockOwner
            if before != after {
                if before != .none { unlocks += 1 }
                if after != .none {
                    acquisitions += 1
                    if after != event.task { handoffs += 1 }
                }
                owners[pfn] = after
            }
        }
        if sleeperOnUnlockedPage(world) { idleWaitSteps += 1 }
        if ownerInsideWait(world) { handedOverSteps += 1 }
        return nil
    }

    public mutating func atEnd(_ end: RunEnd, world: World, engine: Engine) -> Violation? { nil }

    /// An exclusive waiter asleep on PG_locked of a page whose PG_locked is clear.
    private func sleeperOnUnlockedPage(_ world: World) -> Bool {
        for task in world.tasks where task.blocked && task.frame.kind == .wait {
            let wait = task.wait
            guard wait.bit == .locked, task.entry.flags.contains(.exclusive),
                  !wait.page.pfn.isNone, wait.page.pfn.index < world.pages.count else { continue }
            if !world.pages[wait.page.pfn.index].isLocked { return true }
        }
        return false
    }

    /// A page whose lock owner is still inside a wait on it.
    private func ownerInsideWait(_ world: World) -> Bool {
        for (pfn, page) in world.pages.enumerated() where page.lockOwner != .none && page.lockOwner.index < world.tasks.count {
            let owner = world.tasks[page.lockOwner.index]
            if owner.frame.kind == .wait && owner.wait.bit == .locked && owner.wait.page.pfn.index == pfn { return true }
        }
        return false
    }
}
