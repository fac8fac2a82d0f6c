// C strategies: the emit and destroy callbacks of pw_strategy_def, called
// by the library with the pw_hook_context layout of pagewait.h, calling
// back into the library through libffi as C code would.

import Foundation
import Testing

/// What a C strategy's callbacks saw, reached through their `user` pointer.
final class StrategyProbe {
    enum Action { case decline, refuse, unlockAtClearLocked }

    struct Hook {
        let id: Int64, name: String, size: Int64, page: Int64, ntemps: Int64, temps: [Int64], slot: Int64, mm: Int64, bail: Int64
    }

    let action: Action
    /// A parameter every hook reads with pw_builder_param.
    let parameter: String?
    var hooks: [Hook] = []
    var parameters: [(hook: Int64, rc: Int32, value: Int64)] = []
    var errors: [String] = []
    var destroyed = 0
    let arena = Arena()

    init(_ action: Action, parameter: String? = nil) {
        self.action = action
        self.parameter = parameter
    }

    var user: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    func emit(_ b: UnsafeMutableRawPointer?, _ context: UnsafeRawPointer) -> Int32 {
        do {
            let lib = try PagewaitLibrary.get()
            let decline = try lib.code("PW_DECLINE")
            let h = CStruct(layout: try lib.header.layout("pw_hook_context"), base: UnsafeMutableRawPointer(mutating: context))
            let size = try h.int("size")
            guard size >= h.layout.size else {
                errors.append("a pw_hook_context of \(size) bytes")
                return decline
            }
            let ntemps = try h.int("ntemps")
            let temps = try (0..<min(max(Int(ntemps), 0), try h.layout.field("temps").count)).map { try h.int("temps", index: $0) }
            let hook = Hook(id: try h.int("hook"), name: try h.string("hook_name") ?? "", size: size, page: try h.int("page"),
                            ntemps: ntemps, temps: temps, slot: try h.int("slot"), mm: try h.int("mm"), bail: try h.int("bail"))
            hooks.append(hook)
            if let parameter {
                let out = arena.slot()
                let rc = try lib.rc("pw_builder_param", .ptr(b), .ptr(arena.cString(parameter)), .ptr(out))
                parameters.append((hook.id, rc, out.load(as: Int64.self)))
            }
            switch action {
            case .decline:
                return decline
            case .refuse:
                return try lib.rc("pw_builder_fail", .ptr(b), .ptr(arena.cString("abi probe refuses \(hook.name)")))
            case .unlockAtClearLocked:
                guard try hook.id == lib.constant("PW_HOOK_RECLAIM_CLEAR_LOCKED") else { return decline }
                if try lib.rc("pw_builder_function", .ptr(b), .ptr(arena.cString("abi_unlock_page"))) != 0 {
                    errors.append("pw_builder_function: \(try lib.errmsg(b))")
                }
                return try lib.rc("pw_emit_unlock_page", .ptr(b), .int(hook.page))
            }
        } catch {
            errors.append("\(error)")
            return -1
        }
    }
}

enum StrategyCallbacks {
    typealias Emit = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeRawPointer?) -> Int32
    typealias Destroy = @convention(c) (UnsafeMutableRawPointer?) -> Void

    static var emit: UnsafeRawPointer {
        let f: Emit = { user, b, context in
            guard let user, let context else { return -2 }
            return Unmanaged<StrategyProbe>.fromOpaque(user).takeUnretainedValue().emit(b, context)
        }
        return unsafeBitCast(f, to: UnsafeRawPointer.self)
    }

    static var destroy: UnsafeRawPointer {
        let f: Destroy = { user in
            guard let user else { return }
            Unmanaged<StrategyProbe>.fromOpaque(user).takeUnretainedValue().destroyed += 1
        }
        return unsafeBitCast(f, to: UnsafeRawPointer.self)
    }
}

extension Fixture {
    /// Register a C strategy whose callbacks report to `probe`.
    func registerStrategy(_ ctx: UnsafeMutableRawPointer, name: String, base: String, probe: StrategyProbe,
                          emit: Bool = true) throws -> Int32 {
        let def = try strategyDef(name: name, base: base)
        try def.set("summary", pointer: arena.cString("a C strategy of the ABI tests"))
        if emit { try def.set("emit", pointer: StrategyCallbacks.emit) }
        try def.set("user", pointer: probe.user)
        try def.set("destroy", pointer: StrategyCallbacks.destroy)
        return try lib.rc("pw_register_strategy", .ptr(ctx), def.arg)
    }

