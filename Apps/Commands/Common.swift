import ArgumentParser
import Foundation
import PagewaitCore
import PagewaitPlugins

/// Options every command that runs a scenario shares.
struct ScenarioOptions: ParsableArguments {
    @Option(name: .customLong("param"), help: ArgumentHelp(
        "Set a scenario parameter, e.g. --param think=4 (repeatable; once per name). `pagewait list --parameters` shows them.",
        valueName: "name=value"))
    var params: [String] = []

    @Option(help: "Number of processes mapping the page (scenario parameter `mappings`; \(Limits.mappings)).")
    var mappings: Int?

    @Option(help: "Memory model the engine runs: sc (sequential consistency, the default), tso (x86-TSO store buffers) or arm (ARMv8-like views, at most 8 tasks); docs/memory-model.md.")
    var memory: String = "sc"

    func validate() throws {
        if let m = mappings { try check(Limits.mappings, m, "--mappings") }
        _ = try parsedParameters()
        _ = try memoryModel()
    }

    /// The --memory model; an unknown name is refused with the accepted ones.
    func memoryModel() throws -> MemoryModel {
        do { return try MemoryModel(parsing: memory) } catch {
            throw ValidationError("--memory: \(error)")
        }
    }

    /// The --param items by name, each name once.
    func parsedParameters() throws -> [(name: String, value: Int64)] {
        var out: [(name: String, value: Int64)] = []
        for item in params {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let v = Int64(parts[1].trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--param expects name=integer (-9,223,372,036,854,775,808...9,223,372,036,854,775,807), got '\(item)'")
            }
            if let earlier = out.first(where: { $0.name == parts[0] }) {
                throw ValidationError("--param \(parts[0]) is given twice (\(earlier.value) and \(v)); give it once")
            }
            out.append((parts[0], v))
        }
        return out
    }

    /// The parameters given on the command line. `faulters` is the
    /// command's --faulters: giving a count both ways is refused, not
    /// settled silently.
    func parameters(faulters: Int?) throws -> Parameters {
        var p: Parameters = [:]
        for (name, value) in try parsedParameters() { p[name] = value }
        if let m = mappings {
            if let v = p["mappings"] { throw ValidationError("--mappings \(m) and --param mappings=\(v) both set the mappings; give one") }
            p["mappings"] = Int64(m)
        }
        if let k = faulters {
            if let v = p["faulters"] { throw ValidationError("--faulters \(k) and --param faulters=\(v) both set the faulters; give one") }
            p["faulters"] = Int64(k)
        }
        return p
    }

    /// These options again, as words of a printed command.
    var words: [String] {
        (mappings.map { ["--mappings", "\($0)"] } ?? []) + params.flatMap { ["--param", $0] }
            + (memory == MemoryModel.sc.rawValue ? [] : ["--memory", memory])
    }
}

/// `value` if it lies in `limit`, or a one-line usage error naming the
/// option, the value and the allowed range.
@discardableResult
func check<T: BinaryInteger>(_ limit: Limit, _ value: T, _ option: String) throws -> T {
    do { return try limit.check(value, option) } catch { throw ValidationError(error.description) }
}

/// Scenario files are read whole; nothing real comes near this size.
let scenarioFileLimit = 1 << 20

/// A scenario by built-in name or from a scenario file: a path with a `/`,
/// a name ending in `.toml`, or a file in the current directory that no
/// built-in scenario is named after.
func loadScenario(_ nameOrPath: String, registry: Registry) throws -> any Scenario {
    let isName = !nameOrPath.hasSuffix(".toml") && !nameOrPath.contains("/")
    if isName, registry.names(.scenario).contains(nameOrPath) || !FileManager.default.fileExists(atPath: nameOrPath) {
        do { return try registry.scenario(nameOrPath) } catch {
            throw ValidationError(lookupMessage(error) + "; a scenario file needs a path with a '/' or a name ending in .toml")
        }
    }
    let text = try readScenarioFile(nameOrPath)
    do { return try ScenarioFile.parse(text, path: nameOrPath, registry: registry) } catch {
        throw ValidationError(error.description)
    }
}

