import ArgumentParser
import Foundation
import PagewaitCore
import PagewaitPlugins

/// `pagewait zoo`: the known bugs of the page-lock wait machinery as data
/// (docs/zoo.md), each a buggy configuration the model must catch and
/// fixed ones it must prove.
struct Zoo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The zoo of known page-lock wait bugs: list them, show one, or check that the model rediscovers them.",
        discussion: """
            Each entry is a real bug (or fix) of the page-lock wait machinery, one row of \
            docs/zoo.md: a scenario, a buggy configuration (a strategy and scenario \
            parameters) that must show one of the entry's expected violations, and fixed \
            configurations that must each be proved within the scenario's scope. A \
            quantitative entry (Z18) sets fairness and handoff numbers side by side instead.

            `pagewait zoo show ID` prints the `pagewait explore` command line of every \
            configuration; each reproduces what `pagewait zoo run` reports for it.
            """,
        subcommands: [ZooList.self, ZooShow.self, ZooRun.self])
}

/// The zoo's entries as the registry holds them, in id order (Z1, Z2, ..., Z19).
func zooEntries(_ registry: Registry) -> [BugEntry] {
    registry.all(.bug).compactMap { $0 as? BugEntry }.sorted { zooNumber($0.name) ?? .max < zooNumber($1.name) ?? .max }
}

/// 7 for "Z7", "z7", "Z07" or "7".
func zooNumber(_ id: String) -> Int? {
    let digits = id.first.map { $0 == "Z" || $0 == "z" } == true ? id.dropFirst() : id[...]
    guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
    return Int(digits)
}

/// The entries `ids` name, in the order given; an id that names none is a
/// usage error listing the known ones.
func zooEntries(named ids: [String], in entries: [BugEntry]) throws -> [BugEntry] {
    try ids.map { id in
        guard let n = zooNumber(id), let e = entries.first(where: { zooNumber($0.name) == n }) else {
            let known = entries.map(\.name)
            throw ValidationError("no zoo entry '\(id)'\(Suggestion.hint(id, among: known)); known: \(known.joined(separator: ", "))")
        }
        return e
    }
}

extension BugEntry {
    /// The `pagewait explore` arguments (after the program name) that
    /// search `configuration` as `zoo run` does with `method`: the
    /// scenario, the strategy, the parameters in name order, and the
    /// entry's bounds as options.
    func exploreArguments(_ configuration: BugConfiguration, method: ExplorationRequest.Method = .exhaustive) -> [String] {
        var words = ["explore", scenario, "--strategy", configuration.strategy]
        words += configuration.parameters.keys.sorted().flatMap { ["--param", "\($0)=\(configuration.parameters[$0]!)"] }
        if configuration.memory != .sc { words += ["--memory", configuration.memory.rawValue] }
        switch method {
        case .exhaustive:
            if let s = bounds.states { words += ["--budget", "\(s)"] }
            if let d = bounds.maxDepth { words += ["--max-depth", "\(d)"] }
        case .pct, .random:
            words += ["--scheduler", method.rawValue]
            if let r = bounds.runs { words += ["--budget", "\(r)"] }
        }
        return words
    }

    /// The `pagewait run` arguments whose fairness line reproduces a
    /// quantitative entry's numbers for `configuration`.
    func runArguments(_ configuration: BugConfiguration) -> [String] {
        let spec = metricsSpec ?? .standard
        var words = ["run", scenario, "--strategy", configuration.strategy]
        words += configuration.parameters.keys.sorted().flatMap { ["--param", "\($0)=\(configuration.parameters[$0]!)"] }
        if configuration.memory != .sc { words += ["--memory", configuration.memory.rawValue] }
        words += ["--seeds", "\(spec.seeds.count)", "--seed", "\(spec.seeds.lowerBound)"]
        if spec.maxSteps != 200_000 { words += ["--max-steps", "\(spec.maxSteps)"] }
        return words
    }

    /// The command lines that reproduce `configuration`, labelled as
    /// printed ("explore: pagewait explore ...").
    func commands(_ configuration: BugConfiguration, buggy: Bool) -> [(label: String, arguments: [String])] {
        switch check {
        case .metrics:
            return [("run", runArguments(configuration))]
        case .violation:
            let methods: [ExplorationRequest.Method] = buggy ? [.exhaustive, .pct, .random] : [.exhaustive]
            return methods.map { ("explore", exploreArguments(configuration, method: $0)) }
        }
    }

