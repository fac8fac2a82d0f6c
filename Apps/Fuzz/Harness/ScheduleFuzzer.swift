import PagewaitABI
import PagewaitCore
import PagewaitPlugins
import Synchronization

/// One decoded schedule-fuzz input: what to run, before the scheduling
/// decisions.
public struct ScheduleCase: Hashable, Sendable, CustomStringConvertible {
    /// The scenario as `pagewait` takes it: a registered name or a file path.
    public var scenario: String
    public var strategy: String
    /// The parameters the input set (the scenario's defaults otherwise).
    public var parameters: Parameters
    /// The random scheduler that takes over when the decision bytes run out.
    public var timing: SchedulerTiming
    public var seed: UInt64

    public var description: String {
        let p = parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }.joined(separator: " ")
        return "\(scenario) under \(strategy)\(p.isEmpty ? "" : " with \(p)")"
    }
}

/// What a schedule-fuzz input found: a violation with the schedule that
/// reaches it.
public struct ScheduleFinding: Sendable {
    public var testCase: ScheduleCase
    /// The violation the run ends in (for a PG_waiters diagnostic: the hang
    /// or lost wakeup it predicted, when the run goes on to one).
    public var violation: Violation
    /// The PG_waiters diagnostic (I3) that fired first, if the run went on.
    public var firstSign: Violation?
    /// The schedule as it ran; `pagewait replay` reproduces it.
    public var schedule: Schedule
    /// Plugin libraries the scenario or strategy came from.
    public var plugins: [String]
    public var maxSteps: Int

    /// The finding's class for keep-going mode, and the name its input is
    /// saved under: `KIND-scenario-strategy` (a scenario file by its name).
    public var className: String {
        let scenario = testCase.scenario.split(separator: "/").last.map(String.init) ?? testCase.scenario
        return "\(violation.kind)-\(scenario)-\(testCase.strategy)"
    }

    /// The `pagewait replay` command line for `schedule` (or a shorter one).
    public func replayCommand(_ schedule: Schedule? = nil) -> String {
        var words = ["pagewait", "replay", shellQuoted((schedule ?? self.schedule).description)]
        for p in plugins { words += ["--plugin", shellQuoted(p)] }
        words += ["--scenario", shellQuoted(testCase.scenario), "--strategy", shellQuoted(testCase.strategy)]
        for key in testCase.parameters.keys.sorted() { words += ["--param", "\(key)=\(testCase.parameters[key]!)"] }
        words += ["--max-steps", "\(maxSteps)"]
        return words.joined(separator: " ")
    }
}

/// The result of one input.
public struct ScheduleEvaluation: Sendable {
    /// Nil when the input decoded to a combination the configuration leaves
    /// out (PW_FUZZ_SCENARIO / PW_FUZZ_STRATEGY): nothing ran.
    public var testCase: ScheduleCase?
    public var end: RunEnd?
    public var steps = 0
    /// Scheduling decisions the input's bytes made (the rest: the seeded
    /// random scheduler).
    public var byteDecisions = 0
    public var finding: ScheduleFinding?
    /// The scenario did not build under the strategy (a finding too: the
    /// combinations the fuzzer makes are all meant to build).
    public var buildError: String?
}

/// The schedule fuzz target: the input's first bytes choose a scenario, a
/// strategy, parameters and the fallback scheduler's timing; every
/// later byte is a scheduling decision (`ByteScheduler`). Every checker is
/// on (`Checkers.standard`). Layout, byte by byte:
///
///     0       scenario (index into `ScheduleFuzzConfiguration.scenarios`, mod count)
///     1       strategy (index into `strategies`, mod count); safe mode: 0 and 1 pick a safe combination
///     2-11    one byte per knob (`ScheduleFuzzer.knobs`): below 192 the scenario's default, else a value
///     12      timing: wake latency (low nibble) and preemption length (high nibble) of the fallback
///     13...   scheduling decisions
///
/// The fallback's seed is a hash of the whole input, so every input — even
/// one too short to reach its decisions — runs a schedule of its own.
public final class ScheduleFuzzer: Sendable {
    public let configuration: ScheduleFuzzConfiguration
    private let setups = Mutex<[ScheduleCase: Result<Setup, BuildError>]>([:])
    /// Inputs that ran, and inputs the filters skipped (libFuzzer's exec/s
    /// counts both).
    private let counts = Mutex((ran: 0, skipped: 0))
    /// With `keepGoing`: how many findings of each class (violation kind,
    /// scenario, strategy) the campaign met.
    private let findings = Mutex([String: Int]())

