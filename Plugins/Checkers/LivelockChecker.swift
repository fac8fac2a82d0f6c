import PagewaitCore

extension ViolationKind {
    /// I6/F2: memory offlining hit its iteration budget with the page still
    /// in use: the outer loop would go round forever.
    public static let livelock = ViolationKind(rawValue: "LIVELOCK")
}

/// Kernel-model I6, F2: offlining's outer loop retries until the range is
/// free, with no timeout and no retry limit (ecde0f3e7f9e, 72b39cfc4d75); the
/// model gives it an iteration budget, and hitting that budget
/// (`Counter.offlineBudgetHit`) is the livelock verdict. The violation
/// carries the -EAGAIN cause histogram that explains why no pass succeeded.
public struct LivelockChecker: Checker {
    public init() {}

    public mutating func afterStep(_ event: StepEvent, world: World, engine: Engine) -> Violation? { nil }

    public mutating func atEnd(_ end: RunEnd, world: World, engine: Engine) -> Violation? {
        // Worlds without the actors' counters (hand-built ones) have no offliner.
        guard world.counters.count == Counter.allCases.count, world[.offlineBudgetHit] > 0 else { return nil }
        let causes = [Counter.eagainLockBusy, .eagainWriteback, .eagainStillMapped, .eagainExtraRef, .eagainFreezeRace]
            .map { "\($0.name) \(world[$0])" }.joined(separator: ", ")
        let offliner = world.tasks.indices.first { engine.programs[Int(world.tasks[$0].program)].name == "offliner" } ?? -1
        return Violation(.livelock, task: offliner, pfn: .none, function: "__offline_pages",
                         detail: "offlining hit its budget after \(world[.offlineIterations]) iterations"
                             + " (\(world[.migrateCalls]) migrate_pages calls, \(world[.passes]) passes);"
                             + " -EAGAIN causes: \(causes)")
    }
}

/// The livelock checker as a plugin.
public struct LivelockCheckerPlugin: CheckerPlugin {
    public init() {}
    public var name: String { "livelock" }
    public var summary: String { "at the end, LIVELOCK if offlining hit its iteration budget, with the -EAGAIN cause histogram" }
    public var reference: String { "kernel-model I6, F2; __offline_pages, ecde0f3e7f9e, 72b39cfc4d75" }
    public func make() -> any Checker { LivelockChecker() }
}
