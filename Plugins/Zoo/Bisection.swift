import PagewaitCore

/// One version of a chain, explored.
public struct BisectStep: Sendable {
    public var version: KernelVersion
    public var outcome: ExplorationOutcome

    public init(version: KernelVersion, outcome: ExplorationOutcome) {
        self.version = version
        self.outcome = outcome
    }

    /// A counterexample was found at this version.
    public var found: Bool { outcome.violation != nil }
}

/// Where, along a chain, a counterexample appears, goes away or changes.
public struct BisectTransition: Sendable, Hashable, CustomStringConvertible {
    public enum Change: String, Sendable {
        /// Present at the chain's start.
        case present
        /// First found at this version.
        case appears
        /// Found before, gone at the version before this one, found again here.
        case reappears
        /// Found at the version before, not here.
        case disappears
        /// Found at both, of another kind here.
        case changes
    }

    public var change: Change
    /// Index into the chain.
    public var index: Int
    public var version: KernelVersion
    /// The violation's kind before and at this version (nil: none found).
    public var before: ViolationKind?
    public var after: ViolationKind?
    /// For `disappears`: the verdict at this version was not a proof.
    public var unproved: String?

    public var description: String {
        let at = "\(version.version) \(version.strategy): \(version.citation)"
        switch change {
        case .present: return "\(after.map(\.rawValue) ?? "") at the chain's start, \(at)"
        case .appears: return "\(after.map(\.rawValue) ?? "") appears at \(at)"
        case .reappears: return "\(after.map(\.rawValue) ?? "") reappears at \(at)"
        case .disappears:
            let how = unproved.map { " (no counterexample found, but not a proof: \($0))" } ?? " (proved gone)"
            return "\(before.map(\.rawValue) ?? "") disappears at \(at)\(how)"
        case .changes: return "\(before.map(\.rawValue) ?? "") becomes \(after.map(\.rawValue) ?? "") at \(at)"
        }
    }
}

/// `pagewait bisect`: explore one scenario at every version of a kernel
/// chain with the same request, and name the versions where a
/// counterexample appears, disappears or changes kind.
public enum Bisection {
    /// Explore `scenario` (with `parameters`) under each version's strategy,
    /// in chain order. Stops early, with the steps so far, once `cancelled`
    /// says true. `explored` is told of each version as it ends.
    public static func run(_ scenario: any Scenario, parameters: Parameters, chain: [KernelVersion], request: ExplorationRequest,
                           registry: Registry, memory: MemoryModel = .sc, cancelled: @escaping @Sendable () -> Bool = { false },
                           explored: (BisectStep) -> Void = { _ in }) throws -> [BisectStep] {
        var steps: [BisectStep] = []
        for version in chain {
            if cancelled() { break }
            let strategy = try registry.resolveStrategy(version.strategy)
            let setup = try scenario.build(strategy: strategy, parameters: parameters).withMemory(memory)
            let step = BisectStep(version: version, outcome: setup.explore(request, cancelled: cancelled))
            steps.append(step)
            explored(step)
            if step.outcome.interrupted { break }
        }
        return steps
    }

    /// Every change along `steps`, in order.
    public static func transitions(_ steps: [BisectStep]) -> [BisectTransition] {
        var out: [BisectTransition] = []
        var seenBefore = false
        for (i, step) in steps.enumerated() {
            let now = step.outcome.violation?.kind
            if i == 0 {
                if let now { out.append(BisectTransition(change: .present, index: 0, version: step.version, after: now)) }
            } else {
                let before = steps[i - 1].outcome.violation?.kind
                switch (before, now) {
                case (nil, let kind?):
                    out.append(BisectTransition(change: seenBefore ? .reappears : .appears, index: i, version: step.version, after: kind))
                case (let kind?, nil):
                    let verdict = step.outcome.verdict
                    out.append(BisectTransition(change: .disappears, index: i, version: step.version, before: kind,
                                                unproved: verdict.isProof ? nil : verdict.text(termination: step.outcome.termination)))
                case (let a?, let b?) where a != b:
                    out.append(BisectTransition(change: .changes, index: i, version: step.version, before: a, after: b))
                default:
                    break
                }
            }
            if now != nil { seenBefore = true }
        }
        return out
    }
}
