import PagewaitCore

/// Kernel-model F13: counts, per task, how often someone else acquired the
/// page lock while the task was inside an exclusive wait on that page
/// (bypasses). Requeues are counted by Core itself (`TaskStats.requeues`).
/// Reports nothing; statistics read it after the run.
public struct FairnessObserver: Checker {
    public private(set) var bypasses: [Int32]
    private var owners: [TaskID]

    public init(tasks: Int, pages: Int) {
        bypasses = Array(repeating: 0, count: tasks)
        owners = Array(repeating: .none, count: pages)
    }

    public mutating func afterStep(_ event: StepEvent, world: World, engine: Engine) -> Violation? {
        guard !event.pfn.isNone && event.pfn.index < owners.count else { return nil }
        let pfn = event.pfn.index
        let owner = world.pages[pfn].lockOwner
        defer { owners[pfn] = owner }
        guard owner != .none && owner != owners[pfn] else { return nil }
        for (t, task) in world.tasks.enumerated() where t != owner.index && task.frame.kind == .wait {
            if task.wait.page.pfn == event.pfn && task.wait.bit == .locked && task.entry.flags.contains(.exclusive) {
                bypasses[t] += 1
            }
        }
        return nil
    }

    public mutating func atEnd(_ end: RunEnd, world: World, engine: Engine) -> Violation? { nil }
}
