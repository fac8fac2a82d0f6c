import PagewaitCore

/// One side of a zoo entry: the kernel code as it was (buggy) or after the
/// fix, as a strategy of the registry and scenario parameters (an injected
/// fault or an ablation knob is a parameter, never a code path of its own).
public struct BugConfiguration: Sendable, Hashable {
    /// What this configuration is, in a kernel developer's words
    /// ("a978d6f52106 unlockless reclaim").
    public var label: String
    /// A strategy name the registry resolves (`unfair-N` included).
    public var strategy: String
    /// Scenario parameters set on top of the scenario's defaults.
    public var parameters: Parameters
    /// The commit whose code this configuration models, when there is one.
    public var commit: String
    /// The memory model the configuration runs under (`--memory`): `sc`
    /// for every entry but the weak-memory rows.
    public var memory: MemoryModel

    public init(_ label: String, strategy: String, parameters: Parameters = [:], commit: String = "", memory: MemoryModel = .sc) {
        self.label = label
        self.strategy = strategy
        self.parameters = parameters
        self.commit = commit
        self.memory = memory
    }
}

/// A tag in the style of a kernel commit trailer or LTP's `.tags`:
/// ("Fixes", "62906027091f"), ("linux-git", "a8b169afbf06").
public struct BugTag: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// One real bug (or fix) of the page-lock wait machinery that the model must
/// rediscover: known-bugs.md's row, as data. The buggy configuration must
/// yield one of `expected`; every fixed configuration must come out a proof
/// within the scenario's scope. A quantitative entry (Z18) compares metrics
/// of its configurations instead.
public struct BugEntry: Plugin {
    public static var kind: PluginKind { .bug }

    public enum Check: Sendable, Hashable {
        /// The buggy configuration shows one of these violations; the fixed
        /// ones are proved.
        case violation([ViolationKind])
        /// No correctness failure: the configurations' fairness and handoff
        /// metrics are reported side by side.
        case metrics
    }

    /// The known-bugs.md id: "Z1" … "Z19".
    public var name: String
    /// The row's title.
    public var summary: String
    /// The commits of the bug and its fix.
    public var reference: String
    /// Kernel functions involved.
    public var functions: [String]
    public var tags: [BugTag]
    /// The scenario the configurations run: a registry name.
    public var scenario: String
    /// Scenarios this entry brings to the registry (usually the one it runs).
    public var scenarios: [ScenarioSpec]
    public var buggy: BugConfiguration
    public var fixed: [BugConfiguration]
    public var check: Check
    /// Part of the fast subset CI runs.
    public var quick: Bool
    /// known-bugs.md's class: what a counterexample needs ("SC",
    /// "SC + injected fault", "SC, quantitative").
    public var bugClass: String
    /// The scope every verdict holds in, in words: the actors, how often
    /// they act, what the scenario leaves out. "Proved" means "within it".
    public var scope: String
    /// Search bounds beyond `pagewait explore`'s defaults, for a scenario
    /// that needs them; the printed commands carry them.
    public var bounds: Bounds
    /// A `.metrics` entry: the seeds its runs use and what the numbers must
    /// show. Nil: `MetricsSpec.standard`.
    public var metricsSpec: MetricsSpec?

    /// What the exhaustive search and the pct and random runs of an entry
    /// may use beyond `pagewait explore`'s defaults (nil: the default).
    public struct Bounds: Sendable, Hashable {
        /// Exhaustive: distinct states (`--budget`, `Limits.exploreStates`).
        public var states: Int?
        /// Exhaustive: steps on one path (`--max-depth`, `Limits.maxDepth`).
        public var maxDepth: Int?
        /// pct and random: runs (`--budget`, `Limits.exploreRuns`).
        public var runs: Int?

        public init(states: Int? = nil, maxDepth: Int? = nil, runs: Int? = nil) {
            self.states = states
            self.maxDepth = maxDepth
            self.runs = runs
        }
    }

    public init(_ name: String, _ summary: String, reference: String, functions: [String], tags: [BugTag],
                scenario: String, scenarios: [ScenarioSpec] = [], buggy: BugConfiguration, fixed: [BugConfiguration],
                check: Check, quick: Bool = true, bugClass: String = "SC", scope: String = "",
                bounds: Bounds = Bounds(), metrics: MetricsSpec? = nil) {
        self.name = name
        self.summary = summary
        self.reference = reference
        self.functions = functions
        self.tags = tags
        self.scenario = scenario
        self.scenarios = scenarios
        self.buggy = buggy
        self.fixed = fixed
        self.check = check
        self.quick = quick
        self.bugClass = bugClass
        self.scope = scope
        self.bounds = bounds
        self.metricsSpec = metrics
    }

    /// The buggy configuration, then the fixed ones.
    public var configurations: [BugConfiguration] { [buggy] + fixed }

    /// This entry with every configuration under `memory` (`zoo run --memory`).
    public func underMemory(_ memory: MemoryModel) -> BugEntry {
        var e = self
        e.buggy.memory = memory
        for i in e.fixed.indices { e.fixed[i].memory = memory }
        return e
    }

    /// The violations the buggy configuration may show (none for `.metrics`).
    public var expected: [ViolationKind] {
        if case .violation(let kinds) = check { return kinds }
        return []
    }
}
