import Foundation
import PagewaitCommands
import PagewaitCore
import PagewaitPlugins

/// The command-line fuzz target: the input decodes to an argument vector —
/// a subcommand, then options drawn from that subcommand's real option set
/// (read from its `--experimental-dump-help` description, so a new option is
/// fuzzed the day it lands), with values from a table of in-range small
/// values and hostile ones (out of range, overflowing, not numbers, empty),
/// scenario text and schedule strings — and runs it in-process through
/// `Pagewait.status(arguments:)`, what the `pagewait` executable runs.
///
/// Each run is kept small: unless the input set them itself, a sweep gets
/// a few seeds and steps, a search a few thousand states, compare no
/// exhaustive search. The checks (`Problem`):
/// - no trap (a crash stops the process; libFuzzer keeps the input), no
///   hang past libFuzzer's `-timeout`;
/// - the exit status is one of the documented ones: 0, 1 (a checker found
///   something; only commands that run checkers), 2 (bad usage or input,
///   with one line on standard error that starts with "Error:");
/// - "proof" is never printed for a shard, or for a search that reached
///   its state budget.
public final class CommandLineFuzzer: @unchecked Sendable {
    /// One option as the command's help describes it.
    struct Option {
        var name: String
        var takesValue: Bool
        var values: [String]
    }

    /// A subcommand and what can follow it.
    struct Command {
        var name: String
        var options: [Option]
        /// What its positional argument can be, if it has one.
        var positional: [String]
    }

    /// A broken promise of the command line.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var arguments: [String]
        public var what: String
        public var description: String {
            "pagewait \(arguments.map(Self.quoted).joined(separator: " ")): \(what)"
        }

