// `pagewait replay`, its Perfetto trace and `pagewait diff`, run in-process
// as the command line parses them.

import ArgumentParser
import Foundation
import Testing
@testable import PagewaitCommands
import PagewaitCore
import PagewaitPlugins

@Suite("pagewait replay and diff")
struct ReplayTests {
    static func setup(_ scenario: String, _ strategy: String, _ parameters: Parameters = [:]) throws -> Setup {
        let r = BuiltinPlugins.registry()
        return try r.scenario(scenario).build(strategy: try r.resolveStrategy(strategy), parameters: parameters)
    }

    /// Run a command line in-process: its exit code (0 when `run` returned).
    static func exitCode(_ arguments: [String]) -> Int32 {
        do {
            var command = try Pagewait.parseAsRoot(arguments)
            try command.run()
            return 0
        } catch {
            return Pagewait.exitCode(for: error).rawValue
        }
    }

    static func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The lost wakeup of kernel-model F3: the first failing seed of
    /// reclaim-race under put-and-wait-unlockless with the faulter always
    /// preempted inside its window, found by `Setup.run` (as `pagewait run`).
    static let lostWakeupParameters: Parameters = ["preemptInWindow": 1000]
    static let lostWakeupArguments = ["--scenario", "reclaim-race", "--strategy", "put-and-wait-unlockless", "--param", "preemptInWindow=1000"]

    static func lostWakeup() throws -> (setup: Setup, outcome: RunOutcome) {
        let setup = try Self.setup("reclaim-race", "put-and-wait-unlockless", lostWakeupParameters)
        let timing = SchedulerTiming(preemptLength: 400)
        for seed in UInt64(1)...20_000 {
            let o = setup.run(seed: seed, maxSteps: 200_000, timing: timing)
            if o.violation != nil { return (setup, o) }
        }
        Issue.record("no violation in seeds 1...20000")
        throw CancellationError()
    }

    /// The lost-wakeup schedule run on to its quiescent end: after the
    /// violation only the DROP waiter may still move, and it goes to sleep
    /// for good.
    static func toQuiescence(_ setup: Setup, _ schedule: Schedule) throws -> Schedule {
        var w = setup.world
        for t in schedule.steps { _ = try setup.engine.step(&w, task: Int(t)) }
        var steps = schedule.steps
        while let t = setup.engine.enabledTasks(w).first, steps.count < 10_000 {
            _ = try setup.engine.step(&w, task: t)
            steps.append(UInt8(t))
        }
        return Schedule(steps)
    }

