import ArgumentParser
import Foundation
import PagewaitCore
import PagewaitPlugins

struct Bisect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explore a scenario at every kernel version the strategies model, and name the commits where a counterexample appears or disappears.",
        discussion: """
            The fault chain (the default) is v4.19 legacy, v5.0 put-and-wait \
            (9a1ea439b16b), v5.9a rewrite-fair (2a9127fcf229), v5.9 unfair-5 \
            (5ef64cc8987a), v5.17 noref (ffa65753c431), v6.7 no-bookmarks. The reclaim \
            chain splits 9a1ea439b16b in two: v4.19 legacy (a978d6f52106 unlockless \
            reclaim), put-and-wait-unlockless (9a1ea439b16b with a978d6f52106 kept, the \
            state before its revert hunk), put-and-wait (9a1ea439b16b whole). \
            docs/strategies.md dates each.

            Every version is explored with the same scenario, parameters and search \
            (`pagewait explore`'s, exhaustive by default). Each version where a \
            counterexample appears, reappears, disappears or changes kind is named with its \
            commit, and an `explore:` line that reproduces it. A disappearance is "proved \
            gone" only when the search there was a proof.

            Exit status, as for explore: 0 when no version shows a violation, 1 when any \
            does, 2 on bad usage, 130 when interrupted (the versions explored so far are \
            reported).
            """)

    enum ChainChoice: String, ExpressibleByArgument, CaseIterable { case fault, reclaim, all }

    @OptionGroup var plugins: PluginOptions

    @Argument(help: "A built-in scenario name or a scenario file path.", completion: Completions.scenarios)
    var scenario: String

    @Option(help: "fault, reclaim or all.")
    var chain: ChainChoice = .fault

    @Option(help: "Number of faulters (scenario parameter `faulters`; \(Limits.faulters)).")
    var faulters: Int?

    @OptionGroup var scenarioOptions: ScenarioOptions

    @Option(help: "exhaustive, pct or random.")
    var scheduler: Explore.SchedulerChoice = .exhaustive

    @Option(help: "Distinct states to visit per version (exhaustive; \(Limits.exploreStates), default 5,000,000), or runs to try (pct, random; \(Limits.exploreRuns), default 10,000).")
    var budget: Int?

    @Option(help: "Exhaustive: threads (\(Limits.jobs); default \(defaultJobs)).")
    var jobs: Int?

    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    func validate() throws {
        if let f = faulters { try check(Limits.faulters, f, "--faulters") }
        if let budget { try check(scheduler == .exhaustive ? Limits.exploreStates : Limits.exploreRuns, budget, "--budget") }
        if let jobs {
            try check(Limits.jobs, jobs, "--jobs")
            if scheduler != .exhaustive {
                throw ValidationError("--jobs applies only to --scheduler exhaustive, not to --scheduler \(scheduler.rawValue)")
            }
        }
    }

    var chains: [KernelChain] {
        switch chain {
        case .fault: [.fault]
        case .reclaim: [.reclaim]
        case .all: [.fault, .reclaim]
        }
    }

    func run() throws {
        let interrupt = Interrupt()
        try interrupt.catching { try run(interrupt: interrupt) }
    }

    func run(interrupt: Interrupt) throws {
        try checkOutputs([("--output", output)])
        let registry = try plugins.registry()
        let scenario = try loadScenario(self.scenario, registry: registry)
        let parameters = try scenarioOptions.parameters(faulters: faulters)
        let memory = try scenarioOptions.memoryModel()
        var request = ExplorationRequest()
        request.method = switch scheduler {
        case .exhaustive: .exhaustive
        case .pct: .pct
        case .random: .random
        }
        request.budget = budget
        request.jobs = jobs ?? defaultJobs
        var report = BisectReport(scenario: scenario.name, scheduler: scheduler.rawValue)
        for chain in chains {
            if interrupt.requested { break }
            let steps: [BisectStep]
            do {
                steps = try Bisection.run(scenario, parameters: parameters, chain: chain.versions, request: request, registry: registry,
                                          memory: memory,
                                          cancelled: { interrupt.requested }) { step in
                    if !quiet {
                        FileHandle.standardError.write(Data("  ... \(step.version.version) \(step.version.strategy): \(step.outcome.violation.map { "\($0.kind)" } ?? step.outcome.verdict.name)\n".utf8))
                    }
                }
            } catch let error as RegistryError {
                throw ValidationError(lookupMessage(error))
            } catch let error as BuildError {
                throw ValidationError(error.description)
            }
            report.chains.append(BisectReport.Chain(chain: chain, steps: steps))
        }
        report.interrupted = interrupt.requested
        let words = scenarioWords + (budget.map { ["--budget", "\($0)"] } ?? [])
        try emit(format == .json ? try jsonText(report) + "\n" : report.text(exploreWords: words), to: output)
        if report.chains.contains(where: { $0.steps.contains(where: \.found) }) { throw ExitCode(1) }
        if report.interrupted { throw ExitCode(Interrupt.exitStatus) }
    }

    /// The options every version was explored with, for the `explore:`
    /// lines: faulters, parameters, plugins.
    var scenarioWords: [String] {
        (faulters.map { ["--faulters", "\($0)"] } ?? []) + scenarioOptions.words + plugins.words
    }
}

