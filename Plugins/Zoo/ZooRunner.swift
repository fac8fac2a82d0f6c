import PagewaitCore

/// One search of one configuration, as `pagewait explore` would report it.
public struct ZooSearch: Sendable {
    public var method: ExplorationRequest.Method
    public var outcome: ExplorationOutcome

    public var verdict: ExplorationVerdict { outcome.verdict }
    /// The violation's kind, when one was found.
    public var kind: ViolationKind? { outcome.violation?.kind }
    /// The found schedule's length after shrinking (as found when the
    /// shrinker kept nothing shorter).
    public var minimalLength: Int? { outcome.best?.steps.count }
}

/// One configuration of an entry, run.
public struct ZooConfigurationResult: Sendable {
    public enum Role: String, Sendable { case buggy, fixed }
    public var role: Role
    public var configuration: BugConfiguration
    /// Violation entries: the buggy configuration's searches, one per
    /// scheduler (exhaustive first); a fixed one's exhaustive search.
    public var searches: [ZooSearch] = []
    /// Quantitative entries: the seeded runs' numbers.
    public var metrics: FairnessMetrics?
    /// Claims of a quantitative entry about this configuration, judged.
    public var claims: [(claim: MetricClaim, holds: Bool)] = []
    /// Why this configuration is not ok; empty when it is.
    public var problems: [String] = []

    public var ok: Bool { problems.isEmpty }
    /// The search `kind` made, if it was made.
    public func search(_ method: ExplorationRequest.Method) -> ZooSearch? { searches.first { $0.method == method } }
}

/// One zoo entry, run: ok when the buggy configuration showed an expected
/// violation and every fixed one was proved (or, for a quantitative entry,
/// when every configuration's numbers were computed and its claims hold).
public struct ZooEntryResult: Sendable {
    public var entry: BugEntry
    public var configurations: [ZooConfigurationResult] = []
    /// Problems of the entry itself (a claim naming no configuration, an
    /// entry listing no expected violation).
    public var problems: [String] = []
    /// Stopped before every configuration was run.
    public var interrupted = false
    public var seconds = 0.0

    public var ok: Bool { !interrupted && problems.isEmpty && configurations.allSatisfy(\.ok) }
}

/// Runs zoo entries through the exploration API every front end uses
/// (`Setup.explore`), and decides whether each is ok.
public struct ZooRunner: Sendable {
    public var registry: Registry
    /// The schedulers that search the buggy configuration. The exhaustive
    /// search always runs first: it decides the entry; pct and random add
    /// their time and runs to the first counterexample.
    public var methods: [ExplorationRequest.Method]
    /// Threads of each exhaustive search (`ExplorationRequest.jobs`).
    public var jobs: Int
    /// Every configuration's memory model (`zoo run --memory`); nil: each
    /// configuration's own.
    public var memory: MemoryModel?

    public init(registry: Registry, methods: [ExplorationRequest.Method] = [.exhaustive], jobs: Int = 1) {
        self.registry = registry
        self.methods = [.exhaustive] + ExplorationRequest.Method.allCases.filter { $0 != .exhaustive && methods.contains($0) }
        self.jobs = max(1, jobs)
    }

    /// The setup a configuration of `entry` runs.
    public func setup(_ entry: BugEntry, _ configuration: BugConfiguration) throws -> Setup {
        let scenario = try registry.scenario(entry.scenario)
        let strategy = try registry.resolveStrategy(configuration.strategy)
        return try scenario.build(strategy: strategy, parameters: configuration.parameters).withMemory(memory ?? configuration.memory)
    }

    /// The request `pagewait explore` makes for `method` with the entry's
    /// bounds as options (`BugEntry.exploreArguments`).
    public func request(_ entry: BugEntry, _ method: ExplorationRequest.Method) -> ExplorationRequest {
        var r = ExplorationRequest()
        r.method = method
        r.jobs = jobs
        switch method {
        case .exhaustive:
            r.budget = entry.bounds.states
            if let d = entry.bounds.maxDepth { r.maxDepth = d }
        case .pct, .random:
            r.budget = entry.bounds.runs
        }
        return r
    }

    /// Problems with the numbers an entry gives (its bounds, its seeds):
    /// each out of its range, named with the range.
    public static func boundProblems(_ entry: BugEntry) -> [String] {
        var out: [String] = []
        func check(_ limit: Limit, _ value: Int?, _ what: String) {
            guard let value else { return }
            do { _ = try limit.check(value, "\(entry.name): \(what)") } catch { out.append(error.description) }
        }
        check(Limits.exploreStates, entry.bounds.states, "bounds.states")
        check(Limits.maxDepth, entry.bounds.maxDepth, "bounds.maxDepth")
        check(Limits.exploreRuns, entry.bounds.runs, "bounds.runs")
        if case .metrics = entry.check {
            let spec = entry.metricsSpec ?? .standard
            check(Limits.seeds, spec.seeds.count, "metrics seeds")
            check(Limits.maxSteps, spec.maxSteps, "metrics maxSteps")
        }
        return out
    }

