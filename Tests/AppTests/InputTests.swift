// What the command line does with odd input: numbers out of range, options
// that do not combine, files that cannot be read, names that do not exist.
// Run as the user runs it: the `pagewait` executable next to this test
// executable, its exit status and what it prints.

import Foundation
@_exported import ProcessSupport
import Testing
@testable import PagewaitCommands
import PagewaitCore
import PagewaitPlugins

/// The debug `pagewait` next to this test executable.
func pagewaitExecutable() throws -> String {
    try testBuildDirectory().appendingPathComponent("pagewait").path
}

/// Run `pagewait ARGUMENTS`.
func runPagewait(_ arguments: [String], in directory: URL? = nil) throws -> ProcessOutput {
    try runProcess(try pagewaitExecutable(), arguments, in: directory)
}

/// A fresh temporary directory, named so a shell must quote it.
func scratchDirectory(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pagewait-\(getpid())-\(name) dir")
    try? FileManager.default.removeItem(at: dir)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// `r` is a refusal as bad usage: status 2, and one line on standard
/// error that holds `message`.
func expectRefused(_ r: ProcessOutput, _ message: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(r.status == 2, "\(r)", sourceLocation: sourceLocation)
    #expect(r.stderr.contains(message), "\(r)", sourceLocation: sourceLocation)
    #expect(r.stderr.split(separator: "\n").count == 1, "\(r)", sourceLocation: sourceLocation)
}

@Suite("pagewait input")
struct InputTests {
    /// Every numeric option is bounded: refused with exit status 2 and one
    /// line naming the option, the value and the allowed range; the range is
    /// in the command's help. None traps, aborts or hangs.
    @Test("a number out of range is refused with one line naming the option, its value and the allowed range, which --help shows too", arguments: [
        (["run", "offline", "--seed", "18446744073709551615", "--seeds", "2"], "--seed 18446744073709551615", "0...18,446,744,073,709,551,613", nil),
        (["run", "offline", "--seeds", "9223372036854775807"], "--seeds 9223372036854775807", "1...1,000,000", "1...1,000,000"),
        (["run", "offline", "--seeds", "99999999999999999999999"], "--seeds 99999999999999999999999", "1...1,000,000", "1...1,000,000"),
        (["run", "offline", "--jobs", "9223372036854775807"], "--jobs 9223372036854775807", "1...256", "1...256"),
        (["run", "offline", "--wake-latency", "9223372036854775807"], "--wake-latency 9223372036854775807", "0...1,000,000", "0...1,000,000"),
        (["compare", "--preempt-length", "-1"], "--preempt-length -1", "0...1,000,000", "0...1,000,000"),
        (["run", "offline", "--max-steps", "0"], "--max-steps 0", "1...1,000,000,000", "1...1,000,000,000"),
        (["run", "offline", "--faulters", "1000"], "--faulters 1000", "0...127", "0...127"),
        (["run", "offline", "--mappings", "33"], "--mappings 33", "0...32", "0...32"),
        (["explore", "offline", "--scheduler", "pct", "--pct-length", "9223372036854775807"], "--pct-length 9223372036854775807", "1...1,000,000,000", "1...1,000,000,000"),
        (["explore", "offline", "--scheduler", "pct", "--pct-depth", "0"], "--pct-depth 0", "1...65,536", "1...65,536"),
        (["explore", "offline", "--max-depth", "9223372036854775807"], "--max-depth 9223372036854775807", "1...100,000", "1...100,000"),
        (["explore", "offline", "--preemptions", "-1"], "--preemptions -1", "0...10,000", "0...10,000"),
        (["explore", "offline", "--budget", "0"], "--budget 0", "1...1,000,000,000", "1...1,000,000,000"),
        (["explore", "offline", "--scheduler", "random", "--budget", "99999999999"], "--budget 99999999999", "1...10,000,000", "1...10,000,000"),
        (["explore", "offline", "--scheduler", "random", "--seed", "18446744073709551615"], "--seed 18446744073709551615", "0...18,446,744,073,709,541,615", nil),
        (["explore", "offline", "--shard", "0/1000001"], "--shard: n 1000001", "1...1,000,000", "1...1,000,000"),
        (["explore", "offline", "--jobs", "0"], "--jobs 0", "1...256", "1...256"),
        (["replay", "--seed", "1", "--scenario", "offline", "--strategy", "legacy", "--max-steps", "-5"], "--max-steps -5", "1...1,000,000,000", "1...1,000,000,000"),
        (["diff", "offline", "--strategy", "legacy", "--strategy", "noref", "--show", "-1"], "--show -1", "0...10,000,000", "0...10,000,000"),
        (["compare", "--faulters", "1,99"], "--faulters 99", "0...32", "0...32"),
        (["compare", "--sweep", "think=" + (0...64).map(String.init).joined(separator: ",")], "--sweep: the number of values 65", "1...64", "1...64"),
        (["bench", "--steps", "99999999999999999999"], "--steps 99999999999999999999", "1...1,000,000,000", "1...1,000,000,000"),
        (["bench-abi", "--seeds", "4294967296"], "--seeds 4294967296", "1...1,000,000", "1...1,000,000"),
        (["run", "offline", "--strategy", "unfair-10001"], "unfair-N: N 10001", "0...10,000", "0...10,000"),
        (["zoo", "run", "--jobs", "0"], "--jobs 0", "1...256", nil),
        (["bisect", "offline", "--budget", "0"], "--budget 0", "1...1,000,000,000", "1...1,000,000,000"),
        (["bisect", "offline", "--scheduler", "random", "--budget", "99999999999"], "--budget 99999999999", "1...10,000,000", "1...10,000,000"),
        (["bisect", "offline", "--jobs", "257"], "--jobs 257", "1...256", "1...256"),
        (["bisect", "offline", "--faulters", "1000"], "--faulters 1000", "0...127", "0...127"),
    ] as [([String], String, String, String?)])
    func numberOutOfRange(arguments: [String], what: String, allowed: String, inHelp: String?) throws {
        let r = try runPagewait(arguments)
        expectRefused(r, "\(what) is out of range: allowed \(allowed)")
        #expect(r.stdout.isEmpty, "\(r)")
        if let inHelp {
            let help = try runPagewait(["help", arguments[0]])
            #expect(help.status == 0 && help.stdout.contains(inHelp), "\(help)")
        }
    }

    /// Help text as one line: the help wraps long option descriptions.
    static func unwrapped(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test("options that do not combine are refused with exit status 2 and a line saying why, not ignored", arguments: [
        (["run", "offline", "--faulters", "2", "--param", "faulters=3"], "--faulters 2 and --param faulters=3 both set the faulters"),
        (["run", "offline", "--mappings", "2", "--param", "mappings=3"], "--mappings 2 and --param mappings=3 both set the mappings"),
        (["run", "offline", "--param", "think=1", "--param", "think=2"], "--param think is given twice"),
        (["explore", "reclaim-race", "--scheduler", "pct", "--shard", "0/2"], "--shard applies only to --scheduler exhaustive"),
        (["explore", "reclaim-race", "--scheduler", "random", "--preemptions", "2"], "--preemptions applies only to --scheduler exhaustive"),
        (["explore", "reclaim-race", "--scheduler", "pct", "--max-depth", "100"], "--max-depth applies only to --scheduler exhaustive"),
        (["explore", "reclaim-race", "--scheduler", "random", "--no-sleep-sets"], "--no-sleep-sets applies only to --scheduler exhaustive"),
        (["explore", "reclaim-race", "--scheduler", "pct", "--jobs", "2"], "--jobs applies only to --scheduler exhaustive"),
        (["explore", "reclaim-race", "--pct-depth", "2"], "--pct-depth applies only to --scheduler pct"),
        (["explore", "reclaim-race", "--scheduler", "random", "--pct-length", "20"], "--pct-length applies only to --scheduler pct"),
        (["explore", "reclaim-race", "--wake-latency", "3"], "--wake-latency applies only to --scheduler random"),
        (["explore", "reclaim-race", "--scheduler", "pct", "--preempt-length", "3"], "--preempt-length applies only to --scheduler random"),
        (["explore", "reclaim-race", "--seed", "3"], "--seed applies only to --scheduler pct and random"),
        (["compare", "--scenario", "offline", "--scenario", "reclaim-race", "--sweep", "think=1,2"], "--sweep repeats the rows of one scenario; got 2 --scenario"),
        (["compare", "--sweep", "mappings=1,2", "--svg", "chart.svg"], "--svg draws success against faulters"),
        (["compare", "--param", "faulters=2"], "--param faulters: compare sets the faulters of each row from --faulters"),
        (["compare", "--sweep", "think=1,2", "--param", "think=3"], "--sweep think and --param think both set think"),
        (["compare", "--sweep", "faulters=1,2"], "--sweep faulters"),
        (["compare", "--exhaustive", "--scenario", "offline"], "--exhaustive explores reclaim-race, which this comparison does not include"),
        (["replay", "pw1:0", "--scenario", "offline", "--strategy", "legacy", "--wake-latency", "3"], "--wake-latency shapes the seeded random scheduler's run"),
        (["bench", "--faulters", "2"], "--faulters applies only with --scenario"),
        (["bisect", "reclaim-race", "--scheduler", "pct", "--jobs", "2"], "--jobs applies only to --scheduler exhaustive"),
        (["bisect", "reclaim-race", "--param", "think=1", "--param", "think=2"], "--param think is given twice"),
    ])
    func conflictingOptions(arguments: [String], message: String) throws {
        let r = try runPagewait(arguments)
        expectRefused(r, message)
        #expect(r.stdout.isEmpty, "\(r)")
    }

    @Test("compare --svg with a scenario file draws that scenario's rows, one line per strategy")
    func svgOfScenarioFile() throws {
        let dir = try scratchDirectory("svg-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenario = dir.appendingPathComponent("busy page.toml").path
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("Examples/scenarios/busy-page.toml").path, toPath: scenario)
        let svg = dir.appendingPathComponent("chart.svg").path
        let r = try runPagewait(["compare", "--scenario", scenario, "--strategy", "legacy", "--strategy", "put-and-wait",
                                 "--faulters", "1,3", "--seeds", "20", "--svg", svg])
        #expect(r.status == 0 || r.status == 1, "\(r)")
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(text.components(separatedBy: "<polyline").count - 1 == 2, "\(text)")
        #expect(text.components(separatedBy: "<circle").count - 1 == 4, "\(text)")
        #expect(text.contains("busy-page"))
    }

    @Test("a scenario file that cannot be used says why: missing, a directory, not UTF-8, unreadable")
    func unreadableScenarioFiles() throws {
        let dir = try scratchDirectory("scenario-files")
        defer { try? FileManager.default.removeItem(at: dir) }
        let latin1 = dir.appendingPathComponent("latin1.toml")
        try Data("name = \"x\"\nsummary = \"caf\u{E9}\"\n".utf8).write(to: latin1)
        var bytes = try Data(contentsOf: latin1)
        bytes[bytes.firstIndex(of: 0xC3)!] = 0xE9  // é in Latin-1: not UTF-8
        bytes.remove(at: bytes.firstIndex(of: 0xA9)!)
        try bytes.write(to: latin1)
        var cases = [
            (dir.appendingPathComponent("missing.toml").path, "no such file"),
            (dir.path + "/", "is a directory"),
            (latin1.path, "not UTF-8 text (line 2, byte 15)"),
        ]
        if getuid() != 0 {  // root reads any file
            let locked = dir.appendingPathComponent("locked.toml")
            try "name = \"x\"\n".write(to: locked, atomically: true, encoding: .utf8)
            chmod(locked.path, 0)
            cases.append((locked.path, "permission denied"))
        }
        for (path, why) in cases {
            let r = try runPagewait(["run", path, "--seeds", "1"])
            #expect(r.status == 2, "\(r)")
            #expect(r.stderr == "Error: scenario file '\(path)': \(why)\n" || r.stderr.hasPrefix("Error: scenario file '\(path)': \(why)"), "\(r)")
        }
    }

    @Test("a mistyped command, strategy, scenario or kind gets the nearest names; help for no such command exits 2", arguments: [
        (["runn", "offline"], "no command named 'runn' (did you mean 'run'?)"),
        (["explroe", "offline"], "no command named 'explroe' (did you mean 'explore'?)"),
        (["help", "nosuch"], "no command named 'nosuch'; commands: compare, run, explore"),
        (["help", "comapre"], "(did you mean 'compare'?)"),
        (["run", "offline", "--strategy", "Legacy"], "no strategy named 'Legacy' (did you mean 'legacy'?)"),
        (["run", "offline", "--strategy", "put-and-wiat"], "(did you mean 'put-and-wait'?)"),
        (["run", "Offline"], "no scenario named 'Offline' (did you mean 'offline'?)"),
        (["list", "--kind", "strategies"], "(did you mean 'strategy'?)"),
    ])
    func suggestions(arguments: [String], message: String) throws {
        let r = try runPagewait(arguments)
        expectRefused(r, message)
    }

    @Test("help names unfair-N's range, and unfair-10,000 resolves")
    func unfairRange() throws {
        let help = try runPagewait(["help", "run"])
        #expect(Self.unwrapped(help.stdout).contains("unfair-N takes N in 0...10,000"), "\(help)")
        #expect(try BuiltinPlugins.registry().resolveStrategy("unfair-10000").name == "unfair-10000")
        #expect(Registry.unfairnessError("unfair-10000") == nil && Registry.unfairnessError("unfair-x") == nil)
        #expect(Registry.unfairnessError("unfair-99999999999999999999")?.description == "unfair-N: N 99999999999999999999 is out of range: allowed 0...10,000")
    }

    @Test("--plugin NAME.so for a file in the current directory loads that file")
    func pluginInCurrentDirectory() throws {
        let plugin = try Installation.plugin.get()
        let dir = try scratchDirectory("plugin-here")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(atPath: plugin, toPath: dir.appendingPathComponent("here.so").path)
        let r = try runPagewait(["list", "--kind", "strategy", "--plugin", "here.so"], in: dir)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("c-cond-reclaim"), "\(r)")
        // A name that is no file here is still looked up on the library path, and fails so.
        let missing = try runPagewait(["list", "--plugin", "nothere.so"], in: dir)
        #expect(missing.status == 2 && missing.stderr.contains("nothere.so"), "\(missing)")
    }

    /// run, compare and diff exit 1 when any run found a violation, as
    /// explore and replay do; 0 when none did.
    @Test("run, compare and diff exit 1 when a checker found a violation in any run, 0 when none did", arguments: [
        (["run", "offline", "--strategy", "legacy", "--faulters", "3", "--seeds", "40"], Int32(1)),
        (["run", "offline", "--strategy", "put-and-wait", "--faulters", "3", "--seeds", "40"], Int32(0)),
        (["run", "migrate-vs-faulters", "--strategy", "drop-loops", "--seeds", "40"], Int32(1)),
        (["compare", "--scenario", "offline", "--strategy", "legacy", "--faulters", "3", "--seeds", "40"], Int32(1)),
        (["compare", "--scenario", "migrate-vs-faulters", "--strategy", "put-and-wait", "--seeds", "40"], Int32(0)),
        (["compare", "--scenario", "reclaim-race", "--strategy", "put-and-wait-unlockless", "--seeds", "10"], Int32(1)),
        (["diff", "offline", "--strategy", "put-and-wait", "--strategy", "legacy", "--faulters", "3", "--seeds", "40"], Int32(1)),
        (["diff", "migrate-vs-faulters", "--strategy", "put-and-wait", "--strategy", "noref", "--seeds", "40"], Int32(0)),
    ])
    func exitStatus(arguments: [String], status: Int32) throws {
        let r = try runPagewait(arguments)
        #expect(r.status == status, "\(r)")
    }
}
