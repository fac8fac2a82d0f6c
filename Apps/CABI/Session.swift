import CPagewait
import PagewaitCore
import PagewaitPlugins

/// `pw_session`: one scenario, one strategy and the scenario's parameters,
/// plus the strings its last run or exploration handed out.
final class SessionObject: HandleObject, @unchecked Sendable {
    override class var kind: HandleKind { .session }

    /// Strategy names resolve in the context's registry at call time, so a
    /// strategy registered after the session was made can still be chosen.
    let context: ContextObject
    let scenario: any Scenario
    private(set) var strategy: any Strategy
    private(set) var parameters: Parameters = [:]
    /// `pw_session_set_memory`.
    private(set) var memory: MemoryModel = .sc
    /// Keeps the strings of the last pw_run_stats / pw_explore_result alive.
    var runStrings: [CString] = []
    var exploreStrings: [CString] = []
    var replayStrings: [CString] = []

    init(context: ContextObject, scenario: any Scenario, strategy: any Strategy) {
        self.context = context
        self.scenario = scenario
        self.strategy = strategy
    }

    func setup(_ function: String) throws(ABIError) -> Setup {
        let s = try Self.build(scenario, strategy, parameters, function)
        do { return try s.withMemory(memory) } catch { throw ABIError(PW_EBUILD, "\(function): \(error)") }
    }

    func setMemory(_ name: String, _ function: String) throws(ABIError) {
        let m: MemoryModel
        do { m = try MemoryModel(parsing: name) } catch { throw ABIError(PW_ENOTFOUND, "\(function): \(error)") }
        let s = try Self.build(scenario, strategy, parameters, function)
        do { _ = try s.withMemory(m) } catch { throw ABIError(PW_EBUILD, "\(function): \(error)") }
        memory = m
    }

    /// Build, reporting a number out of range as PW_ERANGE: one the build
    /// itself found (a `RangeError`, however wrapped), or one of the bounds
    /// every scenario has (`parameterRange`).
    static func build(_ scenario: any Scenario, _ strategy: any Strategy, _ parameters: Parameters, _ function: String) throws(ABIError) -> Setup {
        do { return try scenario.build(strategy: strategy, parameters: parameters) } catch {
            if rangeError(in: error) != nil { throw abiError(error, function, otherwise: PW_EBUILD) }
            if error.message.contains("has no parameter") { throw ABIError(PW_ENOTFOUND, "\(function): \(error)") }
            if let r = parameterRange(scenario, parameters) { throw ABIError(PW_ERANGE, "\(function): scenario '\(scenario.name)': \(r)") }
            throw ABIError(PW_EBUILD, "\(function): \(error)")
        }
    }

    func choose(_ name: String, _ function: String) throws(ABIError) {
        let s: any Strategy
        do { s = try context.registry.resolveStrategy(name) } catch {
            throw abiError(error, function, otherwise: PW_ENOTFOUND)
        }
        _ = try Self.build(scenario, s, parameters, function)
        strategy = s
    }

    func set(_ name: String, _ value: Int64, _ function: String) throws(ABIError) {
        var p = parameters
        p[name] = value
        _ = try Self.build(scenario, strategy, p, function)
        parameters = p
    }

    /// Keep `s` alive in `pool` and hand out its address.
    func keep(_ s: String?, in pool: inout [CString]) -> UnsafePointer<CChar>? {
        guard let s else { return nil }
        let c = CString(s)
        pool.append(c)
        return c.const
    }
}

// MARK: - Making sessions

private func newSession(_ ctx: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?, _ function: String,
                        _ scenario: (ContextObject) throws(ABIError) -> any Scenario) -> Int32 {
    call(ctx) { () throws(ABIError) in
        guard let out else { throw .misuse("\(function): out is NULL") }
        out.pointee = nil
        let context = try object(ctx, ContextObject.self, in: function, "ctx")
        let s = try scenario(context)
        let strategy: any Strategy
        do { strategy = try context.registry.resolveStrategy("put-and-wait") } catch {
            throw ABIError(PW_ENOTFOUND, "\(function): \(error)")
        }
        let session = SessionObject(context: context, scenario: s, strategy: strategy)
        out.pointee = handles.withLock { $0.insert(session) }
    }
}

