// `pagewait litmus`: the weak-memory shapes from the command line, the
// commands docs/memory-model.md quotes, and the herd7 export written by
// OutputFile's rules.

import Foundation
import Testing

@Suite("Litmus command")
struct LitmusCommandTests {
    @Test("every command docs/memory-model.md quotes prints what the page shows and exits 1 exactly when it shows a counterexample")
    func quotedCommandsReproduce() throws {
        let commands = try quotedCommands("docs/memory-model.md")
        #expect(commands.count >= 4)
        for (line, command, output) in commands {
            let r = try runShell(command)
            // 1 for a litmus counterexample, or a replay that reproduces a violation.
            let expected: Int32 = output.components(separatedBy: "\n").contains { $0.hasPrefix("counterexample under") || $0.hasPrefix("violation: ") } ? 1 : 0
            #expect(r.status == expected, "docs/memory-model.md:\(line): \(command)\n\(r)")
            #expect(r.stdout == output + "\n", "docs/memory-model.md:\(line): \(command) printed\n\(r.stdout)")
        }
    }

    @Test("--litmus writes the counterexample's accesses as a herd7 C test through a symlink, keeping the link; a clean run writes nothing")
    func litmusExport() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pw-litmus-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("z2.litmus"), link = dir.appendingPathComponent("link.litmus")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target.path)
        let r = try runPagewait(["litmus", "z2-first-posting", "--memory", "arm", "--litmus", link.path])
        #expect(r.status == 1)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == target.path)
        let text = try String(contentsOf: target, encoding: .utf8)
        #expect(text.hasPrefix("C pagewait-handoff+mb\n"))
        #expect(text.contains("P1(int *PG_locked, int *wait_flags, int *wait_entry, int *q_lock, int *data)"))
        #expect(text.contains("r1 = READ_ONCE(*wait_flags);"), "the stale WOKEN load")
        #expect(text.contains("exists (") && text.contains("1:r1=0"))
        let clean = dir.appendingPathComponent("clean.litmus")
        let c = try runPagewait(["litmus", "z2-careful", "--memory", "arm", "--litmus", clean.path])
        #expect(c.status == 0)
        #expect(!FileManager.default.fileExists(atPath: clean.path))
    }

    @Test("an unknown model or shape, an unreadable or wrong litmus file, or two programs at once are refused with exit status 2 and what is wrong")
    func badInput() throws {
        let m = try runPagewait(["litmus", "z5-shared", "--memory", "power"])
        #expect(m.status == 2)
        #expect(m.stderr.contains("unknown memory model 'power': expected one of sc, tso, arm"))
        let missing = try runPagewait(["litmus", "--file", "/nonexistent/x.litmus"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("--file /nonexistent/x.litmus: cannot read it"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pw-litmus-bad-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.litmus")
        try "locations x\nP0:\n  store x 1 acquire\n".write(to: bad, atomically: true, encoding: .utf8)
        let b = try runPagewait(["litmus", "--file", bad.path])
        #expect(b.status == 2)
        #expect(b.stderr.contains("\(bad.path):3: unexpected 'acquire': the order is one of mb, relaxed, release"), "\(b)")
        let both = try runPagewait(["litmus", "z5-shared", "--file", bad.path])
        #expect(both.status == 2)
        #expect(both.stderr.contains("give one of a shape, --file or --list"))
        let s = try runPagewait(["litmus", "z9"])
        #expect(s.status == 2)
        #expect(s.stderr.contains("unknown shape 'z9'"))
    }

    /// The events of a trace, and a check that every track's B and E nest.
    static func traceEvents(_ path: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let events = try #require(doc["traceEvents"] as? [[String: Any]])
        var open: [Int: [String]] = [:]
        for e in events {
            let tid = e["tid"] as? Int ?? 0, name = e["name"] as? String ?? ""
            switch e["ph"] as? String {
            case "B": open[tid, default: []].append(name)
            case "E": #expect(open[tid]?.popLast() == name, "track \(tid): E of '\(name)' does not close the innermost slice")
            default: break
            }
        }
        #expect(open.values.allSatisfy { $0.isEmpty }, "slices left open: \(open)")
        return events
    }

    @Test("--trace-out draws the counterexample for Perfetto: under tso the store parked in P0's buffer is a slice on its own track from its issue to its flush, the load that read the old value lies inside it, and the sleeper is named at the end; under arm the stale load is marked; a clean run writes nothing")
    func perfettoTrace() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pw-litmus-trace-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tso = dir.appendingPathComponent("z5.json").path
        let r = try runPagewait(["litmus", "z5-separate", "--memory", "tso", "--trace-out", tso])
        #expect(r.status == 1 && r.stdout.contains("trace written to \(tso)"), "\(r)")
        let events = try Self.traceEvents(tso)
        let names = events.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" }
            .compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
        #expect(names.contains("P0 store buffer") && names.contains("P1"), "\(names)")
        let parked = events.filter { $0["cat"] as? String == "store buffer" && ($0["name"] as? String)?.hasPrefix("PG_locked = 0") == true }
        let begin = try #require(parked.first { $0["ph"] as? String == "B" }?["ts"] as? Int)
        let end = try #require(parked.last { $0["ph"] as? String == "E" }?["ts"] as? Int)
        let old = try #require(events.first { $0["ph"] as? String == "i" && $0["name"] as? String == "old value of PG_locked" })
        #expect(old["tid"] as? Int == 1)
        let at = try #require(old["ts"] as? Int)
        #expect(begin < at && at < end, "the stale load (step \(at)) is not inside the buffered store's slice [\(begin), \(end))")
        let flush = try #require(events.first { ($0["name"] as? String)?.contains("store buffer flushes PG_locked") == true })
        #expect(flush["tid"] as? Int == 100 && (flush["ts"] as? Int).map { $0 + 1 } == end, "the flush ends the slice, on the buffer's track")
        #expect(events.contains { $0["ph"] as? String == "i" && $0["name"] as? String == "asleep with no wake to come: P1" })

        let arm = dir.appendingPathComponent("z2.json").path
        let a = try runPagewait(["litmus", "z2-first-posting", "--memory", "arm", "--trace-out", arm])
        #expect(a.status == 1)
        let armEvents = try Self.traceEvents(arm)
        #expect(armEvents.contains { $0["ph"] as? String == "i" && $0["name"] as? String == "old value of wait->flags" })
        #expect(!armEvents.contains { $0["cat"] as? String == "store buffer" })

        let clean = dir.appendingPathComponent("clean.json").path
        let c = try runPagewait(["litmus", "z5-separate", "--memory", "sc", "--trace-out", clean])
        #expect(c.status == 0 && c.stdout.contains("nothing written to \(clean): no counterexample"))
        #expect(!FileManager.default.fileExists(atPath: clean))
        let same = try runPagewait(["litmus", "z5-separate", "--memory", "tso", "--trace-out", clean, "--litmus", clean])
        #expect(same.status == 2 && same.stderr.contains("--litmus and --trace-out name the same file"), "\(same)")
    }
}
