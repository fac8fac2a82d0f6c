import ArgumentParser
import Foundation
import PagewaitABI
import PagewaitCore
import PagewaitPlugins

/// `--plugin PATH`: plugin libraries to load into the registry, through the
/// same loader a C host's pw_load_plugin uses (docs/plugins.md).
struct PluginOptions: ParsableArguments {
    @Option(name: .customLong("plugin"), help: ArgumentHelp(
        "Load a plugin library (a shared library exporting pw_plugin_init) first; repeatable. See docs/plugins.md.",
        valueName: "path"))
    var paths: [String] = []

    /// The built-in plugins plus what every --plugin library registers.
    func registry() throws -> Registry {
        var registry = BuiltinPlugins.registry()
        for path in paths {
            do { try PluginLoader.load(Self.loadable(path), into: &registry) } catch {
                throw ValidationError(error.description)
            }
        }
        return registry
    }

    /// What to hand the loader for `path`: dlopen looks a name without a
    /// slash up on the library search path, not in the current directory,
    /// so a file there named that way is passed as ./name. A name that is
    /// no file here is still looked up on the search path.
    static func loadable(_ path: String) -> String {
        guard !path.contains("/"), FileManager.default.fileExists(atPath: path) else { return path }
        return "./" + path
    }

    /// These options again, as words of a printed command.
    var words: [String] { paths.flatMap { ["--plugin", $0] } }

    /// `pagewait --plugin X explore ...` means `pagewait explore --plugin X ...`:
    /// move --plugin options given before the subcommand to just after it.
    static func movedAfterSubcommand(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var i = 0
        while i < arguments.count {
            if arguments[i] == "--plugin", i + 1 < arguments.count {
                leading += arguments[i...(i + 1)]
                i += 2
            } else if arguments[i].hasPrefix("--plugin=") {
                leading.append(arguments[i])
                i += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty, i < arguments.count else { return arguments }
        return [arguments[i]] + leading + arguments[(i + 1)...]
    }
}