/// What `pagewait bisect` reports.
struct BisectReport: Encodable {
    struct Chain {
        var chain: KernelChain
        var steps: [BisectStep]
        var transitions: [BisectTransition] { Bisection.transitions(steps) }
    }

    var scenario: String
    var scheduler: String
    var chains: [Chain] = []
    var interrupted = false

    /// `exploreWords`: the scenario options every version was explored with.
    func text(exploreWords: [String]) -> String {
        var lines: [String] = []
        for c in chains {
            if !lines.isEmpty { lines.append("") }
            lines.append("bisect \(scenario): \(c.chain.rawValue) chain, \(scheduler)")
            let vw = c.steps.map(\.version.version.count).max() ?? 0
            let sw = c.steps.map(\.version.strategy.count).max() ?? 0
            for s in c.steps {
                let o = s.outcome
                let verdict = o.violation.map { "\($0.kind)" } ?? s.outcome.verdict.name
                let cost = o.runs.map { "\($0) runs" } ?? "\(o.states) states"
                let commit = s.version.commit.isEmpty ? "-" : s.version.commit
                lines.append("  \(s.version.version.padding(toLength: vw, withPad: " ", startingAt: 0))  \(s.version.strategy.padding(toLength: sw, withPad: " ", startingAt: 0))  \(commit.padding(toLength: 12, withPad: " ", startingAt: 0))  \(verdict), \(cost), \(format(o.searchSeconds, 3)) s")
            }
            let transitions = c.transitions
            if transitions.isEmpty {
                lines.append("  no counterexample at any version")
            }
            for t in transitions {
                lines.append("  \(t)")
                var words = ["explore", scenario, "--strategy", t.version.strategy] + exploreWords
                if scheduler != "exhaustive" { words += ["--scheduler", scheduler] }
                lines.append("    explore: \(commandLine(words))")
            }
        }
        if interrupted { lines.append("interrupted: the versions above were explored") }
        return lines.joined(separator: "\n") + "\n"
    }

    enum CodingKeys: String, CodingKey { case scenario, scheduler, chains, interrupted }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scenario, forKey: .scenario)
        try c.encode(scheduler, forKey: .scheduler)
        try c.encode(chains.map(ChainJSON.init), forKey: .chains)
        try c.encode(interrupted, forKey: .interrupted)
    }

    struct ChainJSON: Encodable {
        var chain: String
        var versions: [VersionJSON]
        var transitions: [TransitionJSON]
        init(_ c: Chain) {
            chain = c.chain.rawValue
            versions = c.steps.map(VersionJSON.init)
            transitions = c.transitions.map(TransitionJSON.init)
        }
    }

    struct VersionJSON: Encodable {
        var version: String
        var strategy: String
        var commit: String
        var title: String
        var note: String
        var verdict: String
        var proof: Bool
        var kind: String?
        var detail: String?
        var states: Int
        var runs: Int?
        var seconds: Double
        var minimalLength: Int?
        init(_ s: BisectStep) {
            version = s.version.version
            strategy = s.version.strategy
            commit = s.version.commit
            title = s.version.title
            note = s.version.note
            verdict = s.outcome.verdict.name
            proof = s.outcome.verdict.isProof
            kind = s.outcome.violation?.kind.rawValue
            detail = s.outcome.violation?.description
            states = s.outcome.states
            runs = s.outcome.runs
            seconds = s.outcome.searchSeconds
            minimalLength = s.outcome.best?.steps.count
        }
    }

    struct TransitionJSON: Encodable {
        var change: String
        var version: String
        var strategy: String
        var commit: String
        var before: String?
        var after: String?
        var proved: Bool?
        var text: String
        init(_ t: BisectTransition) {
            change = t.change.rawValue
            version = t.version.version
            strategy = t.version.strategy
            commit = t.version.commit
            before = t.before?.rawValue
            after = t.after?.rawValue
            proved = t.change == .disappears ? t.unproved == nil : nil
            text = t.description
        }
    }
}
