import CPagewait
import Glibc
import PagewaitCore
import PagewaitPlugins

/// A C caller's `user` pointer and the callbacks that take it. A class, so
/// `destroy` runs once, when the last strategy value holding it goes: the
/// C side promises `user` lives until then.
final class CCallbacks: @unchecked Sendable {
    let emit: pw_emit_fn?
    let user: UnsafeMutableRawPointer?
    /// Set only once registration succeeded: until then `user` is the caller's.
    var destroy: (@convention(c) (UnsafeMutableRawPointer?) -> Void)?

    init(emit: pw_emit_fn?, user: UnsafeMutableRawPointer?) {
        self.emit = emit
        self.user = user
    }

    deinit { destroy?(user) }
}

/// A strategy defined in C (`pw_register_strategy`): a registered base
/// strategy whose code at any hook the C `emit` callback may replace.
struct CStrategy: Strategy, @unchecked Sendable {
    var name: String
    var summary: String
    var reference: String
    var base: any Strategy
    var callbacks: CCallbacks

    var kernel: KernelConfig { base.kernel }
    var extraBehaviors: [any WaitBehavior] { base.extraBehaviors }

    static let hookNumbers: [Hook: Int32] = [
        .migrationEntryWait: PW_HOOK_MIGRATION_ENTRY_WAIT,
        .reclaimFrozen: PW_HOOK_RECLAIM_FROZEN,
        .reclaimClearLocked: PW_HOOK_RECLAIM_CLEAR_LOCKED,
    ]

    func emit(_ hook: Hook, into b: inout ProgramBuilder, context: HookContext) throws(BuildError) -> Bool {
        guard let emit = callbacks.emit else { return try base.emit(hook, into: &b, context: context) }
        let builder = BuilderObject(builder: b, parameters: context.parameters, ownedByCaller: false)
        let bail = context.bail.map(builder.adopt) ?? PW_NO_LABEL
        let hookName = CString(hook.rawValue)
        let temps = context.temporaries.prefix(4).map(Int32.init) + Array(repeating: Int32(-1), count: max(0, 4 - context.temporaries.count))
        var hookContext = pw_hook_context(
            size: MemoryLayout<pw_hook_context>.size, hook: Self.hookNumbers[hook] ?? PW_HOOK_OTHER, hook_name: hookName.const,
            page: Int32(context.page), ntemps: Int32(min(4, context.temporaries.count)), temps: (temps[0], temps[1], temps[2], temps[3]),
            slot: context.slot, mm: Int32(context.mm), bail: bail)
        let handle = handles.withLock { $0.insert(builder) }
        let rc = withUnsafePointer(to: &hookContext) { emit(callbacks.user, handle, $0) }
        _ = handles.withLock { $0.remove(handle) }

        let what = "strategy '\(name)', hook '\(hook)'"
        switch rc {
        case PW_OK:
            if let l = builder.unboundLabels.first {
                throw BuildError("\(what): the emit callback jumps to label \(l) but never binds it")
            }
            b = builder.builder
            return true
        case PW_DECLINE:
            return try base.emit(hook, into: &b, context: context)
        default:
            let why = builder.failure ?? String(cString: builder.lastError.const)
            throw BuildError("\(what): the emit callback returned \(rc) (\(String(cString: pwErrstr(rc)!)))\(why.isEmpty ? "" : ": \(why)")")
        }
    }
}

nonisolated(unsafe) private let defaultBase: UnsafePointer<CChar> = UnsafePointer(strdup("put-and-wait")!)

@_cdecl("pw_strategy_def_init")
public func pwStrategyDefInit(_ def: UnsafeMutablePointer<pw_strategy_def>?, _ size: Int) -> Int32 {
    call(nil) { () throws(ABIError) in
        let fn = "pw_strategy_def_init"
        guard let def else { throw .misuse("\(fn): def is NULL") }
        let known = MemoryLayout<pw_strategy_def>.size
        guard size == known else {
            throw ABIError(PW_ESIZE, "\(fn): size is \(size); this library's pw_strategy_def is \(known) bytes (pass sizeof(pw_strategy_def))")
        }
        store(pw_strategy_def(size: size, name: nil, summary: nil, reference: nil, base: defaultBase, emit: nil, user: nil, destroy: nil),
              to: def, size: size)
    }
}

@_cdecl("pw_register_strategy")
public func pwRegisterStrategy(_ ctx: OpaquePointer?, _ def: UnsafePointer<pw_strategy_def>?) -> Int32 {
    call(ctx) { () throws(ABIError) in
        let fn = "pw_register_strategy"
        let context = try object(ctx, ContextObject.self, in: fn, "ctx")
        let known = MemoryLayout<pw_strategy_def>.size
        let size = try structSize(def, known: known, minimum: known, "pw_strategy_def", in: fn)
        let d = load(UnsafeRawPointer(def!), size: size, over: pw_strategy_def())
        let name = try string(d.name, in: fn, "def->name")
        guard !name.isEmpty, !name.contains(where: \.isWhitespace) else {
            throw ABIError(PW_ERANGE, "\(fn): def->name '\(name)' must be non-empty and without blanks")
        }
        let baseName = d.base.map { String(cString: $0) } ?? "put-and-wait"
        let base: any Strategy
        do { base = try context.registry.resolveStrategy(baseName) } catch {
            throw ABIError(PW_ENOTFOUND, "\(fn): def->base: \(error)")
        }
        let callbacks = CCallbacks(emit: d.emit, user: d.user)
        let strategy = CStrategy(
            name: name,
            summary: d.summary.map { String(cString: $0) } ?? "a strategy written in C, based on \(base.name)",
            reference: d.reference.map { String(cString: $0) } ?? "",
            base: base, callbacks: callbacks)
        try context.register(strategy, in: fn)
        callbacks.destroy = d.destroy
    }
}