@_cdecl("pw_session_new")
public func pwSessionNew(_ ctx: OpaquePointer?, _ scenario: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    newSession(ctx, out, "pw_session_new") { context throws(ABIError) in
        let name = try string(scenario, in: "pw_session_new", "scenario")
        do { return try context.registry.scenario(name) } catch {
            throw ABIError(PW_ENOTFOUND, "pw_session_new: \(error)")
        }
    }
}

@_cdecl("pw_session_new_from_text")
public func pwSessionNewFromText(_ ctx: OpaquePointer?, _ text: UnsafePointer<CChar>?, _ origin: UnsafePointer<CChar>?,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    newSession(ctx, out, "pw_session_new_from_text") { context throws(ABIError) in
        let fn = "pw_session_new_from_text"
        return try parseScenario(try string(text, in: fn, "text"), origin: origin, registry: context.registry, in: fn)
    }
}

@_cdecl("pw_session_free")
public func pwSessionFree(_ s: OpaquePointer?) -> Int32 {
    freeHandle(s, SessionObject.self, "pw_session_free", "s")
}

@_cdecl("pw_session_set_strategy")
public func pwSessionSetStrategy(_ s: OpaquePointer?, _ strategy: UnsafePointer<CChar>?) -> Int32 {
    call(s) { () throws(ABIError) in
        let fn = "pw_session_set_strategy"
        let session = try object(s, SessionObject.self, in: fn, "s")
        try session.choose(try string(strategy, in: fn, "strategy"), fn)
    }
}

@_cdecl("pw_session_set_param")
public func pwSessionSetParam(_ s: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ value: Int64) -> Int32 {
    call(s) { () throws(ABIError) in
        let fn = "pw_session_set_param"
        let session = try object(s, SessionObject.self, in: fn, "s")
        try session.set(try string(name, in: fn, "name"), value, fn)
    }
}

@_cdecl("pw_session_set_memory")
public func pwSessionSetMemory(_ s: OpaquePointer?, _ model: UnsafePointer<CChar>?) -> Int32 {
    call(s) { () throws(ABIError) in
        let fn = "pw_session_set_memory"
        let session = try object(s, SessionObject.self, in: fn, "s")
        try session.setMemory(try string(model, in: fn, "model"), fn)
    }
}

// MARK: - Runs

private let defaultRunOptions = pw_run_options(
    size: MemoryLayout<pw_run_options>.size, first_seed: 1, seeds: 1000, jobs: 1, max_steps: 200_000,
    wake_latency: Int32(RandomScheduler.defaultWakeLatency), preempt_length: Int32(RandomScheduler.defaultPreemptLength))

@_cdecl("pw_run_options_init")
public func pwRunOptionsInit(_ o: UnsafeMutablePointer<pw_run_options>?, _ size: Int) -> Int32 {
    initOptions(o, size, defaultRunOptions, "pw_run_options")
}

/// Fill a caller's option struct of `size` bytes with defaults.
func initOptions<T>(_ o: UnsafeMutablePointer<T>?, _ size: Int, _ defaults: T, _ name: String) -> Int32 {
    call(nil) { () throws(ABIError) in
        let fn = "\(name)_init"
        guard let o else { throw .misuse("\(fn): o is NULL") }
        // Every option struct is still at its first version: one size.
        let known = MemoryLayout<T>.size
        guard size == known else {
            throw ABIError(PW_ESIZE, "\(fn): size is \(size); this library's \(name) is \(known) bytes (pass sizeof(\(name)))")
        }
        var d = defaults
        withUnsafeMutableBytes(of: &d) { $0.storeBytes(of: size, as: Int.self) }
        store(d, to: UnsafeMutableRawPointer(o), size: size)
    }
}

/// The options the caller gave (NULL: the defaults), size-checked.
/// `earlierSizes`: the sizes of the struct's earlier versions, which are
/// read with the defaults of the fields added since.
func options<T>(_ o: UnsafePointer<T>?, _ defaults: T, _ name: String, earlierSizes: [Int] = [],
                in function: String) throws(ABIError) -> T {
    guard let o else { return defaults }
    let given = UnsafeRawPointer(o).loadUnaligned(as: Int.self)
    let size = earlierSizes.contains(given) ? given
        : try structSize(o, known: MemoryLayout<T>.size, minimum: MemoryLayout<T>.size, name, in: function)
    return load(UnsafeRawPointer(o), size: size, over: defaults)
}

