// `pagewait replay ... --litmus FILE`: an engine counterexample's reordering
// as a litmus test. The closed loop: the test exported from Z5's
// counterexample under tso, run through `pagewait litmus --file`, reaches
// its outcome under tso and not under sc.

import Foundation
import Testing

@Suite("replay --litmus")
struct ReplayLitmusTests {
    static let z5 = ["replay", "pw1:0*4.1*7.01", "--scenario", "z5-unlock-vs-waiter", "--strategy", "separate-waiters", "--memory", "tso"]

    @Test("the export command docs/memory-model.md shows writes Examples/litmus/z5-engine-tso.litmus, through a symlink")
    func docCommandWritesTheExample() throws {
        let doc = try String(contentsOf: packageRoot.appendingPathComponent("docs/memory-model.md"), encoding: .utf8)
        let command = try #require(doc.components(separatedBy: "\n").first { $0.hasPrefix("pagewait replay ") && $0.contains("--litmus ") })
        let dir = try scratchDirectory("replay-litmus")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The file the command names is a symlink to another: written through, the link kept.
        let target = dir.appendingPathComponent("target.litmus")
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("z5.litmus").path, withDestinationPath: target.path)
        let r = try runShell("cd '\(dir.path)' && " + command)
        #expect(r.status == 1, "\(r)")
        #expect(r.stdout.contains("litmus test (pagewait format) written to z5.litmus: task 0 (P0) and task 1 (P1)"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.appendingPathComponent("z5.litmus").path) == target.path)
        let written = try String(contentsOf: target, encoding: .utf8)
        let example = try String(contentsOf: packageRoot.appendingPathComponent("Examples/litmus/z5-engine-tso.litmus"), encoding: .utf8)
        #expect(written == example)
    }

    @Test("the exported test's outcome is allowed under tso and forbidden under sc (the closed loop)")
    func closedLoop() throws {
        let dir = try scratchDirectory("replay-litmus-loop")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("z5.litmus").path
        let r = try runPagewait(Self.z5 + ["--litmus", file, "--litmus-format", "pagewait"])
        #expect(r.status == 1)
        let forbid = try #require(try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\n").first { $0.hasPrefix("forbid ") })
        let tso = try runPagewait(["litmus", "--file", file, "--memory", "tso"])
        #expect(tso.status == 1, "\(tso)")
        #expect(tso.stdout.contains("FORBIDDEN by the file"))
        let sc = try runPagewait(["litmus", "--file", file, "--memory", "sc"])
        #expect(sc.status == 0, "\(sc)")
        #expect(sc.stdout.contains("no counterexample under sc") && !sc.stdout.contains("FORBIDDEN"))
        // The outcome is the values the run's loads saw: the unlocker read
        // PG_waiters clear, the locker read PG_locked set after setting PG_waiters.
        #expect(forbid == "forbid P0:r0=0 P1:r0=1 P1:r1=0 P1:r2=1")
    }

    @Test("the default format is herd7's C: the same accesses, the outcome as the exists clause")
    func herdFormat() throws {
        let dir = try scratchDirectory("replay-litmus-herd")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("z5.litmus").path
        let r = try runPagewait(Self.z5 + ["--litmus", file])
        #expect(r.status == 1)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.hasPrefix("C pagewait-z5-unlock-vs-waiter+separate-waiters\n"))
        #expect(text.contains("smp_store_release(PG_locked, 0);\n\tr0 = READ_ONCE(*PG_waiters);"))
        #expect(text.contains("r1 = xchg_relaxed(PG_waiters, 1);\n\tsmp_mb();\n\tr2 = READ_ONCE(*PG_locked);"))
        #expect(text.contains("exists (0:r0=0 /\\ 1:r0=1 /\\ 1:r1=0 /\\ 1:r2=1)"))
    }

    @Test("a counterexample with no reordering is refused with the reason and exit status 2, and nothing is written")
    func refusals() throws {
        let dir = try scratchDirectory("replay-litmus-refused")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("none.litmus").path
        // Z9's lost wakeup under sc (what `explore` prints for it): no store buffer at all.
        let sc = try runPagewait(["replay", "pw1:0001*7.0001", "--scenario", "z9-split-clear-dirty", "--strategy", "legacy",
                                  "--param", "atomic=0", "--litmus", file])
        #expect(sc.status == 2, "\(sc)")
        #expect(sc.stderr.contains("--litmus: under --memory sc every load reads the newest store, so the run shows no reordering to export"))
        // Under arm loads do read older values, but only tso's reorderings export.
        let arm = try runPagewait(["replay", "pw1:0001*7.0001", "--scenario", "z9-split-clear-dirty", "--strategy", "legacy",
                                   "--param", "atomic=0", "--memory", "arm", "--litmus", file])
        #expect(arm.status == 2, "\(arm)")
        #expect(arm.stderr.contains("an arm run's stale reads are not exported"))
        // Under tso, a run of the shared word: no load read an older PG_locked.
        let shared = try runPagewait(["replay", "--seed", "1", "--scenario", "z5-unlock-vs-waiter", "--strategy", "legacy",
                                      "--memory", "tso", "--litmus", file])
        #expect(shared.status == 2, "\(shared)")
        #expect(shared.stderr.contains("--litmus: this run has no reordering to export"))
        #expect(!FileManager.default.fileExists(atPath: file))
        let same = try runPagewait(Self.z5 + ["--litmus", file, "--trace-out", file])
        #expect(same.status == 2 && same.stderr.contains("name the same file"))
        let format = try runPagewait(Self.z5 + ["--litmus", file, "--litmus-format", "herd8"])
        #expect(format.status == 2 && format.stderr.contains("herd8"))
    }
}