        static func quoted(_ word: String) -> String {
            word.isEmpty || word.contains(where: { " '\"\\$`*?".contains($0) }) ? "'\(word.replacingOccurrences(of: "'", with: "'\\''"))'" : word
        }
    }

    /// What one command line did.
    public struct Outcome: Sendable {
        public var arguments: [String]
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// Where the runs' files go: a scenario file (rewritten from each input),
    /// an output file, a symlink to one, a directory.
    public let scratch: String
    let commands: [Command]
    let scenarioFile: String

    /// The commands fuzzed. bench-abi is left out: it loads the shared
    /// library from beside the running executable, which a fuzz binary has not.
    static let commandNames = ["run", "explore", "replay", "compare", "diff", "list", "bench", "bisect"]

    public init(scratch: String? = nil) {
        let dir = scratch ?? FileManager.default.temporaryDirectory.appendingPathComponent("pagewait-fuzz-cli-\(getpid())").path
        self.scratch = dir
        try? FileManager.default.createDirectory(atPath: dir + "/a directory", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir + "/target.txt", contents: Data())
        try? FileManager.default.createSymbolicLink(atPath: dir + "/link.txt", withDestinationPath: dir + "/target.txt")
        scenarioFile = dir + "/fuzz.toml"
        let registry = BuiltinPlugins.registry()
        let values = Values(registry: registry, scratch: dir, scenarioFile: dir + "/fuzz.toml")
        commands = Self.commandNames.map { name in
            Command(name: name, options: Self.options(of: name).map { o in
                Option(name: o.name, takesValue: o.takesValue, values: o.takesValue ? values.of(option: o.name, command: name) : [])
            }, positional: values.positional(of: name))
        }
    }

    /// The options of `command` as its help describes them, help and
    /// version aside.
    static func options(of command: String) -> [(name: String, takesValue: Bool)] {
        guard let help = try? dumpHelp(command),
              let doc = try? JSONSerialization.jsonObject(with: Data(help.utf8)) as? [String: Any],
              let info = doc["command"] as? [String: Any],
              let arguments = info["arguments"] as? [[String: Any]] else { return [] }
        return arguments.compactMap { a in
            guard let kind = a["kind"] as? String, kind != "positional",
                  let names = a["names"] as? [[String: Any]],
                  let long = names.first(where: { ($0["kind"] as? String) == "long" })?["name"] as? String,
                  long != "help", long != "version" else { return nil }
            return ("--" + long, kind == "option")
        }
    }

    /// `pagewait COMMAND --experimental-dump-help`, in-process.
    static func dumpHelp(_ command: String) throws -> String {
        do {
            _ = try Pagewait.parseAsRoot([command, "--experimental-dump-help"])
        } catch {
            return Pagewait.fullMessage(for: error)
        }
        return ""
    }

    /// The argument vector an input decodes to: a command, its positional
    /// argument, then up to 12 options; the scenario file's text comes from
    /// the input's tail.
    public func arguments(_ bytes: [UInt8]) -> (arguments: [String], scenarioText: String) {
        var input = FuzzInput(bytes)
        let first = input.byte()
        // One input in 32 starts with a word that is no command.
        if first >= 248 {
            let word = input.pick(["runn", "Explore", "help", "", "--help", "--version", "help nosuch", "-x"])
            return (word == "help nosuch" ? ["help", "nosuch"] : [word], "")
        }
        let command = commands[Int(first) % commands.count]
        var args = [command.name]
        if !command.positional.isEmpty { args.append(input.pick(command.positional)) }
        let count = Int(input.byte() % 13)
        for _ in 0..<count where !command.options.isEmpty {
            let option = input.pick(command.options)
            args.append(option.name)
            if option.takesValue { args.append(input.pick(option.values)) }
        }
        if args.count > 1, args[1] == "<schedule>" { args[1] = Self.schedule(&input) }
        for i in args.indices where args[i] == "<schedule>" { args[i] = Self.schedule(&input) }
        let rest = input.bytes[min(input.position, input.bytes.count)...]
        return (args + Self.caps(for: command.name, given: args), String(decoding: rest, as: UTF8.self))
    }

    /// A schedule string: well-formed tokens from the input, or a broken one.
    static func schedule(_ input: inout FuzzInput) -> String {
        let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        switch input.byte() % 8 {
        case 0: return input.pick(["", "pw1:", "pw2:0", "pw1:{999}", "pw1:0*99999999999999999999.", "pw1:0*0.", "pw1:!", "x"])
        default:
            var s = "pw1:"
            for _ in 0..<Int(input.byte() % 40) {
                let b = input.byte()
                s.append(digits[Int(b % 4)])
                if b >= 224 { s += "*\(Int(input.byte()) + 4)." }
            }
            return s
        }
    }

    /// Options appended so one run stays small, unless the input set them
    /// (a later occurrence of a single-value option would override the
    /// input's, so a cap is added only for an option not given).
    static func caps(for command: String, given: [String]) -> [String] {
        var scheduler = "exhaustive"
        if let i = given.lastIndex(of: "--scheduler"), i + 1 < given.count { scheduler = given[i + 1] }
        let caps: [(option: String, value: String?)] = switch command {
        case "run", "diff": [("--seeds", "3"), ("--max-steps", "20000"), ("--jobs", "1")]
        case "compare": [("--seeds", "2"), ("--max-steps", "20000"), ("--jobs", "1"), ("--faulters", "1"), ("--no-exhaustive", nil)]
        case "explore" where scheduler == "exhaustive": [("--budget", "3000"), ("--jobs", "1"), ("--quiet", nil)]
        case "explore": [("--budget", "10"), ("--quiet", nil)]
        case "bisect" where scheduler == "exhaustive": [("--budget", "3000"), ("--jobs", "1"), ("--quiet", nil)]
        case "bisect": [("--budget", "10"), ("--quiet", nil)]
        case "replay": [("--max-steps", "20000")]
        case "bench": [("--steps", "2000")]
        default: []
        }
        return caps.filter { cap in !given.contains(cap.option) && !(cap.option == "--no-exhaustive" && given.contains("--exhaustive")) }
            .flatMap { [$0.option] + ($0.value.map { [$0] } ?? []) }
    }

    /// Run one command line, standard output and error captured.
    public func run(_ arguments: [String], scenarioText: String) -> Outcome {
        _ = FileManager.default.createFile(atPath: scenarioFile, contents: Data(scenarioText.utf8))
        let (status, out, err) = Captured.run { Pagewait.status(arguments: arguments) }
        return Outcome(arguments: arguments, status: status, standardOutput: out, standardError: err)
    }

    /// Decode, run and check one input.
    public func evaluate(_ bytes: [UInt8]) -> Result<Outcome, Problem> {
        let (args, text) = arguments(bytes)
        let outcome = run(args, scenarioText: text)
        if let what = Self.check(outcome) { return .failure(Problem(arguments: args, what: what)) }
        return .success(outcome)
    }

    /// The promises a finished command line keeps; nil when it kept them.
    static func check(_ o: Outcome) -> String? {
        let command = o.arguments.first ?? ""
        switch o.status {
        case 0: break
        case 1:
            guard ["run", "explore", "replay", "compare", "diff", "bisect"].contains(command) else {
                return "exit status 1 from a command that runs no checker"
            }
        case 2:
            let lines = o.standardError.split(separator: "\n", omittingEmptySubsequences: true)
            guard let line = lines.last, line.hasPrefix("Error: ") else {
                return "exit status 2 without an \"Error: \" line on standard error: \(o.standardError.prefix(300))"
            }
            guard lines.filter({ $0.hasPrefix("Error: ") }).count == 1 else {
                return "exit status 2 with more than one error line: \(o.standardError.prefix(300))"
            }
        default:
            return "exit status \(o.status), not 0, 1 or 2: \(o.standardError.prefix(300))"
        }
        if let what = proofProblem(o) { return what }
        return nil
    }

    /// "proof" printed for a shard or a budget-cut search.
    static func proofProblem(_ o: Outcome) -> String? {
        let text = o.standardOutput
        let json = ExplorationVerdict.proof.name
        let proves = text.contains(ExplorationVerdict.proofWords) || text.contains("\"verdict\" : \"\(json)\"") || text.contains("\"verdict\":\"\(json)\"")
        guard proves else { return nil }
        let args = o.arguments
        if let i = args.firstIndex(of: "--shard"), i + 1 < args.count, args[i + 1] != "0/1" {
            return "a proof printed for shard \(args[i + 1])"
        }
        if let i = args.firstIndex(of: "--swarm"), i + 1 < args.count {
            return "a proof printed for swarm member \(args[i + 1])"
        }
        if let i = args.lastIndex(of: "--budget"), i + 1 < args.count, let budget = Int(args[i + 1]),
           let states = statesReported(text), states >= budget {
            return "a proof printed for a search that reached its budget (\(states) states, --budget \(budget))"
        }
        return nil
    }

    /// The `states N` of explore's text report, or `"states" : N` of its JSON.
    static func statesReported(_ text: String) -> Int? {
        for marker in ["  states ", "\"states\" : ", "\"states\":"] {
            if let r = text.range(of: marker) {
                let digits = text[r.upperBound...].prefix { $0.isNumber }
                if let n = Int(digits) { return n }
            }
        }
        return nil
    }

    /// The libFuzzer entry: a broken promise traps, so the input is kept.
    public func fuzz(_ buffer: UnsafeRawBufferPointer) {
        let bytes = Array(buffer)
        if ProcessInfo.processInfo.environment["PW_FUZZ_VERBOSE"] == "1" {
            printError("pagewait \(arguments(bytes).arguments.map(Problem.quoted).joined(separator: " "))")
        }
        if case .failure(let problem) = evaluate(bytes) { fuzzerFail("pagewait fuzz-command-line: \(problem)") }
    }
}