@_cdecl("pw_session_run")
public func pwSessionRun(_ s: OpaquePointer?, _ o: UnsafePointer<pw_run_options>?, _ stats: UnsafeMutablePointer<pw_run_stats>?) -> Int32 {
    call(s) { () throws(ABIError) in
        let fn = "pw_session_run"
        let session = try object(s, SessionObject.self, in: fn, "s")
        let opt = try options(o, defaultRunOptions, "pw_run_options", in: fn)
        let size = try structSize(stats, known: MemoryLayout<pw_run_stats>.size, minimum: MemoryLayout<pw_run_stats>.size, "pw_run_stats", in: fn)
        try checkLimit(Limits.seeds, opt.seeds, "\(fn): options->seeds")
        try checkLimit(Limits.jobs, opt.jobs, "\(fn): options->jobs")
        try checkLimit(Limits.maxSteps, opt.max_steps, "\(fn): options->max_steps")
        try checkLimit(Limits.timing, opt.wake_latency, "\(fn): options->wake_latency")
        try checkLimit(Limits.timing, opt.preempt_length, "\(fn): options->preempt_length")
        // The seeds are first_seed ..< first_seed + seeds: the end must be a UInt64.
        guard opt.first_seed <= UInt64.max - UInt64(opt.seeds) else {
            throw ABIError(PW_ERANGE, RangeError(what: "\(fn): options->first_seed", value: "\(opt.first_seed)",
                                                 allowed: "0...\(UInt64.max - UInt64(opt.seeds)) with \(opt.seeds) seeds (first_seed + seeds must not exceed UINT64_MAX)").description)
        }

        let setup = try session.setup(fn)
        let timing = SchedulerTiming(wakeLatency: Int(opt.wake_latency), preemptLength: Int(opt.preempt_length))
        let outcomes = SeedSweep(setup: setup, seeds: opt.first_seed..<(opt.first_seed + UInt64(opt.seeds)),
                                 maxSteps: Int(opt.max_steps), jobs: Int(opt.jobs), timing: timing).run()
        let c = CellSummary(scenario: session.scenario.name, strategy: session.strategy.name,
                            faulters: setup.taskNames.filter { $0.hasPrefix("faulter") }.count,
                            mappings: setup.world.ptes.count, outcomes: outcomes)
        var pool: [CString] = []
        let result = pw_run_stats(
            size: size, seeds: UInt32(c.seeds), success_rate: c.successRate, success_low: c.successLow, success_high: c.successHigh,
            mean_passes: c.meanPasses, offline_p50: c.offlineP50, offline_p99: c.offlineP99, budget_hit_rate: c.budgetHitRate,
            hangs: UInt32(c.hangs + c.deadlocks), lost_wakeups: UInt32(c.lostWakeups), violations: UInt32(c.violations),
            livelocks: UInt32(c.livelocks), step_limits: UInt32(c.stepLimits), max_requeues: c.maxRequeues,
            max_bypasses: c.maxBypasses, mean_steps: c.meanSteps,
            first_failure: session.keep(c.firstFailure, in: &pool),
            first_failure_schedule: session.keep(c.firstFailureSchedule, in: &pool),
            first_failure_seed: c.firstFailureSeed ?? 0)
        session.runStrings = pool
        store(result, to: stats!, size: size)
    }
}

// MARK: - Exploration

private let defaultExploreOptions = pw_explore_options(
    size: MemoryLayout<pw_explore_options>.size, method: PW_EXPLORE_EXHAUSTIVE, jobs: 1, budget: 0, max_depth: 5_000,
    preemptions: -1, sleep_sets: 1, shrink: 1, seed: 1, pct_depth: 3, pct_length: 1_000,
    wake_latency: Int32(RandomScheduler.defaultWakeLatency), preempt_length: Int32(RandomScheduler.defaultPreemptLength),
    step_merging: 1, symmetry: 1, dead_variables: 1)

/// The first version of pw_explore_options ended at `preempt_length`: a
/// caller built against it still works, with the defaults of the fields
/// added since.
private let exploreOptionsFirstSize = MemoryLayout<pw_explore_options>.offset(of: \pw_explore_options.step_merging)!
/// The second (0.3) ended at `symmetry`.
private let exploreOptionsSecondSize = MemoryLayout<pw_explore_options>.offset(of: \pw_explore_options.dead_variables)!

