// How to call each function of pagewait.h validly, and what that call must
// do. The table is keyed by function name and must cover every prototype
// the header declares (ValidCallTests checks it), so a new function cannot
// be added to the header without being called here.

import Foundation
import Testing

struct ValidCall {
    /// Arguments that are valid by the header's rules.
    var arguments: (Fixture) throws -> [Arg]
    /// What the call with those arguments must have done.
    var check: (Fixture, Returned, [Arg]) throws -> Void
    /// An emit: the builder in the first argument lists more code afterwards.
    var appendsCode = false
}

/// Functions whose int result is a value, not a PW_OK / PW_E* code.
let valueReturning: Set<String> = ["pw_version"]

/// Pointer parameters the header lets be NULL; every other one must make
/// the call fail with PW_EMISUSE when NULL.
let nullablePointers: Set<String> = [
    "pw_errmsg.handle",              // the thread's last misuse message
    "pw_free.p",                     // a no-op
    "pw_list_count.kind",            // every kind
    "pw_list_entry.kind",
    "pw_register_scenario.origin",   // "<text>"
    "pw_session_new_from_text.origin",
    "pw_builder_function.name",      // back to the hook's own function
    "pw_session_run.options",        // the defaults
    "pw_session_explore.options",
    "pw_session_replay_v2.out",      // the verdict only, no trace
]

/// What a failed call leaves in an out parameter (pagewait.h, "Out
/// parameters"): NULL for a handle or a string, PW_NO_LABEL for a label, 0
/// for a number.
enum Cleared {
    case pointer, label, size, int64

    /// Fill the out slot with bytes no library would write.
    static func poison(_ slot: UnsafeMutableRawPointer) { slot.initializeMemory(as: UInt8.self, repeating: 0xAB, count: 8) }

    func holds(_ slot: UnsafeMutableRawPointer) -> Bool {
        switch self {
        case .pointer: slot.storedPointer == nil
        case .label: slot.load(as: Int32.self) == -1
        case .size: slot.load(as: UInt64.self) == 0
        case .int64: slot.load(as: Int64.self) == 0
        }
    }
}

/// Every function with an out parameter: its index, and what failure leaves there.
let outParameters: [String: (index: Int, cleared: Cleared)] = [
    "pw_context_new": (0, .pointer),
    "pw_list_count": (2, .size),
    "pw_builder_new": (2, .pointer),
    "pw_builder_listing": (1, .pointer),
    "pw_builder_param": (2, .int64),
    "pw_label_new": (1, .label),
    "pw_session_new": (2, .pointer),
    "pw_session_new_from_text": (3, .pointer),
    "pw_session_replay": (3, .pointer),
    "pw_session_replay_v2": (3, .pointer),
]

extension Fixture {
    func c(_ name: String) throws -> Int64 { try header.integer(name) }

    func expectCode(_ r: Returned, _ expected: String, _ what: String) throws {
        let want = try lib.code(expected)
        #expect(r.int32 == want, "\(what): \(lib.codeName(r.int32)), expected \(expected)")
    }

    /// The path of a loadable shared library that is not a plugin: the
    /// library under test itself, which has no pw_plugin_init.
    func notAPluginPath() -> String { lib.path }
}

enum ValidCalls {
    static func ok(_ fx: Fixture, _ r: Returned, _ name: String) throws {
        try fx.expectCode(r, "PW_OK", name)
    }

    /// An emit into the shared builder, with `rest` after the builder.
    static func emit(_ name: String, _ rest: @escaping (Fixture) throws -> [Arg]) -> ValidCall {
        ValidCall(arguments: { fx in [.ptr(try fx.builder())] + (try rest(fx)) },
                  check: { fx, r, _ in try ok(fx, r, name) },
                  appendsCode: true)
    }

    /// A free function: the handle it is given is dead afterwards, and a
    /// second free of it is reported, not undefined.
    static func free(_ type: String) -> ValidCall {
        ValidCall(arguments: { fx in [.ptr(try fx.make(type))] }, check: { fx, r, args in
            try ok(fx, r, "\(type)_free")
            let h = try #require(args[0].pointer)
            fx.forget(h)
            let again = try fx.lib.rc("\(type)_free", .ptr(h))
            #expect(try again == fx.lib.code("PW_EMISUSE"), "a second \(type)_free: \(fx.lib.codeName(again))")
            #expect(try fx.lib.errmsg(h) == fx.lib.errmsg(nil), "pw_errmsg of a dead handle is the thread's misuse message")
        })
    }

