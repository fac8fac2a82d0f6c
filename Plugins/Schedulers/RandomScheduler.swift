import PagewaitCore

/// Picks uniformly among the enabled tasks with a seeded SplitMix64: the
/// same seed gives the same schedule.
public struct RandomScheduler: Scheduler {
    var rng: SplitMix64

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    public mutating func pick(enabled: UInt64, world: World, step: Int) -> Int? {
        let n = enabled.nonzeroBitCount
        var k = n == 1 ? 0 : rng.below(n)
        var m = enabled
        while k > 0 {
            m &= m - 1
            k -= 1
        }
        return m.trailingZeroBitCount
    }
}

/// The seeded random scheduler as a plugin.
public struct RandomSchedulerPlugin: SchedulerPlugin {
    public init() {}
    public var name: String { "random" }
    public var summary: String { "uniform choice among runnable tasks at every step, seeded (SplitMix64)" }
    public var reference: String { "" }
    public func make(seed: UInt64) -> any Scheduler { RandomScheduler(seed: seed) }
}