@_cdecl("pw_explore_options_init")
public func pwExploreOptionsInit(_ o: UnsafeMutablePointer<pw_explore_options>?, _ size: Int) -> Int32 {
    initOptions(o, size, defaultExploreOptions, "pw_explore_options")
}

@_cdecl("pw_session_explore")
public func pwSessionExplore(_ s: OpaquePointer?, _ o: UnsafePointer<pw_explore_options>?, _ result: UnsafeMutablePointer<pw_explore_result>?) -> Int32 {
    call(s) { () throws(ABIError) in
        let fn = "pw_session_explore"
        let session = try object(s, SessionObject.self, in: fn, "s")
        let opt = try options(o, defaultExploreOptions, "pw_explore_options", earlierSizes: [exploreOptionsFirstSize, exploreOptionsSecondSize], in: fn)
        let size = try structSize(result, known: MemoryLayout<pw_explore_result>.size, minimum: MemoryLayout<pw_explore_result>.size,
                                  "pw_explore_result", in: fn)
        let methods: [Int32: ExplorationRequest.Method] = [PW_EXPLORE_EXHAUSTIVE: .exhaustive, PW_EXPLORE_PCT: .pct, PW_EXPLORE_RANDOM: .random]
        guard let method = methods[opt.method] else {
            throw ABIError(PW_ERANGE, "\(fn): options->method \(opt.method) is not PW_EXPLORE_EXHAUSTIVE, PW_EXPLORE_PCT or PW_EXPLORE_RANDOM")
        }
        try checkLimit(Limits.jobs, opt.jobs, "\(fn): options->jobs")
        try checkLimit(Limits.CInterface.budget, opt.budget, "\(fn): options->budget")
        try checkLimit(Limits.CInterface.maxDepth, opt.max_depth, "\(fn): options->max_depth")
        try checkLimit(Limits.CInterface.preemptions, opt.preemptions, "\(fn): options->preemptions")
        try checkLimit(Limits.CInterface.pctDepth, opt.pct_depth, "\(fn): options->pct_depth")
        try checkLimit(Limits.CInterface.pctLength, opt.pct_length, "\(fn): options->pct_length")
        try checkLimit(Limits.timing, opt.wake_latency, "\(fn): options->wake_latency")
        try checkLimit(Limits.timing, opt.preempt_length, "\(fn): options->preempt_length")

        var request = ExplorationRequest()
        request.method = method
        request.budget = opt.budget == 0 ? nil : Int(opt.budget)
        request.maxDepth = Int(opt.max_depth)
        request.preemptions = opt.preemptions < 0 ? nil : Int(opt.preemptions)
        request.sleepSets = opt.sleep_sets != 0
        request.stepMerging = opt.step_merging != 0
        request.symmetry = opt.symmetry != 0
        request.deadVariables = opt.dead_variables != 0
        request.shrink = opt.shrink != 0
        request.jobs = Int(opt.jobs)
        request.seed = opt.seed
        request.pctDepth = Int(opt.pct_depth)
        request.pctLength = Int(opt.pct_length)
        request.timing = SchedulerTiming(wakeLatency: Int(opt.wake_latency), preemptLength: Int(opt.preempt_length))

        let r = try session.setup(fn).explore(request)
        var pool: [CString] = []
        let best = r.minimal ?? r.found
        let out = pw_explore_result(
            size: size, verdict: r.violation == nil ? PW_VERDICT_NO_VIOLATION : PW_VERDICT_VIOLATION, complete: r.verdict.isProof ? 1 : 0,
            states: UInt64(r.states), transitions: UInt64(r.transitions), runs: UInt64(r.runs ?? 0),
            kind: session.keep(r.violation?.kind.rawValue, in: &pool),
            detail: session.keep(r.violation?.description, in: &pool),
            first_sign: session.keep(r.predictor?.description, in: &pool),
            schedule: session.keep(best?.description, in: &pool),
            schedule_length: UInt32(best?.steps.count ?? 0), found_length: UInt32(r.found?.steps.count ?? 0),
            seconds: r.searchSeconds + (r.shrinkSeconds ?? 0))
        session.exploreStrings = pool
        store(out, to: result!, size: size)
    }
}

