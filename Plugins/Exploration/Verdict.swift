import PagewaitCore

/// What a search entitles one to say. Computed in one place, `init(_:)`,
/// which is the only code that may call a search a proof.
public enum ExplorationVerdict: Hashable, Sendable {
    /// A schedule reaches a failing check.
    case violation(ViolationKind)
    /// Exhaustive, the whole search, not interrupted, no bound cut a path,
    /// the scenario has tasks, and no fair cycle keeps a task from
    /// finishing: every reachable state passed every check and every fair
    /// run ends.
    case proof
    /// No violation in the part searched, but bounds cut some paths.
    case bounded(depthCuts: Int, preemptionCuts: Int, stateLimit: Bool)
    /// No violation in one part of a split search (even an empty part).
    case shard(Shard)
    /// Stopped before the search ended.
    case interrupted
    /// Every state passed every check, but whether every run ends was not
    /// settled.
    case terminationUndecided(Termination.Undecided)
    /// PCT or random: no violation in this many runs.
    case runs(Int)
    /// The scenario has no tasks: there is nothing to check.
    case nothingToCheck

    /// The verdict of `outcome`. Every condition a proof needs is checked
    /// here (docs/exploration.md, "What a verdict means").
    public init(_ o: ExplorationOutcome) {
        if let v = o.violation {
            self = .violation(v.kind)
        } else if o.tasks == 0 {
            self = .nothingToCheck
        } else if o.interrupted {
            self = .interrupted
        } else if let runs = o.runs {
            self = .runs(runs)
        } else if o.shard != .whole {
            self = .shard(o.shard)
        } else if o.depthCuts > 0 || o.preemptionCuts > 0 || o.stateLimitHit {
            self = .bounded(depthCuts: o.depthCuts, preemptionCuts: o.preemptionCuts, stateLimit: o.stateLimitHit)
        } else {
            switch o.termination {
            case .acyclic, .noFairCycle: self = .proof
            case .undecided(let why): self = .terminationUndecided(why)
            }
        }
    }

    /// One word for machine-readable reports.
    public var name: String {
        switch self {
        case .violation: "violation"
        case .proof: "proof"
        case .bounded: "bounded"
        case .shard: "shard"
        case .interrupted: "interrupted"
        case .terminationUndecided: "termination-undecided"
        case .runs: "no-violation-in-runs"
        case .nothingToCheck: "nothing-to-check"
        }
    }

    public var isProof: Bool { self == .proof }

    /// The words a proof's verdict line holds, and no other line: what a
    /// reader (or the command-line fuzz target) looks for.
    public static let proofWords = "a proof for this scenario"

    /// The verdict line's text after "verdict: " (for a violation, the
    /// caller prints the violation itself).
    public func text(termination: Termination) -> String {
        switch self {
        case .violation(let kind): return "VIOLATION \(kind)"
        case .proof:
            let ends = termination == .acyclic ? "the state graph has no cycle" : "no cycle in it is fair"
            return "no violation; every reachable state visited and \(ends), so every run ends: "
                + "\(Self.proofWords) (up to state-hash collisions: docs/exploration.md)"
        case .bounded(let d, let p, let s):
            return "no violation within bounds (bounded search: depth cuts \(d), preemption cuts \(p), state limit \(s ? "hit" : "not hit"))"
        case .shard(let shard):
            return "no violation in shard \(shard) (one part of a split search: not a verdict on the whole scenario)"
        case .interrupted: return "interrupted before the search ended; no violation in what was searched"
        case .terminationUndecided(let why):
            let reason = switch why {
            case .notSearched: "it was not checked"
            case .cycleSearchCut: "the search for fair cycles was cut by a bound"
            case .cycleSearchInterrupted: "the search for fair cycles was interrupted"
            }
            return "no violation in any reachable state, but the state graph has cycles and whether every run ends is undecided: \(reason)"
        case .runs(let n): return "no violation in \(n) runs"
        case .nothingToCheck: return "nothing to check: the scenario has no tasks"
        }
    }
}
