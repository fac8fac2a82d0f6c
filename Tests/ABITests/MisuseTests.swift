// Bad input never crashes the process and is reported with the code the
// header names: NULL, dead and mistyped handles (PW_EMISUSE), wrong struct
// sizes (PW_ESIZE), unknown names (PW_ENOTFOUND), malformed text and
// schedules (PW_EPARSE, PW_ESTALE), numbers out of range (PW_ERANGE). The
// sweeps are generated from the prototypes in pagewait.h and the valid
// calls of ValidCalls.swift, so they grow with the header.

import Foundation
import Testing

extension PagewaitLibrary {
    /// PW_OK and every PW_E* code.
    var resultCodes: Set<Int32> {
        Set(errorCodes.map { Int32($0.value) } + [0])
    }

    func nullable(_ p: CPrototype, _ i: Int) -> Bool {
        nullablePointers.contains("\(p.name).\(p.parameters[i].name ?? "#\(i)")")
    }

    /// Functions that return a PW_OK / PW_E* code.
    var codeFunctions: [CPrototype] {
        header.prototypes.filter { $0.returnKind == .sint32 && !valueReturning.contains($0.name) }
    }

    /// The call failed with `expected`, and left a message where the header
    /// says: in the handle if it was given a live one, else in pw_errmsg(NULL).
    func expectFailure(_ rc: Int32, _ expected: String, _ what: String, handle: UnsafeMutableRawPointer? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let want = try code(expected)
        #expect(rc == want, "\(what): \(codeName(rc)), expected \(expected)", sourceLocation: sourceLocation)
        var message = try errmsg(handle)
        if message.isEmpty, handle != nil, rc == (try code("PW_EMISUSE")) {
            // Misuse with a live handle (a NULL elsewhere): the header allows
            // either place for the message.
            message = try errmsg(nil)
        }
        #expect(!message.isEmpty, "\(what): no message in pw_errmsg(\(handle == nil ? "NULL" : "handle"))",
                sourceLocation: sourceLocation)
    }
}

/// A value for every integer parameter in the all-arguments sweeps.
enum Fill: CaseIterable, CustomStringConvertible {
    case zero, minusOne, huge

    func arg(_ kind: FFIKind) -> Arg {
        switch (self, kind) {
        case (.zero, .double): .f64(0)
        case (.zero, _): .int(0)
        case (.minusOne, .uint32): .int(Int64(UInt32.max))
        case (.minusOne, .uint64), (.huge, .uint64): .u64(UInt64.max)
        case (.minusOne, .double): .f64(-1)
        case (.minusOne, _): .int(-1)
        case (.huge, .sint32): .int(Int64(Int32.max))
        case (.huge, .uint32): .int(Int64(UInt32.max))
        case (.huge, .double): .f64(.greatestFiniteMagnitude)
        case (.huge, _): .int(Int64.max)
        }
    }

    var description: String {
        switch self {
        case .zero: "0"
        case .minusOne: "-1"
        case .huge: "the largest value"
        }
    }
}

@Suite("Misuse", .serialized)
struct MisuseTests {
    // MARK: - Generic sweeps

    @Test("every function with NULL for every pointer and 0, -1 or the largest value for every integer", arguments: Fill.allCases)
    func allNull(fill: Fill) throws {
        let lib = try PagewaitLibrary.get()
        let misuse = try lib.code("PW_EMISUSE")
        for p in lib.header.prototypes {
            let args = p.parameters.map { $0.kind == .pointer ? Arg.null : fill.arg($0.kind) }
            let r = try lib.call(p.name, args)
            let needsPointer = p.parameters.indices.contains { p.parameters[$0].kind == .pointer && !lib.nullable(p, $0) }
            switch p.returnKind {
            case .pointer:
                // Every string the interface returns is non-NULL.
                #expect(r.string != nil, "\(p.name)(\(args)) returned NULL")
            case .sint32 where valueReturning.contains(p.name):
                break
            case .sint32:
                #expect(lib.resultCodes.contains(r.int32), "\(p.name)(\(args)) returned \(r.int32), not a PW_ code")
                if needsPointer {
                    #expect(r.int32 == misuse, "\(p.name)(\(args)): \(lib.codeName(r.int32))")
                    #expect(try !lib.errmsg(nil).isEmpty, "\(p.name): no message in pw_errmsg(NULL)")
                }
            default:
                break
            }
        }
        // pw_errstr describes codes nobody defined too.
        #expect(try lib.call("pw_errstr", [fill.arg(.sint32)]).string?.isEmpty == false)
    }