    /// Run `entry`. `cancelled` is polled as the searches go; once it says
    /// true the result is marked interrupted and the rest is not run.
    /// `searched` is told of each search as it ends.
    public func run(_ entry: BugEntry, cancelled: @escaping @Sendable () -> Bool = { false },
                    searched: (ZooConfigurationResult.Role, BugConfiguration, ZooSearch) -> Void = { _, _, _ in }) -> ZooEntryResult {
        let start = ContinuousClock.now
        var result = ZooEntryResult(entry: entry)
        result.problems = Self.boundProblems(entry)
        if result.problems.isEmpty {
            switch entry.check {
            case .violation(let expected):
                if expected.isEmpty { result.problems.append("the entry lists no expected violation for its buggy configuration") }
                runViolation(entry, expected: expected, into: &result, cancelled: cancelled, searched: searched)
            case .metrics:
                runMetrics(entry, into: &result, cancelled: cancelled)
            }
        }
        result.seconds = seconds(since: start)
        return result
    }

    /// The configuration's setup, or nil with the reason in `c`: the run
    /// was interrupted before it, or the configuration does not build.
    private func prepare(_ entry: BugEntry, _ configuration: BugConfiguration, _ c: inout ZooConfigurationResult,
                         _ result: inout ZooEntryResult, cancelled: () -> Bool) -> Setup? {
        if cancelled() {
            result.interrupted = true
            c.problems.append("not run: interrupted")
            return nil
        }
        do { return try setup(entry, configuration) } catch {
            c.problems.append("cannot be built: \(error)")
            return nil
        }
    }

    private func runViolation(_ entry: BugEntry, expected: [ViolationKind], into result: inout ZooEntryResult,
                              cancelled: @escaping @Sendable () -> Bool,
                              searched: (ZooConfigurationResult.Role, BugConfiguration, ZooSearch) -> Void) {
        let expectedText = expected.map(\.rawValue).joined(separator: " or ")
        for (i, configuration) in entry.configurations.enumerated() {
            let role: ZooConfigurationResult.Role = i == 0 ? .buggy : .fixed
            var c = ZooConfigurationResult(role: role, configuration: configuration)
            defer { result.configurations.append(c) }
            guard let setup = prepare(entry, configuration, &c, &result, cancelled: cancelled) else { continue }
            for method in role == .buggy ? methods : [.exhaustive] {
                if cancelled() {
                    result.interrupted = true
                    break
                }
                let search = ZooSearch(method: method, outcome: setup.explore(request(entry, method), cancelled: cancelled))
                c.searches.append(search)
                searched(role, configuration, search)
                if search.outcome.interrupted { result.interrupted = true }
                switch (role, search.verdict) {
                case (.buggy, .violation(let kind)):
                    if !expected.contains(kind) {
                        c.problems.append("\(method.rawValue): \(kind) is not the expected \(expectedText)")
                    }
                case (.buggy, let verdict):
                    // pct and random may miss within their runs; the
                    // exhaustive search must find it.
                    if method == .exhaustive {
                        c.problems.append("exhaustive: no counterexample, expected \(expectedText): \(verdict.text(termination: search.outcome.termination))")
                    }
                case (.fixed, .proof):
                    break
                case (.fixed, .violation):
                    c.problems.append("not a proof: VIOLATION \(search.outcome.violation.map { "\($0)" } ?? "")")
                case (.fixed, let verdict):
                    c.problems.append("not a proof: \(verdict.text(termination: search.outcome.termination))")
                }
                if result.interrupted { break }
            }
            if result.interrupted { c.problems.append("interrupted before its searches ended") }
        }
    }

    private func runMetrics(_ entry: BugEntry, into result: inout ZooEntryResult, cancelled: @escaping @Sendable () -> Bool) {
        let spec = entry.metricsSpec ?? .standard
        var byStrategy: [String: FairnessMetrics] = [:]
        for (i, configuration) in entry.configurations.enumerated() {
            var c = ZooConfigurationResult(role: i == 0 ? .buggy : .fixed, configuration: configuration)
            defer { result.configurations.append(c) }
            guard let setup = prepare(entry, configuration, &c, &result, cancelled: cancelled) else { continue }
            let m = setup.fairnessMetrics(seeds: spec.seeds, maxSteps: spec.maxSteps, cancelled: cancelled)
            c.metrics = m
            if m.runs < spec.seeds.count {
                result.interrupted = true
                c.problems.append("interrupted after \(m.runs) of \(spec.seeds.count) seeds")
            }
            if m.violations > 0 {
                c.problems.append("\(m.violations) of \(m.runs) runs ended in a violation; first: \(m.firstViolation ?? "")")
            }
            byStrategy[configuration.strategy] = m
        }
        guard !result.interrupted else { return }
        for claim in spec.claims {
            switch claim.holds(byStrategy) {
            case .failure(let e):
                result.problems.append("claim '\(claim)': \(e.message)")
            case .success(let holds):
                guard let i = result.configurations.firstIndex(where: { $0.configuration.strategy == claim.strategy }) else { continue }
                result.configurations[i].claims.append((claim, holds))
                if !holds {
                    let value = byStrategy[claim.strategy].map { claim.metric.format($0.value(claim.metric)) } ?? "?"
                    result.configurations[i].problems.append("claim does not hold: \(claim) (measured \(value))")
                }
            }
        }
    }
}
