// Every function of pagewait.h called validly through libffi (the table in
// ValidCalls.swift), then the behaviour behind the calls: the registry's
// order, replay formats, determinism, sessions outliving their context.

import Foundation
import Testing

@Suite("Valid calls", .serialized)
struct ValidCallTests {
    @Test("the valid-call table covers exactly the functions pagewait.h declares")
    func coverage() throws {
        let h = try parsedHeader.get()
        #expect(busyPageText.contains("name = \"busy-page\""), "Examples/scenarios/busy-page.toml")
        let declared = Set(h.prototypes.map(\.name)), table = Set(ValidCalls.table().keys)
        #expect(declared.subtracting(table).sorted() == [], "functions without a valid call in ValidCalls.table")
        #expect(table.subtracting(declared).sorted() == [], "valid calls of functions the header does not declare")
        for name in valueReturning { #expect(declared.contains(name), "valueReturning names \(name)") }
        for entry in nullablePointers {
            let parts = entry.split(separator: ".").map(String.init)
            let p = try h.prototype(parts[0])
            #expect(p.parameters.contains { $0.name == parts[1] && $0.kind == .pointer }, "nullablePointers names \(entry)")
        }
    }

    @Test("every function, called validly in header order, does what the header says")
    func everyFunction() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let table = ValidCalls.table()
        var emits = 0
        for p in fx.header.prototypes {
            guard let entry = table[p.name] else { continue }  // coverage() names it
            do {
                let args = try entry.arguments(fx)
                let builder = entry.appendsCode ? args.first?.pointer : nil
                let before = try builder.map { try fx.listing($0).count }
                let r = try fx.lib.call(p.name, args)
                try entry.check(fx, r, args)
                if let b = builder, let before {
                    #expect(try fx.listing(b).count > before, "\(p.name) appended no code")
                    emits += 1
                }
                // A call that succeeded on a handle leaves its message "".
                if p.returnKind == .sint32, !valueReturning.contains(p.name), r.int32 == 0, p.parameters.first?.handle != nil,
                   let h = args.first?.pointer, fx.isLive(h) {
                    #expect(try fx.lib.errmsg(h) == "", "\(p.name) succeeded but left a message")
                }
            } catch {
                Issue.record("\(p.name): \(error)")
            }
        }
        #expect(emits >= 20)
        // Everything emitted into the shared builder lists, a line or more each.
        #expect(try fx.listing(try fx.builder()).count >= emits)
    }

