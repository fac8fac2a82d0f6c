import PagewaitCore

/// A number a quantitative zoo entry (Z18) reports per configuration
/// (kernel-model F13).
public enum FairnessMetric: String, CaseIterable, Sendable, Hashable {
    /// The most requeues one waiter went through within one wait, over
    /// every seed: `run`'s and `compare`'s "most requeues by one waiter".
    case mostRequeues = "most-requeues"
    /// The most acquisitions by others while one exclusive waiter waited
    /// (`FairnessObserver`): `run`'s "most bypasses".
    case mostBypasses = "most-bypasses"
    /// Requeues of all waiters, per run.
    case requeuesPerRun = "requeues-per-run"
    /// Handoffs (the waker takes PG_locked for the waiter) per unlock.
    case handoffsPerUnlock = "handoffs-per-unlock"
    /// Steps with P unlocked while an exclusive waiter sleeps on it, per run.
    case idleWaitStepsPerRun = "idle-wait-steps-per-run"
    /// Steps with P's owner still inside its wait (handed the lock, not yet
    /// back in its caller), per run.
    case handedOverStepsPerRun = "handed-over-steps-per-run"
    /// Steps per lock acquisition: the same work taking more steps is less throughput.
    case stepsPerAcquisition = "steps-per-acquisition"

    /// In words, for reports.
    public var title: String {
        switch self {
        case .mostRequeues: "most requeues by one waiter"
        case .mostBypasses: "most bypasses of one waiter"
        case .requeuesPerRun: "requeues per run"
        case .handoffsPerUnlock: "handoffs per unlock"
        case .idleWaitStepsPerRun: "steps with P unlocked while a waiter sleeps, per run"
        case .handedOverStepsPerRun: "steps with P's owner still inside its wait, per run"
        case .stepsPerAcquisition: "steps per lock acquisition"
        }
    }

    /// Counts are integers; ratios get two decimals.
    public func format(_ value: Double) -> String {
        switch self {
        case .mostRequeues, .mostBypasses: String(Int(value))
        default: Self.twoDecimals(value)
        }
    }

