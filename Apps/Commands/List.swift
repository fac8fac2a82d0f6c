import ArgumentParser
import PagewaitCore
import PagewaitPlugins

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every registered plugin with a one-line description and its kernel reference.")

    @OptionGroup var plugins: PluginOptions

    @Flag(help: "Also list each scenario's and actor's parameters with their defaults and allowed ranges.")
    var parameters = false

    @Option(help: "Only this kind: strategy, scenario, actor, scheduler, checker, reporter or bug (the zoo's entries, `pagewait zoo list`).")
    var kind: String?

    func validate() throws {
        if let kind, PluginKind(rawValue: kind) == nil {
            throw ValidationError("unknown kind '\(kind)'\(Suggestion.hint(kind, among: PluginKind.allCases.map(\.rawValue))); known: \(PluginKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let registry = try plugins.registry()
        for kind in PluginKind.allCases where self.kind == nil || self.kind == kind.rawValue {
            let plugins = registry.all(kind)
            guard !plugins.isEmpty else { continue }
            print("\(kind.plural):")
            let width = plugins.map(\.name.count).max() ?? 0
            for p in plugins {
                let ref = p.reference.isEmpty ? "" : "  [\(p.reference)]"
                print("  \(p.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(p.summary)\(ref)")
                guard parameters else { continue }
                // name=default [allowed range]
                let params: [String]? = (p as? ScenarioSpec)?.parameterTable.map(\.description)
                    ?? (p as? any ProgramActor)?.parameterTable.map(\.description)
                    ?? ((p as? any Scenario)?.parameters ?? (p as? any ScenarioActor)?.parameters).map { d in d.keys.sorted().map { "\($0)=\(d[$0]!)" } }
                if let params, !params.isEmpty {
                    print("  \(String(repeating: " ", count: width))    parameters: \(params.joined(separator: " "))")
                }
            }
        }
    }
}

extension PluginKind {
    /// The heading `list` prints over a kind's plugins.
    var plural: String { self == .strategy ? "strategies" : rawValue + "s" }
}
