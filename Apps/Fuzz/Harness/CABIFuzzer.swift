import CPagewait
import Glibc
import PagewaitABI
import PagewaitPlugins

/// The C ABI fuzz target: the input is a sequence of `pw_*` calls, made
/// through the library's own entry points with fuzzed arguments — NULLs,
/// wrong struct sizes, freed and wrong-type handles, forged handle values,
/// names from a small list and garbage, malformed scenario text and
/// schedules, out-of-range registers, flags and labels — and C strategies
/// whose emit callbacks run fuzzed builder calls themselves.
///
/// Promises checked on every call (pagewait.h's conventions):
/// - nothing crashes, and every result is PW_OK or one of the PW_E* codes;
/// - a negative result comes with a message naming the function: in
///   pw_errmsg(handle) for a live handle, in pw_errmsg(NULL) for PW_EMISUSE;
///   and a live handle's message is "" after a call on it succeeded;
/// - every out parameter is "nothing" after a failure: NULL for handles
///   and strings, PW_NO_LABEL for labels, 0 for counts and values;
/// - a number outside its PW_MAX_* limit is never accepted (PW_ERANGE, or
///   an earlier misuse or size error), so nothing is sized by it;
/// - a replay's verdict agrees with itself (a violation has a kind, and the
///   run ended with it);
/// - the library writes no byte past a struct's `size`, nor past a buffer;
/// - a registered strategy's `destroy` runs exactly once, after every
///   handle that could need it is freed, and `emit` never runs after it;
///   an unregistered one's `destroy` never runs.
///
/// Calls that run the model (run, explore, replay, building a scenario) get
/// tiny budgets, so the target runs a thousand-odd inputs per second.
public final class CABIFuzzer: Sendable {
    public init() {}

    /// A broken promise.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Run one input; a `Problem` if a promise was broken.
    public func evaluate(_ bytes: [UInt8]) -> Problem? {
        let run = CABIRun(FuzzInput(bytes))
        run.execute()
        return run.problem.map { Problem(description: $0 + "\n  calls:\n" + run.log.suffix(24).map { "    " + $0 }.joined(separator: "\n")) }
    }

    public func fuzz(_ data: UnsafeRawBufferPointer) {
        if let p = evaluate(Array(data)) {
            fuzzerFail("pagewait fuzz-cabi: \(p)")
        }
    }
}

/// A C strategy's `user`: the fuzz bytes its emit callback interprets, and
/// how often the library called it back.
final class StrategyUser {
    unowned let run: CABIRun
    let script: [UInt8]
    var registered = false
    var destroyable = false
    var destroyed = 0
    var emits = 0

    init(run: CABIRun, script: [UInt8]) {
        self.run = run
        self.script = script
    }
}

private let emitCallback: pw_emit_fn = { user, b, hook in
    guard let user else { return PW_DECLINE }
    let u = Unmanaged<StrategyUser>.fromOpaque(user).takeUnretainedValue()
    return u.run.emit(u, builder: b, hook: hook)
}

private let destroyCallback: @convention(c) (UnsafeMutableRawPointer?) -> Void = { user in
    guard let user else { return }
    let u = Unmanaged<StrategyUser>.fromOpaque(user).takeUnretainedValue()
    u.destroyed += 1
    if u.destroyed > 1 { u.run.fail("destroy called \(u.destroyed) times for one registration") }
}

/// One input's calls and the handles they made.
final class CABIRun {
    var input: FuzzInput
    var problem: String?
    var log: [String] = []

    /// Every handle this input got from the library, live or freed, in the
    /// order made; freed ones stay, to be used again as stale handles.
    var handles: [OpaquePointer] = []
    var live: [UInt: String] = [:]   // handle bits -> its kind, for handles we must free
    var users: [StrategyUser] = []
    var strings: [UnsafeMutablePointer<CChar>] = []
    var schedules: [String] = []
    /// Emit callbacks running now (they make no model-running calls).
    var callbackDepth = 0
    /// Calls that run the model: a few per input keep inputs fast.
    var heavyCalls = 0
    static let heavyLimit = 6
    /// PW_FUZZ_TRACE=1: print every call (to see what an input does).
    static let tracing = environment("PW_FUZZ_TRACE") == "1"
    static let callLimit = 96

    init(_ input: FuzzInput) { self.input = input }

    func fail(_ message: String) {
        if problem == nil { problem = message }
    }

    // MARK: - Running

    func execute() {
        var calls = 0
        while !input.isExhausted && problem == nil && calls < Self.callLimit {
            step()
            calls += 1
        }
        cleanUp()
        for s in strings { free(s) }
    }

    /// Free every handle still live, then check the strategies' lifetimes.
    func cleanUp() {
        for h in handles {
            guard let kind = live[bits(h)] else { continue }
            let rc: Int32
            switch kind {
            case "context": rc = pwContextFree(h)
            case "session": rc = pwSessionFree(h)
            default: rc = pwBuilderFree(h)
            }
            if rc != PW_OK { fail("freeing a live \(kind) at the end returned \(rc): \(message(nil))") }
            live[bits(h)] = nil
        }
        guard problem == nil else { return }
        for u in users {
            if u.registered && u.destroyable && u.destroyed != 1 {
                fail("a registered strategy's destroy ran \(u.destroyed) times once every handle was freed (expected once)")
            }
            if !u.registered && u.destroyed != 0 {
                fail("destroy ran for a strategy whose registration failed")
            }
        }
    }

    // MARK: - Argument decoding