    @Test("pw_emit_test_flag takes each PW_PG_* bit alone, and refuses a mask of several (PW_ERANGE, nothing emitted)")
    func testFlagBits() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let b = try fx.builder()
        let bits = try fx.header.integers(prefixed: "PW_PG_").map(\.value)
        for bit in bits {
            let rc = try fx.lib.rc("pw_emit_test_flag", .ptr(b), .int(0), .int(bit), .int(1))
            let message = try fx.lib.errmsg(b)
            #expect(rc == 0, "flag 0x\(String(bit, radix: 16)): \(fx.lib.codeName(rc)) \(message)")
        }
        let before = try fx.listing(b).count
        for mask in [try fx.c("PW_PG_LOCKED") | fx.c("PW_PG_WAITERS"), bits.reduce(0, |)] {
            let rc = try fx.lib.rc("pw_emit_test_flag", .ptr(b), .int(0), .int(mask), .int(1))
            try fx.lib.expectFailure(rc, "PW_ERANGE", "pw_emit_test_flag with mask 0x\(String(mask, radix: 16))", handle: b)
        }
        #expect(try fx.listing(b).count == before)
    }

    @Test("the registry lists every kind in order, and NULL lists them all")
    func registry() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let ctx = try fx.context()
        func entries(_ kind: String?) throws -> [(kind: String, name: String)] {
            let kindArg = kind.map { fx.string($0) } ?? .null
            let count = fx.slot()
            try fx.expectOK("pw_list_count", .ptr(ctx), kindArg, .ptr(count))
            return try (0..<count.load(as: UInt64.self)).map { i in
                let info = try fx.structure("pw_plugin_info")
                try fx.expectOK("pw_list_entry", .ptr(ctx), kindArg, .u64(i), info.arg)
                #expect(try info.string("summary")?.isEmpty == false)
                #expect(try info.string("reference") != nil)
                return (try info.string("kind") ?? "", try info.string("name") ?? "")
            }
        }
        let kinds = try fx.header.defines.keys.filter { $0.hasPrefix("PW_KIND_") }.map { try fx.header.string($0) }.sorted()
        #expect(kinds == ["actor", "bug", "checker", "reporter", "scenario", "scheduler", "strategy"])
        var all: [(kind: String, name: String)] = []
        for kind in kinds {
            let list = try entries(kind)
            #expect(!list.isEmpty, "no \(kind)")
            #expect(list.allSatisfy { $0.kind == kind })
            #expect(list.map(\.name) == list.map(\.name).sorted(), "\(kind)s are not ordered by name")
            all += list
        }
        // NULL: every entry once, grouped by kind, each group as listed by its kind.
        let everything = try entries(nil)
        #expect(everything.map { "\($0.kind)/\($0.name)" }.sorted() == all.map { "\($0.kind)/\($0.name)" }.sorted())
        var groups: [String] = []
        for e in everything where groups.last != e.kind { groups.append(e.kind) }
        #expect(groups.count == kinds.count, "kinds interleaved: \(groups)")
        for kind in kinds {
            #expect(everything.filter { $0.kind == kind }.map(\.name) == all.filter { $0.kind == kind }.map(\.name))
        }
        let strategies = Set(all.filter { $0.kind == "strategy" }.map(\.name))
        #expect(strategies.isSuperset(of: ["put-and-wait", "put-and-wait-unlockless", "noref", "legacy"]))
        #expect(all.contains { $0.kind == "scenario" && $0.name == "reclaim-race" })

        // What the caller registers joins the list, in order.
        try fx.expectOK("pw_register_scenario", .ptr(ctx), fx.string(busyPageText), fx.string("busy-page.toml"))
        try fx.expectOK("pw_register_strategy", .ptr(ctx), try fx.strategyDef(name: "abi-alias").arg)
        let scenarios = try entries("scenario").map(\.name)
        #expect(scenarios.contains("busy-page") && scenarios == scenarios.sorted())
        #expect(try entries("strategy").map(\.name).contains("abi-alias"))
    }

    @Test("the violating schedule replays in every trace format")
    func replayFormats() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let s = try fx.session(), schedule = try fx.violatingSchedule()
        func replay(_ format: String) throws -> String {
            let out = fx.slot()
            try fx.expectOK("pw_session_replay", .ptr(s), fx.string(schedule), .int(try fx.c(format)), .ptr(out))
            let p = try #require(out.storedPointer)
            defer { _ = try? fx.lib.call("pw_free", [.ptr(p)]) }
            return String(cString: p.assumingMemoryBound(to: CChar.self))
        }
        let text = try replay("PW_TRACE_TEXT")
        #expect(text.contains("LOST_WAKEUP") && text.split(separator: "\n").count > 10)
        #expect(try replay("PW_TRACE_TEXT") == text, "replay is deterministic")
        for format in ["PW_TRACE_JSON", "PW_TRACE_PERFETTO"] {
            let json = try replay(format)
            #expect(!json.isEmpty)
            #expect((try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil, "\(format) is not JSON: \(json.prefix(200))")
        }
    }

    @Test("pw_session_replay_v2 gives the verdict as fields: the explored violation, a clean prefix, and a run's first failure")
    func replayVerdict() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let s = try fx.session()
        func verdict(_ schedule: String, text: Bool = false) throws -> CStruct {
            let v = try fx.structure("pw_replay_result")
            let out = fx.slot()
            try fx.expectOK("pw_session_replay_v2", .ptr(s), fx.string(schedule), .int(try fx.c("PW_TRACE_TEXT")),
                            text ? .ptr(out) : .null, v.arg)
            if let p = out.storedPointer { try fx.lib.call("pw_free", [.ptr(p)]) }
            #expect(v.canaryIntact)
            return v
        }
        // What exploration found, replay finds: the same kind, at the end of the same steps.
        let explored = try fx.structure("pw_explore_result")
        try fx.expectOK("pw_session_explore", .ptr(s), try fx.exploreOptions().arg, explored.arg)
        let schedule = try #require(try explored.string("schedule"))
        let v = try verdict(schedule, text: true)
        #expect(try v.int("verdict") == fx.c("PW_VERDICT_VIOLATION") && v.int("end") == fx.c("PW_END_VIOLATION"))
        #expect(try v.string("kind") == explored.string("kind"))
        #expect(try v.string("detail") == explored.string("detail"))
        #expect(try v.int("steps") == explored.int("schedule_length"))
        // The PG_waiters diagnostic that predicted it, as exploration reports it.
        #expect(try v.string("first_sign")?.hasPrefix("WAITERS_UNSOUND:") == true)
        #expect(try explored.string("first_sign")?.hasPrefix("WAITERS_UNSOUND:") == true)
        // One step of the migrator: nothing wrong, the schedule just ends.
        let clean = try verdict("pw1:0")
        #expect(try clean.int("verdict") == fx.c("PW_VERDICT_NO_VIOLATION") && clean.int("end") == fx.c("PW_END_STOPPED"))
        #expect(try clean.int("steps") == 1 && clean.pointer("kind") == nil && clean.pointer("detail") == nil)
        // A seeded run's failing schedule replays to the same finding
        // (drop-early-put touches a page it no longer holds from seed 1 on).
        try fx.expectOK("pw_session_set_strategy", .ptr(s), fx.string("drop-early-put"))
        defer { _ = try? fx.lib.rc("pw_session_set_strategy", .ptr(s), fx.string("put-and-wait-unlockless")) }
        let stats = try fx.structure("pw_run_stats")
        try fx.expectOK("pw_session_run", .ptr(s), try fx.runOptions(seeds: 5).arg, stats.arg)
        let failing = try #require(try stats.string("first_failure_schedule"), "5 seeds of reclaim-race under drop-early-put")
        let r = try verdict(failing)
        #expect(try r.int("verdict") == fx.c("PW_VERDICT_VIOLATION"), "\(failing)")
        #expect(try stats.string("first_failure") == r.string("detail"))
    }

    @Test("a schedule that goes on after its violation does not fit: PW_ESTALE from both replay calls, naming the step")
    func stepsAfterViolation() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let s = try fx.session(), schedule = try fx.violatingSchedule()
        for extra in ["0", "1", "2*5."] {
            let longer = schedule + extra
            let out = fx.slot()
            var rc = try fx.lib.rc("pw_session_replay", .ptr(s), fx.string(longer), .int(try fx.c("PW_TRACE_TEXT")), .ptr(out))
            try fx.lib.expectFailure(rc, "PW_ESTALE", "replay of \(longer)", handle: s)
            let m = try fx.lib.errmsg(s)
            #expect(m.contains("after step"), "\(m)")
            #expect(out.storedPointer == nil)
            rc = try fx.lib.rc("pw_session_replay_v2", .ptr(s), fx.string(longer), .int(try fx.c("PW_TRACE_JSON")), .null,
                               try fx.structure("pw_replay_result").arg)
            try fx.lib.expectFailure(rc, "PW_ESTALE", "replay_v2 of \(longer)", handle: s)
        }
    }

    @Test("pw_builder_listing speaks the kernel's words: registers, PG_ flags, TASK_ states, wait behaviours; no Swift types")
    func listingWords() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let b = try fx.make("pw_builder")
        try fx.expectOK("pw_builder_function", .ptr(b), fx.string("probe"))
        try fx.expectOK("pw_emit_set", .ptr(b), .int(1), .int(7))
        try fx.expectOK("pw_emit_test_flag", .ptr(b), .int(0), .int(try fx.c("PW_PG_WAITERS")), .int(2))
        try fx.expectOK("pw_emit_wait_on_page_bit", .ptr(b), .int(0), .int(try fx.c("PW_PG_LOCKED")), .int(try fx.c("PW_TASK_KILLABLE")),
                        .int(try fx.c("PW_SHARED")), .int(3))
        try fx.expectOK("pw_emit_unlock_page", .ptr(b), .int(0))
        try fx.expectOK("pw_emit_ptl_lock", .ptr(b), .int(1))
        let lines = try fx.listing(b)
        #expect(lines.count == 7, "\(lines)")
        // Sleeping locks (0.5): listed in the kernel's words; a number out
        // of range is PW_ERANGE and appends nothing.
        try fx.expectOK("pw_emit_mutex_lock", .ptr(b), .int(3))
        try fx.expectOK("pw_emit_down_read", .ptr(b), .int(0))
        #expect(try fx.lib.call("pw_emit_mutex_lock", [.ptr(b), .int(16)]).int32 == fx.lib.code("PW_ERANGE"))
        #expect(try fx.lib.call("pw_emit_up_write", [.ptr(b), .int(-1)]).int32 == fx.lib.code("PW_ERANGE"))
        let more = try fx.listing(b)
        #expect(more.count == 9, "\(more)")
        #expect(more.contains("7\tprobe\tmutex_lock(mutex M3)"), "\(more)")
        #expect(more.contains("8\tprobe\tdown_read(rwsem S0)"), "\(more)")
        // CPUs (0.5): the same.
        try fx.expectOK("pw_emit_cond_resched", .ptr(b))
        try fx.expectOK("pw_emit_queue_work_on", .ptr(b), .int(1))
        try fx.expectOK("pw_emit_flush_work", .ptr(b), .int(1))
        #expect(try fx.lib.call("pw_emit_queue_work_on", [.ptr(b), .int(64)]).int32 == fx.lib.code("PW_ERANGE"))
        let cpus = try fx.listing(b)
        #expect(cpus.count == 12, "\(cpus)")
        #expect(cpus.contains("9\tprobe\tcond_resched()"), "\(cpus)")
        #expect(cpus.contains("10\tprobe\tqueue_work_on(1, mm_percpu_wq, &per_cpu(lru_add_drain_work, 1))"), "\(cpus)")
        #expect(cpus.contains("11\tprobe\tflush_work(&per_cpu(lru_add_drain_work, 1))"), "\(cpus)")
        #expect(lines.first == "0\tprobe\tr1 = 7")
        #expect(lines.contains("1\tprobe\tr2 = PageWaiters(r0)"), "\(lines)")
        #expect(lines.contains("2\tprobe\tr3 = wait_on_page_bit_common(r0, PG_locked, TASK_KILLABLE, SHARED)"), "\(lines)")
        #expect(lines.contains("3\tunlock_page\tr7 = clear_bit_unlock_is_negative_byte(PG_locked, r0)"), "\(lines)")
        #expect(lines.contains("4\tunlock_page\tif (r7 == 0) goto 6"), "\(lines)")
        #expect(lines.contains("5\tunlock_page\twake_up_page_bit(r0, PG_locked)"), "\(lines)")
        #expect(lines.contains("6\tprobe\tspin_lock(ptl(mm 1))"), "\(lines)")
        for line in lines {
            for swift in ["rawValue", "PageFlags", "SleepState", "LockID", "result:", "behavior:", "Optional"] where line.contains(swift) {
                Issue.record("Swift's '\(swift)' in the listing: \(line)")
            }
        }
    }

    @Test("seeded runs are deterministic, whatever the number of worker threads")
    func runs() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let s = try fx.session()
        func run(jobs: Int64) throws -> CStruct {
            let stats = try fx.structure("pw_run_stats")
            try fx.expectOK("pw_session_run", .ptr(s), try fx.runOptions(seeds: 20, jobs: jobs).arg, stats.arg)
            try RunStatsChecks.sane(stats, seeds: 20)
            return stats
        }
        let one = try run(jobs: 1), again = try run(jobs: 1), two = try run(jobs: 2)
        #expect(try one.numbers() == again.numbers())
        #expect(try one.numbers() == two.numbers())
        #expect(try one.string("first_failure_schedule") == two.string("first_failure_schedule"))
    }

    @Test("pct and random exploration run their budget")
    func exploreMethods() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let s = try fx.session()
        for method in ["PW_EXPLORE_PCT", "PW_EXPLORE_RANDOM"] {
            let result = try fx.structure("pw_explore_result")
            try fx.expectOK("pw_session_explore", .ptr(s), try fx.exploreOptions(method: method, budget: 50).arg, result.arg)
            let runs = try result.int("runs")
            #expect(runs > 0 && runs <= 50, "\(method): \(runs) runs")
            let verdict = try result.int("verdict")
            #expect(try [fx.c("PW_VERDICT_NO_VIOLATION"), fx.c("PW_VERDICT_VIOLATION")].contains(verdict))
            if try verdict == fx.c("PW_VERDICT_VIOLATION") {
                #expect(try result.string("schedule")?.hasPrefix("pw1:") == true)
            }
            #expect(result.canaryIntact)
        }
    }

    @Test("explore options of the 0.2 size (ending at preempt_length) and the 0.3 size (ending at symmetry) still work with the defaults of the fields added since; step_merging 0 or dead_variables 0 stores more states and finds the same")
    func exploreOptionsFirstVersion() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let s = try fx.session()
        var found: [(kind: String?, states: Int64)] = []
        for variant in 0..<5 {
            let o = try fx.exploreOptions()
            if variant == 1 { try o.set("size", Int64(try o.layout.field("step_merging").offset)) }
            if variant == 2 { try o.set("step_merging", 0) }
            if variant == 3 { try o.set("size", Int64(try o.layout.field("dead_variables").offset)) }
            if variant == 4 { try o.set("dead_variables", 0) }
            let r = try fx.structure("pw_explore_result")
            try fx.expectOK("pw_session_explore", .ptr(s), o.arg, r.arg)
            found.append((try r.string("kind"), try r.int("states")))
        }
        #expect(found[0].kind != nil && found.allSatisfy { $0.kind == found[0].kind })
        #expect(found[1].states == found[0].states, "the first version's struct gets the defaults, step merging on")
        #expect(found[2].states > found[0].states, "step_merging 0: \(found[2].states) states, merged \(found[0].states)")
        #expect(found[3].states == found[0].states, "the second version's struct gets the default, dead variables left out")
        #expect(found[4].states > found[0].states, "dead_variables 0: \(found[4].states) states, \(found[0].states) without them")
    }

    @Test("strategies by any registered name or unfair-N; a strategy without emit is its base under a new name")
    func strategies() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let ctx = try fx.context()
        let out = fx.slot()
        try fx.expectOK("pw_session_new", .ptr(ctx), fx.string("reclaim-race"), .ptr(out))
        let s = try #require(out.storedPointer)
        fx.adopt("pw_session", s)
        try fx.expectOK("pw_session_set_strategy", .ptr(s), fx.string("unfair-3"))

        try fx.expectOK("pw_register_strategy", .ptr(ctx), try fx.strategyDef(name: "abi-unlockless", base: "put-and-wait-unlockless").arg)
        try fx.expectOK("pw_session_set_strategy", .ptr(s), fx.string("abi-unlockless"))
        let alias = try fx.structure("pw_explore_result")
        try fx.expectOK("pw_session_explore", .ptr(s), try fx.exploreOptions().arg, alias.arg)
        let base = try fx.structure("pw_explore_result")
        try fx.expectOK("pw_session_explore", .ptr(try fx.session()), try fx.exploreOptions().arg, base.arg)
        #expect(try alias.int("verdict") == fx.c("PW_VERDICT_VIOLATION"))
        #expect(try alias.string("schedule") == base.string("schedule"))
        #expect(try alias.int("states") == base.int("states"))
    }

    @Test("sessions from scenario text and from registered scenarios; a session outlives its context")
    func sessionsAndContexts() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let ctx = try fx.make("pw_context")
        try fx.expectOK("pw_register_scenario", .ptr(ctx), fx.string(busyPageText), fx.string("busy-page.toml"))
        var sessions: [UnsafeMutableRawPointer] = []
        for make in [{ (out: UnsafeMutableRawPointer) in
            try fx.expectOK("pw_session_new", .ptr(ctx), fx.string("busy-page"), .ptr(out))
        }, { out in
            try fx.expectOK("pw_session_new_from_text", .ptr(ctx), fx.string(busyPageText), .null, .ptr(out))
        }] {
            let out = fx.slot()
            try make(out)
            let s = try #require(out.storedPointer)
            fx.adopt("pw_session", s)
            sessions.append(s)
        }
        // Contexts and their sessions may be freed in any order.
        try fx.expectOK("pw_context_free", .ptr(ctx))
        fx.forget(ctx)
        for s in sessions {
            let stats = try fx.structure("pw_run_stats")
            try fx.expectOK("pw_session_run", .ptr(s), try fx.runOptions(seeds: 10).arg, stats.arg)
            try RunStatsChecks.sane(stats, seeds: 10)
            #expect(try stats.int("violations") == 0, "busy-page under put-and-wait")
        }
    }
}