    @Test("a schedule printed by `run --seeds 1` replays to the end the run reported", arguments: [
        ("migrate-vs-faulters", "legacy", UInt64(3)),
        ("migrate-vs-faulters", "put-and-wait", UInt64(5)),
        ("offline", "legacy", UInt64(2)),
        ("fairness", "unfair-5", UInt64(1)),
        ("wake-walk", "legacy", UInt64(1)),
    ])
    func replayReproducesRun(scenario: String, strategy: String, seed: UInt64) throws {
        let setup = try Self.setup(scenario, strategy)
        let outcome = setup.run(seed: seed, maxSteps: 200_000, keepSchedule: true)
        // Exactly what `pagewait run --seeds 1` prints.
        let summary = CellSummary(scenario: scenario, strategy: strategy, faulters: 0, mappings: setup.world.ptes.count, outcomes: [outcome])
        let report = RunReport.text(summary, setup: setup, outcomes: [outcome], elapsed: 0)
        let printed = try #require(report.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix(Schedule.prefix) }.map(String.init))

        let path = temporaryFile("replay-\(scenario)-\(strategy)-\(seed).json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let code = Self.exitCode(["replay", printed, "--scenario", scenario, "--strategy", strategy, "--format", "json", "-o", path])
        let doc = try Self.json(path)
        #expect(doc["end"] as? String == outcome.end.rawValue)
        #expect(doc["stepsTaken"] as? Int == outcome.steps)
        #expect((doc["steps"] as? [Any])?.count == outcome.steps)
        let violation = doc["violation"] as? [String: Any]
        #expect(violation?["description"] as? String == outcome.violation?.description)
        #expect(code == (outcome.violation == nil ? 0 : 1))
        #expect((doc["notes"] as? [String])?.isEmpty == true)
    }

    @Test("--seed X replays the seeded scheduler's schedule: the same steps as the schedule string")
    func seedEqualsScheduleString() throws {
        let setup = try Self.setup("migrate-vs-faulters", "legacy")
        let outcome = setup.run(seed: 7, maxSteps: 200_000, keepSchedule: true)
        let a = temporaryFile("seed-a.json"), b = temporaryFile("seed-b.json")
        defer { for p in [a, b] { try? FileManager.default.removeItem(atPath: p) } }
        let base = ["--scenario", "migrate-vs-faulters", "--strategy", "legacy", "--format", "json"]
        #expect(Self.exitCode(["replay", "--seed", "7"] + base + ["-o", a]) == 0)
        #expect(Self.exitCode(["replay", try #require(outcome.schedule).description] + base + ["-o", b]) == 0)
        let da = try Self.json(a), db = try Self.json(b)
        #expect(da["schedule"] as? String == outcome.schedule?.description)
        #expect(da["seed"] as? Int == 7)
        let sa = try #require(da["steps"] as? [[String: Any]]), sb = try #require(db["steps"] as? [[String: Any]])
        #expect(sa.count == outcome.steps && sb.count == outcome.steps)
        #expect(sa.map { $0["what"] as? String } == sb.map { $0["what"] as? String })
        #expect(sa.map { $0["changes"] as? [String] } == sb.map { $0["changes"] as? [String] })
    }

    @Test("the lost-wakeup schedule found by Setup.run replays to its violation, exit status 1; run on to quiescence it is LOST_WAKEUP")
    func lostWakeupReplays() throws {
        let (setup, outcome) = try Self.lostWakeup()
        let violation = try #require(outcome.violation)
        let schedule = try #require(outcome.schedule)
        // The standard checkers catch F3 as soon as reclaim frees the page
        // under the sleeping-state DROP waiter (I3); the liveness checker alone
        // sees it at quiescence.
        #expect([ViolationKind.waitersUnsound, .lostWakeup].contains(violation.kind), "\(violation)")

        let path = temporaryFile("lost-wakeup.txt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let code = Self.exitCode(["replay", schedule.description] + Self.lostWakeupArguments + ["-o", path])
        #expect(code == 1)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        if violation.kind == .waitersUnsound {
            // Replay follows the PG_waiters diagnostic to the hang it predicts.
            #expect(lines.contains("note: first sign, at step \(violation.step): \(violation)"))
            #expect(lines.contains { $0.hasPrefix("violation: LOST_WAKEUP") })
        } else {
            #expect(lines.contains("violation: \(violation)"))
        }
        #expect(lines.contains { $0.hasPrefix("end: violation after \(outcome.steps) steps") })
        // One line per step, in the kernel's words, naming what changed.
        #expect(lines.filter { $0.range(of: #"^ *\d+  "#, options: .regularExpression) != nil }.count == outcome.steps)
        #expect(text.contains("SetPageWaiters: pfn 0 entry queued in bucket 0; PG_waiters set"))
        #expect(text.contains("__ClearPageLocked (write)"))
        #expect(text.contains("page freed"))
        #expect(text.contains("state := TASK_UNINTERRUPTIBLE"))

        // Run on: the waiter sleeps with nobody to wake it.
        let full = try Self.toQuiescence(setup, schedule)
        #expect(full.steps.count >= schedule.steps.count && Array(full.steps.prefix(schedule.steps.count)) == schedule.steps)
        let replayed = setup.engine.replay(setup.world, schedule: full, checkers: [LivenessChecker()])
        #expect(replayed.end == .violation && replayed.reached == .quiescent)
        #expect(replayed.violation?.kind == .lostWakeup)
        #expect(replayed.stale == nil && replayed.steps == full.steps.count)
        let waiting = Replay.unfinished(replayed.world, setup: setup)
        #expect(waiting.count == 1)
        #expect(waiting.first?.name == "faulter")
        #expect(waiting.first?.state.contains("asleep in io_schedule (TASK_UNINTERRUPTIBLE)") == true)
        #expect(waiting.first?.state.contains("the page is free") == true)
        let end = Replay.endLines(replayed, unfinished: waiting)
        #expect(end.first == "end: violation after \(full.steps.count) steps (the run was quiescent: no task can take a step)")
        #expect(end.last?.hasPrefix("violation: LOST_WAKEUP: task 1 pfn 0 in wait_on_page_bit_common") == true)
    }

    @Test("malformed schedule strings are refused with a one-line message and exit status 2", arguments: [
        ("pw1:01x?", "malformed schedule string, character 7: '?' is not a task"),
        ("pw2:0011", "unknown format 'pw2:'"),
        ("0011", "missing the 'pw1:' prefix"),
        ("pw1:{999}", "number too large"),
        ("pw1:0*3", "a repeat count ends with '.'"),
    ])
    func malformed(schedule: String, message: String) throws {
        let arguments = ["replay", schedule, "--scenario", "migrate-vs-faulters", "--strategy", "legacy"]
        let command = try #require(try Pagewait.parseAsRoot(arguments) as? Replay)
        do {
            _ = try command.replay()
            Issue.record("accepted \(schedule)")
        } catch let error as ValidationError {
            #expect(error.message.contains(message), "\(error.message)")
            #expect(!error.message.contains("\n"))
        }
        #expect(Self.exitCode(arguments) == 2)
    }

    /// Stale schedules: a task that does not exist, one that has finished,
    /// one asleep in io_schedule, steps after the run's end.
    static func staleCases() throws -> [(schedule: Schedule, message: String)] {
        let setup = try Self.setup("migrate-vs-faulters", "legacy")
        let schedule = try #require(setup.run(seed: 2, maxSteps: 200_000, keepSchedule: true).schedule)
        var firsts = FirstSleepAndFinish()
        var checkers: [any Checker] = []
        _ = setup.engine.replay(setup.world, schedule: schedule, checkers: &checkers, options: RunOptions(maxSteps: .max), observer: &firsts)
        let asleep = try #require(firsts.asleep), finished = try #require(firsts.finished)
        var sleeping = schedule.steps, done = schedule.steps
        sleeping.insert(UInt8(asleep.task), at: asleep.index + 1)
        done.insert(UInt8(finished.task), at: finished.index + 1)
        return [
            (Schedule([0, 1, 9]), "stale schedule: step 2 names task 9: no task 9 (there are 3)"),
            (Schedule(sleeping), "stale schedule: step \(asleep.index + 1) names task \(asleep.task) (\(setup.taskNames[asleep.task])): it is asleep in io_schedule"),
            (Schedule(done), "stale schedule: step \(finished.index + 1) names task \(finished.task) (\(setup.taskNames[finished.task])): it has finished"),
            (Schedule(schedule.steps + [1]), "the run ended (finished) after \(schedule.steps.count) steps, but the schedule goes on for 1 more"),
        ]
    }

    @Test("stale schedules are refused with a one-line message naming the step and the task, exit status 2")
    func stale() throws {
        for (schedule, message) in try Self.staleCases() {
            let arguments = ["replay", schedule.description, "--scenario", "migrate-vs-faulters", "--strategy", "legacy"]
            let command = try #require(try Pagewait.parseAsRoot(arguments) as? Replay)
            do {
                _ = try command.replay()
                Issue.record("accepted a stale schedule (\(message))")
            } catch let error as ValidationError {
                #expect(error.message.contains(message), "\(error.message)")
                #expect(!error.message.contains("\n"))
            }
            #expect(Self.exitCode(arguments) == 2)
        }
        // Neither a schedule nor a seed, or both.
        #expect(Self.exitCode(["replay", "--scenario", "offline", "--strategy", "legacy"]) == 2)
        #expect(Self.exitCode(["replay", "pw1:0", "--seed", "1", "--scenario", "offline", "--strategy", "legacy"]) == 2)
        #expect(Self.exitCode(["replay", "pw1:0", "--scenario", "no-such", "--strategy", "legacy"]) == 2)
    }

    /// Checks a Chrome Trace Event document: per track, every B has its E
    /// (same name, innermost first) in non-decreasing time, and each task has
    /// exactly one thread_name. Returns the events.
    @discardableResult
    static func checkTrace(_ doc: [String: Any], taskNames: [String]) throws -> [[String: Any]] {
        let events = try #require(doc["traceEvents"] as? [[String: Any]])
        #expect(doc["displayTimeUnit"] as? String == "ms")
        var stacks: [Int: [String]] = [:], last: [Int: Int] = [:]
        var begins = 0
        for e in events {
            let ph = try #require(e["ph"] as? String)
            guard ph == "B" || ph == "E" else { continue }
            let tid = try #require(e["tid"] as? Int), ts = try #require(e["ts"] as? Int)
            let name = try #require(e["name"] as? String)
            #expect(e["pid"] as? Int == 1)
            #expect(ts >= last[tid, default: 0], "time goes back on track \(tid) at \(name)")
            last[tid] = ts
            if ph == "B" {
                stacks[tid, default: []].append(name)
                begins += 1
            } else {
                let open = stacks[tid]?.popLast()
                #expect(open == name, "E \(name) on track \(tid) closes \(open ?? "nothing")")
            }
        }
        #expect(begins > 0)
        for (tid, open) in stacks { #expect(open.isEmpty, "track \(tid) left \(open) open") }
        let threadNames = events.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" }
        #expect(threadNames.count == taskNames.count)
        for (t, name) in taskNames.enumerated() {
            let named = threadNames.filter { $0["tid"] as? Int == t }
            #expect(named.count == 1)
            #expect((named.first?["args"] as? [String: Any])?["name"] as? String == name)
        }
        return events
    }

    @Test("--trace-out writes Perfetto JSON: it parses, B/E balance per track, one thread_name per task, spans and wakes named")
    func perfettoFromCommand() throws {
        let setup = try Self.setup("migrate-vs-faulters", "legacy")
        let trace = temporaryFile("trace.json"), out = temporaryFile("trace.txt")
        defer { for p in [trace, out] { try? FileManager.default.removeItem(atPath: p) } }
        #expect(Self.exitCode(["replay", "--seed", "2", "--scenario", "migrate-vs-faulters", "--strategy", "legacy",
                               "--trace-out", trace, "-o", out]) == 0)
        let events = try Self.checkTrace(try Self.json(trace), taskNames: setup.taskNames)
        let spans = Set(events.filter { $0["ph"] as? String == "B" }.compactMap { $0["name"] as? String })
        for prefix in ["PG_locked held", "ptl(mm 0) held", "i_pages lock(file 0) held", "q->lock held",
                       "wait_on_page_bit_common(PG_locked, SHARED)", "io_schedule: asleep", "wake_up_page_bit"] {
            #expect(spans.contains { $0.hasPrefix(prefix) }, "no \(prefix) span")
        }
        let wakes = events.filter { $0["ph"] as? String == "i" && $0["cat"] as? String == "wake" }
        #expect(!wakes.isEmpty)
        for w in wakes {
            let args = try #require(w["args"] as? [String: Any])
            let woken = try #require(args["woken"] as? String)
            #expect(w["name"] as? String == "wake \(woken)")
            #expect(setup.taskNames.contains(args["waker"] as? String ?? ""))
            #expect(w["s"] as? String == "t")
        }
        // The text trace names the same wakes.
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(wakes.allSatisfy { text.contains("woke \(($0["args"] as? [String: Any])?["woken"] as? String ?? "?")") })
    }

    @Test("Perfetto JSON of the lost wakeup: the waiter's io_schedule span lasts to the end, the LOST_WAKEUP is a global instant")
    func perfettoLostWakeup() throws {
        let (setup, outcome) = try Self.lostWakeup()
        let full = try Self.toQuiescence(setup, try #require(outcome.schedule))
        let json = PerfettoTrace(engine: setup.engine, world: setup.world, taskNames: setup.taskNames,
                                 counterNames: setup.counterNames, checkers: [LivenessChecker()]).render(full)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let events = try Self.checkTrace(doc, taskNames: setup.taskNames)
        let faulter = try #require(setup.taskNames.firstIndex(of: "faulter"))
        let asleep = events.filter { $0["tid"] as? Int == faulter && ($0["name"] as? String)?.hasPrefix("io_schedule: asleep") == true }
        #expect(asleep.last?["ph"] as? String == "E")
        #expect(asleep.last?["ts"] as? Int == full.steps.count)
        let global = events.filter { $0["ph"] as? String == "i" && $0["s"] as? String == "g" }
        #expect(global.count == 1)
        #expect((global.first?["name"] as? String)?.hasPrefix("LOST_WAKEUP: ") == true)
        #expect((global.first?["args"] as? [String: Any])?["kind"] as? String == "LOST_WAKEUP")
        let frees = events.filter { $0["cat"] as? String == "free" && $0["tid"] as? Int == setup.taskNames.firstIndex(of: "reclaimer") }
        #expect(frees.count == 1)
    }

    @Test("--memory arm in Perfetto and text: a replay that takes advances names them, and each load that read an older message is marked on its task's track with the newer write it missed")
    func perfettoStaleReads() throws {
        let setup = try Self.setup("reclaim-race", "put-and-wait")
        var found = false
        for seed in 1...8 where !found {
            let trace = temporaryFile("arm-\(seed).json"), out = temporaryFile("arm-\(seed).txt")
            defer { for p in [trace, out] { try? FileManager.default.removeItem(atPath: p) } }
            let arguments = ["replay", "--seed", "\(seed)", "--scenario", "reclaim-race", "--strategy", "put-and-wait", "--memory", "arm"]
            _ = Self.exitCode(arguments + ["--trace-out", trace, "-o", out])
            let text = try String(contentsOfFile: out, encoding: .utf8)
            let events = try Self.checkTrace(try Self.json(trace), taskNames: setup.taskNames)
            let old = events.filter { $0["ph"] as? String == "i" && ($0["name"] as? String)?.hasPrefix("old value: ") == true }
            guard !old.isEmpty else { continue }
            found = true
            #expect(text.contains("'s view of ") && text.contains(" moves to "), "seed \(seed): no advance in the text trace")
            for o in old {
                let note = String((o["name"] as? String ?? "").dropFirst("old value: ".count))
                #expect(note.hasSuffix("is newer") && text.contains(note), "the text trace does not name '\(note)'")
            }
        }
        #expect(found, "no seed in 1...8 reads an older message under arm")
    }

    @Test("--memory tso in Perfetto: each buffered store is a slice on its task's track from the step that buffered it to its flush, and a step that read the older value is marked with the store it missed")
    func perfettoStoreBuffers() throws {
        let trace = temporaryFile("tso.json"), out = temporaryFile("tso.txt")
        defer { for p in [trace, out] { try? FileManager.default.removeItem(atPath: p) } }
        let arguments = ["replay", "--seed", "3", "--scenario", "reclaim-race", "--strategy", "put-and-wait", "--memory", "tso"]
        #expect(Self.exitCode(arguments + ["--trace-out", trace, "-o", out]) == 0)
        let setup = try Self.setup("reclaim-race", "put-and-wait")
        let events = try Self.checkTrace(try Self.json(trace), taskNames: setup.taskNames)
        let buffered = events.filter { $0["cat"] as? String == "store_buffer" && $0["ph"] as? String != "i" }
        #expect(!buffered.isEmpty, "seed 3 buffers no store")
        // Each slice's first B is at a step whose text says it buffered the
        // store; its last E follows that task's flush of it.
        let text = try String(contentsOfFile: out, encoding: .utf8)
        for name in Set(buffered.compactMap { $0["name"] as? String }) {
            let store = String(name.dropFirst("store buffered: ".count))
            let tid = try #require(buffered.first { $0["name"] as? String == name }?["tid"] as? Int)
            #expect(text.contains("\(store) into task \(tid)'s store buffer"), "no step buffered \(store)")
            let flushes = events.filter { $0["tid"] as? Int == tid && $0["cat"] as? String == "step" && $0["ph"] as? String == "B"
                && ((($0["args"] as? [String: Any])?["what"] as? String)?.contains(store) ?? false) }
            #expect(!flushes.isEmpty, "no step of task \(tid) names \(store)")
        }
        let old = events.filter { $0["ph"] as? String == "i" && ($0["name"] as? String)?.hasPrefix("old value: ") == true }
        #expect(!old.isEmpty, "seed 3 reads no value older than a buffered store")
        for o in old {
            let ts = try #require(o["ts"] as? Int), note = String((o["name"] as? String ?? "").dropFirst("old value: ".count))
            #expect(text.contains(note), "the text trace does not name '\(note)'")
            // The store it names is buffered at that step: its slice is open.
            let store = note.components(separatedBy: "'s store ").last?.replacingOccurrences(of: " still in its store buffer", with: "") ?? ""
            let marks = buffered.filter { $0["name"] as? String == "store buffered: \(store)" }
            #expect(marks.contains { ($0["ph"] as? String == "B") && ($0["ts"] as? Int ?? .max) <= ts }
                    && marks.contains { ($0["ph"] as? String == "E") && ($0["ts"] as? Int ?? -1) > ts }, "\(note) at step \(ts): its slice is not open")
        }
        // Under sc the same replay draws no store buffer.
        let sc = temporaryFile("sc.json")
        defer { try? FileManager.default.removeItem(atPath: sc) }
        #expect(Self.exitCode(Array(arguments.dropLast(2)) + ["--trace-out", sc, "-o", "/dev/null"]) == 0)
        #expect(!(try Self.checkTrace(try Self.json(sc), taskNames: setup.taskNames)).contains { $0["cat"] as? String == "store_buffer" })
    }

    @Test("Perfetto B/E stay nested when locks and waits overlap (lock_page takes PG_locked inside its wait)", arguments: [
        ("fairness", "unfair-5"), ("fairness", "legacy"), ("fairness", "rewrite-fair"), ("migrate-vs-faulters", "noref"),
        ("wake-walk", "legacy"), ("offline", "put-and-wait-killable"),
    ])
    func perfettoNesting(scenario: String, strategy: String) throws {
        let setup = try Self.setup(scenario, strategy)
        var continued = 0
        for seed in UInt64(1)...3 {
            let schedule = try #require(setup.run(seed: seed, maxSteps: 200_000, keepSchedule: true).schedule)
            let json = PerfettoTrace(setup: setup).render(schedule)
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let events = try Self.checkTrace(doc, taskNames: setup.taskNames)
            continued += events.filter { ($0["args"] as? [String: Any])?["continued"] as? Bool == true }.count
            // One step slice per step.
            #expect(events.filter { $0["cat"] as? String == "step" && $0["ph"] as? String == "B" }.count == schedule.steps.count)
        }
        if scenario == "fairness" { #expect(continued > 0, "no span had to be split: the nesting repair went untested") }
    }

    @Test("diff finds the seeds where legacy and put-and-wait differ on migrate-vs-faulters with 2 faulters, and none for legacy vs legacy-unlock")
    func diff() throws {
        let path = temporaryFile("diff.txt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        func differing(_ a: String, _ b: String) throws -> (Int, String) {
            #expect(Self.exitCode(["diff", "migrate-vs-faulters", "--strategy", a, "--strategy", b, "--faulters", "2",
                                   "--seeds", "100", "-o", path]) == 0)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let line = try #require(text.split(separator: "\n").first { $0.hasSuffix("of 100 seeds differ") })
            return (try #require(Int(line.split(separator: " ")[0])), text)
        }
        let (n, text) = try differing("legacy", "put-and-wait")
        #expect(n > 10)
        #expect(text.contains("seeds whose outcomes differ"))
        #expect(text.contains("migrated: legacy") && text.contains("passes: legacy"))
        #expect(text.contains("migration succeeded only under legacy: "))
        // put-and-wait drops its reference before sleeping: migration wins more often.
        let only = try #require(text.split(separator: "\n").first { $0.hasPrefix("migration succeeded only under legacy") })
        let counts = only.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: ";"))) }
        #expect(counts.count == 2 && counts[1] > counts[0], "\(only)")

        let (none, same) = try differing("legacy", "legacy-unlock")
        #expect(none == 0)
        #expect(!same.contains("seeds whose outcomes differ"))
        #expect(Self.exitCode(["diff", "migrate-vs-faulters", "--strategy", "legacy"]) != 0)
    }
}

/// The first step at which a task falls asleep in io_schedule, and the
/// first at which one finishes, from the world diff of each step.
struct FirstSleepAndFinish: StepObserver {
    var before: World?
    var asleep: (index: Int, task: Int)?
    var finished: (index: Int, task: Int)?

    mutating func willStep(_ index: Int, task: Int, world: World) { before = world }

    mutating func didStep(_ index: Int, _ event: StepEvent, world: World) {
        for c in World.changes(from: before!, to: world) {
            if case .asleep(let t, _) = c, asleep == nil { asleep = (index, t) }
            if case .finished(let t) = c, finished == nil { finished = (index, t) }
        }
    }
}