    /// Where keep-going mode writes the report of each class's first
    /// finding: standard error in the fuzz target; a test collects it, since
    /// another test may be capturing the process's standard error.
    private let say: @Sendable (String) -> Void

    public init(_ configuration: ScheduleFuzzConfiguration, say: @escaping @Sendable (String) -> Void = printError) {
        self.configuration = configuration
        self.say = say
    }

    /// Parameters the input may set, each with the values a knob byte ≥ 192
    /// chooses from. A knob applies only to scenarios that have the
    /// parameter. Safe mode turns only `preemptInWindow` (a preemption point
    /// in the fault path, for the random scheduler), and the proofs of the
    /// safe combinations cover each of its values.
    public static let knobs: [(name: String, values: [Int64])] = [
        ("faulters", [1, 2, 3, 0]),
        ("mappings", [1, 2, 3]),
        ("think", [0, 1, 4]),
        ("preemptInWindow", [1000, 500, 100]),
        ("passes", [1, 3, 4]),
        ("readers", [1, 2, 8, 66]),
        ("lockers", [1, 2, 4]),
        ("unmapCost", [1, 2]),
        ("delay", [1, 5]),
        ("hold", [0, 3, 10]),
    ]
    public static let safeKnobs: Set<String> = ["preemptInWindow"]
    static let wakeLatencies = [100, 0, 10, 50, 200, 400, 1000, 100]
    static let preemptLengths = [100, 0, 10, 50, 200, 400, 1000, 100]

    /// Decode the input's header; nil if the configuration's filters leave
    /// the combination out.
    public func decode(_ input: inout FuzzInput) -> ScheduleCase? {
        let c = configuration
        let b0 = input.byte(), b1 = input.byte()
        var scenario: String, strategy: String
        var parameters: Parameters = [:]
        var allowedKnobs: Set<String>? = nil
        switch c.mode {
        case .all:
            scenario = c.scenarios[Int(b0) % c.scenarios.count].argument
            strategy = c.strategies[Int(b1) % c.strategies.count]
        case .safe:
            let entry = c.safe[(Int(b1) << 8 | Int(b0)) % c.safe.count]
            scenario = entry.scenario
            strategy = entry.strategy
            parameters = entry.parameters
            allowedKnobs = Self.safeKnobs
        }
        let known = Set(c.knownParameters[scenario] ?? [])
        for knob in Self.knobs {
            let b = input.byte()
            guard b >= 192, known.contains(knob.name), allowedKnobs?.contains(knob.name) ?? true,
                  c.knobFilter?.contains(knob.name) ?? true else { continue }
            let value = knob.values[Int(b - 192) % knob.values.count]
            if c.refusedKnobValues[scenario]?.contains("\(knob.name)=\(value)") == true { continue }
            parameters[knob.name] = value
        }
        let t = input.byte()
        let timing = SchedulerTiming(wakeLatency: Self.wakeLatencies[Int(t & 7)], preemptLength: Self.preemptLengths[Int(t >> 4) & 7])
        let seed = fnv1a(input.bytes)
        if let f = c.scenarioFilter, !f.contains(scenario) { return nil }
        if let f = c.strategyFilter, !f.contains(strategy) { return nil }
        return ScheduleCase(scenario: scenario, strategy: strategy, parameters: parameters, timing: timing, seed: seed)
    }