    @Test("pw_free(NULL) is a no-op, however often")
    func freeNull() throws {
        let lib = try PagewaitLibrary.get()
        for _ in 0..<3 { #expect(try lib.call("pw_free", [.null]).kind == .void) }
        // ...and the thread's misuse message is not touched by it.
        let before = try lib.errmsg(nil)
        try lib.call("pw_free", [.null])
        #expect(try lib.errmsg(nil) == before)
    }

    @Test("a NULL in any pointer parameter the header does not allow NULL is PW_EMISUSE, and *out stays NULL")
    func nullEachPointer() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let table = ValidCalls.table()
        var checked = 0
        for p in fx.lib.codeFunctions {
            guard let entry = table[p.name] else { continue }
            for i in p.parameters.indices where p.parameters[i].kind == .pointer && !fx.lib.nullable(p, i) {
                var args = try entry.arguments(fx)
                args[i] = .null
                let rc = try fx.lib.call(p.name, args).int32
                let what = "\(p.name) with \(p.parameters[i].name ?? "#\(i)") NULL"
                let handle = p.parameters.first?.handle != nil && i != 0 ? args[0].pointer : nil
                try fx.lib.expectFailure(rc, "PW_EMISUSE", what, handle: handle)
                checked += 1
            }
        }
        #expect(checked >= 40)
    }

    @Test("every out parameter is NULL, PW_NO_LABEL or 0 after a failure: a NULL argument, a freed or mistyped handle, a bad value")
    func outParametersOnFailure() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let table = ValidCalls.table()
        let prototypes = Dictionary(fx.lib.codeFunctions.map { ($0.name, $0) }) { a, _ in a }
        // Every function the header gives an out parameter is listed.
        for p in fx.lib.codeFunctions {
            let outs = p.parameters.enumerated().filter { $0.element.name == "out" || $0.element.name == "count" || $0.element.name == "value" }
            if let o = outs.first, o.element.kind == .pointer { #expect(outParameters[p.name]?.index == o.offset, "\(p.name) hands out '\(o.element.name ?? "")'") }
        }
        var failures = 0
        for (name, out) in outParameters.sorted(by: { $0.key < $1.key }) {
            let p = try #require(prototypes[name]), entry = try #require(table[name])
            var breakages: [(String, (inout [Arg]) throws -> Void)] = []
            for (i, param) in p.parameters.enumerated() where i != out.index && param.kind == .pointer && !fx.lib.nullable(p, i) {
                breakages.append(("\(param.name ?? "#\(i)") NULL", { $0[i] = .null }))
                if let type = param.handle {
                    breakages.append(("a freed \(type) for \(param.name ?? "")", { args in
                        let h = try fx.make(type)
                        try fx.expectOK(type + "_free", .ptr(h))
                        fx.forget(h)
                        args[i] = .ptr(h)
                    }))
                }
            }
            switch name {
            case "pw_builder_param": breakages.append(("an unset parameter", { $0[1] = fx.string("no-such-parameter") }))
            case "pw_list_count": breakages.append(("an unknown kind", { $0[1] = fx.string("no-such-kind") }))
            case "pw_session_new": breakages.append(("an unknown scenario", { $0[1] = fx.string("no-such-scenario") }))
            case "pw_session_replay", "pw_session_replay_v2":
                breakages.append(("a format out of range", { $0[2] = .int(99) }))
                breakages.append(("a stale schedule", { $0[1] = fx.string("pw1:zz") }))
            default: break
            }
            for (how, breakIt) in breakages {
                var args = try entry.arguments(fx)
                try breakIt(&args)
                let slot = fx.slot()
                Cleared.poison(slot)
                args[out.index] = .ptr(slot)
                let rc = try fx.lib.call(name, args).int32
                #expect(rc < 0, "\(name) with \(how) succeeded")
                #expect(out.cleared.holds(slot), "\(name) failed with \(how) (\(fx.lib.codeName(rc))) but left its out parameter as it was")
                failures += 1
            }
        }
        #expect(failures >= 25)
    }

    @Test("a handle used after its free function is PW_EMISUSE in every function that takes one")
    func staleHandles() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let table = ValidCalls.table()
        // Arguments first: nothing below creates a handle, so no new handle
        // can take the place of a freed one while it is being tested.
        var calls: [(CPrototype, [Arg])] = []
        for p in fx.lib.codeFunctions where p.parameters.contains(where: { $0.handle != nil }) {
            if let entry = table[p.name] { calls.append((p, try entry.arguments(fx))) }
        }
        var stale: [String: UnsafeMutableRawPointer] = [:]
        for type in fx.header.handleTypes {
            let h = try fx.make(type)
            try fx.expectOK(type + "_free", .ptr(h))
            fx.forget(h)
            stale[type] = h
        }
        #expect(calls.count >= 35)
        for (p, valid) in calls {
            for (i, param) in p.parameters.enumerated() {
                guard let type = param.handle, let dead = stale[type] else { continue }
                var args = valid
                args[i] = .ptr(dead)
                let rc = try fx.lib.call(p.name, args).int32
                try fx.lib.expectFailure(rc, "PW_EMISUSE", "\(p.name) with a freed \(type)")
                #expect(try fx.lib.errmsg(dead) == fx.lib.errmsg(nil), "pw_errmsg of a freed \(type)")
            }
        }
    }

    @Test("a live handle of the wrong type is PW_EMISUSE, and the handle is left alone")
    func wrongTypeHandles() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let table = ValidCalls.table()
        let handles = try fx.header.handleTypes.map { ($0, try fx.shared($0)) }
        var checked = 0
        for p in fx.lib.codeFunctions {
            guard let entry = table[p.name] else { continue }
            for (i, param) in p.parameters.enumerated() {
                guard let type = param.handle else { continue }
                for (other, h) in handles where other != type {
                    var args = try entry.arguments(fx)
                    args[i] = .ptr(h)
                    let rc = try fx.lib.call(p.name, args).int32
                    try fx.lib.expectFailure(rc, "PW_EMISUSE", "\(p.name) given a \(other) for its \(type)")
                    checked += 1
                }
            }
        }
        #expect(checked >= 70)
        // The free functions refused every handle of another type: all live.
        try fx.expectOK("pw_list_count", .ptr(try fx.context()), .null, .ptr(fx.slot()))
        try fx.expectOK("pw_session_set_param", .ptr(try fx.session()), fx.string("think"), .int(2))
        try fx.expectOK("pw_builder_function", .ptr(try fx.builder()), .null)
    }

