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

    /// A registry holding the built-in plugins, with the names
    /// `resolveStrategy` resolves by itself reserved.
    public static func registry() -> Registry {
        var r = Registry()
        for p in all {
            do { try r.register(p) } catch { preconditionFailure("built-in plugins collide: \(error)") }
        }
        r.reserve(.strategy, unfairFamily)
        return r
    }

    /// `unfair-` and an integer (a sign, digits): every name the family
    /// resolves, and the out-of-range ones it refuses, is its own.
    public static let unfairFamily = Registry.NameFamily("unfair-N") { name in
        guard name.hasPrefix("unfair-") else { return false }
        var digits = name.utf8.dropFirst("unfair-".count)
        if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
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