/// The text of a scenario file, or an error saying why it cannot be had:
/// missing, a directory, unreadable, too large, not UTF-8.
func readScenarioFile(_ path: String) throws -> String {
    func fail(_ why: String) -> ValidationError { ValidationError("scenario file '\(path)': \(why)") }
    var st = stat()
    guard stat(path, &st) == 0 else {
        let e = errno
        if e == ENOENT {
            var lst = stat()
            throw fail(lstat(path, &lst) == 0 ? "a symbolic link to a file that does not exist" : "no such file")
        }
        throw fail(e == EACCES ? "permission denied" : e == ENOTDIR ? "a component of the path is not a directory" : String(cString: strerror(e)))
    }
    if st.st_mode & S_IFMT == S_IFDIR { throw fail("is a directory, not a scenario file") }
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw fail(errno == EACCES || access(path, R_OK) != 0 ? "permission denied" : String(cString: strerror(errno)))
    }
    defer { try? handle.close() }
    let data: Data
    do { data = try handle.read(upToCount: scenarioFileLimit + 1) ?? Data() } catch {
        throw fail("cannot be read (\(error.localizedDescription))")
    }
    if data.count > scenarioFileLimit { throw fail("larger than \(scenarioFileLimit / 1024) KiB; a scenario file is a few lines of TOML") }
    guard let text = String(data: data, encoding: .utf8) else {
        throw fail("not UTF-8 text (\(firstInvalidUTF8(data)))")
    }
    return text
}

/// Where the first byte that is not UTF-8 is: "line 3, byte 7".
func firstInvalidUTF8(_ data: Data) -> String {
    let bytes = [UInt8](data)
    var line = 1, lineStart = 0, i = 0
    while i < bytes.count {
        let b = bytes[i]
        let length = b < 0x80 ? 1 : b >> 5 == 0b110 ? 2 : b >> 4 == 0b1110 ? 3 : b >> 3 == 0b11110 ? 4 : 0
        let valid = length > 0 && i + length <= bytes.count
            && String(bytes: bytes[i..<(i + length)], encoding: .utf8) != nil
        if !valid { return "line \(line), byte \(i - lineStart + 1)" }
        if b == 0x0A { line += 1; lineStart = i + 1 }
        i += length
    }
    return "line \(line)"
}

/// A strategy by name; a near miss gets a suggestion, and `unfair-N` out of
/// its range says the range.
func resolveStrategy(_ name: String, registry: Registry) throws -> any Strategy {
    do { return try registry.resolveStrategy(name) } catch {
        if let range = Registry.unfairnessError(name) { throw ValidationError(range.description) }
        throw ValidationError(lookupMessage(error))
    }
}

/// A failed registry lookup in words, with "did you mean" from edit
/// distance and case.
func lookupMessage(_ error: RegistryError) -> String {
    guard case .unknown(let kind, let name, let known) = error else { return error.description }
    return "no \(kind.rawValue) named '\(name)'\(Suggestion.hint(name, among: known)); known: \(known.joined(separator: ", "))"
}

func build(_ scenario: any Scenario, _ strategy: any Strategy, _ parameters: Parameters, memory: MemoryModel = .sc) throws -> Setup {
    let setup: Setup
    do { setup = try scenario.build(strategy: strategy, parameters: parameters) } catch {
        throw ValidationError("\(error)")
    }
    do { return try setup.withMemory(memory) } catch { throw ValidationError(error.description) }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

func format(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }


/// Two threads by default: the machines this runs on have two cores.
let defaultJobs = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))

/// The random scheduler's timing knobs, shared by run, compare, diff,
/// replay --seed and explore --scheduler random. Nil: not given, the
/// scheduler's default.
struct TimingOptions: ParsableArguments {
    @Option(help: "Mean steps a woken task waits for a CPU (\(Limits.timing); default \(RandomScheduler.defaultWakeLatency)).")
    var wakeLatency: Int?