/// The values an option is given.
struct Values {
    var registry: Registry
    var scratch: String
    var scenarioFile: String

    /// Integers no option accepts: below zero, past every limit, past the
    /// integer types, not numbers at all.
    static let hostileIntegers = ["-1", "-9223372036854775808", "9223372036854775807", "18446744073709551615",
                                  "99999999999999999999", "1e3", "", " 7", "0x10", "abc"]

    func names(_ kind: PluginKind) -> [String] { registry.names(kind) }

    var strategies: [String] { names(.strategy) + ["unfair-7", "unfair-10000", "unfair-10001", "Legacy", "nosuch", ""] }
    var scenarios: [String] { names(.scenario) + [scenarioFile, scratch + "/missing.toml", scratch + "/a directory", "nosuch", "Reclaim-race"] }
    var outputs: [String] { [scratch + "/out.txt", scratch + "/link.txt", "/dev/null", scratch + "/a directory", scratch + "/missing/out.txt"] }

    func positional(of command: String) -> [String] {
        switch command {
        case "run", "explore", "diff", "bisect": scenarios
        case "replay": ["<schedule>"]
        default: []
        }
    }

    /// In-range values small enough for a quick run, and hostile ones.
    func of(option: String, command: String) -> [String] {
        let hostile = Self.hostileIntegers
        switch option {
        case "--strategy": return strategies
        case "--scenario": return scenarios
        case "--plugin": return [scratch + "/missing.so", scenarioFile, "missing.so"]
        case "--output", "--svg", "--trace-out", "--progress": return outputs
        case "--format": return ["text", "json", "xml", ""]
        case "--scheduler": return ["exhaustive", "pct", "random", "dfs"]
        case "--chain": return ["fault", "reclaim", "all", "Fault", ""]
        case "--kind": return PluginKind.allCases.map(\.rawValue) + ["strategys", ""]
        case "--shard", "--swarm", "--seeds-chunk":
            return ["0/1", "0/2", "1/2", "999999/1000000", "2/2", "-1/2", "0/0", "a/b", "0/18446744073709551616"]
        case "--param": return parameters
        case "--sweep": return ["mappings=1,2", "think=0,4", "faulters=1,2", "passes=1", "nosuch=1", "mappings=", "mappings=1,,2", "=1", "mappings=-1,99999999999"]
        case "--faulters" where command == "compare": return ["0", "1", "0,1", "", "1,,2", "99", "-1"]
        case "--faulters": return ["0", "1", "2", "3"] + hostile
        case "--seeds": return ["1", "2", "3"] + hostile + ["10000001"]
        case "--seed": return ["0", "1", "2", "18446744073709551615", "18446744073709551614"] + hostile
        case "--max-steps": return ["1", "10", "500", "5000"] + hostile + ["1000000001"]
        case "--jobs": return ["1", "2", "3"] + hostile + ["257"]
        case "--wake-latency", "--preempt-length": return ["0", "1", "100", "1000000", "1000001"] + hostile
        case "--budget": return ["1", "2", "50", "500", "2000"] + hostile
        case "--max-depth": return ["1", "5", "50", "5000"] + hostile
        case "--preemptions": return ["0", "1", "2"] + hostile
        case "--pct-depth": return ["1", "2", "3", "20"] + hostile
        case "--pct-length": return ["1", "10", "1000"] + hostile
        case "--mappings": return ["1", "2", "4", "127", "128", "0"] + hostile
        case "--show": return ["0", "1", "5"] + hostile
        case "--steps": return ["1", "100", "2000"] + hostile
        case "--repeats": return ["1", "2"] + hostile
        default: return ["0", "1", "x", ""] + hostile
        }
    }

    /// `name=value` for every parameter any built-in scenario declares, with
    /// values in and out of their ranges, and malformed ones.
    var parameters: [String] {
        var names = Set<String>()
        for name in registry.names(.scenario) {
            guard let scenario = try? registry.scenario(name) else { continue }
            names.formUnion(scenario.parameters.keys)
        }
        let values = ["-5", "-1", "0", "1", "2", "3", "1001", "10000", "10001", "9223372036854775807", "x"]
        return names.sorted().flatMap { n in values.map { "\(n)=\($0)" } } + ["nosuch=1", "=1", "think", "think==2"]
    }
}