    /// `value` rounded to two decimals, without Foundation's formatter.
    static func twoDecimals(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let hundredths = Int((value * 100).rounded())
        let whole = hundredths.magnitude / 100, fraction = hundredths.magnitude % 100
        return (hundredths < 0 ? "-" : "") + "\(whole)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}

/// What one configuration's seeded runs showed.
public struct FairnessMetrics: Sendable, Hashable {
    /// Runs made (fewer than the seeds asked for when interrupted).
    public var runs = 0
    /// Runs that ended in a violation (a quantitative entry expects none).
    public var violations = 0
    public var firstViolation: String?
    public var mostRequeues: Int32 = 0
    public var mostBypasses: Int32 = 0
    public var requeues = 0
    public var unlocks = 0
    public var acquisitions = 0
    public var handoffs = 0
    public var idleWaitSteps = 0
    public var handedOverSteps = 0
    public var steps = 0

    public init() {}

    public func value(_ metric: FairnessMetric) -> Double {
        let n = Double(max(runs, 1))
        switch metric {
        case .mostRequeues: return Double(mostRequeues)
        case .mostBypasses: return Double(mostBypasses)
        case .requeuesPerRun: return Double(requeues) / n
        case .handoffsPerUnlock: return unlocks == 0 ? 0 : Double(handoffs) / Double(unlocks)
        case .idleWaitStepsPerRun: return Double(idleWaitSteps) / n
        case .handedOverStepsPerRun: return Double(handedOverSteps) / n
        case .stepsPerAcquisition: return acquisitions == 0 ? 0 : Double(steps) / Double(acquisitions)
        }
    }
}

extension Setup {
    /// Run every seed of `seeds` as `pagewait run` does (the random
    /// scheduler with `timing`, the standard checkers, `maxSteps`)
    /// and gather the fairness and handoff numbers. `cancelled` is polled
    /// between seeds; the result then covers the seeds run.
    public func fairnessMetrics(seeds: Range<UInt64>, maxSteps: Int, timing: SchedulerTiming = SchedulerTiming(),
                                cancelled: () -> Bool = { false }) -> FairnessMetrics {
        var m = FairnessMetrics()
        for seed in seeds {
            if cancelled() { break }
            var scheduler = RandomScheduler(seed: seed, wakeLatency: timing.wakeLatency, preemptLength: timing.preemptLength)
            var checkers = Checkers.standard(for: self) + [HandoffObserver(pages: world.pages.count)]
            let r = engine.run(world, scheduler: &scheduler, checkers: &checkers, options: RunOptions(maxSteps: maxSteps))
            m.runs += 1
            if let v = r.violation {
                m.violations += 1
                if m.firstViolation == nil { m.firstViolation = "seed \(seed): \(v)" }
            }
            m.steps += r.steps
            for task in r.world.tasks {
                m.requeues += Int(task.stats.requeues)
                m.mostRequeues = max(m.mostRequeues, task.stats.mostRequeuesInOneWait)
            }
            if let f = checkers.lazy.compactMap({ $0 as? FairnessObserver }).first {
                m.mostBypasses = max(m.mostBypasses, f.bypasses.max() ?? 0)
            }
            if let h = checkers.lazy.compactMap({ $0 as? HandoffObserver }).first {
                m.unlocks += h.unlocks
                m.acquisitions += h.acquisitions
                m.handoffs += h.handoffs
                m.idleWaitSteps += h.idleWaitSteps
                m.handedOverSteps += h.handedOverSteps
            }
        }
        return m
    }
}

/// What a quantitative entry measures over, and what its numbers must show.
public struct MetricsSpec: Sendable, Hashable {
    /// The seeds every configuration runs: the same for each, so the
    /// columns compare like with like.
    public var seeds: Range<UInt64>
    /// The step budget per run (`--max-steps`).
    public var maxSteps: Int
    public var claims: [MetricClaim]

    public init(seeds: Range<UInt64> = 1..<1001, maxSteps: Int = 200_000, claims: [MetricClaim] = []) {
        self.seeds = seeds
        self.maxSteps = maxSteps
        self.claims = claims
    }

    /// `run`'s defaults: seeds 1 to 1,000, 200,000 steps a run, no claims.
    public static let standard = MetricsSpec()
}

/// A property a quantitative entry states about one configuration's
/// numbers, named by its strategy: a bound, or a comparison with another
/// configuration's number.
public struct MetricClaim: Sendable, Hashable, CustomStringConvertible {
    public enum Bound: Sendable, Hashable {
        case atMost(Double)
        case atLeast(Double)
        /// At most the same metric of the configuration with this strategy.
        case atMostThatOf(String)
        /// At least the same metric of the configuration with this strategy.
        case atLeastThatOf(String)
    }

    public var strategy: String
    public var metric: FairnessMetric
    public var bound: Bound
    /// Why the property is expected, in a kernel developer's words.
    public var because: String

    public init(_ strategy: String, _ metric: FairnessMetric, _ bound: Bound, because: String = "") {
        self.strategy = strategy
        self.metric = metric
        self.bound = bound
        self.because = because
    }

    public var description: String {
        let rhs: String = switch bound {
        case .atMost(let v): "<= \(metric.format(v))"
        case .atLeast(let v): ">= \(metric.format(v))"
        case .atMostThatOf(let other): "<= that of \(other)"
        case .atLeastThatOf(let other): ">= that of \(other)"
        }
        return "\(strategy): \(metric.title) \(rhs)"
    }

    /// Whether the claim holds given each configuration's metrics by
    /// strategy name; nil with the reason when it cannot be judged.
    public func holds(_ metrics: [String: FairnessMetrics]) -> Result<Bool, ClaimError> {
        guard let mine = metrics[strategy] else { return .failure(ClaimError(message: "no configuration runs '\(strategy)'")) }
        let v = mine.value(metric)
        switch bound {
        case .atMost(let limit): return .success(v <= limit)
        case .atLeast(let limit): return .success(v >= limit)
        case .atMostThatOf(let other), .atLeastThatOf(let other):
            guard let theirs = metrics[other] else { return .failure(ClaimError(message: "no configuration runs '\(other)'")) }
            let w = theirs.value(metric)
            if case .atMostThatOf = bound { return .success(v <= w) }
            return .success(v >= w)
        }
    }

    public struct ClaimError: Error, Sendable, Hashable {
        public var message: String
    }
}
