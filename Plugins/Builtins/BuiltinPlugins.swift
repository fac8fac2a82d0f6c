import PagewaitCore

/// Every plugin that ships with pagewait.
public enum BuiltinPlugins {
    public static let strategies: [any Strategy] = [
        Legacy(), LegacyUnlock(), PutAndWait(), PutAndWaitUnlockless(), PutAndWaitCond(), PutAndWaitWaitersRef(),
        PutAndWaitKillable(), RewriteFair(), Unfair(unfairness: 5), NoRef(), NoBookmarks(),
        DropLoopsStrategy(), DropEarlyPutStrategy(),
    ]

    public static let actors: [any ProgramActor] = [
        Migrator(), Faulter(), Reclaimer(), Offliner(), Locker(), Stealer(), Holder(), Reader(), Allocator(),
        Signaller(), HotRemover(),
    ]

    public static let all: [any Plugin] =
        strategies + BuiltinScenarios.all + actors
        + [RandomSchedulerPlugin(), LivenessCheckerPlugin(), LivelockCheckerPlugin(), LedgerCheckerPlugin(), WaitersCheckerPlugin(),
           AccountingCheckerPlugin(), FairnessCheckerPlugin(), WakeWalkCheckerPlugin(), TextReporter(), JSONReporter()] as [any Plugin]

    /// A registry holding the built-in plugins.
    public static func registry() -> Registry {
        var r = Registry()
        for p in all {
            do { try r.register(p) } catch { preconditionFailure("built-in plugins collide: \(error)") }
        }
        return r
    }
}

extension Registry {
    /// A strategy by name, including the parametric family `unfair-N`
    /// (vm.page_lock_unfairness = N) for any N ≥ 0.
    public func resolveStrategy(_ name: String) throws(RegistryError) -> any Strategy {
        if name.hasPrefix("unfair-"), let n = Int(name.dropFirst("unfair-".count)), n >= 0, n <= 10_000,
           (try? strategy(name)) == nil {
            return Unfair(unfairness: n)
        }
        return try strategy(name)
    }
}
