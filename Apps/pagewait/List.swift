import ArgumentParser
import PagewaitCore
import PagewaitPlugins

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every registered plugin with a one-line description and its kernel reference.")

    func run() throws {
        let registry = BuiltinPlugins.registry()
        for kind in PluginKind.allCases {
            let plugins = registry.all(kind)
            guard !plugins.isEmpty else { continue }
            print("\(kind.rawValue)s:")
            let width = plugins.map(\.name.count).max() ?? 0
            for p in plugins {
                let ref = p.reference.isEmpty ? "" : "  [\(p.reference)]"
                print("  \(p.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(p.summary)\(ref)")
            }
        }
    }
}
