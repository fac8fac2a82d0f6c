import ArgumentParser
import Foundation
import PagewaitCore
import PagewaitPlugins

/// Options every command that runs a scenario shares.
struct ScenarioOptions: ParsableArguments {
    @Option(name: .customLong("param"), help: ArgumentHelp(
        "Set a scenario parameter, e.g. --param think=4 (repeatable). `pagewait list --parameters` shows them.",
        valueName: "name=value"))
    var params: [String] = []

    @Option(help: "Number of processes mapping the page (scenario parameter `mappings`).")
    var mappings: Int?

    /// The parameters given on the command line.
    func parameters(faulters: Int?) throws -> Parameters {
        var p: Parameters = [:]
        for item in params {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let v = Int64(parts[1].trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--param expects name=integer, got '\(item)'")
            }
            p[parts[0]] = v
        }
        if let m = mappings { p["mappings"] = Int64(m) }
        if let k = faulters { p["faulters"] = Int64(k) }
        return p
    }
}

/// A scenario by built-in name or from a scenario file.
func loadScenario(_ nameOrPath: String, registry: Registry) throws -> any Scenario {
    if nameOrPath.hasSuffix(".toml") || nameOrPath.contains("/") {
        guard let data = FileManager.default.contents(atPath: nameOrPath), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read scenario file '\(nameOrPath)'")
        }
        do { return try ScenarioFile.parse(text, path: nameOrPath, registry: registry) } catch {
            throw ValidationError(error.description)
        }
    }
    do { return try registry.scenario(nameOrPath) } catch { throw ValidationError("\(error)") }
}

func resolveStrategy(_ name: String, registry: Registry) throws -> any Strategy {
    do { return try registry.resolveStrategy(name) } catch { throw ValidationError("\(error)") }
}

func build(_ scenario: any Scenario, _ strategy: any Strategy, _ parameters: Parameters) throws -> Setup {
    do { return try scenario.build(strategy: strategy, parameters: parameters) } catch {
        throw ValidationError("\(error)")
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

func format(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }


/// Two threads by default: the machines this runs on have two cores.
let defaultJobs = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))

/// The random scheduler's timing knobs, shared by run and compare.
struct TimingOptions: ParsableArguments {
    @Option(help: "Mean steps a woken task waits for a CPU.")
    var wakeLatency: Int = RandomScheduler.defaultWakeLatency

    @Option(help: "Mean steps a task preempted at a preemption point stays off the CPU.")
    var preemptLength: Int = RandomScheduler.defaultPreemptLength

    func validate() throws {
        guard wakeLatency >= 0, preemptLength >= 0 else { throw ValidationError("--wake-latency and --preempt-length must not be negative") }
    }

    var timing: SchedulerTiming { SchedulerTiming(wakeLatency: wakeLatency, preemptLength: preemptLength) }
}

/// Print `text`, or write it to `path`.
func emit(_ text: String, to path: String?) throws {
    guard let path else {
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        return
    }
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
        throw ValidationError("cannot write '\(path)': \(error.localizedDescription)")
    }
}

/// Which seeds to run and how: shared by run and compare.
struct SeedOptions: ParsableArguments {
    @Option(help: "Seeds to run, one run each (compare: per row).")
    var seeds: Int = 1000

    @Option(help: "First seed.")
    var seed: UInt64 = 1

    @Option(help: "Step budget per run.")
    var maxSteps: Int = 200_000

    @Option(help: "Threads.")
    var jobs: Int = defaultJobs

    func validate() throws {
        guard seeds > 0 else { throw ValidationError("--seeds must be positive") }
        guard maxSteps > 0 else { throw ValidationError("--max-steps must be positive") }
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
    }

    var range: Range<UInt64> { seed..<(seed &+ UInt64(seeds)) }
}

/// A scenario, a strategy and the scenario's parameters: what run and
/// explore build a setup from.
struct SetupOptions: ParsableArguments {
    @OptionGroup var plugins: PluginOptions

    @Argument(help: "A built-in scenario name or a scenario file path.", completion: Completions.scenarios)
    var scenario: String

    @Option(help: "Strategy name (see `pagewait list`); unfair-N takes any N.", completion: Completions.strategies)
    var strategy: String = "put-and-wait"

    @Option(help: "Number of faulters (scenario parameter `faulters`).")
    var faulters: Int?

    @OptionGroup var scenarioOptions: ScenarioOptions

    func validate() throws {
        if let f = faulters, f < 0 { throw ValidationError("--faulters must not be negative") }
    }

    /// The options beyond scenario and strategy that a `pagewait replay` of
    /// what this setup produced needs: faulters, parameters, plugins.
    var replayArguments: String {
        var args = faulters.map { " --faulters \($0)" } ?? ""
        if let m = scenarioOptions.mappings { args += " --mappings \(m)" }
        for p in scenarioOptions.params { args += " --param \(p)" }
        for p in plugins.paths { args += " --plugin \(p)" }
        return args
    }

    /// The scenario and strategy looked up in the registry (built-ins and
    /// --plugin libraries), and the setup.
    func build() throws -> (scenario: any Scenario, strategy: any Strategy, setup: Setup) {
        let registry = try plugins.registry()
        let scenario = try loadScenario(self.scenario, registry: registry)
        let strategy = try resolveStrategy(self.strategy, registry: registry)
        return (scenario, strategy, try pagewait.build(scenario, strategy, try scenarioOptions.parameters(faulters: faulters)))
    }
}

/// What the generated shell completion scripts offer for scenario and
/// strategy names: the built-in ones (scenario files and plugins' strategies
/// are typed out).
enum Completions {
    private static let builtins = BuiltinPlugins.registry()
    static let scenarios = CompletionKind.list(builtins.names(.scenario))
    static let strategies = CompletionKind.list(builtins.names(.strategy))
}
