import Foundation
import PagewaitCore
import PagewaitPlugins

/// What `pagewait zoo run` reports: text, KTAP or JSON.
struct ZooReport: Encodable {
    /// The entries asked for, in order; those past an interrupt have no result.
    var requested: [BugEntry]
    var results: [ZooEntryResult]
    var seconds: Double

    var interrupted: Bool { results.count < requested.count || results.contains(where: \.interrupted) }
    var okCount: Int { results.filter(\.ok).count }
    var notOkCount: Int { results.filter { !$0.ok && !$0.interrupted }.count }
    var skippedCount: Int { requested.count - okCount - notOkCount }

    // MARK: - Text

    func text() -> String {
        var lines: [String] = []
        for r in results { lines += Self.text(r) }
        for e in requested.dropFirst(results.count) { lines.append("\(e.name) \(e.summary)\n  not run: interrupted") }
        lines.append("zoo: \(requested.count) entries, \(okCount) ok, \(notOkCount) not ok\(skippedCount > 0 ? ", \(skippedCount) interrupted" : ""); \(format(seconds, 1)) s")
        return lines.joined(separator: "\n") + "\n"
    }

    static func text(_ r: ZooEntryResult) -> [String] {
        let e = r.entry
        var lines = ["\(e.name) \(e.summary)  [\(e.bugClass); \(e.scenario)]"]
        lines += r.problems.map { "  problem: \($0)" }
        if case .metrics = e.check {
            lines += metricsText(r)
        } else {
            for c in r.configurations { lines += configurationText(c, entry: e) }
        }
        let verdict = r.interrupted ? "interrupted" : r.ok ? "ok" : "not ok"
        lines.append("  \(verdict) \(e.name) (\(format(r.seconds, 1)) s)")
        return lines
    }

    static func configurationText(_ c: ZooConfigurationResult, entry: BugEntry) -> [String] {
        let params = parameterText(c.configuration.parameters)
        let name = c.configuration.strategy + (params.isEmpty ? "" : " " + params)
        let commit = c.configuration.commit.isEmpty ? "" : " (\(c.configuration.commit))"
        var lines: [String] = []
        switch c.role {
        case .buggy:
            let found = c.search(.exhaustive)?.outcome.violation
            let expected = entry.expected.map(\.rawValue).joined(separator: " or ")
            lines.append("  buggy \(name)\(commit): \(found.map { "\($0.kind)" } ?? "no counterexample"), expected \(expected)")
            if let found { lines.append("    \(found)") }
            for s in c.searches { lines.append("    \(searchText(s))") }
        case .fixed:
            if let s = c.search(.exhaustive) {
                let v = s.outcome.violation.map { "VIOLATION \($0.kind)" } ?? s.verdict.name
                lines.append("  fixed \(name)\(commit): \(v), \(s.outcome.states) states, \(format(s.outcome.searchSeconds, 3)) s")
            } else {
                lines.append("  fixed \(name)\(commit): not searched")
            }
        }
        lines += c.problems.map { "    problem: \($0)" }
        if !c.ok, !c.searches.isEmpty {
            lines.append("    explore: \(commandLine(entry.exploreArguments(c.configuration)))")
        }
        return lines
    }

    /// "exhaustive: first counterexample after 1732 states, 0.017 s; schedule 235 steps, 234 after shrinking".
    static func searchText(_ s: ZooSearch) -> String {
        let o = s.outcome
        let method = s.method.rawValue
        guard let found = o.found else {
            if s.method == .exhaustive {
                return "\(method): no counterexample, \(o.states) states, \(format(o.searchSeconds, 3)) s (\(s.verdict.name))"
            }
            return "\(method): no counterexample in \(o.runs ?? 0) runs, \(format(o.searchSeconds, 3)) s"
        }
        let cost = s.method == .exhaustive
            ? "after \(o.states) states"
            : "at run \(o.runs ?? 0)\(o.foundSeed.map { " (seed \($0))" } ?? ""), \(o.states) steps"
        let shrunk = o.minimal.map { ", \($0.steps.count) after shrinking" } ?? ""
        return "\(method): \(o.violation.map { "\($0.kind)" } ?? "") \(cost), \(format(o.searchSeconds, 3)) s; schedule \(found.steps.count) steps\(shrunk)"
    }

    static func metricsText(_ r: ZooEntryResult) -> [String] {
        let spec = r.entry.metricsSpec ?? .standard
        var lines = ["  seeds \(spec.seeds.lowerBound) to \(spec.seeds.upperBound - 1), \(spec.maxSteps) steps a run"]
        let columns = r.configurations.map { $0.configuration.strategy + ($0.role == .buggy ? " (buggy)" : "") }
        let labelWidth = FairnessMetric.allCases.map(\.title.count).max() ?? 0
        let widths = columns.map { max($0.count, 10) }
        func row(_ label: String, _ cells: [String]) -> String {
            "  " + label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
                + zip(cells, widths).map { "  " + String(repeating: " ", count: max(0, $1 - $0.count)) + $0 }.joined()
        }
        lines.append(row("", columns))
        for m in FairnessMetric.allCases {
            lines.append(row(m.title, r.configurations.map { c in c.metrics.map { m.format($0.value(m)) } ?? "-" }))
        }
        lines.append(row("runs ending in a violation", r.configurations.map { c in c.metrics.map { "\($0.violations)" } ?? "-" }))
        for c in r.configurations {
            for (claim, holds) in c.claims { lines.append("  claim \(holds ? "holds" : "FAILS"): \(claim)") }
            lines += c.problems.map { "  problem (\(c.configuration.strategy)): \($0)" }
        }
        return lines
    }

    // MARK: - KTAP

