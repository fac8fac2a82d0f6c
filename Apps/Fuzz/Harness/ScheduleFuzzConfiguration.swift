import Glibc
import PagewaitABI
import PagewaitCore
import PagewaitPlugins

/// What the schedule target fuzzes: every scenario and strategy, or only
/// the combinations exhaustive exploration proved safe; the plugins loaded;
/// the filters.
public struct ScheduleFuzzConfiguration: Sendable {
    public enum Mode: String, Sendable {
        /// Every scenario × every strategy: finds the known bugs (the
        /// ablations, the seed's lost wakeup) as well as new ones.
        case all
        /// Only `SafeCombinations.all`: a finding is a new bug (or a model
        /// change that broke a proof). What a long campaign runs.
        case safe
    }

    /// A scenario the input can choose: the word `pagewait` takes for it (a
    /// registered name or a file path) and the scenario itself.
    public struct ScenarioChoice: Sendable {
        public var argument: String
        public var scenario: any Scenario
    }

    public var mode: Mode
    public var registry: Registry
    public var scenarios: [ScenarioChoice]
    public var strategies: [String]
    public var safe: [SafeCombinations.Entry]
    /// Inputs that decode to a scenario or strategy outside these sets are
    /// skipped (nothing runs), so an input means the same with or without
    /// a filter.
    public var scenarioFilter: Set<String>?
    public var strategyFilter: Set<String>?
    /// Knobs the input may turn (nil: all of `ScheduleFuzzer.knobs`); the
    /// others keep the scenario's defaults.
    public var knobFilter: Set<String>?
    public var pluginPaths: [String]
    /// Step budget per run.
    public var maxSteps: Int
    /// Shrink a finding's schedule before reporting it.
    public var shrink: Bool
    /// Where a campaign that keeps going past findings saves the first
    /// input of each class (violation, scenario, strategy); nil: the first
    /// finding stops the campaign.
    public var keepGoing: String?
    /// Parameter names each scenario argument accepts.
    public var knownParameters: [String: [String]]
    /// Knob values a scenario refuses on its own, as "name=value" per
    /// scenario argument (a limit of one of its actors: `mappings` 1...1
    /// where a NUMA hinting fault migrates the one PMD). A knob byte that
    /// picks one leaves the scenario's default instead, so the cases the
    /// fuzzer makes build, whatever registry additions do to the mapping of
    /// an input's first bytes.
    public var refusedKnobValues: [String: Set<String>]

    /// The built-in scenarios and strategies (in `BuiltinScenarios.all` and
    /// `BuiltinPlugins.strategies` order, then `unfair-0`), plus whatever
    /// `plugins` register and the `extra` scenario files and strategy
    /// names. The order fixes what an input's first bytes mean.
    public init(mode: Mode, plugins: [String] = [], scenarioFiles: [String] = [], extraStrategies: [String] = [],
                scenarioFilter: Set<String>? = nil, strategyFilter: Set<String>? = nil, knobFilter: Set<String>? = nil,
                maxSteps: Int = 20_000, shrink: Bool = true, keepGoing: String? = nil) throws(ConfigurationError) {
        var registry = BuiltinPlugins.registry()
        for path in plugins {
            do { try PluginLoader.load(path, into: &registry) } catch { throw ConfigurationError(error.description) }
        }
        var scenarios = BuiltinScenarios.all.map { ScenarioChoice(argument: $0.name, scenario: $0) }
        let builtinScenarios = Set(BuiltinScenarios.all.map(\.name))
        for name in registry.names(.scenario) where !builtinScenarios.contains(name) {
            scenarios.append(ScenarioChoice(argument: name, scenario: try Self.lookup { () throws(RegistryError) in try registry.scenario(name) }))
        }
        for path in scenarioFiles {
            guard let text = readFile(path) else { throw ConfigurationError("cannot read scenario file '\(path)'") }
            do { scenarios.append(ScenarioChoice(argument: path, scenario: try ScenarioFile.parse(text, path: path, registry: registry))) } catch {
                throw ConfigurationError(error.description)
            }
        }
        var strategies = BuiltinPlugins.strategies.map(\.name) + ["unfair-0"]
        for name in registry.names(.strategy) where !strategies.contains(name) { strategies.append(name) }
        for name in extraStrategies where !strategies.contains(name) {
            _ = try Self.lookup { () throws(RegistryError) in try registry.resolveStrategy(name) }
            strategies.append(name)
        }
        if let f = scenarioFilter {
            for name in f where !scenarios.contains(where: { $0.argument == name }) {
                throw ConfigurationError("PW_FUZZ_SCENARIO: no scenario '\(name)'; known: \(scenarios.map(\.argument).joined(separator: ", "))")
            }
        }
        self.mode = mode
        self.registry = registry
        self.scenarios = scenarios
        self.strategies = strategies
        self.safe = SafeCombinations.all.filter { e in
            (scenarioFilter?.contains(e.scenario) ?? true) && (strategyFilter?.contains(e.strategy) ?? true)
        }
        if mode == .safe && safe.isEmpty {
            throw ConfigurationError("no safe combination passes the PW_FUZZ_SCENARIO / PW_FUZZ_STRATEGY filters")
        }
        self.scenarioFilter = scenarioFilter
        self.strategyFilter = strategyFilter
        if let k = knobFilter, let unknown = k.subtracting(ScheduleFuzzer.knobs.map(\.name)).first {
            throw ConfigurationError("PW_FUZZ_KNOBS: no knob '\(unknown)'; knobs: \(ScheduleFuzzer.knobs.map(\.name).joined(separator: ", "))")
        }
        self.knobFilter = knobFilter
        self.pluginPaths = plugins
        self.maxSteps = maxSteps
        self.shrink = shrink
        self.keepGoing = keepGoing
        var known: [String: [String]] = [:]
        for s in scenarios {
            known[s.argument] = (s.scenario as? ScenarioSpec)?.knownParameters ?? Array(s.scenario.parameters.keys)
        }
        self.knownParameters = known
        var refused: [String: Set<String>] = [:]
        if let probe = try? registry.resolveStrategy(strategies[0]) {
            for s in scenarios where (try? s.scenario.build(strategy: probe, parameters: [:])) != nil {
                for knob in ScheduleFuzzer.knobs where known[s.argument]?.contains(knob.name) == true {
                    for v in knob.values where (try? s.scenario.build(strategy: probe, parameters: [knob.name: v])) == nil {
                        refused[s.argument, default: []].insert("\(knob.name)=\(v)")
                    }
                }
            }
        }
        self.refusedKnobValues = refused
    }