    @Test("a struct size field or size argument this library does not accept is PW_ESIZE, and nothing is written past the struct")
    func badSizes() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let table = ValidCalls.table()
        var checked = 0
        for p in fx.lib.codeFunctions {
            guard let entry = table[p.name] else { continue }
            for (i, param) in p.parameters.enumerated() {
                let layout: CStructLayout
                let sizeArgument: Bool
                let fills = p.parameters.contains { $0.name == "size" && $0.type == "size_t" }
                if let s = param.structure, !fills {
                    layout = try fx.header.layout(s)
                    sizeArgument = false
                } else if param.name == "size", param.type == "size_t", let s = p.parameters.first?.structure {
                    layout = try fx.header.layout(s)
                    sizeArgument = true
                } else {
                    continue
                }
                let bad: [UInt64] = [0, 1, 7, UInt64(layout.size - 1), UInt64(layout.size + 1), UInt64(layout.size * 2),
                                     1 << 40, UInt64.max]
                for size in bad {
                    var args = try entry.arguments(fx)
                    let target = try #require(sizeArgument ? args[0].pointer : args[i].pointer)
                    if sizeArgument { args[i] = .u64(size) } else { target.storeBytes(of: size, as: UInt64.self) }
                    let rc = try fx.lib.call(p.name, args).int32
                    let what = "\(p.name) with \(param.name ?? "#\(i)") \(sizeArgument ? "" : "size ")= \(size)"
                    try fx.lib.expectFailure(rc, "PW_ESIZE", what, handle: p.parameters.first?.handle != nil ? args[0].pointer : nil)
                    let intact = (0..<CStruct.canaryBytes).allSatisfy {
                        (target + layout.size).load(fromByteOffset: $0, as: UInt8.self) == CStruct.canary
                    }
                    #expect(intact, "\(what) wrote past the struct")
                    checked += 1
                }
            }
        }
        // The option and result structs of run, explore, list_entry,
        // register_strategy and the three *_init functions.
        #expect(checked >= 8 * 8)
    }

    // MARK: - Names, text and schedules

    @Test("unknown names are PW_ENOTFOUND, with the name in the handle's message")
    func unknownNames() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let lib = fx.lib
        let ctx = try fx.context(), s = try fx.session(), b = try fx.builder()

        let out = fx.slot(fill: 0xAB)
        try fx.expectOK("pw_list_count", .ptr(ctx), .null, .ptr(fx.slot()))
        var rc = try lib.rc("pw_session_new", .ptr(ctx), fx.string("no-such-scenario"), .ptr(out))
        try lib.expectFailure(rc, "PW_ENOTFOUND", "pw_session_new no-such-scenario", handle: ctx)
        #expect(try lib.errmsg(ctx).contains("no-such-scenario"))
        #expect(out.storedPointer == nil, "*out after a failed pw_session_new")

        rc = try lib.rc("pw_session_set_strategy", .ptr(s), fx.string("no-such-strategy"))
        try lib.expectFailure(rc, "PW_ENOTFOUND", "pw_session_set_strategy no-such-strategy", handle: s)
        #expect(try lib.errmsg(s).contains("no-such-strategy"))

        rc = try lib.rc("pw_session_set_param", .ptr(s), fx.string("no-such-parameter"), .int(1))
        try lib.expectFailure(rc, "PW_ENOTFOUND", "pw_session_set_param no-such-parameter", handle: s)
        #expect(try lib.errmsg(s).contains("no-such-parameter"))

        rc = try lib.rc("pw_session_set_memory", .ptr(s), fx.string("no-such-model"))
        try lib.expectFailure(rc, "PW_ENOTFOUND", "pw_session_set_memory no-such-model", handle: s)
        #expect(try lib.errmsg(s).contains("sc, tso, arm"))
        // arm runs in the engine (up to 8 tasks).
        rc = try lib.rc("pw_session_set_memory", .ptr(s), fx.string("arm"))
        #expect(rc == (try lib.code("PW_OK")), "pw_session_set_memory arm: \(lib.codeName(rc))")

        rc = try lib.rc("pw_list_count", .ptr(ctx), fx.string("no-such-kind"), .ptr(fx.slot()))
        try lib.expectFailure(rc, "PW_ENOTFOUND", "pw_list_count no-such-kind", handle: ctx)
        rc = try lib.rc("pw_list_entry", .ptr(ctx), fx.string("no-such-kind"), .int(0), try fx.structure("pw_plugin_info").arg)
        try lib.expectFailure(rc, "PW_ENOTFOUND", "pw_list_entry no-such-kind", handle: ctx)

        let def = try fx.strategyDef(name: "abi-orphan", base: "no-such-strategy")
        rc = try lib.rc("pw_register_strategy", .ptr(ctx), def.arg)
        try lib.expectFailure(rc, "PW_ENOTFOUND", "pw_register_strategy on base no-such-strategy", handle: ctx)
        #expect(try lib.errmsg(ctx).contains("no-such-strategy"))

        rc = try lib.rc("pw_builder_param", .ptr(b), fx.string("no-such-parameter"), .ptr(fx.slot()))
        try lib.expectFailure(rc, "PW_ENOTFOUND", "pw_builder_param no-such-parameter", handle: b)

        // The session is still usable, its strategy unchanged.
        try fx.expectOK("pw_session_set_strategy", .ptr(s), fx.string("put-and-wait-unlockless"))
        #expect(try lib.errmsg(s) == "")
    }

    @Test("malformed scenario text is PW_EPARSE, with the origin and line in the message", arguments: [
        ("summary = \"unterminated", "bad.toml", "bad.toml:1"),
        ("base = \"offline\"\n[parameters\n", "bad.toml", "bad.toml:2"),
        ("base = \"offline\"\nfoo", nil, "<text>:2"),
        ("name = \"x\"\n[page]\nflags = [\"uptodate\" \"lru\"]", nil, "<text>:3"),
    ] as [(String, String?, String)])
    func malformedScenario(text: String, origin: String?, message: String) throws {
        let fx = try Fixture()
        defer { fx.close() }
        let ctx = try fx.context()
        let originArg = origin.map { fx.string($0) } ?? .null
        var rc = try fx.lib.rc("pw_register_scenario", .ptr(ctx), fx.string(text), originArg)
        try fx.lib.expectFailure(rc, "PW_EPARSE", "pw_register_scenario \(text.debugDescription)", handle: ctx)
        let registered = try fx.lib.errmsg(ctx)
        #expect(registered.contains(message), "\(registered)")

        let out = fx.slot(fill: 0xAB)
        rc = try fx.lib.rc("pw_session_new_from_text", .ptr(ctx), fx.string(text), originArg, .ptr(out))
        try fx.lib.expectFailure(rc, "PW_EPARSE", "pw_session_new_from_text \(text.debugDescription)", handle: ctx)
        #expect(try fx.lib.errmsg(ctx).contains(message))
        #expect(out.storedPointer == nil, "*out after a failed pw_session_new_from_text")
    }

    @Test("a malformed schedule is PW_EPARSE; a well-formed one that does not fit the session is PW_ESTALE", arguments: [
        ("garbage", "PW_EPARSE"),
        ("", "PW_EPARSE"),
        ("pw1:01x?", "PW_EPARSE"),
        ("pw2:0011", "PW_EPARSE"),
        ("pw1:{999}", "PW_EPARSE"),
        ("pw1:0*3", "PW_EPARSE"),
        ("pw1:zz", "PW_ESTALE"),            // task 35 twice: there are three tasks
        ("pw1:0*100000.", "PW_ESTALE"),     // steps after the run's end
    ])
    func malformedSchedule(schedule: String, expected: String) throws {
        let fx = try Fixture()
        defer { fx.close() }
        let s = try fx.session()
        for format in ["PW_TRACE_TEXT", "PW_TRACE_JSON", "PW_TRACE_PERFETTO"] {
            let out = fx.slot()
            let rc = try fx.lib.rc("pw_session_replay", .ptr(s), fx.string(schedule), .int(try fx.c(format)), .ptr(out))
            try fx.lib.expectFailure(rc, expected, "replay \(schedule.debugDescription) as \(format)", handle: s)
            #expect(out.storedPointer == nil, "replay \(schedule.debugDescription) handed out text")
        }
    }

    @Test("a name registered twice is PW_EEXIST")
    func duplicates() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let ctx = try fx.context()
        try fx.expectOK("pw_register_scenario", .ptr(ctx), fx.string(busyPageText), fx.string("busy-page.toml"))
        var rc = try fx.lib.rc("pw_register_scenario", .ptr(ctx), fx.string(busyPageText), fx.string("busy-page.toml"))
        try fx.lib.expectFailure(rc, "PW_EEXIST", "busy-page registered twice", handle: ctx)
        let builtIn = busyPageText.replacingOccurrences(of: "name = \"busy-page\"", with: "name = \"reclaim-race\"")
        rc = try fx.lib.rc("pw_register_scenario", .ptr(ctx), fx.string(builtIn), .null)
        try fx.lib.expectFailure(rc, "PW_EEXIST", "a scenario named reclaim-race", handle: ctx)

        rc = try fx.lib.rc("pw_register_strategy", .ptr(ctx), try fx.strategyDef(name: "put-and-wait").arg)
        try fx.lib.expectFailure(rc, "PW_EEXIST", "a strategy named put-and-wait", handle: ctx)
        try fx.expectOK("pw_register_strategy", .ptr(ctx), try fx.strategyDef(name: "abi-alias").arg)
        rc = try fx.lib.rc("pw_register_strategy", .ptr(ctx), try fx.strategyDef(name: "abi-alias").arg)
        try fx.lib.expectFailure(rc, "PW_EEXIST", "abi-alias registered twice", handle: ctx)
    }

    @Test("a strategy definition without a name is PW_EMISUSE")
    func unnamedStrategy() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let ctx = try fx.context()
        let def = try fx.strategyDef(name: "x")
        try def.set("name", pointer: nil)
        let rc = try fx.lib.rc("pw_register_strategy", .ptr(ctx), def.arg)
        try fx.lib.expectFailure(rc, "PW_EMISUSE", "pw_register_strategy with name NULL", handle: ctx)
    }

    @Test("what is not a plugin is PW_EPLUGIN, with the reason")
    func notPlugins() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let ctx = try fx.context()
        let missing = "/nonexistent/libabi-probe-plugin.so"
        for path in [missing, headerPath, packageRoot.path, fx.notAPluginPath(), ""] {
            let rc = try fx.lib.rc("pw_load_plugin", .ptr(ctx), fx.string(path))
            try fx.lib.expectFailure(rc, "PW_EPLUGIN", "pw_load_plugin \(path.debugDescription)", handle: ctx)
        }
        _ = try fx.lib.rc("pw_load_plugin", .ptr(ctx), fx.string(missing))
        #expect(try fx.lib.errmsg(ctx).contains(missing), "the message names the path")
    }

    // MARK: - Numbers out of range

    /// What an int parameter of a pw_emit_* / pw_label_* function is, by its name in the header.
    enum Operand {
        case register, flag, label, comparison, state, permille
        /// A mutex or rwsem number: 0..<PW_MAX_SLEEPING_LOCKS.
        case sleepingLock
        /// A CPU: 0..<PW_MAX_CPUS.
        case cpu
        /// Its domain depends on the strategy or scenario it is built into:
        /// out of range may be refused now or when the code is built.
        case lateChecked
        /// Every value is valid.
        case value

        init(_ name: String) throws {
            switch name {
            case "reg", "page", "result", "kind": self = .register
            case "flag": self = .flag
            case "label": self = .label
            case "cmp": self = .comparison
            case "state": self = .state
            case "permille": self = .permille
            case "mutex", "rwsem": self = .sleepingLock
            case "cpu": self = .cpu
            case "behavior", "slot", "mm": self = .lateChecked
            case "value": self = .value
            default: throw CallError(message: "no range known for parameter '\(name)': classify it in MisuseTests.Operand")
            }
        }
    }

    @Test("registers, flags, labels, comparisons, sleep states and chances out of range are PW_ERANGE, and append nothing")
    func emitRanges() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let lib = fx.lib
        let table = ValidCalls.table()
        let registers = try fx.c("PW_REGISTERS")
        let pageFlags = try fx.header.integers(prefixed: "PW_PG_").map(\.value)
        let undefinedBit = (pageFlags.max() ?? 0) << 1
        let b = try fx.builder()
        var lines = try fx.listing(b).count
        var checked = 0
        for p in lib.codeFunctions where p.name.hasPrefix("pw_emit_") || p.name.hasPrefix("pw_label_") {
            let entry = try #require(table[p.name])
            for (i, param) in p.parameters.enumerated() where param.kind != .pointer {
                let operand = try Operand(param.name ?? "")
                let bad: [Int64] = switch operand {
                case .register: [-1, registers, Int64(Int32.max), Int64(Int32.min)]
                case .flag: [undefinedBit, 0x8000_0000, Int64(UInt32.max)]
                case .label: [try fx.c("PW_NO_LABEL"), 9999, Int64(Int32.max), Int64(Int32.min)]
                case .comparison: [-1, 4, Int64(Int32.max)]
                case .state: [0, 4, -1, Int64(Int32.min)]
                case .permille: [-1, 1001, Int64(Int32.max)]
                case .sleepingLock: [-1, try fx.c("PW_MAX_SLEEPING_LOCKS"), Int64(Int32.max), Int64(Int32.min)]
                case .cpu: [-1, try fx.c("PW_MAX_CPUS"), Int64(Int32.max), Int64(Int32.min)]
                case .lateChecked: [-1, Int64(Int32.min), Int64(Int32.max)]
                case .value: [Int64.min, Int64.max, 0]
                }
                for v in bad {
                    var args = try entry.arguments(fx)
                    guard args[0].pointer == b else { continue }  // label_new/bind use builders of their own
                    args[i] = .int(v)
                    let rc = try lib.call(p.name, args).int32
                    let what = "\(p.name) with \(param.name ?? "") = \(v)"
                    switch operand {
                    case .value:
                        #expect(rc == 0, "\(what): \(lib.codeName(rc))")
                    case .lateChecked:
                        #expect(try rc == 0 || rc == lib.code("PW_ERANGE"), "\(what): \(lib.codeName(rc))")
                    default:
                        try lib.expectFailure(rc, "PW_ERANGE", what, handle: b)
                    }
                    let now = try fx.listing(b).count  // after the message was read: listing succeeds and clears it
                    if rc != 0 { #expect(now == lines, "\(what) failed but appended code") }
                    lines = now
                    checked += 1
                }
            }
        }
        #expect(checked >= 60)

        // Labels of a builder of its own: binding or using one that was never made.
        let other = try fx.make("pw_builder")
        for name in ["pw_label_bind", "pw_emit_jump"] {
            let rc = try lib.rc(name, .ptr(other), .int(0))
            try lib.expectFailure(rc, "PW_ERANGE", "\(name) of a label the builder never made", handle: other)
        }
    }

    @Test("an index, format or method out of range is PW_ERANGE")
    func otherRanges() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let lib = fx.lib
        let ctx = try fx.context(), s = try fx.session()
        for kind in [Arg.null, fx.string("strategy")] {
            let count = fx.slot()
            try fx.expectOK("pw_list_count", .ptr(ctx), kind, .ptr(count))
            let n = count.load(as: UInt64.self)
            for index in [n, n + 1, UInt64(Int64.max), UInt64.max] {
                let info = try fx.structure("pw_plugin_info")
                let rc = try lib.rc("pw_list_entry", .ptr(ctx), kind, .u64(index), info.arg)
                try lib.expectFailure(rc, "PW_ERANGE", "pw_list_entry \(index) of \(n)", handle: ctx)
            }
        }
        let schedule = try fx.violatingSchedule()
        let formats = try fx.header.integers(prefixed: "PW_TRACE_").map(\.value)
        for format in [-1, (formats.max() ?? 0) + 1, Int64(Int32.max), Int64(Int32.min)] {
            let out = fx.slot()
            let rc = try lib.rc("pw_session_replay", .ptr(s), fx.string(schedule), .int(format), .ptr(out))
            try lib.expectFailure(rc, "PW_ERANGE", "pw_session_replay format \(format)", handle: s)
            #expect(out.storedPointer == nil)
        }
        let methods = try fx.header.integers(prefixed: "PW_EXPLORE_").map(\.value)
        for method in [-1, (methods.max() ?? 0) + 1, Int64(Int32.max)] {
            let o = try fx.exploreOptions()
            try o.set("method", method)
            let rc = try lib.rc("pw_session_explore", .ptr(s), o.arg, try fx.structure("pw_explore_result").arg)
            try lib.expectFailure(rc, "PW_ERANGE", "pw_session_explore method \(method)", handle: s)
        }
    }

    /// The header's PW_MAX_* defines.
    static func limit(_ fx: Fixture, _ name: String) throws -> Int64 { try fx.c(name) }

    @Test("run options outside the header's limits are PW_ERANGE naming the field, its value and the range, and nothing runs")
    func runOptionRanges() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let s = try fx.session()
        let maxSeeds = try Self.limit(fx, "PW_MAX_SEEDS"), maxJobs = try Self.limit(fx, "PW_MAX_JOBS")
        let maxSteps = try Self.limit(fx, "PW_MAX_STEPS"), maxTiming = try Self.limit(fx, "PW_MAX_TIMING")
        let cases: [(field: String, value: Int64, shown: String)] = [
            ("seeds", Int64(UInt32.max), "4294967295"), ("seeds", maxSeeds + 1, "\(maxSeeds + 1)"), ("seeds", 0, "0"),
            ("jobs", 0, "0"), ("jobs", maxJobs + 1, "\(maxJobs + 1)"), ("jobs", Int64(UInt32.max), "4294967295"),
            ("max_steps", 0, "0"), ("max_steps", -1, "-1"), ("max_steps", maxSteps + 1, "\(maxSteps + 1)"), ("max_steps", Int64.max, "\(Int64.max)"),
            ("wake_latency", -1, "-1"), ("wake_latency", maxTiming + 1, "\(maxTiming + 1)"), ("wake_latency", Int64(Int32.max), "\(Int32.max)"),
            ("preempt_length", Int64(Int32.min), "\(Int32.min)"), ("preempt_length", maxTiming + 1, "\(maxTiming + 1)"),
        ]
        for c in cases {
            let o = try fx.runOptions(seeds: 2)
            try o.set(c.field, c.value)
            let stats = try fx.structure("pw_run_stats")
            let rc = try fx.lib.rc("pw_session_run", .ptr(s), o.arg, stats.arg)
            let what = "pw_session_run with \(c.field) = \(c.value)"
            try fx.lib.expectFailure(rc, "PW_ERANGE", what, handle: s)
            let m = try fx.lib.errmsg(s)
            #expect(m.contains("options->\(c.field)") && m.contains(c.shown) && m.contains("allowed"), "\(what): \(m)")
            #expect(try stats.int("seeds") == 0, "\(what) filled the stats")
        }
        // The seeds are first_seed .. first_seed + seeds - 1: the last seed
        // a UInt64 can hold is fine, one more is out of range.
        let o = try fx.runOptions(seeds: 2)
        try o.setU64("first_seed", UInt64.max)
        var rc = try fx.lib.rc("pw_session_run", .ptr(s), o.arg, try fx.structure("pw_run_stats").arg)
        try fx.lib.expectFailure(rc, "PW_ERANGE", "pw_session_run first_seed UINT64_MAX, 2 seeds", handle: s)
        #expect(try fx.lib.errmsg(s).contains("options->first_seed"))
        try o.setU64("first_seed", UInt64.max - 2)
        rc = try fx.lib.rc("pw_session_run", .ptr(s), o.arg, try fx.structure("pw_run_stats").arg)
        #expect(rc == 0, "first_seed UINT64_MAX - 2, 2 seeds: \(fx.lib.codeName(rc)) \((try? fx.lib.errmsg(s)) ?? "")")
        // The largest step budget and timing are accepted.
        let edge = try fx.runOptions(seeds: 1)
        try edge.set("max_steps", maxSteps)
        try edge.set("wake_latency", maxTiming)
        try edge.set("preempt_length", maxTiming)
        rc = try fx.lib.rc("pw_session_run", .ptr(s), edge.arg, try fx.structure("pw_run_stats").arg)
        #expect(rc == 0, "max_steps PW_MAX_STEPS, timing PW_MAX_TIMING: \(fx.lib.codeName(rc)) \((try? fx.lib.errmsg(s)) ?? "")")
    }

    @Test("explore options outside the header's limits are PW_ERANGE naming the field, its value and the range")
    func exploreOptionRanges() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let s = try fx.session()
        func max(_ name: String) throws -> Int64 { try fx.c(name) }
        let cases: [(field: String, value: Int64)] = [
            ("jobs", 0), ("jobs", try max("PW_MAX_JOBS") + 1), ("jobs", Int64(Int32.max)),
            ("budget", -1), ("budget", try max("PW_MAX_BUDGET") + 1), ("budget", Int64.max),
            ("max_depth", 0), ("max_depth", try max("PW_MAX_DEPTH") + 1), ("max_depth", Int64(Int32.max)),
            ("preemptions", -2), ("preemptions", try max("PW_MAX_PREEMPTIONS") + 1), ("preemptions", Int64(Int32.max)),
            ("pct_depth", 0), ("pct_depth", try max("PW_MAX_PCT_DEPTH") + 1), ("pct_depth", Int64(Int32.max)),
            ("pct_length", 0), ("pct_length", try max("PW_MAX_PCT_LENGTH") + 1), ("pct_length", Int64(Int32.max)),
            ("wake_latency", -1), ("wake_latency", try max("PW_MAX_TIMING") + 1), ("preempt_length", Int64(Int32.min)),
        ]
        for c in cases {
            for method in ["PW_EXPLORE_EXHAUSTIVE", "PW_EXPLORE_PCT"] {
                let o = try fx.exploreOptions(method: method, budget: 1)
                try o.set(c.field, c.value)
                let rc = try fx.lib.rc("pw_session_explore", .ptr(s), o.arg, try fx.structure("pw_explore_result").arg)
                let what = "pw_session_explore (\(method)) with \(c.field) = \(c.value)"
                try fx.lib.expectFailure(rc, "PW_ERANGE", what, handle: s)
                let m = try fx.lib.errmsg(s)
                #expect(m.contains("options->\(c.field)") && m.contains("\(c.value)") && m.contains("allowed"), "\(what): \(m)")
            }
        }
        // The limits themselves are accepted (a budget of one state or run).
        let o = try fx.exploreOptions(method: "PW_EXPLORE_PCT", budget: 1)
        for (field, name) in [("max_depth", "PW_MAX_DEPTH"), ("preemptions", "PW_MAX_PREEMPTIONS"), ("pct_depth", "PW_MAX_PCT_DEPTH"),
                              ("pct_length", "PW_MAX_PCT_LENGTH"), ("wake_latency", "PW_MAX_TIMING")] {
            try o.set(field, try max(name))
        }
        let rc = try fx.lib.rc("pw_session_explore", .ptr(s), o.arg, try fx.structure("pw_explore_result").arg)
        #expect(rc == 0, "every explore option at its limit: \(fx.lib.codeName(rc)) \((try? fx.lib.errmsg(s)) ?? "")")
    }

    @Test("a parameter beyond PW_MAX_PARAMETER, mappings beyond PW_MAX_MAPPINGS and counts beyond PW_MAX_TASKS are PW_ERANGE, not PW_EBUILD, and change nothing",
          arguments: [
              ("think", 10_001, "0...10,000"), ("think", -5, "0...10,000"), ("preemptInWindow", Int64.max, "0...1,000"),
              ("preemptInWindow", 1_001, "0...1,000"), ("passes", -1, "1...10,000"), ("faulters", 10_001, "0...126"),
              ("mappings", 33, "0...32"), ("mappings", -1, "0...32"),
              ("faulters", 200, "0...126"), ("faulters", 127, "0...126"), ("faulters", -1, "0...126"),
          ] as [(String, Int64, String)])
    func parameterRanges(name: String, value: Int64, allowed: String) throws {
        let fx = try Fixture()
        defer { fx.close() }
        let s = try fx.session()
        let rc = try fx.lib.rc("pw_session_set_param", .ptr(s), fx.string(name), .int(value))
        try fx.lib.expectFailure(rc, "PW_ERANGE", "pw_session_set_param \(name) = \(value)", handle: s)
        let m = try fx.lib.errmsg(s)
        #expect(m.contains(name) && m.contains("\(value)") && m.contains("allowed \(allowed)"), "\(m)")
        // The session is as it was: it still runs, with its old parameters.
        try fx.expectOK("pw_session_set_param", .ptr(s), fx.string("faulters"), .int(1))
        try fx.expectOK("pw_session_run", .ptr(s), try fx.runOptions(seeds: 1).arg, try fx.structure("pw_run_stats").arg)
    }

    @Test("a builder takes PW_MAX_INSTRUCTIONS instructions and labels, then refuses more with PW_ERANGE, appending nothing")
    func programLength() throws {
        let fx = try Fixture()
        defer { fx.close() }
        let limit = try fx.c("PW_MAX_INSTRUCTIONS")
        let b = try fx.make("pw_builder")
        // Four short of the limit, then lock_page (five steps) cannot fit
        // and appends nothing; single steps fill it exactly.
        for i in 0..<(limit - 4) {
            let rc = try fx.lib.rc("pw_emit_set", .ptr(b), .int(1), .int(i))
            guard rc == 0 else { Issue.record("pw_emit_set number \(i): \(fx.lib.codeName(rc))"); return }
        }
        var rc = try fx.lib.rc("pw_emit_lock_page", .ptr(b), .int(0))
        try fx.lib.expectFailure(rc, "PW_ERANGE", "lock_page four short of the limit", handle: b)
        #expect(try fx.lib.errmsg(b).contains("\(limit)"))
        for _ in 0..<4 { try fx.expectOK("pw_emit_put_page", .ptr(b), .int(0)) }
        rc = try fx.lib.rc("pw_emit_put_page", .ptr(b), .int(0))
        try fx.lib.expectFailure(rc, "PW_ERANGE", "an instruction past the limit", handle: b)
        #expect(try fx.listing(b).count == Int(limit), "the full builder lists exactly PW_MAX_INSTRUCTIONS lines")

        let l = try fx.make("pw_builder")
        let out = fx.slot()
        for i in 0..<limit {
            let rc = try fx.lib.rc("pw_label_new", .ptr(l), .ptr(out))
            guard rc == 0 else { Issue.record("pw_label_new number \(i): \(fx.lib.codeName(rc))"); return }
        }
        rc = try fx.lib.rc("pw_label_new", .ptr(l), .ptr(out))
        try fx.lib.expectFailure(rc, "PW_ERANGE", "a label past the limit", handle: l)
        #expect(out.load(as: Int32.self) == Int32(try fx.c("PW_NO_LABEL")))
    }

    // MARK: - Messages

    @Test("pw_errmsg(NULL) belongs to the calling thread")
    func misuseMessageIsPerThread() throws {
        let lib = try PagewaitLibrary.get()
        let arena = Arena()
        let strategy = arena.cString("put-and-wait")
        let rc = try lib.rc("pw_session_set_strategy", .null, .ptr(strategy))
        try lib.expectFailure(rc, "PW_EMISUSE", "pw_session_set_strategy(NULL, ...)")
        let mine = try lib.errmsg(nil)

        nonisolated(unsafe) var before: String?
        nonisolated(unsafe) var after: String?
        nonisolated(unsafe) var threadRC: Int32?
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            before = try? lib.errmsg(nil)
            threadRC = try? lib.rc("pw_builder_listing", .null, .null)
            after = try? lib.errmsg(nil)
            done.signal()
        }
        thread.start()
        done.wait()
        #expect(before == "", "a new thread has had no misuse: \(before ?? "nil")")
        #expect(try threadRC == lib.code("PW_EMISUSE"))
        #expect(after?.isEmpty == false)
        #expect(try lib.errmsg(nil) == mine, "another thread's misuse replaced this thread's message")
    }

    @Test("pw_errstr describes every result code, each differently, and codes nobody defined")
    func errstr() throws {
        let lib = try PagewaitLibrary.get()
        let codes = lib.errorCodes.map(\.value) + [try lib.constant("PW_OK"), try lib.constant("PW_DECLINE")]
        #expect(lib.errorCodes.count >= 11)
        var texts: [String] = []
        for code in codes {
            let s = try lib.call("pw_errstr", [.int(code)]).string
            #expect(s?.isEmpty == false, "pw_errstr(\(code))")
            texts.append(s ?? "")
        }
        #expect(Set(texts).count == codes.count, "two codes share a description: \(texts)")
        for code in [-12, 2, 1000, Int64(Int32.min), Int64(Int32.max)] {
            #expect(try lib.call("pw_errstr", [.int(code)]).string?.isEmpty == false, "pw_errstr(\(code))")
        }
    }
}