    /// The setup for a case, built once per distinct case.
    public func setup(for testCase: ScheduleCase) -> Result<Setup, BuildError> {
        if let s = setups.withLock({ $0[testCase.withoutScheduling] }) { return s }
        let result: Result<Setup, BuildError>
        do {
            let scenario = try configuration.scenario(testCase.scenario)
            let strategy = try configuration.registry.resolveStrategy(testCase.strategy)
            result = .success(try scenario.build(strategy: strategy, parameters: testCase.parameters))
        } catch let e as BuildError {
            result = .failure(e)
        } catch {
            result = .failure(BuildError("\(error)"))
        }
        setups.withLock {
            // A long campaign meets tens of thousands of knob combinations:
            // keep memory bounded.
            if $0.count >= 1024 { $0.removeAll(keepingCapacity: true) }
            $0[testCase.withoutScheduling] = result
        }
        return result
    }

    /// Run one input with every checker on. Never traps.
    public func evaluate(_ bytes: [UInt8]) -> ScheduleEvaluation {
        var input = FuzzInput(bytes)
        guard let testCase = decode(&input) else { return ScheduleEvaluation() }
        var out = ScheduleEvaluation(testCase: testCase)
        let setup: Setup
        switch self.setup(for: testCase) {
        case .success(let s): setup = s
        case .failure(let e):
            out.buildError = e.message
            return out
        }
        func run(waitersDiagnostic: Bool) -> (RunResult, Int) {
            var scheduler = ByteScheduler(decisions: input, seed: testCase.seed, timing: testCase.timing)
            var checkers = Checkers.standard(for: setup, waitersDiagnostic: waitersDiagnostic)
            let r = setup.engine.run(setup.world, scheduler: &scheduler, checkers: &checkers,
                                     options: RunOptions(maxSteps: configuration.maxSteps))
            return (r, scheduler.byteDecisions)
        }
        let (r, decisions) = run(waitersDiagnostic: true)
        out.end = r.end
        out.steps = r.steps
        out.byteDecisions = decisions
        guard var violation = r.violation else { return out }
        var firstSign: Violation?
        var schedule = r.schedule
        if violation.kind == .waitersUnsound {
            // As `explore` and `replay` do: the run is deterministic, so run
            // it again without the diagnostic and see what it predicted.
            let (later, _) = run(waitersDiagnostic: false)
            if let consequence = later.violation {
                firstSign = violation
                violation = consequence
                schedule = later.schedule
                out.end = later.end
                out.steps = later.steps
            }
        }
        out.finding = ScheduleFinding(testCase: testCase, violation: violation, firstSign: firstSign, schedule: schedule,
                                      plugins: configuration.pluginPaths, maxSteps: configuration.maxSteps)
        return out
    }

    /// How many inputs ran and how many the filters skipped, for the end
    /// of a campaign.
    public var tally: String {
        let c = counts.withLock { $0 }
        var lines = ["pagewait fuzz-schedules: \(c.ran) inputs ran, \(c.skipped) skipped by the filters"]
        let classes = findings.withLock { $0 }
        if configuration.keepGoing != nil {
            lines.append("pagewait fuzz-schedules: \(classes.values.reduce(0, +)) findings in \(classes.count) classes")
            for (key, n) in classes.sorted(by: { $0.key < $1.key }) { lines.append("  \(n)\t\(key)") }
        }
        return lines.joined(separator: "\n")
    }

    /// The report printed before the trap: the violation, the schedule, a
    /// shrunk schedule when shrinking is on, and the `pagewait replay` lines.
    public func report(_ finding: ScheduleFinding) -> String {
        var lines = ["pagewait fuzz-schedules: \(finding.violation)"]
        if let s = finding.firstSign { lines.append("  first sign: \(s)") }
        lines.append("  case: \(finding.testCase), seed \(finding.testCase.seed)")
        lines.append("  schedule (\(finding.schedule.steps.count) steps): \(finding.schedule)")
        lines.append("  replay: \(finding.replayCommand())")
        var best = finding.schedule
        if configuration.shrink, case .success(let setup) = setup(for: finding.testCase) {
            let diagnostic = finding.firstSign == nil
            let shrinker = ScheduleShrinker(setup: setup, maxSteps: finding.maxSteps,
                                            makeCheckers: { Checkers.standard(for: setup, waitersDiagnostic: diagnostic) })
            if let (minimal, v) = shrinker.shrink(finding.schedule), minimal.steps.count < finding.schedule.steps.count {
                lines.append("  shrunk (\(minimal.steps.count) steps, \(v.kind)): \(minimal)")
                lines.append("  replay: \(finding.replayCommand(minimal))")
                best = minimal
            }
        }
        if let dir = environment("PW_FUZZ_SAVE_SCHEDULE"), let bytes = input(for: finding.testCase, schedule: best) {
            let name = "\(dir)/schedule-\(finding.violation.kind)-\(finding.testCase.scenario)-\(finding.testCase.strategy)-\(best.steps.count)"
            if writeFile(name, bytes) { lines.append("  as decisions: \(name) (\(bytes.count) bytes)") }
        }
        return lines.joined(separator: "\n")
    }