    static func table() -> [String: ValidCall] {
        var t: [String: ValidCall] = [:]

        // Version, results, memory.
        t["pw_version"] = ValidCall(arguments: { _ in [] }, check: { fx, r, _ throws in
            #expect(try Int64(r.int32) == fx.c("PW_VERSION_NUMBER"))
        })
        t["pw_version_string"] = ValidCall(arguments: { _ in [] }, check: { fx, r, _ in
            let s = try #require(r.string)
            #expect(try s == fx.header.string("PW_VERSION"))
            let parts = s.split(separator: ".").compactMap { Int32($0) }
            #expect(parts.count == 3)
            let number = try fx.lib.call("pw_version", []).int32
            if parts.count == 3 { #expect(parts[0] * 1_000_000 + parts[1] * 1000 + parts[2] == number, "\(s) vs \(number)") }
        })
        t["pw_errstr"] = ValidCall(arguments: { fx in [.int(try fx.c("PW_ENOTFOUND"))] }, check: { _, r, _ in
            #expect(r.string?.isEmpty == false)
        })
        t["pw_errmsg"] = ValidCall(arguments: { fx in [.ptr(try fx.make("pw_context"))] }, check: { _, r, _ in
            #expect(r.string == "", "a new context's message")
        })
        t["pw_free"] = ValidCall(arguments: { fx in [.ptr(try fx.allocatedString())] }, check: { _, r, _ in
            #expect(r.kind == .void)
        })

        // Contexts and the registry.
        t["pw_context_new"] = ValidCall(arguments: { fx in [.ptr(fx.slot(fill: 0xAB))] }, check: { fx, r, args in
            try ok(fx, r, "pw_context_new")
            let h = try #require(args[0].pointer?.storedPointer)
            fx.adopt("pw_context", h)
            #expect(try fx.lib.errmsg(h) == "")
        })
        t["pw_context_free"] = free("pw_context")
        t["pw_list_count"] = ValidCall(arguments: { fx in
            [.ptr(try fx.context()), fx.string("strategy"), .ptr(fx.slot(fill: 0xFF))]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_list_count")
            let n = try #require(args[2].pointer).load(as: UInt64.self)
            #expect(n >= 2 && n < 1000, "\(n) strategies")
        })
        t["pw_list_entry"] = ValidCall(arguments: { fx in
            [.ptr(try fx.context()), fx.string("strategy"), .int(0), try fx.structure("pw_plugin_info").arg]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_list_entry")
            let info = CStruct(layout: try fx.header.layout("pw_plugin_info"), base: try #require(args[3].pointer))
            #expect(try info.string("kind") == "strategy")
            #expect(try info.string("name")?.isEmpty == false)
            #expect(try info.string("summary")?.isEmpty == false)
            #expect(try info.string("reference") != nil)
            #expect(info.canaryIntact)
        })
        t["pw_register_scenario"] = ValidCall(arguments: { fx in
            [.ptr(try fx.make("pw_context")), fx.string(busyPageText), fx.string("busy-page.toml")]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_register_scenario")
            let out = fx.slot()
            try fx.expectOK("pw_session_new", args[0], fx.string("busy-page"), .ptr(out))
            fx.adopt("pw_session", try #require(out.storedPointer))
        })
        t["pw_strategy_def_init"] = ValidCall(arguments: { fx in
            let d = try fx.arena.structure("pw_strategy_def", header: fx.header)
            return [d.arg, .int(Int64(d.layout.size))]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_strategy_def_init")
            let d = CStruct(layout: try fx.header.layout("pw_strategy_def"), base: try #require(args[0].pointer))
            #expect(try d.int("size") == Int64(d.layout.size))
            #expect(try d.string("base") == "put-and-wait")
            #expect(try d.pointer("emit") == nil && d.pointer("destroy") == nil && d.pointer("user") == nil)
            #expect(d.canaryIntact)
        })
        t["pw_register_strategy"] = ValidCall(arguments: { fx in
            [.ptr(try fx.make("pw_context")), try fx.strategyDef(name: "abi-alias", base: "put-and-wait").arg]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_register_strategy")
            let out = fx.slot()
            try fx.expectOK("pw_session_new", args[0], fx.string("reclaim-race"), .ptr(out))
            let s = try #require(out.storedPointer)
            fx.adopt("pw_session", s)
            try fx.expectOK("pw_session_set_strategy", .ptr(s), fx.string("abi-alias"))
        })

        // Builders.
        t["pw_builder_new"] = ValidCall(arguments: { fx in
            [.ptr(try fx.context()), fx.string("abi_probe"), .ptr(fx.slot(fill: 0xAB))]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_builder_new")
            fx.adopt("pw_builder", try #require(args[2].pointer?.storedPointer))
        })
        t["pw_builder_free"] = free("pw_builder")
        t["pw_builder_listing"] = ValidCall(arguments: { fx in
            [.ptr(try fx.builderWithCode(function: "abi_probe_fn")), .ptr(fx.slot())]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_builder_listing")
            let p = try #require(args[1].pointer?.storedPointer)
            let text = String(cString: p.assumingMemoryBound(to: CChar.self))
            #expect(text.contains("abi_probe_fn"), "the listing names the kernel function: \(text)")
            try fx.lib.call("pw_free", [.ptr(p)])
        })
        t["pw_builder_fail"] = ValidCall(arguments: { fx in
            [.ptr(try fx.make("pw_builder")), fx.string("abi probe refuses")]
        }, check: { fx, r, args in
            try fx.expectCode(r, "PW_ERROR", "pw_builder_fail")
            #expect(try fx.lib.errmsg(args[0].pointer).contains("abi probe refuses"))
        })
        t["pw_builder_param"] = ValidCall(arguments: { fx in
            [.ptr(try fx.make("pw_builder")), fx.string("preemptInWindow"), .ptr(fx.slot())]
        }, check: { fx, r, args in
            // A builder made by pw_builder_new is at no hook: nothing is set.
            try fx.expectCode(r, "PW_ENOTFOUND", "pw_builder_param on a pw_builder_new builder")
            #expect(try fx.lib.errmsg(args[0].pointer).isEmpty == false)
        })
        t["pw_builder_function"] = ValidCall(arguments: { fx in [.ptr(try fx.builder()), fx.string("abi_probe_fn")] },
                                             check: { fx, r, _ in try ok(fx, r, "pw_builder_function") })
        t["pw_label_new"] = ValidCall(arguments: { fx in [.ptr(try fx.make("pw_builder")), .ptr(fx.slot(fill: 0xFF))] },
                                      check: { fx, r, args in
            try ok(fx, r, "pw_label_new")
            let first = try #require(args[1].pointer).load(as: Int32.self)
            #expect(try first >= 0 && Int64(first) != fx.c("PW_NO_LABEL"))
            let out = fx.slot()
            try fx.expectOK("pw_label_new", args[0], .ptr(out))
            #expect(out.load(as: Int32.self) != first, "two labels of one builder differ")
        })
        t["pw_label_bind"] = ValidCall(arguments: { fx in
            let b = try fx.make("pw_builder")
            let out = fx.slot()
            try fx.expectOK("pw_label_new", .ptr(b), .ptr(out))
            return [.ptr(b), .int(Int64(out.load(as: Int32.self)))]
        }, check: { fx, r, _ in try ok(fx, r, "pw_label_bind") })
        let emits: [String: (Fixture) throws -> [Arg]] = [
            "pw_emit_jump": { fx in [.int(try fx.label())] },
            "pw_emit_branch": { fx in [.int(1), .int(try fx.c("PW_CMP_GE")), .int(-5), .int(try fx.label())] },
            "pw_emit_set": { _ in [.int(2), .int(Int64.min)] },
            "pw_emit_get_page_unless_zero": { _ in [.int(0), .int(1)] },
            "pw_emit_put_page": { _ in [.int(0)] },
            "pw_emit_test_flag": { fx in [.int(0), .int(try fx.c("PW_PG_WAITERS")), .int(1)] },
            "pw_emit_set_flag": { fx in [.int(0), .int(try fx.c("PW_PG_DIRTY"))] },
            "pw_emit_clear_flag": { fx in [.int(0), .int(try fx.c("PW_PG_LRU"))] },
            "pw_emit_trylock_page": { _ in [.int(0), .int(1)] },
            "pw_emit_lock_page": { _ in [.int(0)] },
            "pw_emit_unlock_page": { _ in [.int(0)] },
            "pw_emit_non_atomic_clear_locked": { _ in [.int(0)] },
            "pw_emit_wait_on_page_locked": { _ in [.int(0)] },
            "pw_emit_put_and_wait_on_page_locked": { _ in [.int(0)] },
            "pw_emit_wait_on_page_bit": { fx in
                [.int(0), .int(try fx.c("PW_PG_LOCKED")), .int(try fx.c("PW_TASK_KILLABLE")), .int(try fx.c("PW_SHARED")), .int(1)]
            },
            "pw_emit_wake_up_page_bit": { fx in [.int(0), .int(try fx.c("PW_PG_LOCKED"))] },
            "pw_emit_ptl_lock": { _ in [.int(0)] },
            "pw_emit_ptl_unlock": { _ in [.int(0)] },
            "pw_emit_read_pte": { _ in [.int(0), .int(1), .int(2)] },
            "pw_emit_preemption_point": { _ in [.int(1000)] },
            "pw_emit_mutex_lock": { _ in [.int(0)] },
            "pw_emit_mutex_unlock": { _ in [.int(15)] },
            "pw_emit_down_read": { _ in [.int(1)] },
            "pw_emit_up_read": { _ in [.int(1)] },
            "pw_emit_down_write": { _ in [.int(2)] },
            "pw_emit_up_write": { _ in [.int(2)] },
            "pw_emit_cond_resched": { _ in [] },
            "pw_emit_queue_work_on": { _ in [.int(0)] },
            "pw_emit_flush_work": { _ in [.int(63)] },
        ]
        for (name, rest) in emits { t[name] = emit(name, rest) }

        // Sessions.
        t["pw_session_new"] = ValidCall(arguments: { fx in
            [.ptr(try fx.context()), fx.string("reclaim-race"), .ptr(fx.slot(fill: 0xAB))]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_session_new")
            fx.adopt("pw_session", try #require(args[2].pointer?.storedPointer))
        })
        t["pw_session_new_from_text"] = ValidCall(arguments: { fx in
            [.ptr(try fx.context()), fx.string(busyPageText), fx.string("busy-page.toml"), .ptr(fx.slot(fill: 0xAB))]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_session_new_from_text")
            fx.adopt("pw_session", try #require(args[3].pointer?.storedPointer))
        })
        t["pw_session_free"] = free("pw_session")
        t["pw_session_set_strategy"] = ValidCall(arguments: { fx in
            [.ptr(try fx.session()), fx.string("put-and-wait-unlockless")]
        }, check: { fx, r, _ in try ok(fx, r, "pw_session_set_strategy") })
        t["pw_session_set_param"] = ValidCall(arguments: { fx in [.ptr(try fx.session()), fx.string("think"), .int(2)] },
                                              check: { fx, r, _ in try ok(fx, r, "pw_session_set_param") })
        t["pw_session_set_memory"] = ValidCall(arguments: { fx in [.ptr(try fx.session()), fx.string("tso")] },
                                               check: { fx, r, _ in try ok(fx, r, "pw_session_set_memory") })
        t["pw_run_options_init"] = ValidCall(arguments: { fx in
            let o = try fx.arena.structure("pw_run_options", header: fx.header)
            return [o.arg, .int(Int64(o.layout.size))]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_run_options_init")
            let o = CStruct(layout: try fx.header.layout("pw_run_options"), base: try #require(args[0].pointer))
            #expect(try o.int("size") == Int64(o.layout.size))
            // The defaults pagewait.h documents.
            #expect(try o.int("first_seed") == 1 && o.int("seeds") == 1000 && o.int("jobs") == 1)
            #expect(try o.int("max_steps") == 200_000 && o.int("wake_latency") == 100 && o.int("preempt_length") == 100)
            #expect(o.canaryIntact)
        })
        t["pw_session_run"] = ValidCall(arguments: { fx in
            [.ptr(try fx.session()), try fx.runOptions(seeds: 5).arg, try fx.structure("pw_run_stats").arg]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_session_run")
            let s = CStruct(layout: try fx.header.layout("pw_run_stats"), base: try #require(args[2].pointer))
            try RunStatsChecks.sane(s, seeds: 5)
        })
        t["pw_explore_options_init"] = ValidCall(arguments: { fx in
            let o = try fx.arena.structure("pw_explore_options", header: fx.header)
            return [o.arg, .int(Int64(o.layout.size))]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_explore_options_init")
            let o = CStruct(layout: try fx.header.layout("pw_explore_options"), base: try #require(args[0].pointer))
            #expect(try o.int("size") == Int64(o.layout.size))
            #expect(try o.int("method") == fx.c("PW_EXPLORE_EXHAUSTIVE") && o.int("jobs") == 1)
            #expect(try [0, 5_000_000].contains(o.int("budget")))
            #expect(try o.int("max_depth") == 5000 && o.int("preemptions") == -1)
            #expect(try o.int("sleep_sets") == 1 && o.int("shrink") == 1 && o.int("seed") == 1 && o.int("step_merging") == 1 && o.int("symmetry") == 1)
            #expect(try o.int("pct_depth") == 3 && o.int("pct_length") == 1000)
            #expect(try o.int("wake_latency") == 100 && o.int("preempt_length") == 100)
            #expect(o.canaryIntact)
        })
        t["pw_session_explore"] = ValidCall(arguments: { fx in
            [.ptr(try fx.session()), try fx.exploreOptions().arg, try fx.structure("pw_explore_result").arg]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_session_explore")
            let e = CStruct(layout: try fx.header.layout("pw_explore_result"), base: try #require(args[2].pointer))
            #expect(try e.int("verdict") == fx.c("PW_VERDICT_VIOLATION"))
            #expect(try e.string("kind") == "LOST_WAKEUP")
            #expect(try e.string("detail")?.isEmpty == false)
            let schedule = try #require(try e.string("schedule"))
            #expect(schedule.hasPrefix("pw1:") && schedule.count > 4, "\(schedule)")
            let length = try e.int("schedule_length"), found = try e.int("found_length")
            #expect(length > 0 && found >= length, "\(length) steps, \(found) as found")
            #expect(try e.int("states") > 0 && e.int("transitions") > 0)
            #expect(try e.double("seconds") >= 0)
            #expect(e.canaryIntact)
        })
        t["pw_session_replay_v2"] = ValidCall(arguments: { fx in
            [.ptr(try fx.session()), fx.string(try fx.violatingSchedule()), .int(try fx.c("PW_TRACE_TEXT")), .ptr(fx.slot()),
             try fx.structure("pw_replay_result").arg]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_session_replay_v2")
            let p = try #require(args[3].pointer?.storedPointer)
            #expect(String(cString: p.assumingMemoryBound(to: CChar.self)).contains("LOST_WAKEUP"))
            try fx.lib.call("pw_free", [.ptr(p)])
            let v = CStruct(layout: try fx.header.layout("pw_replay_result"), base: try #require(args[4].pointer))
            #expect(try v.int("verdict") == fx.c("PW_VERDICT_VIOLATION"))
            #expect(try v.int("end") == fx.c("PW_END_VIOLATION"))
            #expect(try v.string("kind") == "LOST_WAKEUP")
            #expect(try v.string("detail")?.contains("LOST_WAKEUP") == true)
            #expect(try v.int("steps") > 0)
            #expect(v.canaryIntact)
        })
        t["pw_session_replay"] = ValidCall(arguments: { fx in
            [.ptr(try fx.session()), fx.string(try fx.violatingSchedule()), .int(try fx.c("PW_TRACE_TEXT")), .ptr(fx.slot())]
        }, check: { fx, r, args in
            try ok(fx, r, "pw_session_replay")
            let p = try #require(args[3].pointer?.storedPointer)
            let text = String(cString: p.assumingMemoryBound(to: CChar.self))
            #expect(text.contains("LOST_WAKEUP"), "the trace ends with the violation")
            try fx.lib.call("pw_free", [.ptr(p)])
        })

        // Plugins.
        t["pw_load_plugin"] = ValidCall(arguments: { fx in [.ptr(try fx.make("pw_context")), fx.string(fx.notAPluginPath())] },
                                        check: { fx, r, args in
            // A real library without pw_plugin_init: refused, with a reason.
            try fx.expectCode(r, "PW_EPLUGIN", "pw_load_plugin of a library without pw_plugin_init")
            #expect(try fx.lib.errmsg(args[0].pointer).isEmpty == false)
        })
        return t
    }
}

/// What any pw_run_stats must satisfy.
enum RunStatsChecks {
    static func sane(_ s: CStruct, seeds: Int64) throws {
        #expect(try s.int("seeds") == seeds)
        let rate = try s.double("success_rate"), low = try s.double("success_low"), high = try s.double("success_high")
        let ulp = 1e-9  // the interval's bounds are computed in floating point
        #expect(0 <= low && low <= rate + ulp && rate <= high + ulp && high <= 1, "\(low) <= \(rate) <= \(high)")
        #expect(try s.double("budget_hit_rate") >= 0 && s.double("budget_hit_rate") <= 1)
        #expect(try s.double("mean_steps") > 0)
        #expect(try s.int("violations") >= s.int("hangs"), "hangs are violations")
        #expect(try s.int("offline_p50") <= s.int("offline_p99"))
        if try s.pointer("first_failure") != nil {
            #expect(try s.string("first_failure_schedule")?.hasPrefix("pw1:") == true)
        }
        #expect(s.canaryIntact)
    }
}