    /// What the entry checks, in words.
    var checkText: String {
        switch check {
        case .violation(let kinds):
            return "the buggy configuration shows \(kinds.map(\.rawValue).joined(separator: " or ")); every fixed configuration is proved"
        case .metrics:
            return "fairness and handoff numbers of each configuration over the same seeds, side by side, and the claims below"
        }
    }

    var checkName: String {
        if case .metrics = check { return "metrics" }
        return "violation"
    }
}

/// `pagewait ARGUMENTS` as one shell line.
func commandLine(_ arguments: [String]) -> String {
    (["pagewait"] + arguments.map(shellQuoted)).joined(separator: " ")
}

/// "key=value ..." of a configuration's parameters, or "".
func parameterText(_ p: Parameters) -> String {
    p.keys.sorted().map { "\($0)=\(p[$0]!)" }.joined(separator: " ")
}

struct ZooList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the zoo's entries: id, class, whether CI's quick subset runs it, title.")

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    struct Row: Encodable {
        var id: String
        var title: String
        var `class`: String
        var quick: Bool
        var check: String
        var scenario: String
    }

    func run() throws {
        let entries = zooEntries(BuiltinPlugins.registry())
        let rows = entries.map { Row(id: $0.name, title: $0.summary, class: $0.bugClass, quick: $0.quick, check: $0.checkName, scenario: $0.scenario) }
        if format == .json {
            print(try jsonText(rows))
            return
        }
        let idWidth = max(2, rows.map(\.id.count).max() ?? 0)
        let classWidth = max(5, rows.map(\.class.count).max() ?? 0)
        print("\("id".padding(toLength: idWidth, withPad: " ", startingAt: 0))  \("class".padding(toLength: classWidth, withPad: " ", startingAt: 0))  quick  title")
        for r in rows {
            print("\(r.id.padding(toLength: idWidth, withPad: " ", startingAt: 0))  \(r.class.padding(toLength: classWidth, withPad: " ", startingAt: 0))  \((r.quick ? "yes" : "no").padding(toLength: 5, withPad: " ", startingAt: 0))  \(r.title)")
        }
    }
}

struct ZooShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show everything a zoo entry holds, and the command lines that reproduce each configuration.",
        discussion: """
            Every `explore:` (or, for a quantitative entry, `run:`) line is a command that \
            reproduces what `pagewait zoo run` reports for that configuration: the verdict, \
            its states, the violation and its schedule's length.
            """)

    @Argument(help: "An entry id: Z1, z1, Z01 or 1.")
    var id: String

    func run() throws {
        let registry = BuiltinPlugins.registry()
        guard let entry = try zooEntries(named: [id], in: zooEntries(registry)).first else { return }
        print(Self.text(entry, registry: registry))
    }

    static func text(_ e: BugEntry, registry: Registry) -> String {
        var lines = ["\(e.name)  \(e.summary)"]
        lines.append("  class: \(e.bugClass)")
        lines.append("  quick: \(e.quick ? "yes (in CI's quick subset)" : "no")")
        lines.append("  commits: \(e.reference)")
        lines.append("  functions: \(e.functions.joined(separator: ", "))")
        if !e.tags.isEmpty {
            lines.append("  tags:")
            lines += e.tags.map { "    \($0.key): \($0.value)" }
        }
        let about = (try? registry.scenario(e.scenario)).map { " (\($0.summary))" } ?? ""
        lines.append("  scenario: \(e.scenario)\(about)")
        if !e.scope.isEmpty { lines.append("  scope: \(e.scope)") }
        lines.append("  checks: \(e.checkText)")
        if case .metrics = e.check {
            let spec = e.metricsSpec ?? .standard
            lines.append("  seeds: \(spec.seeds.lowerBound) to \(spec.seeds.upperBound - 1), \(spec.maxSteps) steps a run")
            for claim in spec.claims {
                lines.append("  claim: \(claim)\(claim.because.isEmpty ? "" : " (\(claim.because))")")
            }
        }
        for (i, c) in e.configurations.enumerated() {
            let role = i == 0 ? "buggy" : "fixed"
            let params = parameterText(c.parameters)
            let commit = c.commit.isEmpty ? "" : ", commit \(c.commit)"
            lines.append("  \(role): \(c.strategy)\(params.isEmpty ? "" : " \(params)") (\(c.label)\(commit))")
            for (label, arguments) in e.commands(c, buggy: i == 0) {
                lines.append("    \(label): \(commandLine(arguments))")
            }
        }
        return lines.joined(separator: "\n")
    }
}