    /// An input that makes every decision of `schedule` itself (one
    /// `00`-op byte a step), with no help from the fallback scheduler: the
    /// form to commit a finding in, since it stays the same finding when the
    /// random scheduler changes. Nil if the case cannot be written as a
    /// header (a filter left its scenario or strategy out, or the schedule
    /// does not fit the setup).
    public func input(for testCase: ScheduleCase, schedule: Schedule) -> [UInt8]? {
        let c = configuration
        guard c.mode == .all, let sc = c.scenarios.firstIndex(where: { $0.argument == testCase.scenario }), sc < 256,
              let st = c.strategies.firstIndex(of: testCase.strategy), st < 256,
              case .success(let setup) = setup(for: testCase) else { return nil }
        var bytes = [UInt8(sc), UInt8(st)]
        for knob in Self.knobs {
            if let v = testCase.parameters[knob.name], let i = knob.values.firstIndex(of: v) { bytes.append(192 + UInt8(i)) } else { bytes.append(0) }
        }
        bytes.append(0)
        var world = setup.world
        for t in schedule.steps {
            let runnable = setup.engine.runnableTasks(world)
            guard runnable.contains(Int(t)) else { return nil }
            bytes.append(UInt8(Array(runnable).firstIndex(of: Int(t))!))
            guard (try? setup.engine.step(&world, task: Int(t))) != nil else { break }
        }
        return bytes
    }

    /// The libFuzzer entry: run the input; on a finding print the report
    /// and trap, so libFuzzer saves the input as a crash.
    public func fuzz(_ data: UnsafeRawBufferPointer) {
        let e = evaluate(Array(data))
        counts.withLock { if e.testCase == nil { $0.skipped += 1 } else { $0.ran += 1 } }
        if let f = e.finding {
            guard let dir = configuration.keepGoing else { fuzzerFail(report(f)) }
            record(f, input: Array(data), in: dir)
        }
        if let b = e.buildError, let c = e.testCase {
            fuzzerFail("pagewait fuzz-schedules: \(c) does not build: \(b)")
        }
    }
}

extension ScheduleFuzzer {
    /// Keep-going mode: count the finding under its class; the first of a
    /// class is reported and its input saved as `dir/KIND-scenario-strategy`
    /// (a file the fuzz executable replays as a crash input), written out
    /// decision by decision where it can be (`input(for:schedule:)`), so it
    /// stays the same finding when the fallback scheduler changes.
    func record(_ finding: ScheduleFinding, input: [UInt8], in dir: String) {
        let key = finding.className
        let first = findings.withLock { (classes: inout [String: Int]) -> Bool in
            classes[key, default: 0] += 1
            return classes[key] == 1
        }
        guard first else { return }
        var text = report(finding)
        let bytes = self.input(for: finding.testCase, schedule: finding.schedule) ?? input
        if writeFile("\(dir)/\(key)", bytes) { text += "\n  input: \(dir)/\(key)" }
        say(text)
    }
}

extension ScheduleCase {
    /// The case with the scheduler's timing and seed cleared: what a setup
    /// depends on.
    var withoutScheduling: ScheduleCase {
        ScheduleCase(scenario: scenario, strategy: strategy, parameters: parameters, timing: SchedulerTiming(), seed: 0)
    }
}

func shellQuoted(_ s: String) -> String {
    let plain = !s.isEmpty && s.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_./=:".unicodeScalars.contains($0)
    }
    return plain ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
