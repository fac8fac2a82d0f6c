import PagewaitCore

/// Every plugin that ships with pagewait.
public enum BuiltinPlugins {
    public static let strategies: [any Strategy] = [
        Legacy(), LegacyUnlock(), PutAndWait(), PutAndWaitUnlockless(), PutAndWaitCond(), PutAndWaitWaitersRef(),
        PutAndWaitKillable(), RewriteFair(), Unfair(unfairness: 5), NoRef(), NoBookmarks(),
        DropLoopsStrategy(), DropEarlyPutStrategy(),
    ]

    /// Strategies the zoo's entries need (ablations, candidate fixes):
    /// registered, so `explore --strategy` finds them, but outside
    /// `strategies`, the recorded outputs and compare's default matrix.
    public static let zooStrategies: [any Strategy] = [
        LegacyNumaUnpinned(), PutAndWaitReread(), LegacyV410(), WaitOnBitLock(), WaitOnBitLockAbort(), WaitOnBitLockRetake(),
        SeparateWaiters(), SeparateWaitersMB(), RewriteFirstPosting(),
    ] + [5, 1].flatMap { n in unfairFixes.map { $0.make(n) } }

    /// Z19's candidate fixes of the v5.9 core, as the name family
    /// `unfair-N-FIX` (N in `Limits.unfairness`), in the order reports list
    /// them.
    public static let unfairFixes: [(suffix: String, make: @Sendable (Int) -> any Strategy)] = [
        ("retake", { UnfairRetake(unfairness: $0) }),
        ("passon", { UnfairPassOn(unfairness: $0) }),
        ("handoff", { UnfairHandoff(unfairness: $0) }),
    ]

    public static let actors: [any ProgramActor] = [
        Migrator(), Faulter(), Reclaimer(), Offliner(), Locker(), Stealer(), Holder(), Reader(), LockChain(), Allocator(),
        Signaller(), HotRemover(), DrainLocker(), HmmFaulter(),
    ]

    public static let all: [any Plugin] =
        strategies + zooStrategies + BuiltinScenarios.all + ZooEntries.scenarios + actors + ZooEntries.all
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
        r.reserve(.strategy, unfairFixFamily)
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

extension BuiltinPlugins {
    /// `unfair-N-FIX`, FIX one of `unfairFixes`' suffixes and N an integer
    /// as `unfair-N` takes it: every name the family resolves, and the
    /// out-of-range ones it refuses, is its own.
    public static let unfairFixFamily = Registry.NameFamily("unfair-N-FIX") { name in
        guard let (n, _) = Registry.unfairFix(name) else { return false }
        return unfairFamily.contains("unfair-" + n)
    }
}

extension Registry {
    /// A strategy by name, including the parametric family `unfair-N`
    /// (vm.page_lock_unfairness = N) for N in `Limits.unfairness`.
    public func resolveStrategy(_ name: String) throws(RegistryError) -> any Strategy {
        if let n = Self.unfairness(name), Limits.unfairness.contains(n), (try? strategy(name)) == nil {
            return Unfair(unfairness: n)
        }
        if let (digits, fix) = Self.unfairFix(name), let n = Int(digits), Limits.unfairness.contains(n), (try? strategy(name)) == nil {
            return fix.make(n)
        }
        return try strategy(name)
    }

    /// `unfair-N-FIX` split into N's text and the fix, when `name` has
    /// that form with a known FIX.
    static func unfairFix(_ name: String) -> (String, (suffix: String, make: @Sendable (Int) -> any Strategy))? {
        guard name.hasPrefix("unfair-") else { return nil }
        for fix in BuiltinPlugins.unfairFixes where name.hasSuffix("-" + fix.suffix) {
            let digits = name.dropFirst("unfair-".count).dropLast(fix.suffix.count + 1)
            if !digits.isEmpty { return (String(digits), fix) }
        }
        return nil
    }

    /// When `name` is `unfair-N` with N out of range, the error that says
    /// the range (a lookup would only say there is no such strategy).
    public static func unfairnessError(_ name: String) -> RangeError? {
        guard name.hasPrefix("unfair-") else { return nil }
        var digits = name.dropFirst("unfair-".count)
        if let (n, _) = unfairFix(name) { digits = Substring(n) }
        let magnitude = digits.first == "-" ? digits.dropFirst() : digits
        guard !magnitude.isEmpty, magnitude.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        if let n = Int(digits), Limits.unfairness.contains(n) { return nil }
        return RangeError(what: "unfair-N: N", value: String(digits), allowed: Limits.unfairness.description)
    }

    /// N of `unfair-N`, when `name` has that form and N fits an Int.
    static func unfairness(_ name: String) -> Int? {
        guard name.hasPrefix("unfair-") else { return nil }
        return Int(name.dropFirst("unfair-".count))
    }
}