    /// A new session on reclaim-race in `ctx`.
    func reclaimRace(in ctx: UnsafeMutableRawPointer) throws -> UnsafeMutableRawPointer {
        let out = slot()
        try expectOK("pw_session_new", .ptr(ctx), string("reclaim-race"), .ptr(out))
        let s = try #require(out.storedPointer)
        adopt("pw_session", s)
        return s
    }

    func explore(_ s: UnsafeMutableRawPointer, budget: Int64 = 0) throws -> CStruct {
        let result = try structure("pw_explore_result")
        try expectOK("pw_session_explore", .ptr(s), try exploreOptions(budget: budget).arg, result.arg)
        return result
    }
}

@Suite("C strategies", .serialized)
struct CallbackTests {
    @Test("a strategy that declines every hook is its base; its callback sees well-formed hook contexts and parameters")
    func declining() throws {
        let fx = try Fixture()
        let probe = StrategyProbe(.decline, parameter: "preemptInWindow")
        defer { fx.close(); withExtendedLifetime(probe) {} }  // close() may call destroy
        let ctx = try fx.make("pw_context")
        #expect(try fx.registerStrategy(ctx, name: "abi-decline", base: "put-and-wait-unlockless", probe: probe) == 0)
        let s = try fx.reclaimRace(in: ctx)
        try fx.expectOK("pw_session_set_param", .ptr(s), fx.string("preemptInWindow"), .int(250))
        #expect(probe.hooks.isEmpty, "no callback before the session uses the strategy")
        try fx.expectOK("pw_session_set_strategy", .ptr(s), fx.string("abi-decline"))
        #expect(probe.errors == [])

        let registers = try fx.c("PW_REGISTERS"), noLabel = try fx.c("PW_NO_LABEL")
        let ids = Set(probe.hooks.map(\.id))
        #expect(try ids.isSuperset(of: ["PW_HOOK_MIGRATION_ENTRY_WAIT", "PW_HOOK_RECLAIM_FROZEN", "PW_HOOK_RECLAIM_CLEAR_LOCKED"]
            .map { try fx.c($0) }), "hooks seen: \(probe.hooks.map(\.name))")
        for h in probe.hooks {
            #expect((0...3).contains(h.id) && !h.name.isEmpty, "\(h)")
            #expect((0..<registers).contains(h.page), "\(h.name): page register \(h.page)")
            #expect((0...4).contains(h.ntemps) && h.temps.allSatisfy { (0..<registers).contains($0) && $0 != h.page }, "\(h)")
            if try h.id == fx.c("PW_HOOK_MIGRATION_ENTRY_WAIT") {
                #expect(h.slot >= 0 && h.bail == noLabel, "\(h)")
            } else {
                #expect(h.slot == -1, "\(h.name): slot \(h.slot)")
            }
            if try h.id == fx.c("PW_HOOK_RECLAIM_FROZEN") { #expect(h.bail != noLabel, "\(h)") }
            else { #expect(h.bail == noLabel, "\(h)") }
        }
        let atFault = try probe.parameters.filter { try $0.hook == fx.c("PW_HOOK_MIGRATION_ENTRY_WAIT") }
        #expect(!atFault.isEmpty && atFault.allSatisfy { $0.rc == 0 && $0.value == 250 },
                "pw_builder_param preemptInWindow at the fault: \(atFault)")

        // Declining everywhere: the base strategy's states and violation.
        try fx.expectOK("pw_session_set_param", .ptr(s), fx.string("preemptInWindow"), .int(0))
        let mine = try fx.explore(s), base = try fx.explore(try fx.session())
        #expect(try mine.int("verdict") == fx.c("PW_VERDICT_VIOLATION"))
        #expect(try mine.string("schedule") == base.string("schedule"))
        #expect(try mine.int("states") == base.int("states"))

        // destroy: once, when neither the context nor the session needs `user`.
        try fx.expectOK("pw_context_free", .ptr(ctx))
        fx.forget(ctx)
        #expect(probe.destroyed == 0, "destroyed while a session still uses the strategy")
        try fx.expectOK("pw_session_free", .ptr(s))
        fx.forget(s)
        #expect(probe.destroyed == 1)
    }

    @Test("a strategy that refuses a hook fails the session's call with PW_EBUILD, naming the strategy and the hook")
    func refusing() throws {
        let fx = try Fixture()
        let probe = StrategyProbe(.refuse)
        defer { fx.close(); withExtendedLifetime(probe) {} }  // close() may call destroy
        let ctx = try fx.make("pw_context")
        #expect(try fx.registerStrategy(ctx, name: "abi-refuse", base: "put-and-wait", probe: probe) == 0)
        let s = try fx.reclaimRace(in: ctx)
        let rc = try fx.lib.rc("pw_session_set_strategy", .ptr(s), fx.string("abi-refuse"))
        try fx.lib.expectFailure(rc, "PW_EBUILD", "set_strategy abi-refuse", handle: s)
        let message = try fx.lib.errmsg(s)
        let hook = try #require(probe.hooks.first)
        #expect(message.contains("abi-refuse") && message.contains(hook.name) && message.contains("abi probe refuses"), "\(message)")
        // The session still works under another strategy.
        try fx.expectOK("pw_session_set_strategy", .ptr(s), fx.string("put-and-wait"))
        #expect(try fx.lib.errmsg(s) == "")
        try fx.expectOK("pw_context_free", .ptr(ctx))
        fx.forget(ctx)
        try fx.expectOK("pw_session_free", .ptr(s))
        fx.forget(s)
        #expect(probe.destroyed == 1)
    }

    @Test("code a strategy emits at a hook replaces its base's: unlock_page in reclaim's clear of PG_locked keeps the wakeup")
    func emitting() throws {
        let fx = try Fixture()
        let probe = StrategyProbe(.unlockAtClearLocked)
        defer { fx.close(); withExtendedLifetime(probe) {} }  // close() may call destroy
        let ctx = try fx.make("pw_context")
        #expect(try fx.registerStrategy(ctx, name: "abi-unlock", base: "put-and-wait-unlockless", probe: probe) == 0)
        let s = try fx.reclaimRace(in: ctx)
        try fx.expectOK("pw_session_set_strategy", .ptr(s), fx.string("abi-unlock"))
        #expect(probe.errors == [])
        // The unlockless base loses the wakeup within a few thousand states;
        // with unlock_page, five times as many show none.
        let budget: Int64 = 15_000
        let base = try fx.explore(try fx.session(), budget: budget)
        #expect(try base.int("verdict") == fx.c("PW_VERDICT_VIOLATION"))
        let mine = try fx.explore(s, budget: budget)
        let detail = try mine.string("detail") ?? ""
        #expect(try mine.int("verdict") == fx.c("PW_VERDICT_NO_VIOLATION"), "\(detail)")
        #expect(try mine.int("states") >= budget / 2)
        #expect(probe.errors == [])
    }

    @Test("destroy is called once when the context goes, and never for a definition that was refused")
    func destroy() throws {
        let fx = try Fixture()
        let kept = StrategyProbe(.decline), refused = StrategyProbe(.decline)
        defer { fx.close(); withExtendedLifetime((kept, refused)) {} }
        let ctx = try fx.make("pw_context")
        #expect(try fx.registerStrategy(ctx, name: "abi-kept", base: "put-and-wait", probe: kept, emit: false) == 0)
        let rc = try fx.registerStrategy(ctx, name: "abi-refused", base: "no-such-strategy", probe: refused)
        try fx.lib.expectFailure(rc, "PW_ENOTFOUND", "a definition on an unknown base", handle: ctx)
        let dup = try fx.registerStrategy(ctx, name: "abi-kept", base: "put-and-wait", probe: refused)
        try fx.lib.expectFailure(dup, "PW_EEXIST", "a second abi-kept", handle: ctx)
        #expect(kept.destroyed == 0 && refused.destroyed == 0)
        try fx.expectOK("pw_context_free", .ptr(ctx))
        fx.forget(ctx)
        #expect(kept.destroyed == 1)
        #expect(refused.destroyed == 0, "destroy called for a definition that was not registered")
        #expect(kept.hooks.isEmpty, "emit NULL: no callback")
    }
}