    @Option(help: "Mean steps a task preempted at a preemption point stays off the CPU (\(Limits.timing); default \(RandomScheduler.defaultPreemptLength)).")
    var preemptLength: Int?

    func validate() throws {
        if let v = wakeLatency { try check(Limits.timing, v, "--wake-latency") }
        if let v = preemptLength { try check(Limits.timing, v, "--preempt-length") }
    }

    var timing: SchedulerTiming {
        SchedulerTiming(wakeLatency: wakeLatency ?? RandomScheduler.defaultWakeLatency,
                        preemptLength: preemptLength ?? RandomScheduler.defaultPreemptLength)
    }

    /// The options given, by name: for refusing them where they mean nothing.
    var given: [String] {
        (wakeLatency == nil ? [] : ["--wake-latency"]) + (preemptLength == nil ? [] : ["--preempt-length"])
    }

    /// These options again, as words of a printed command.
    var words: [String] {
        (wakeLatency.map { ["--wake-latency", "\($0)"] } ?? []) + (preemptLength.map { ["--preempt-length", "\($0)"] } ?? [])
    }
}

/// Which seeds to run and how: shared by run, compare and diff.
struct SeedOptions: ParsableArguments {
    @Option(help: "Seeds to run, one run each (compare: per row); \(Limits.seeds).")
    var seeds: Int = 1000

    @Option(help: "First seed; seed + seeds must not pass 2^64 - 1.")
    var seed: UInt64 = 1

    @Option(help: "Step budget per run; \(Limits.maxSteps).")
    var maxSteps: Int = 200_000

    @Option(help: "Threads; \(Limits.jobs).")
    var jobs: Int = defaultJobs

    func validate() throws {
        try check(Limits.seeds, seeds, "--seeds")
        try check(Limits.maxSteps, maxSteps, "--max-steps")
        try check(Limits.jobs, jobs, "--jobs")
        if let e = Limits.firstSeedError(seed, count: seeds, option: "--seed", countOption: "--seeds") {
            throw ValidationError(e.description)
        }
    }

    /// Valid once `validate` passed: seed + seeds fits a UInt64.
    var range: Range<UInt64> { seed..<(seed + UInt64(seeds)) }

    /// --max-steps again for a printed replay command, when not the default.
    var replayWords: [String] { maxSteps == 200_000 ? [] : ["--max-steps", "\(maxSteps)"] }
}

/// A scenario, a strategy and the scenario's parameters: what run and
/// explore build a setup from.
struct SetupOptions: ParsableArguments {
    @OptionGroup var plugins: PluginOptions

    @Argument(help: "A built-in scenario name or a scenario file path.", completion: Completions.scenarios)
    var scenario: String

    @Option(help: "Strategy name (see `pagewait list`); unfair-N takes N in \(Limits.unfairness).", completion: Completions.strategies)
    var strategy: String = "put-and-wait"

    @Option(help: "Number of faulters (scenario parameter `faulters`; \(Limits.faulters)).")
    var faulters: Int?

    @OptionGroup var scenarioOptions: ScenarioOptions

    func validate() throws {
        if let f = faulters { try check(Limits.faulters, f, "--faulters") }
    }

    /// The options beyond scenario and strategy that a `pagewait replay` of
    /// what this setup produced needs: faulters, parameters, plugins.
    var replayWords: [String] {
        (faulters.map { ["--faulters", "\($0)"] } ?? []) + scenarioOptions.words + plugins.words
    }

    /// The scenario and strategy looked up in the registry (built-ins and
    /// --plugin libraries), and the setup.
    func build() throws -> (scenario: any Scenario, strategy: any Strategy, setup: Setup) {
        let registry = try plugins.registry()
        let scenario = try loadScenario(self.scenario, registry: registry)
        let strategy = try resolveStrategy(self.strategy, registry: registry)
        return (scenario, strategy, try PagewaitCommands.build(scenario, strategy, try scenarioOptions.parameters(faulters: faulters),
                                                               memory: try scenarioOptions.memoryModel()))
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
