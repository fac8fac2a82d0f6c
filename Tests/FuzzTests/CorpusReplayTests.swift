import Foundation
import Synchronization
import PagewaitCore
import PagewaitFuzz
import PagewaitPlugins
import Testing

/// Every committed fuzz input, run through the fuzz targets' own harness
/// code without the fuzzer runtime (docs/fuzzing.md):
///
/// - `Tests/FuzzCorpus/<target>/`: seed corpora; they must run clean;
/// - `Tests/FuzzCorpus/regressions/<target>/`: minimized inputs of bugs
///   fixed since; they must run clean;
/// - `Tests/FuzzCorpus/findings/schedules/`: inputs of the findings the
///   schedule target exists to find (the put-and-wait-unlockless lost
///   wakeup); they must still find them, and their schedules must replay;
/// - `Tests/FuzzCorpus/findings/classes/`: the first input of each class a
///   keep-going campaign met, named by its class; each must still find it.
@Suite("fuzz corpus replay")
struct CorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus")

    /// The files of a corpus folder, sorted; none if it does not exist.
    static func inputs(_ folder: String) -> [(name: String, bytes: [UInt8])] {
        let dir = corpus.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else { return nil }
            return (name, [UInt8](data))
        }
    }

    /// What `pagewait replay` does with a finding's printed schedule.
    static func replay(_ f: ScheduleFinding) throws -> (violation: Violation?, end: RunEnd) {
        let setup = try #require(try? all.setup(for: f.testCase).get())
        let report = try setup.replayReport(ReplayRequest(schedule: f.schedule, maxSteps: f.maxSteps),
                                            scenario: f.testCase.scenario, strategy: f.testCase.strategy)
        return (report.outcome.violation, report.outcome.end)
    }

    static let all = ScheduleFuzzer(try! ScheduleFuzzConfiguration(mode: .all))
    static let safe = ScheduleFuzzer(try! ScheduleFuzzConfiguration(mode: .safe))

    @Test("the corpora are committed and small")
    func corporaExist() {
        for folder in ["schedules", "schedules-safe", "scenario-file", "cabi", "findings/schedules", "findings/classes"] {
            #expect(!Self.inputs(folder).isEmpty, "no inputs in Tests/FuzzCorpus/\(folder)")
        }
        let total = ["schedules", "schedules-safe", "scenario-file", "cabi", "findings/schedules", "findings/classes",
                     "regressions/scenario-file", "regressions/cabi", "regressions/schedules"]
            .flatMap { Self.inputs($0) }.reduce(0) { $0 + $1.bytes.count }
        #expect(total < 400_000, "the committed corpora hold \(total) bytes")
    }

    @Test("safe-combination schedule inputs run clean")
    func safeSchedules() {
        for (name, bytes) in Self.inputs("schedules-safe") + Self.inputs("regressions/schedules") {
            let e = Self.safe.evaluate(bytes)
            #expect(e.testCase != nil, "\(name): skipped")
            #expect(e.buildError == nil, "\(name): \(e.buildError ?? "")")
            #expect(e.finding == nil, "\(name): \(e.finding.map { Self.safe.report($0) } ?? "")")
        }
    }

    @Test("schedule inputs over every combination find nothing where exploration proves safety")
    func allSchedules() {
        let safe = Set(SafeCombinations.all.map { "\($0.scenario) \($0.strategy)" })
        for (name, bytes) in Self.inputs("schedules") {
            let e = Self.all.evaluate(bytes)
            #expect(e.buildError == nil, "\(name): \(e.buildError ?? "")")
            guard let f = e.finding else { continue }
            // Safe-mode entries also fix parameters; with other knobs set the
            // proof does not apply, so only judge the default ones.
            let knobs = Set(f.testCase.parameters.keys).subtracting(ScheduleFuzzer.safeKnobs)
            if knobs.isEmpty {
                #expect(!safe.contains("\(f.testCase.scenario) \(f.testCase.strategy)"), "\(name): \(Self.all.report(f))")
            }
        }
    }

    @Test("the lost-wakeup inputs still find the lost wakeup, and their schedules replay to it")
    func lostWakeupFindings() throws {
        let findings = Self.inputs("findings/schedules")
        for (name, bytes) in findings {
            let e = Self.all.evaluate(bytes)
            let f = try #require(e.finding, "\(name): no longer finds anything (ended \(e.end.map { "\($0)" } ?? "skipped"))")
            #expect(f.violation.kind == .lostWakeup, "\(name): \(f.violation)")
            #expect(f.testCase.scenario == "reclaim-race" && f.testCase.strategy == "put-and-wait-unlockless", "\(name): \(f.testCase)")
            let replayed = try Self.replay(f)
            #expect(replayed.violation?.kind == .lostWakeup, "\(name): the replay ends \(replayed.end)")
            #expect(f.replayCommand().hasPrefix("pagewait replay 'pw1:") || f.replayCommand().hasPrefix("pagewait replay pw1:"))
        }
    }

    @Test("keep-going mode counts every finding by class and saves only the first input of a class")
    func keepGoing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pw-keep-going-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let said = Mutex([String]())
        let fuzzer = ScheduleFuzzer(try ScheduleFuzzConfiguration(mode: .all, shrink: false, keepGoing: dir),
                                    say: { line in said.withLock { $0.append(line) } })
        let findings = Self.inputs("findings/schedules")
        try #require(findings.count >= 2)
        for (_, bytes) in findings { bytes.withUnsafeBytes { fuzzer.fuzz($0) } }
        // Every committed finding is one class: the seed's lost wakeup.
        let key = "LOST_WAKEUP-reclaim-race-put-and-wait-unlockless"
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [key])
        // The first input of the class, written out decision by decision.
        let first = try #require(fuzzer.evaluate(findings[0].bytes).finding)
        let decisions = try #require(fuzzer.input(for: first.testCase, schedule: first.schedule))
        #expect(FileManager.default.contents(atPath: "\(dir)/\(key)").map(Array.init) == decisions)
        #expect(fuzzer.evaluate(decisions).finding?.schedule == first.schedule)
        // One report, for the first of the class, naming the saved input.
        let reports = said.withLock { $0 }
        #expect(reports.count == 1 && reports.first?.hasSuffix("input: \(dir)/\(key)") == true, "\(reports)")
        #expect(fuzzer.tally.contains("\(findings.count) findings in 1 classes"), "\(fuzzer.tally)")
        #expect(fuzzer.tally.contains("\(findings.count)\t\(key)"), "\(fuzzer.tally)")
    }

    @Test("each bug class a keep-going campaign met is still found by the input it saved")
    func findingClasses() throws {
        let classes = Self.inputs("findings/classes")
        try #require(!classes.isEmpty, "no inputs in Tests/FuzzCorpus/findings/classes")
        for (name, bytes) in classes {
            // The file is named as keep-going mode names it: KIND-scenario-strategy.
            let f = try #require(Self.all.evaluate(bytes).finding, "\(name): no longer finds anything")
            #expect(f.className == name, "\(name): \(f.violation)")
            let replayed = try Self.replay(f)
            #expect(replayed.violation?.kind == f.violation.kind, "\(name): the replay ends \(replayed.end)")
        }
    }

    @Test("scenario-file inputs parse or fail with a located error, and build and run without crashing")
    func scenarioFiles() {
        let fuzzer = ScenarioFileFuzzer()
        for (name, bytes) in Self.inputs("scenario-file") + Self.inputs("regressions/scenario-file") {
            if case .failure(let p) = fuzzer.evaluate(bytes) { Issue.record("\(name): \(p)") }
        }
    }

    @Test("C ABI call sequences keep every promise of pagewait.h")
    func cabiSequences() {
        let fuzzer = CABIFuzzer()
        for (name, bytes) in Self.inputs("cabi") + Self.inputs("regressions/cabi") {
            if let p = fuzzer.evaluate(bytes) { Issue.record("\(name): \(p)") }
        }
    }

    @Test("an input means the same thing every time")
    func deterministic() {
        for (name, bytes) in Self.inputs("schedules").prefix(20) + Self.inputs("findings/schedules") {
            let a = Self.all.evaluate(bytes), b = Self.all.evaluate(bytes)
            #expect(a.steps == b.steps && a.end == b.end && a.finding?.schedule == b.finding?.schedule, "\(name)")
        }
    }
}
