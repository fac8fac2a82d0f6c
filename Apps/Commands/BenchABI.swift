import ArgumentParser
import CPagewait
import Foundation
import PagewaitCore
import PagewaitPlugins

/// `pagewait bench-abi`: what the C ABI costs. The same seeded runs, once
/// through libpagewait's C entry points (the shared library, dlopen'ed as a
/// C program would load it) and once through the Swift API, alternating so
/// that a noisy machine slows both alike.
struct BenchABI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-abi",
        abstract: "Compare a seeded run through the C ABI (libpagewait) with the same run in Swift.",
        discussion: """
            Both sides run the same scenario, strategy and seeds under the random scheduler \
            with the standard checkers, single-threaded, and produce the same statistics \
            (the command checks they agree). The C side calls pw_session_run through the \
            shared library; the Swift side calls SeedSweep and CellSummary. Prints the median \
            time of each over --repeats alternating rounds and the ratio C / Swift. Build \
            with -c release for meaningful numbers.
            """)

    @Option(help: "The shared library (default: libPagewaitABI.so next to this executable).")
    var library: String?

    @Option(help: "Scenario (a built-in name).", completion: Completions.scenarios)
    var scenario: String = "migrate-vs-faulters"

    @Option(help: "Strategy (a built-in name).", completion: Completions.strategies)
    var strategy: String = "put-and-wait"

    @Option(help: "Faulters; \(Limits.faulters).")
    var faulters: Int = 3

    @Option(help: "Seeds per timed run; \(Limits.seeds).")
    var seeds: Int = 2000

    @Option(help: "Timed rounds (one C run and one Swift run each); medians are reported; \(Limits.repeats).")
    var repeats: Int = 9

    func validate() throws {
        try check(Limits.faulters, faulters, "--faulters")
        try check(Limits.seeds, seeds, "--seeds")
        try check(Limits.repeats, repeats, "--repeats")
    }

    func run() throws {
        let path = library ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("libPagewaitABI.so").path
        let c = try CEntryPoints(path: path)

        var ctx: OpaquePointer?
        var session: OpaquePointer?
        try c.check(c.contextNew(&ctx), nil, "pw_context_new")
        defer { _ = c.contextFree(ctx) }
        try c.check(c.sessionNew(ctx, scenario, &session), ctx, "pw_session_new")
        defer { _ = c.sessionFree(session) }
        try c.check(c.setStrategy(session, strategy), session, "pw_session_set_strategy")
        try c.check(c.setParam(session, "faulters", Int64(faulters)), session, "pw_session_set_param")
        var options = pw_run_options()
        try c.check(c.runOptionsInit(&options, MemoryLayout<pw_run_options>.size), nil, "pw_run_options_init")
        options.seeds = UInt32(seeds)

        let registry = BuiltinPlugins.registry()
        let setup = try PagewaitCommands.build(try loadScenario(scenario, registry: registry), try resolveStrategy(strategy, registry: registry),
                                       ["faulters": Int64(faulters)])

        var cTimes: [Double] = [], swiftTimes: [Double] = []
        var cStats = pw_run_stats(), swiftSummary: CellSummary?
        for _ in 0..<repeats {
            cStats = pw_run_stats()
            cStats.size = MemoryLayout<pw_run_stats>.size
            var start = ContinuousClock.now
            try c.check(c.sessionRun(session, &options, &cStats), session, "pw_session_run")
            cTimes.append(seconds(since: start))

            start = ContinuousClock.now
            let outcomes = SeedSweep(setup: setup, seeds: 1..<(1 + UInt64(seeds)), jobs: 1).run()
            swiftSummary = CellSummary(scenario: scenario, strategy: strategy, faulters: faulters,
                                       mappings: setup.world.ptes.count, outcomes: outcomes)
            swiftTimes.append(seconds(since: start))
        }
        guard let s = swiftSummary, s.successRate == cStats.success_rate, s.meanSteps == cStats.mean_steps,
              s.violations == Int(cStats.violations) else {
            throw ValidationError("the C and Swift runs disagree: C success \(cStats.success_rate), mean steps \(cStats.mean_steps); Swift \(swiftSummary.map { "\($0.successRate), \($0.meanSteps)" } ?? "none")")
        }
        let cMedian = median(cTimes), swiftMedian = median(swiftTimes)
        print("workload: \(scenario) under \(strategy), \(faulters) faulters, \(seeds) seeds per run (mean \(format(s.meanSteps, 0)) steps), 1 thread, median of \(repeats)")
        print("  through the C ABI (\(URL(fileURLWithPath: path).lastPathComponent)): \(format(cMedian * 1000, 1)) ms  (min \(format(cTimes.min()! * 1000, 1)), max \(format(cTimes.max()! * 1000, 1)))")
        print("  through Swift:                  \(format(swiftMedian * 1000, 1)) ms  (min \(format(swiftTimes.min()! * 1000, 1)), max \(format(swiftTimes.max()! * 1000, 1)))")
        print("  C / Swift: \(format(cMedian / swiftMedian, 3)); the same statistics on both sides (success \(format(s.successRate * 100, 1)) %)")
    }

    private func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
}

/// The few C entry points the benchmark calls, looked up in the shared
/// library as a C program's dynamic linker would.
private struct CEntryPoints {
    let contextNew: @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    let contextFree: @convention(c) (OpaquePointer?) -> Int32
    let sessionNew: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    let sessionFree: @convention(c) (OpaquePointer?) -> Int32
    let setStrategy: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Int32
    let setParam: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int64) -> Int32
    let runOptionsInit: @convention(c) (UnsafeMutablePointer<pw_run_options>?, Int) -> Int32
    let sessionRun: @convention(c) (OpaquePointer?, UnsafePointer<pw_run_options>?, UnsafeMutablePointer<pw_run_stats>?) -> Int32
    let errmsg: @convention(c) (UnsafeRawPointer?) -> UnsafePointer<CChar>?

    init(path: String) throws {
        guard let lib = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw ValidationError("cannot load '\(path)': \(dlerror().map { String(cString: $0) } ?? "unknown reason") (build it with `swift build -c release`, or pass --library)")
        }
        func symbol<T>(_ name: String) throws -> T {
            guard let p = dlsym(lib, name) else { throw ValidationError("'\(path)' has no \(name)") }
            return unsafeBitCast(p, to: T.self)
        }
        contextNew = try symbol("pw_context_new")
        contextFree = try symbol("pw_context_free")
        sessionNew = try symbol("pw_session_new")
        sessionFree = try symbol("pw_session_free")
        setStrategy = try symbol("pw_session_set_strategy")
        setParam = try symbol("pw_session_set_param")
        runOptionsInit = try symbol("pw_run_options_init")
        sessionRun = try symbol("pw_session_run")
        errmsg = try symbol("pw_errmsg")
    }

    func check(_ rc: Int32, _ handle: OpaquePointer?, _ function: String) throws {
        guard rc == PW_OK else {
            throw ValidationError("\(function) returned \(rc): \(errmsg(handle.map { UnsafeRawPointer($0) }).map { String(cString: $0) } ?? "")")
        }
    }
}