    func ktap() -> String {
        var tests = results.map(Self.ktapTest)
        for e in requested.dropFirst(results.count) {
            tests.append(KTAPTest(e.name, ok: true, directive: "SKIP interrupted", diagnostics: ["\(e.name): \(e.summary)"]))
        }
        return KTAP.render(tests, trailer: ["Totals: pass:\(okCount) fail:\(notOkCount) skip:\(skippedCount) total:\(requested.count)"])
    }

    static func ktapTest(_ r: ZooEntryResult) -> KTAPTest {
        let e = r.entry
        let subtests = r.configurations.map { c -> KTAPTest in
            let params = parameterText(c.configuration.parameters)
            let name = "\(c.role.rawValue) \(c.configuration.strategy)\(params.isEmpty ? "" : " " + params)"
            var diagnostics: [String] = []
            if let m = c.metrics {
                diagnostics += FairnessMetric.allCases.map { "\($0.rawValue): \($0.format(m.value($0)))" }
                diagnostics += c.claims.map { "claim \($1 ? "holds" : "fails"): \($0)" }
            }
            for s in c.searches {
                diagnostics.append(c.role == .buggy ? searchText(s)
                                   : "\(s.outcome.violation.map { "VIOLATION \($0)" } ?? s.verdict.name), \(s.outcome.states) states, \(format(s.outcome.searchSeconds, 3)) s")
            }
            diagnostics += c.problems
            let skipped = r.interrupted && c.problems.contains { $0.contains("interrupted") }
            return KTAPTest(name, ok: c.ok || skipped, directive: skipped ? "SKIP interrupted" : nil, diagnostics: diagnostics)
        }
        var diagnostics = ["\(e.name): \(e.summary)"] + r.problems
        diagnostics.append("\(e.name): \(r.ok ? "ok" : r.interrupted ? "interrupted" : "not ok") in \(format(r.seconds, 1)) s")
        return KTAPTest(e.name, ok: r.ok || r.interrupted, directive: r.interrupted ? "SKIP interrupted" : nil,
                        diagnostics: diagnostics, subtests: subtests)
    }

    // MARK: - JSON

    enum CodingKeys: String, CodingKey { case entries, total, ok, notOk, interrupted, seconds }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(results.map(EntryJSON.init), forKey: .entries)
        try c.encode(requested.count, forKey: .total)
        try c.encode(okCount, forKey: .ok)
        try c.encode(notOkCount, forKey: .notOk)
        try c.encode(interrupted, forKey: .interrupted)
        try c.encode(seconds, forKey: .seconds)
    }

    struct EntryJSON: Encodable {
        var id: String
        var title: String
        var `class`: String
        var quick: Bool
        var reference: String
        var scenario: String
        var scope: String
        var check: String
        var expected: [String]
        var ok: Bool
        var interrupted: Bool
        var problems: [String]
        var seconds: Double
        var configurations: [ConfigurationJSON]

        init(_ r: ZooEntryResult) {
            id = r.entry.name
            title = r.entry.summary
            `class` = r.entry.bugClass
            quick = r.entry.quick
            reference = r.entry.reference
            scenario = r.entry.scenario
            scope = r.entry.scope
            check = r.entry.checkName
            expected = r.entry.expected.map(\.rawValue)
            ok = r.ok
            interrupted = r.interrupted
            problems = r.problems
            seconds = r.seconds
            configurations = r.configurations.map { ConfigurationJSON($0, entry: r.entry) }
        }
    }

    struct ConfigurationJSON: Encodable {
        var role: String
        var label: String
        var strategy: String
        var parameters: [String: Int64]
        var commit: String
        var ok: Bool
        var problems: [String]
        var searches: [SearchJSON]
        var metrics: [String: Double]?
        var claims: [ClaimJSON]?
        /// The command lines that reproduce this configuration.
        var commands: [String]

        init(_ c: ZooConfigurationResult, entry: BugEntry) {
            role = c.role.rawValue
            label = c.configuration.label
            strategy = c.configuration.strategy
            parameters = c.configuration.parameters
            commit = c.configuration.commit
            ok = c.ok
            problems = c.problems
            searches = c.searches.map(SearchJSON.init)
            if let m = c.metrics {
                var d: [String: Double] = [:]
                for metric in FairnessMetric.allCases { d[metric.rawValue] = m.value(metric) }
                d["runs"] = Double(m.runs)
                d["violations"] = Double(m.violations)
                metrics = d
                claims = c.claims.map { ClaimJSON(claim: $0.claim.description, because: $0.claim.because, holds: $0.holds) }
            }
            commands = entry.commands(c.configuration, buggy: c.role == .buggy).map { commandLine($0.arguments) }
        }
    }

    struct ClaimJSON: Encodable {
        var claim: String
        var because: String
        var holds: Bool
    }

    struct SearchJSON: Encodable {
        var scheduler: String
        var verdict: String
        var proof: Bool
        var kind: String?
        var detail: String?
        /// Exhaustive: states visited; pct and random: steps taken.
        var states: Int
        var runs: Int?
        var foundSeed: UInt64?
        var seconds: Double
        var foundLength: Int?
        var minimalLength: Int?
        var minimalSchedule: String?

        init(_ s: ZooSearch) {
            let o = s.outcome
            scheduler = s.method.rawValue
            verdict = s.verdict.name
            proof = s.verdict.isProof
            kind = o.violation?.kind.rawValue
            detail = o.violation?.description
            states = o.states
            runs = o.runs
            foundSeed = o.foundSeed
            seconds = o.searchSeconds
            foundLength = o.found?.steps.count
            minimalLength = o.best?.steps.count
            minimalSchedule = o.best?.description
        }
    }
}