    func bits(_ h: OpaquePointer) -> UInt { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(h))) }

    /// NULL, a forged value, or any handle this input has seen (live, freed,
    /// of any type).
    func handle() -> OpaquePointer? {
        let b = input.byte()
        switch b {
        case 0: return nil
        case 1...3:
            // A forged handle: a kind nibble, a small slot, a generation.
            let v = UInt(input.byte() & 0xF) | UInt(input.byte() & 0x3F) << 4 | UInt(input.byte() & 3) << 32
            return OpaquePointer(bitPattern: v == 0 ? 0x10 : v)
        default:
            guard !handles.isEmpty else { return nil }
            return handles[Int(b) % handles.count]
        }
    }

    /// A handle of `kind` if one is live, else anything `handle()` gives.
    func handle(preferring kind: String) -> OpaquePointer? {
        let b = input.byte()
        if b & 3 != 0, let h = handles.reversed().first(where: { live[bits($0)] == kind }) {
            // Mostly the newest live one; sometimes an older one.
            if b & 4 == 0 { return h }
            let all = handles.filter { live[bits($0)] == kind }
            return all[Int(b >> 3) % all.count]
        }
        return handle()
    }

    static let names = [
        "reclaim-race", "migrate-vs-faulters", "offline", "reuse", "fairness", "wake-walk", "killable-lockers",
        "put-and-wait", "legacy", "legacy-unlock", "put-and-wait-unlockless", "put-and-wait-cond", "noref", "rewrite-fair",
        "unfair-5", "unfair-0", "unfair-10000", "unfair-10001", "unfair--1", "unfair-x", "drop-loops", "drop-early-put",
        "faulters", "mappings", "think", "preemptInWindow", "passes", "readers", "lockers", "delay", "hold", "budget",
        "touches", "unmapCost", "count", "strategy", "scenario", "actor", "checker", "reporter", "scheduler", "random",
        "busy-page", "fz", "c-strat", "c-strat2", "with blank", "", "x", "page", "window",
    ]

    /// A C string the input chooses (kept until the input ends), or NULL.
    func string() -> UnsafePointer<CChar>? {
        let b = input.byte()
        switch b {
        case 255: return nil
        case 240...254:
            return keep(String(decoding: input.blob(limit: 24).filter { $0 != 0 }, as: UTF8.self))
        default:
            return keep(Self.names[Int(b) % Self.names.count])
        }
    }

    func keep(_ s: String) -> UnsafePointer<CChar> {
        let p = strdup(s)!
        strings.append(p)
        return UnsafePointer(p)
    }

    static let texts = [
        """
        name = "busy-page"
        summary = "migrate a page mapped four times while three processes hammer it"
        base = "migrate-vs-faulters"

        [parameters]
        mappings = 4
        faulters = 3

        [page]
        flags = ["uptodate", "lru", "workingset"]

        [[actor]]
        kind = "migrator"
        unmapCost = 2

        [[actor]]
        kind = "faulter"
        count = 3
        think = 1
        """,
        "base = \"reclaim-race\"\nname = \"fz\"\n",
        "name = \"fz\"\n[[actor]]\nkind = \"migrator\"\npasses = 2\n[[actor]]\nkind = \"faulter\"\ncount = 2\n",
        "name = \"fzr\"\n[[actor]]\nkind = \"holder\"\nhold = 3\n[[actor]]\nkind = \"reader\"\ncount = 2\n",
        "name = \"fzl\"\nbase = \"fairness\"\n[parameters]\nlockers = 2\n[page]\nflags = [\"dirty\", \"private\"]\n",
    ]

    /// Scenario text: a valid one, one with a fuzzed tail or parameter,
    /// raw bytes, or NULL.
    func scenarioText() -> UnsafePointer<CChar>? {
        let b = input.byte()
        let base = Self.texts[Int(b >> 3) % Self.texts.count]
        switch b & 7 {
        case 0, 1, 2: return keep(base)
        case 3: return keep(base + String(decoding: input.blob(limit: 32).filter { $0 != 0 }, as: UTF8.self))
        case 4: return keep(base + "\n[parameters]\n\(Self.names[input.index(Self.names.count)]) = \(int64())\n")
        case 5: return keep(String(decoding: input.blob(limit: 48).filter { $0 != 0 }, as: UTF8.self))
        case 6: return nil
        default: return keep(base.replacingNewlines())
        }
    }

    /// A schedule string: one an exploration printed, a generated one
    /// (tokens, runs, `{n}`, junk), a wrong prefix, or NULL.
    func schedule() -> UnsafePointer<CChar>? {
        let b = input.byte()
        switch b & 7 {
        case 0 where !schedules.isEmpty: return keep(schedules[Int(b >> 3) % schedules.count])
        case 6: return nil
        case 7: return keep(["", "pw2:0", "pw1", "0123", "pw1:{", "pw1:{999}", "pw1:0*", "pw1:0*5", "pw1:0*0.", " pw1:0 "][Int(b >> 3) % 10])
        default:
            var s = "pw1:"
            let n = Int(input.byte() % 24)
            for _ in 0..<n {
                let t = input.byte()
                switch t & 3 {
                case 0: s += String(Array("0123456789abc")[Int(t >> 2) % 6])
                case 1: s += "{\(t >> 2)}"
                case 2: s += "\(Int(t >> 2) % 4)*\(Int(input.byte()) % 64)."
                default: s += String(Array("{}*.:9zZ -")[Int(t >> 2) % 10])
                }
            }
            return keep(s)
        }
    }

    func int32(_ common: [Int32]) -> Int32 {
        let b = input.byte()
        if b < 200 { return common[Int(b) % common.count] }
        return [0, 1, -1, 7, 8, 255, 256, 1000, 1001, Int32.max, Int32.min, Int32(bitPattern: UInt32(input.integer(bytes: 4)))][Int(b - 200) % 12]
    }

    func int64() -> Int64 {
        let b = input.byte()
        switch b % 8 {
        case 0: return 0
        case 1: return 1
        case 2: return -1
        case 3: return Int64.max
        case 4: return Int64.min
        case 5: return Int64(b >> 3)
        case 6: return 1_000_000_000_000
        default: return Int64(bitPattern: input.integer(bytes: 8))
        }
    }

    func register() -> Int32 { int32([0, 1, 2, 3, 4, 5, 6, 7]) }
    func label() -> pw_label { int32([0, 1, 2, 3, 0, 1, PW_NO_LABEL, 9]) }
    func flag() -> UInt32 {
        let all: [UInt32] = [PW_PG_LOCKED, PW_PG_WAITERS, PW_PG_WRITEBACK, PW_PG_UPTODATE, PW_PG_WORKINGSET, PW_PG_SWAPBACKED,
                             PW_PG_DIRTY, PW_PG_PRIVATE, PW_PG_LRU, 0, 3, 0x200, UInt32.max]
        return all[input.index(all.count)]
    }

    /// A struct size: mostly right, sometimes too small, too large or absurd.
    func size(_ correct: Int) -> Int {
        let b = input.byte()
        if b < 192 { return correct }
        return [0, 1, 7, 8, correct - 1, correct + 1, correct + 8, Int.max, -1, correct * 2, 16, correct - 8][Int(b - 192) % 12]
    }

    // MARK: - Checks

    func message(_ h: UnsafeRawPointer?) -> String {
        guard let p = pwErrmsg(h) else { return "<NULL>" }
        return String(cString: p)
    }

    static let codes: Set<Int32> = [PW_OK, PW_ERROR, PW_EMISUSE, PW_ESIZE, PW_ENOTFOUND, PW_EPARSE, PW_ERANGE, PW_EEXIST,
                                    PW_EPLUGIN, PW_EVERSION, PW_EBUILD, PW_ESTALE]

    /// Make a call and check what it promises about results and messages.
    /// `handle` is the handle the function takes first, if any.
    @discardableResult
    func call(_ function: String, _ handle: OpaquePointer?, _ body: () -> Int32) -> Int32 {
        // A known thread message first, so a misuse that leaves none shows.
        _ = pwBuilderFail(nil, nil)
        let wasLive = handle.map { live[bits($0)] != nil } ?? false
        let start = Self.tracing ? ContinuousClock.now : nil
        let rc = body()
        log.append("\(function) -> \(rc)")
        if let start { printError("pagewait fuzz-cabi: \(function) -> \(rc) (\(ContinuousClock.now - start))") }
        guard Self.codes.contains(rc) else {
            fail("\(function) returned \(rc), not PW_OK or a PW_E* code")
            return rc
        }
        if rc == PW_EMISUSE {
            let m = message(nil)
            if !m.hasPrefix(function + ":") {
                fail("\(function) returned PW_EMISUSE; pw_errmsg(NULL) is '\(m)', not a message from \(function)")
            }
        } else if rc < 0 {
            // Not PW_EMISUSE, so the handle was live (a forged value may
            // name a live handle too) and keeps the message.
            if let handle {
                let m = message(UnsafeRawPointer(handle))
                if !m.hasPrefix(function + ":") {
                    fail("\(function) returned \(rc); pw_errmsg(handle) is '\(m)', not a message from \(function)")
                }
            }
            // Functions without a handle (the *_init functions) have nowhere
            // but the thread message to put a PW_ESIZE message, and pagewait.h
            // keeps that for PW_EMISUSE; see docs/fuzzing.md.
        } else if let handle, wasLive, live[bits(handle)] != nil, callbackDepth == 0 {
            let m = message(UnsafeRawPointer(handle))
            if !m.isEmpty { fail("\(function) succeeded but pw_errmsg(handle) is '\(m)', not \"\"") }
        }
        return rc
    }

    /// A buffer for a struct of `size` bytes with canary bytes after it.
    final class Buffer {
        static let slack = 64
        let raw: UnsafeMutableRawPointer
        let capacity: Int
        init(_ capacity: Int) {
            self.capacity = capacity
            raw = UnsafeMutableRawPointer.allocate(byteCount: capacity + Self.slack, alignment: 16)
            raw.initializeMemory(as: UInt8.self, repeating: 0xA5, count: capacity + Self.slack)
        }
        deinit { raw.deallocate() }

        /// Bytes from `from` on that are no longer the canary.
        func touched(from: Int) -> Bool {
            let start = max(0, min(from, capacity + Self.slack))
            return (start..<(capacity + Self.slack)).contains { raw.load(fromByteOffset: $0, as: UInt8.self) != 0xA5 }
        }

        func store<T>(_ value: T) {
            withUnsafeBytes(of: value) { raw.copyMemory(from: $0.baseAddress!, byteCount: min($0.count, capacity)) }
        }

        func setSize(_ size: Int) { raw.storeBytes(of: size, as: Int.self) }
        func load<T>(_: T.Type) -> T { raw.load(as: T.self) }
    }

    /// The library may write up to `size` bytes (at most the struct's own
    /// size); anything beyond is a broken promise. The size field itself is
    /// ours when we set it.
    func checkCanary(_ b: Buffer, declared: Int, structSize: Int, sizeFieldSet: Bool = true, _ function: String) {
        let limit = max(sizeFieldSet ? MemoryLayout<Int>.size : 0, min(declared, structSize))
        if b.touched(from: limit) { fail("\(function) wrote past byte \(limit) of a struct whose size field said \(declared)") }
    }

    /// Call `function` with a result struct of type `T` for it to fill: its
    /// size field fuzzed, or no struct at all (NULL) now and then. Checks that
    /// nothing past the declared size was written; returns the struct when
    /// the call succeeded.
    func callFilling<T>(_ function: String, _ handle: OpaquePointer?, _: T.Type,
                        _ body: (UnsafeMutablePointer<T>?) -> Int32) -> T? {
        let correct = MemoryLayout<T>.size
        let declared = size(correct)
        let buffer = input.byte() == 255 ? nil : Buffer(correct)
        buffer?.setSize(declared)
        let rc = call(function, handle) { body(buffer.map { $0.raw.assumingMemoryBound(to: T.self) }) }
        guard let buffer else { return nil }
        checkCanary(buffer, declared: declared, structSize: correct, function)
        return rc == PW_OK ? buffer.load(T.self) : nil
    }

    // MARK: - Calls

    func step() {
        let op = input.byte()
        switch op % 24 {
        case 0: contextNew()
        case 1: call("pw_context_free", nil) { let h = handle(preferring: "context"); return freeing(h, pwContextFree(h)) }
        case 2: listCount()
        case 3: listEntry()
        case 4:
            let h = handle(preferring: "context"), text = scenarioText(), origin = input.bool() ? nil : string()
            call("pw_register_scenario", h) { pwRegisterScenario(h, text, origin) }
        case 5: strategyDefInit()
        case 6: registerStrategy()
        case 7: builderNew()
        case 8:
            let h = handle(preferring: "builder")
            call("pw_builder_free", nil) { freeing(h, pwBuilderFree(h)) }
        case 9, 10, 11: builderCall(handle(preferring: "builder"))
        case 12: sessionNew(fromText: false)
        case 13: sessionNew(fromText: true)
        case 14:
            let h = handle(preferring: "session")
            call("pw_session_free", nil) { freeing(h, pwSessionFree(h)) }
        case 15: heavy { let h = handle(preferring: "session"), s = string(); call("pw_session_set_strategy", h) { pwSessionSetStrategy(h, s) } }
        case 16:
            heavy {
                let h = handle(preferring: "session"), name = string()
                let v = input.bool() ? int64() : Int64(input.byte() % 8)
                call("pw_session_set_param", h) { pwSessionSetParam(h, name, v) }
            }
        case 17: optionsInit(run: true)
        case 18: optionsInit(run: false)
        case 19: heavy { sessionRun() }
        case 20: heavy { sessionExplore() }
        case 21: heavy { sessionReplay() }
        case 22: loadPlugin()
        default: misc()
        }
    }

    /// Model-running calls beyond the input's allowance are skipped (their
    /// argument bytes are still read, so the input's meaning does not shift).
    func heavy(_ body: () -> Void) {
        heavyCalls += 1
        if heavyCalls > Self.heavyLimit || callbackDepth > 0 {
            _ = input.blob(limit: 8)
            return
        }
        body()
    }

    /// After a *_free call: a freed handle is no longer ours to free.
    func freeing(_ h: OpaquePointer?, _ rc: Int32) -> Int32 {
        if rc == PW_OK, let h { live[bits(h)] = nil }
        return rc
    }

    func made(_ h: OpaquePointer?, _ kind: String) {
        guard let h else { return }
        handles.append(h)
        live[bits(h)] = kind
    }

    /// An out pointer: usually a slot preset to junk (to see that failure
    /// sets it to NULL), sometimes NULL.
    func outSlot() -> UnsafeMutablePointer<OpaquePointer?>? {
        if input.byte() == 255 { return nil }
        let p = UnsafeMutablePointer<OpaquePointer?>.allocate(capacity: 1)
        p.initialize(to: OpaquePointer(bitPattern: 0xDEAD_BEE0))
        return p
    }

    func contextNew() {
        let out = outSlot()
        defer { out?.deallocate() }
        let rc = call("pw_context_new", nil) { pwContextNew(out) }
        if rc == PW_OK { made(out!.pointee, "context") } else if let out, out.pointee != nil {
            fail("pw_context_new failed but left *out non-NULL")
        }
    }

    func listCount() {
        let h = handle(preferring: "context"), kind = input.bool() ? nil : string()
        let count: UnsafeMutablePointer<Int>? = input.byte() == 255 ? nil : .allocate(capacity: 1)
        count?.initialize(to: 0x5EED)
        defer { count?.deallocate() }
        let rc = call("pw_list_count", h) { pwListCount(h, kind, count) }
        if rc != PW_OK, let count, count.pointee != 0 { fail("pw_list_count failed (\(rc)) but left *count \(count.pointee), not 0") }
    }

    func listEntry() {
        let h = handle(preferring: "context"), kind = input.bool() ? nil : string()
        let index = [0, 1, 5, 12, 40, -1, Int.max, Int.min][input.index(8)]
        if let info = callFilling("pw_list_entry", h, pw_plugin_info.self, { pwListEntry(h, kind, index, $0) }) {
            for (field, p) in [("kind", info.kind), ("name", info.name), ("summary", info.summary), ("reference", info.reference)] {
                if p == nil { fail("pw_list_entry succeeded with info->\(field) NULL") } else { _ = String(cString: p!) }
            }
        }
    }

    func strategyDefInit() {
        let correct = MemoryLayout<pw_strategy_def>.size
        let declared = size(correct)
        let buffer = input.byte() == 255 ? nil : Buffer(correct)
        call("pw_strategy_def_init", nil) { pwStrategyDefInit(buffer.map { $0.raw.assumingMemoryBound(to: pw_strategy_def.self) }, declared) }
        if let buffer { checkCanary(buffer, declared: declared, structSize: correct, sizeFieldSet: false, "pw_strategy_def_init") }
    }

    func registerStrategy() {
        let h = handle(preferring: "context")
        let correct = MemoryLayout<pw_strategy_def>.size
        let declared = size(correct)
        let name = string(), summary = input.bool() ? nil : string(), reference = input.bool() ? nil : string()
        let base: UnsafePointer<CChar>? = input.byte() < 128 ? nil : string()
        let flags = input.byte()
        let user = StrategyUser(run: self, script: input.blob(limit: 40))
        user.destroyable = flags & 2 != 0
        users.append(user)
        let def = pw_strategy_def(
            size: declared, name: name, summary: summary, reference: reference, base: base,
            emit: flags & 1 != 0 ? emitCallback : nil, user: Unmanaged.passUnretained(user).toOpaque(),
            destroy: user.destroyable ? destroyCallback : nil)
        let buffer = input.byte() == 255 ? nil : Buffer(correct)
        buffer?.store(def)
        buffer?.setSize(declared)
        let rc = call("pw_register_strategy", h) { pwRegisterStrategy(h, buffer.map { UnsafePointer($0.raw.assumingMemoryBound(to: pw_strategy_def.self)) }) }
        if rc == PW_OK { user.registered = true }
        if let buffer, buffer.touched(from: correct) { fail("pw_register_strategy wrote past the definition") }
    }

    func builderNew() {
        let h = handle(preferring: "context"), name = string()
        let out = outSlot()
        defer { out?.deallocate() }
        let rc = call("pw_builder_new", h) { pwBuilderNew(h, name, out) }
        if rc == PW_OK { made(out!.pointee, "builder") } else if let out, out.pointee != nil {
            fail("pw_builder_new failed (\(rc)) but left *out non-NULL")
        }
    }

    func sessionNew(fromText: Bool) {
        let h = handle(preferring: "context")
        let out = outSlot()
        defer { out?.deallocate() }
        let fn = fromText ? "pw_session_new_from_text" : "pw_session_new"
        let rc: Int32
        if fromText {
            let text = scenarioText(), origin = input.bool() ? nil : string()
            rc = call(fn, h) { pwSessionNewFromText(h, text, origin, out) }
        } else {
            let name = string()
            rc = call(fn, h) { pwSessionNew(h, name, out) }
        }
        if rc == PW_OK { made(out!.pointee, "session") } else if let out, out.pointee != nil {
            fail("\(fn) failed (\(rc)) but left *out non-NULL")
        }
    }

    func optionsInit(run: Bool) {
        let correct = run ? MemoryLayout<pw_run_options>.size : MemoryLayout<pw_explore_options>.size
        let declared = size(correct)
        let buffer = input.byte() == 255 ? nil : Buffer(correct)
        let fn = run ? "pw_run_options_init" : "pw_explore_options_init"
        call(fn, nil) {
            run ? pwRunOptionsInit(buffer.map { $0.raw.assumingMemoryBound(to: pw_run_options.self) }, declared)
                : pwExploreOptionsInit(buffer.map { $0.raw.assumingMemoryBound(to: pw_explore_options.self) }, declared)
        }
        if let buffer { checkCanary(buffer, declared: declared, structSize: correct, sizeFieldSet: false, fn) }
    }

    /// A value for a perturbed option field: anything a C caller might
    /// pass, valid or not.
    func wild() -> Int64 {
        let all: [Int64] = [0, -1, 1, 2, 3, 7, 255, 256, 257, 1000, 1001, Int64(Int32.max), Int64(Int32.min), Int64(UInt32.max),
                            Int64.max, Int64.min, 1 << 40]
        let b = input.byte()
        return b < 200 ? all[Int(b) % all.count] : Int64(bitPattern: input.integer(bytes: 8))
    }

    func sessionRun() {
        let h = handle(preferring: "session")
        let optionsSize = MemoryLayout<pw_run_options>.size
        // Cheap valid options (never NULL: the defaults run a thousand
        // seeds), then up to two fields perturbed, so one bad field at a
        // time meets the library's checks.
        var o = pw_run_options(
            size: optionsSize, first_seed: UInt64(input.byte()), seeds: UInt32(input.byte() % 2 + 1), jobs: 1,
            max_steps: [100, 300][input.index(2)], wake_latency: [100, 0, 10][input.index(3)], preempt_length: [100, 0, 1000][input.index(3)])
        for _ in 0..<(input.byte() % 3) {
            let field = input.byte() % 7, v = wild()
            switch field {
            case 0: o.size = size(optionsSize)
            case 1: o.first_seed = UInt64(bitPattern: v)
            // Not more seeds that run (each one does): none, or more than
            // PW_MAX_SEEDS, which the library must refuse before sizing anything.
            case 2:
                let seeds = UInt32(truncatingIfNeeded: v)
                if seeds == 0 || seeds > UInt32(PW_MAX_SEEDS) { o.seeds = seeds }
            case 3: o.jobs = (2...256).contains(v) ? 2 : UInt32(truncatingIfNeeded: v)   // valid: at most 2 threads
            case 4: if v <= 300 || v > Int64(PW_MAX_STEPS) { o.max_steps = v }  // not longer runs
            case 5: o.wake_latency = Int32(truncatingIfNeeded: v)
            default: o.preempt_length = Int32(truncatingIfNeeded: v)
            }
        }
        let options = Buffer(optionsSize)
        options.store(o)
        if Self.tracing { printError("pagewait fuzz-cabi: run options \(o)") }
        let stats = callFilling("pw_session_run", h, pw_run_stats.self) {
            pwSessionRun(h, UnsafePointer(options.raw.assumingMemoryBound(to: pw_run_options.self)), $0)
        }
        let outOfRange = !Limits.seeds.contains(o.seeds) || !Limits.jobs.contains(o.jobs) || !Limits.maxSteps.contains(o.max_steps)
            || !Limits.timing.contains(o.wake_latency) || !Limits.timing.contains(o.preempt_length)
            || o.first_seed > UInt64.max - UInt64(o.seeds)
        if stats != nil && outOfRange { fail("pw_session_run accepted options outside the header's limits: \(o)") }
        if let s = stats {
            if let p = s.first_failure { _ = String(cString: p) }
            if let p = s.first_failure_schedule { schedules.append(String(cString: p)) }
        }
    }

    func sessionExplore() {
        let h = handle(preferring: "session")
        let optionsSize = MemoryLayout<pw_explore_options>.size
        // As for runs: cheap valid options (never NULL: the defaults explore
        // millions of states), then up to two fields perturbed.
        var o = pw_explore_options(
            size: optionsSize, method: [PW_EXPLORE_EXHAUSTIVE, PW_EXPLORE_EXHAUSTIVE, PW_EXPLORE_PCT, PW_EXPLORE_RANDOM][input.index(4)],
            jobs: 1, budget: Int64(input.byte() % 16) + 1, max_depth: [50, 300][input.index(2)], preemptions: [-1, 0, 1, 2][input.index(4)],
            sleep_sets: Int32(input.byte() & 1), shrink: Int32(input.byte() & 1), seed: input.integer(bytes: 2),
            pct_depth: [1, 2, 3][input.index(3)], pct_length: [10, 100, 1000][input.index(3)],
            wake_latency: [100, 0][input.index(2)], preempt_length: [100, 0][input.index(2)], step_merging: 1,
            symmetry: 1, dead_variables: 1)
        for _ in 0..<(input.byte() % 3) {
            let field = input.byte() % 15, v = wild()
            let v32 = Int32(truncatingIfNeeded: v)
            switch field {
            case 0: o.size = size(optionsSize)
            case 1: o.method = v32
            // Valid job counts at most 2: every exploration thread walks
            // the nodes above the split depth itself, so 256 of them take seconds.
            case 2: o.jobs = (2...256).contains(v) ? 2 : v32
            case 3: if v < 0 || v > Int64(PW_MAX_BUDGET) { o.budget = v }  // not 0 (the default: millions) nor more that runs
            case 4: o.max_depth = v32
            case 5: o.preemptions = v32
            case 6: o.sleep_sets = v32
            case 7: o.shrink = v32
            case 8: o.pct_depth = v32
            case 9: o.pct_length = v32
            case 10: o.wake_latency = v32
            case 11: o.preempt_length = v32
            case 12: o.step_merging = v32
            case 13: o.symmetry = v32
            default: o.dead_variables = v32
            }
        }
        // PCT and random runs are whole runs: a few at most, and their
        // schedules too long to shrink cheaply.
        if o.method != PW_EXPLORE_EXHAUSTIVE {
            o.budget = min(o.budget, 2)
            o.shrink = 0
        }
        let options = Buffer(optionsSize)
        options.store(o)
        if Self.tracing { printError("pagewait fuzz-cabi: explore options \(o)") }
        let result = callFilling("pw_session_explore", h, pw_explore_result.self) {
            pwSessionExplore(h, UnsafePointer(options.raw.assumingMemoryBound(to: pw_explore_options.self)), $0)
        }
        let outOfRange = !Limits.jobs.contains(o.jobs) || !Limits.CInterface.budget.contains(o.budget)
            || !Limits.CInterface.maxDepth.contains(o.max_depth) || !Limits.CInterface.preemptions.contains(o.preemptions)
            || !Limits.CInterface.pctDepth.contains(o.pct_depth) || !Limits.CInterface.pctLength.contains(o.pct_length)
            || !Limits.timing.contains(o.wake_latency) || !Limits.timing.contains(o.preempt_length)
        if result != nil && outOfRange { fail("pw_session_explore accepted options outside the header's limits: \(o)") }
        if let r = result {
            for p in [r.kind, r.detail, r.first_sign] { if let p { _ = String(cString: p) } }
            if let p = r.schedule { schedules.append(String(cString: p)) }
            if (r.verdict == PW_VERDICT_VIOLATION) != (r.kind != nil) {
                fail("pw_session_explore: verdict \(r.verdict) with kind \(r.kind == nil ? "NULL" : "set")")
            }
        }
    }

    func sessionReplay() {
        let h = handle(preferring: "session"), s = schedule()
        let format = int32([PW_TRACE_TEXT, PW_TRACE_JSON, PW_TRACE_PERFETTO, 3, -1])
        let out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = input.byte() == 255 ? nil : .allocate(capacity: 1)
        out?.initialize(to: junkString)
        defer { out?.deallocate() }
        // Every other replay asks for the verdict too (no input byte: the
        // corpus keeps its meaning).
        let fn = heavyCalls % 2 == 0 ? "pw_session_replay_v2" : "pw_session_replay"
        let rc: Int32
        if fn == "pw_session_replay" {
            rc = call(fn, h) { pwSessionReplay(h, s, format, out) }
        } else if let r = callFilling(fn, h, pw_replay_result.self, { pwSessionReplayV2(h, s, format, out, $0) }) {
            rc = PW_OK
            for p in [r.kind, r.detail, r.first_sign] { if let p { _ = String(cString: p) } }
            if (r.verdict == PW_VERDICT_VIOLATION) != (r.kind != nil) || (r.verdict == PW_VERDICT_VIOLATION) != (r.end == PW_END_VIOLATION) {
                fail("\(fn): verdict \(r.verdict), end \(r.end), kind \(r.kind == nil ? "NULL" : "set")")
            }
        } else {
            rc = PW_ERROR
        }
        if let out, let text = out.pointee {
            if text == junkString { fail("\(fn) (\(rc)) left *out as it found it, not NULL or a string") } else {
                if rc != PW_OK { fail("\(fn) failed but handed out a string") }
                _ = strlen(text)
                pwFree(text)
            }
        } else if rc == PW_OK, out != nil {
            fail("\(fn) succeeded without a string")
        }
    }

    func loadPlugin() {
        let h = handle(preferring: "context")
        let paths: [String?] = [nil, "", "/nonexistent/plugin.so", "/dev/null", "/", "libc.so.6", "libm.so.6", "./no-such.so"]
        let path = paths[input.index(paths.count)].map(keep)
        call("pw_load_plugin", h) { pwLoadPlugin(h, path) }
    }

    func misc() {
        switch input.byte() % 6 {
        case 0: _ = pwErrstr(int32([0, 1, -1, -11, -12, 2]))
        case 1:
            // pw_errmsg on anything: it only looks handles up, never dereferences.
            let h = handle()
            _ = strlen(pwErrmsg(h.map { UnsafeRawPointer($0) })!)
        case 2:
            if pwVersion() != PW_VERSION_NUMBER { fail("pw_version() \(pwVersion()) is not PW_VERSION_NUMBER") }
            if String(cString: pwVersionString()!) != PW_VERSION { fail("pw_version_string() is not PW_VERSION") }
        case 3: pwFree(nil)
        case 4:
            // pw_builder_fail returns PW_ERROR by design (`return pw_builder_fail(b, "...")`).
            let h = handle(preferring: "builder"), m = string()
            let rc = pwBuilderFail(h, m)
            if rc != PW_ERROR && rc != PW_EMISUSE { fail("pw_builder_fail returned \(rc)") }
        default:
            let h = handle(preferring: "builder"), name = string()
            let value: UnsafeMutablePointer<Int64>? = input.byte() == 255 ? nil : .allocate(capacity: 1)
            value?.initialize(to: 0x5EED)
            defer { value?.deallocate() }
            let rc = call("pw_builder_param", h) { pwBuilderParam(h, name, value) }
            if rc != PW_OK, let value, value.pointee != 0 { fail("pw_builder_param failed (\(rc)) but left *value \(value.pointee), not 0") }
        }
    }

    // MARK: - Builders

    /// One pw_emit_* (or label, listing, function) call on `b`.
    func builderCall(_ b: OpaquePointer?) {
        let which = input.byte() % 37
        switch which {
        case 0:
            let out: UnsafeMutablePointer<pw_label>? = input.byte() == 255 ? nil : .allocate(capacity: 1)
            out?.initialize(to: 0x5EED)
            defer { out?.deallocate() }
            let rc = call("pw_label_new", b) { pwLabelNew(b, out) }
            if rc != PW_OK, let out, out.pointee != PW_NO_LABEL { fail("pw_label_new failed (\(rc)) but left *out \(out.pointee), not PW_NO_LABEL") }
        case 1: let l = label(); call("pw_label_bind", b) { pwLabelBind(b, l) }
        case 2: let l = label(); call("pw_emit_jump", b) { pwEmitJump(b, l) }
        case 3:
            let r = register(), c = int32([PW_CMP_EQ, PW_CMP_NE, PW_CMP_LT, PW_CMP_GE, 4, -1]), v = int64(), l = label()
            call("pw_emit_branch", b) { pwEmitBranch(b, r, c, v, l) }
        case 4: let r = register(), v = int64(); call("pw_emit_set", b) { pwEmitSet(b, r, v) }
        case 5: let p = register(), r = register(); call("pw_emit_get_page_unless_zero", b) { pwEmitGetPageUnlessZero(b, p, r) }
        case 6: let p = register(); call("pw_emit_put_page", b) { pwEmitPutPage(b, p) }
        case 7: let p = register(), f = flag(), r = register(); call("pw_emit_test_flag", b) { pwEmitTestFlag(b, p, f, r) }
        case 8: let p = register(), f = flag(); call("pw_emit_set_flag", b) { pwEmitSetFlag(b, p, f) }
        case 9: let p = register(), f = flag(); call("pw_emit_clear_flag", b) { pwEmitClearFlag(b, p, f) }
        case 10: let p = register(), r = register(); call("pw_emit_trylock_page", b) { pwEmitTrylockPage(b, p, r) }
        case 11: let p = register(); call("pw_emit_lock_page", b) { pwEmitLockPage(b, p) }
        case 12: let p = register(); call("pw_emit_unlock_page", b) { pwEmitUnlockPage(b, p) }
        case 13: let p = register(); call("pw_emit_non_atomic_clear_locked", b) { pwEmitNonAtomicClearLocked(b, p) }
        case 14: let p = register(); call("pw_emit_wait_on_page_locked", b) { pwEmitWaitOnPageLocked(b, p) }
        case 15: let p = register(); call("pw_emit_put_and_wait_on_page_locked", b) { pwEmitPutAndWaitOnPageLocked(b, p) }
        case 16:
            let p = register(), f = flag(), s = int32([PW_TASK_UNINTERRUPTIBLE, PW_TASK_KILLABLE, PW_TASK_INTERRUPTIBLE, 0, 4])
            let beh = int32([PW_EXCLUSIVE, PW_SHARED, PW_DROP, 3, 4, 255, 256, -1]), r = register()
            call("pw_emit_wait_on_page_bit", b) { pwEmitWaitOnPageBit(b, p, f, s, beh, r) }
        case 17: let p = register(), f = flag(); call("pw_emit_wake_up_page_bit", b) { pwEmitWakeUpPageBit(b, p, f) }
        case 18: let m = int32([0, 1, 2, 3, 31, 32, -1]); call("pw_emit_ptl_lock", b) { pwEmitPtlLock(b, m) }
        case 19: let m = int32([0, 1, 2, 3, 31, 32, -1]); call("pw_emit_ptl_unlock", b) { pwEmitPtlUnlock(b, m) }
        case 20:
            let s = int32([0, 1, 2, 3, -1, 100]), k = register(), p = register()
            call("pw_emit_read_pte", b) { pwEmitReadPte(b, s, k, p) }
        case 21: let pm = int32([0, 500, 1000, 1001, -1]); call("pw_emit_preemption_point", b) { pwEmitPreemptionPoint(b, pm) }
        case 22: let n = input.bool() ? nil : string(); call("pw_builder_function", b) { pwBuilderFunction(b, n) }
        // Sleeping locks and CPUs (0.5): numbers in and out of range.
        case 24: let n = int32([0, 15, 16, -1]); call("pw_emit_mutex_lock", b) { pwEmitMutexLock(b, n) }
        case 25: let n = int32([0, 15, 16, -1]); call("pw_emit_mutex_unlock", b) { pwEmitMutexUnlock(b, n) }
        case 26: let n = int32([0, 15, 16, -1]); call("pw_emit_down_read", b) { pwEmitDownRead(b, n) }
        case 27: let n = int32([0, 15, 16, -1]); call("pw_emit_up_read", b) { pwEmitUpRead(b, n) }
        case 28: let n = int32([0, 15, 16, -1]); call("pw_emit_down_write", b) { pwEmitDownWrite(b, n) }
        case 29: let n = int32([0, 15, 16, -1]); call("pw_emit_up_write", b) { pwEmitUpWrite(b, n) }
        case 30: call("pw_emit_cond_resched", b) { pwEmitCondResched(b) }
        case 31: let c = int32([0, 1, 63, 64, -1]); call("pw_emit_queue_work_on", b) { pwEmitQueueWorkOn(b, c) }
        case 32: let c = int32([0, 1, 63, 64, -1]); call("pw_emit_flush_work", b) { pwEmitFlushWork(b, c) }
        case 23:
            let out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = input.byte() == 255 ? nil : .allocate(capacity: 1)
            out?.initialize(to: junkString)
            defer { out?.deallocate() }
            let rc = call("pw_builder_listing", b) { pwBuilderListing(b, out) }
            if let out, let text = out.pointee {
                if text == junkString { fail("pw_builder_listing (\(rc)) left *out as it found it, not NULL or a string") } else {
                    if rc != PW_OK { fail("pw_builder_listing failed but handed out a string") }
                    // Kernel words only: no Swift type or label in the text.
                    let listing = String(cString: text)
                    for swift in ["rawValue", "PageFlags", "SleepState", "LockID", "result:", "behavior:", "Optional("] where listing.contains(swift) {
                        fail("pw_builder_listing shows Swift's '\(swift)': \(listing.prefix(200))")
                    }
                    pwFree(text)
                }
            }
        default:
            // A few in a row: builders with more than one instruction.
            for _ in 0..<3 where problem == nil {
                let p = register()
                call("pw_emit_lock_page", b) { pwEmitLockPage(b, p) }
                call("pw_emit_unlock_page", b) { pwEmitUnlockPage(b, p) }
            }
        }
    }

    // MARK: - Emit callbacks

    /// A C strategy's emit callback: builder calls from the strategy's
    /// script (on this builder, or on any handle), then a result.
    func emit(_ u: StrategyUser, builder b: OpaquePointer?, hook: UnsafePointer<pw_hook_context>?) -> Int32 {
        u.emits += 1
        if u.destroyed > 0 { fail("emit called after destroy") }
        guard let b else {
            fail("emit called with a NULL builder")
            return PW_ERROR
        }
        if let hook {
            let h = hook.pointee
            if h.size < MemoryLayout<pw_hook_context>.size { fail("pw_hook_context.size \(h.size) is smaller than this header's") }
            if let n = h.hook_name { _ = String(cString: n) } else { fail("pw_hook_context.hook_name is NULL") }
            if h.ntemps < 0 || h.ntemps > 4 { fail("pw_hook_context.ntemps is \(h.ntemps)") }
        } else {
            fail("emit called with a NULL hook context")
        }
        // The callback's builder joins the pool: after the callback it is a
        // freed handle, good for stale-handle calls.
        handles.append(b)
        let saved = input
        input = FuzzInput(u.script)
        callbackDepth += 1
        defer {
            callbackDepth -= 1
            input = saved
        }
        let result = input.byte()
        var calls = 0
        while !input.isExhausted && problem == nil && calls < 32 {
            let op = input.byte()
            switch op % 8 {
            case 0: misc()
            case 1:
                // pw_builder_free on the callback's builder is refused.
                call("pw_builder_free", nil) { freeing(b, pwBuilderFree(b)) }
            case 2: listCount()
            default: builderCall(input.bool() ? handle() : b)
            }
            calls += 1
        }
        switch result % 8 {
        case 0, 1, 2: return PW_OK
        case 3, 4: return PW_DECLINE
        case 5: return pwBuilderFail(b, input.bool() ? nil : keep("refused by the fuzz script"))
        case 6: return PW_ERANGE
        default: return 7
        }
    }
}

/// What an out pointer holds before a call: not NULL and not a string, so a
/// call that leaves it alone shows (never freed nor read).
nonisolated(unsafe) private let junkString = UnsafeMutablePointer<CChar>(bitPattern: 0xDEAD_BEE0)!

extension String {
    /// The text with Windows line ends.
    func replacingNewlines() -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
    }
}
