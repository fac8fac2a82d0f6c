/// What the scenario's CPUs hold, as world state: which task each CPU runs
/// (under `Preemption.none` and `.voluntary`), whether that task rests on a
/// `cond_resched()` point, and which CPUs have their work item queued
/// (`Op.queueWork`). Empty for a world without CPUs, which then hashes and
/// compares as it always did.
///
/// In the identity and renamed under task permutations: a task number
/// (`current`) names a task like a lock owner does.
public struct CPUState: Hashable, Sendable {
    /// Per CPU, the task it runs, or `none` (idle: its last task slept or
    /// finished). Empty when the CPUs are not tracked.
    public var running: [TaskID] = []
    /// CPUs whose task rests on a `cond_resched()` point (bit per CPU):
    /// a function of `running` and that task's pc, kept here so the
    /// runnable set needs no program.
    public var resched: UInt64 = 0
    /// CPUs with their work item queued and not yet run (bit per CPU).
    public var pending: UInt64 = 0

    public init() {}

    /// The CPUs' state for `topology` at the start of a run: every CPU idle.
    public init(_ topology: CPUTopology) {
        if topology.tracksCurrent { running = Array(repeating: .none, count: topology.count) }
    }

    public var isEmpty: Bool { running.isEmpty && resched == 0 && pending == 0 }

    /// The task CPU `c` runs (`none` if idle or not tracked).
    @inlinable @inline(__always)
    public func current(_ c: Int) -> TaskID { c < running.count ? running[c] : .none }

    /// CPU `c`'s task rests on a voluntary preemption point.
    @inlinable @inline(__always)
    public func yields(_ c: Int) -> Bool { resched & (1 << UInt64(c & 63)) != 0 }

    /// CPU `c` has its work item queued.
    @inlinable @inline(__always)
    public func workPending(_ c: Int) -> Bool { pending & (1 << UInt64(c & 63)) != 0 }

    /// Feed the state to `h`, its task numbers renamed by `image` (nil: as
    /// they are). Nothing for an empty state, so worlds without CPUs keep
    /// their fingerprints.
    @inlinable
    public func combineIdentity(renamedBy image: UnsafeBufferPointer<Int>?, into h: inout StableHasher) {
        guard !isEmpty else { return }
        h.combine(Int32(running.count))
        for t in running { h.combine(t.renamed(by: image)) }
        h.combine(resched); h.combine(pending)
    }
}

extension CPUState: StateIdentity {
    /// Everything: the running tasks decide who may step, the pending work
    /// what a flush and a kworker do.
    public func combineIdentity(into h: inout StableHasher) { combineIdentity(renamedBy: nil, into: &h) }
}
