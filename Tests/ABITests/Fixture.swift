// Handles and inputs the calls need: a context, a session on reclaim-race,
// a builder, a bound label, a violating schedule. Everything made here is
// freed by close(), through the library's own free functions.

import Foundation
import Testing

/// The text of Examples/scenarios/busy-page.toml, a valid scenario file.
let busyPageText: String = (try? String(contentsOfFile: packageRoot.appendingPathComponent("Examples/scenarios/busy-page.toml").path,
                                        encoding: .utf8)) ?? ""

final class Fixture {
    let lib: PagewaitLibrary
    let arena = Arena()
    private var live: [(type: String, handle: UnsafeMutableRawPointer)] = []
    private var shared: [String: UnsafeMutableRawPointer] = [:]
    private var sharedLabel: Int64?
    private var schedule: String?

    init() throws {
        lib = try PagewaitLibrary.get()
    }

    var header: CHeader { lib.header }

    func string(_ s: String) -> Arg { .ptr(arena.cString(s)) }
    func slot(fill: UInt8 = 0) -> UnsafeMutableRawPointer { arena.slot(fill: fill) }
    func structure(_ name: String) throws -> CStruct {
        let s = try arena.structure(name, header: header)
        try s.set("size", Int64(s.layout.size))
        return s
    }

    // MARK: Handles

    /// A new live handle of `type`, freed by close() unless freed before.
    func make(_ type: String) throws -> UnsafeMutableRawPointer {
        let out = slot()
        let rc: Int32
        switch type {
        case "pw_context":
            rc = try lib.rc("pw_context_new", .ptr(out))
        case "pw_session":
            rc = try lib.rc("pw_session_new", .ptr(try context()), string("reclaim-race"), .ptr(out))
        case "pw_builder":
            rc = try lib.rc("pw_builder_new", .ptr(try context()), string("abi_probe"), .ptr(out))
        default:
            throw CallError(message: "no way to make a \(type): teach Fixture.make")
        }
        guard rc == 0, let h = out.storedPointer else {
            throw CallError(message: "making a \(type) failed: \(lib.codeName(rc)) \(try lib.errmsg(shared["pw_context"]))")
        }
        live.append((type, h))
        return h
    }

    /// Take charge of a handle a call under test created.
    func adopt(_ type: String, _ h: UnsafeMutableRawPointer) { live.append((type, h)) }

    /// A handle a call under test freed.
    func forget(_ h: UnsafeMutableRawPointer) { live.removeAll { $0.handle == h } }

    func isLive(_ h: UnsafeMutableRawPointer) -> Bool { live.contains { $0.handle == h } }

    /// The one handle of `type` most calls use.
    func shared(_ type: String) throws -> UnsafeMutableRawPointer {
        if let h = shared[type] { return h }
        let h = try make(type)
        shared[type] = h
        if type == "pw_session" {
            let rc = try lib.rc("pw_session_set_strategy", .ptr(h), string("put-and-wait-unlockless"))
            guard rc == 0 else { throw CallError(message: "set_strategy put-and-wait-unlockless: \(lib.codeName(rc))") }
        }
        return h
    }

    func context() throws -> UnsafeMutableRawPointer { try shared("pw_context") }
    /// reclaim-race under put-and-wait-unlockless, which loses a wakeup.
    func session() throws -> UnsafeMutableRawPointer { try shared("pw_session") }
    func builder() throws -> UnsafeMutableRawPointer { try shared("pw_builder") }

    /// A label of the shared builder, bound (so the code stays listable).
    func label() throws -> Int64 {
        if let l = sharedLabel { return l }
        let b = try builder()
        let out = slot()
        try expectOK("pw_label_new", .ptr(b), .ptr(out))
        let l = Int64(out.load(as: Int32.self))
        try expectOK("pw_label_bind", .ptr(b), .int(l))
        sharedLabel = l
        return l
    }

    /// A fresh builder holding one instruction attributed to `function`.
    func builderWithCode(function: String = "abi_probe_fn") throws -> UnsafeMutableRawPointer {
        let b = try make("pw_builder")
        try expectOK("pw_builder_function", .ptr(b), string(function))
        try expectOK("pw_emit_set", .ptr(b), .int(1), .int(7))
        return b
    }

    /// The builder's listing, one instruction a line.
    func listing(_ b: UnsafeMutableRawPointer) throws -> [String] {
        let out = slot()
        try expectOK("pw_builder_listing", .ptr(b), .ptr(out))
        guard let p = out.storedPointer else { throw CallError(message: "pw_builder_listing left *out NULL") }
        defer { _ = try? lib.call("pw_free", [.ptr(p)]) }
        return String(cString: p.assumingMemoryBound(to: CChar.self)).split(separator: "\n").map(String.init)
    }

    /// A string the library allocated for the caller (a listing), to free.
    func allocatedString() throws -> UnsafeMutableRawPointer {
        let out = slot()
        try expectOK("pw_builder_listing", .ptr(try builderWithCode()), .ptr(out))
        guard let p = out.storedPointer else { throw CallError(message: "pw_builder_listing left *out NULL") }
        return p
    }

    // MARK: Options and results

    func runOptions(seeds: Int64 = 5, jobs: Int64 = 1) throws -> CStruct {
        let o = try structure("pw_run_options")
        try expectOK("pw_run_options_init", o.arg, .int(Int64(o.layout.size)))
        try o.set("seeds", seeds)
        try o.set("jobs", jobs)
        return o
    }

    func exploreOptions(method: String = "PW_EXPLORE_EXHAUSTIVE", budget: Int64 = 0) throws -> CStruct {
        let o = try structure("pw_explore_options")
        try expectOK("pw_explore_options_init", o.arg, .int(Int64(o.layout.size)))
        try o.set("method", try header.integer(method))
        try o.set("budget", budget)
        return o
    }

    /// A strategy definition from pw_strategy_def_init, named `name`.
    func strategyDef(name: String, base: String? = nil) throws -> CStruct {
        let d = try structure("pw_strategy_def")
        try expectOK("pw_strategy_def_init", d.arg, .int(Int64(d.layout.size)))
        try d.set("name", pointer: arena.cString(name))
        if let base { try d.set("base", pointer: arena.cString(base)) }
        return d
    }

    /// The shared session's minimal violating schedule, found once by
    /// exhaustive exploration.
    func violatingSchedule() throws -> String {
        if let s = schedule { return s }
        let result = try structure("pw_explore_result")
        try expectOK("pw_session_explore", .ptr(try session()), try exploreOptions().arg, result.arg)
        guard let s = try result.string("schedule"), !s.isEmpty else {
            throw CallError(message: "exploring reclaim-race under put-and-wait-unlockless gave no schedule")
        }
        schedule = s
        return s
    }

    // MARK: Calls

    /// Call an int function that must succeed; throws with its message if not.
    func expectOK(_ name: String, _ args: Arg...) throws {
        let rc = try lib.call(name, args).int32
        guard rc == 0 else {
            let handle = args.first?.pointer
            throw CallError(message: "\(name) returned \(lib.codeName(rc)): \(try lib.errmsg(handle))")
        }
    }

    /// Free everything still live: builders, then sessions, then contexts.
    func close() {
        for type in ["pw_builder", "pw_session", "pw_context"] {
            for (t, h) in live.reversed() where t == type {
                let rc = try? lib.rc(type + "_free", .ptr(h))
                #expect(rc == 0, "\(type)_free of a live handle returned \(rc.map(lib.codeName) ?? "nothing")")
            }
        }
        live.removeAll()
        shared.removeAll()
    }
}