// MARK: - Replay

private let runEnds: [RunEnd: Int32] = [
    .finished: PW_END_FINISHED, .quiescent: PW_END_QUIESCENT, .stepLimit: PW_END_STEP_LIMIT,
    .schedulerStopped: PW_END_STOPPED, .violation: PW_END_VIOLATION,
]

/// Both replay calls: `out` (the trace) and `result` (the verdict) are each
/// optional here; the entry points say which the caller must give.
private func replay(_ s: OpaquePointer?, _ schedule: UnsafePointer<CChar>?, _ format: Int32,
                    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ result: UnsafeMutablePointer<pw_replay_result>?,
                    _ fn: String) throws(ABIError) {
    out?.pointee = nil
    let session = try object(s, SessionObject.self, in: fn, "s")
    let text = try string(schedule, in: fn, "schedule")
    let size = try result.map { r throws(ABIError) in
        try structSize(r, known: MemoryLayout<pw_replay_result>.size, minimum: MemoryLayout<pw_replay_result>.size, "pw_replay_result", in: fn)
    }
    guard [PW_TRACE_TEXT, PW_TRACE_JSON, PW_TRACE_PERFETTO].contains(format) else {
        throw ABIError(PW_ERANGE, "\(fn): format \(format) is not PW_TRACE_TEXT, PW_TRACE_JSON or PW_TRACE_PERFETTO")
    }
    let parsed: Schedule
    do { parsed = try Schedule(parsing: text) } catch {
        throw ABIError(PW_EPARSE, "\(fn): malformed \(error)")
    }
    let setup = try session.setup(fn)
    let request = ReplayRequest(schedule: parsed, json: format == PW_TRACE_JSON, perfetto: out != nil && format == PW_TRACE_PERFETTO)
    let report: ReplayReport
    do { report = try setup.replayReport(request, scenario: session.scenario.name, strategy: session.strategy.name) } catch {
        throw ABIError(PW_ESTALE, "\(fn): \(error)")
    }
    let o = report.outcome
    // A run stops at its violation, and every schedule pagewait hands out
    // ends there: steps beyond it were never taken, so the schedule does
    // not fit (as a step a task cannot take does not).
    if o.end == .violation, o.steps < parsed.steps.count {
        let kind = o.violation.map { $0.kind.rawValue } ?? "a violation"
        throw ABIError(PW_ESTALE, "\(fn): stale schedule: the run ends with \(kind) after step \(o.steps), "
                                  + "but the schedule has \(parsed.steps.count - o.steps) more steps")
    }
    if let result, let size {
        var pool: [CString] = []
        let firstSign = report.firstSign
        let r = pw_replay_result(
            size: size, verdict: o.violation == nil ? PW_VERDICT_NO_VIOLATION : PW_VERDICT_VIOLATION,
            end: runEnds[o.end] ?? PW_END_STOPPED, steps: UInt32(clamping: o.steps),
            kind: session.keep(o.violation?.kind.rawValue, in: &pool),
            detail: session.keep(o.violation?.description, in: &pool),
            first_sign: session.keep(firstSign?.description, in: &pool))
        session.replayStrings = pool
        store(r, to: result, size: size)
    }
    out?.pointee = callerString(format == PW_TRACE_PERFETTO ? report.perfetto ?? "" : report.text)
}

@_cdecl("pw_session_replay")
public func pwSessionReplay(_ s: OpaquePointer?, _ schedule: UnsafePointer<CChar>?, _ format: Int32,
                            _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    call(s) { () throws(ABIError) in
        let fn = "pw_session_replay"
        guard let out else { throw .misuse("\(fn): out is NULL") }
        try replay(s, schedule, format, out, nil, fn)
    }
}

@_cdecl("pw_session_replay_v2")
public func pwSessionReplayV2(_ s: OpaquePointer?, _ schedule: UnsafePointer<CChar>?, _ format: Int32,
                              _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                              _ result: UnsafeMutablePointer<pw_replay_result>?) -> Int32 {
    call(s) { () throws(ABIError) in
        let fn = "pw_session_replay_v2"
        out?.pointee = nil
        guard let result else { throw .misuse("\(fn): the pw_replay_result pointer is NULL") }
        try replay(s, schedule, format, out, result, fn)
    }
}
