import ArgumentParser
import PagewaitCore
import PagewaitPlugins

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every registered plugin with a one-line description and its kernel reference.")

    @OptionGroup var plugins: PluginOptions

    @Flag(help: "Also list each scenario's and actor's parameters with their defaults.")
    var parameters = false

    @Option(help: "Only this kind: strategy, scenario, actor, scheduler, checker or reporter.")
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
                let params: Parameters? = (p as? any Scenario).map { s in
                    (s as? ScenarioSpec).map { spec in
                        Dictionary(uniqueKeysWithValues: spec.knownParameters.map { ($0, spec.defaultValue(of: $0)) })
                    } ?? s.parameters
                } ?? (p as? any Actor)?.parameters
                if let params, !params.isEmpty {
                    let list = params.keys.sorted().map { "\($0)=\(params[$0]!)" }.joined(separator: " ")
                    print("  \(String(repeating: " ", count: width))    parameters: \(list)")
                }
            }
        }
    }
}

extension PluginKind {
    /// The heading `list` prints over a kind's plugins.
    var plural: String { self == .strategy ? "strategies" : rawValue + "s" }
}