    /// The scenario named by a case's `scenario` argument.
    public func scenario(_ argument: String) throws(ConfigurationError) -> any Scenario {
        guard let s = scenarios.first(where: { $0.argument == argument }) else {
            throw ConfigurationError("no scenario '\(argument)'")
        }
        return s.scenario
    }

    private static func lookup<T>(_ body: () throws(RegistryError) -> T) throws(ConfigurationError) -> T {
        do { return try body() } catch { throw ConfigurationError(error.description) }
    }

    /// The configuration the environment asks for:
    ///
    /// - `PW_FUZZ_SAFE=1`: safe combinations only (what `fuzz-schedules-safe` always does);
    /// - `PW_FUZZ_PLUGIN=a.so:b.so`: plugin libraries to load, as `pagewait --plugin`;
    /// - `PW_FUZZ_STRATEGY=s1,s2`: only these strategies (any registered name, `unfair-N`);
    /// - `PW_FUZZ_SCENARIO=n1,n2`: only these scenarios (registered names or scenario files);
    /// - `PW_FUZZ_KNOBS=k1,k2`: only these parameter knobs (`ScheduleFuzzer.knobs`); empty: none,
    ///   so every scenario keeps its default parameters;
    /// - `PW_FUZZ_MAX_STEPS=N`: the step budget per run (default 20000);
    /// - `PW_FUZZ_SHRINK=0`: report findings without shrinking their schedule;
    /// - `PW_FUZZ_KEEP_GOING=dir`: do not stop at a finding; report and save
    ///   the first input of each class in `dir`, tally the rest.
    public static func fromEnvironment(safe: Bool) throws(ConfigurationError) -> ScheduleFuzzConfiguration {
        func list(_ name: String, separator: Character = ",") -> [String]? {
            guard let v = environment(name), !v.isEmpty else { return nil }
            return v.split(separator: separator).map { String($0).trimmingBlanks() }.filter { !$0.isEmpty }
        }
        let scenarioNames = list("PW_FUZZ_SCENARIO")
        let strategyNames = list("PW_FUZZ_STRATEGY")
        var maxSteps = 20_000
        if let v = environment("PW_FUZZ_MAX_STEPS") {
            guard let n = Int(v), n > 0 else { throw ConfigurationError("PW_FUZZ_MAX_STEPS must be a positive integer, not '\(v)'") }
            maxSteps = n
        }
        return try ScheduleFuzzConfiguration(
            mode: safe || environment("PW_FUZZ_SAFE") == "1" ? .safe : .all,
            plugins: list("PW_FUZZ_PLUGIN", separator: ":") ?? [],
            scenarioFiles: (scenarioNames ?? []).filter { $0.hasSuffix(".toml") || $0.contains("/") },
            extraStrategies: strategyNames ?? [],
            scenarioFilter: scenarioNames.map(Set.init), strategyFilter: strategyNames.map(Set.init),
            knobFilter: environment("PW_FUZZ_KNOBS").map { _ in Set(list("PW_FUZZ_KNOBS") ?? []) },
            maxSteps: maxSteps, shrink: environment("PW_FUZZ_SHRINK") != "0",
            keepGoing: environment("PW_FUZZ_KEEP_GOING").flatMap { $0.isEmpty ? nil : $0 })
    }

    /// One line for the start of a campaign.
    public var summary: String {
        switch mode {
        case .all:
            let sc = scenarioFilter.map { $0.sorted().joined(separator: ",") } ?? "all \(scenarios.count)"
            let st = strategyFilter.map { $0.sorted().joined(separator: ",") } ?? "all \(strategies.count)"
            let kn = knobFilter.map { $0.isEmpty ? "none" : $0.sorted().joined(separator: ",") } ?? "all"
            return "pagewait fuzz-schedules: scenarios \(sc); strategies \(st); knobs \(kn); max \(maxSteps) steps per run"
        case .safe:
            return "pagewait fuzz-schedules: \(safe.count) safe combinations; max \(maxSteps) steps per run"
        }
    }
}

public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

/// Write `bytes` to `path`; false if it cannot.
func writeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
    guard let f = fopen(path, "wb") else { return false }
    defer { fclose(f) }
    return bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) } == bytes.count
}

/// A whole file as text, or nil.
func readFile(_ path: String) -> String? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n == 0 { break }
        bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

extension String {
    func trimmingBlanks() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
