import CPagewait
import Glibc
import PagewaitCore

/// The table a plugin's `pw_plugin_init` receives. Built once and never
/// freed: plugins keep the pointer for the life of the process. Members are
/// only ever appended, like `sqlite3_api_routines`. (Closures, because
/// taking a @_cdecl function itself as a C pointer emits its symbol twice.)
nonisolated(unsafe) let hostAPI: UnsafeMutablePointer<pw_host_api> = {
    let api = UnsafeMutablePointer<pw_host_api>.allocate(capacity: 1)
    api.initialize(to: pw_host_api(
        size: MemoryLayout<pw_host_api>.size,
        version: PW_VERSION_NUMBER,
        errmsg: { pwErrmsg($0) },
        errstr: { pwErrstr($0) },
        register_scenario: { pwRegisterScenario($0, $1, $2) },
        strategy_def_init: { pwStrategyDefInit($0, $1) },
        register_strategy: { pwRegisterStrategy($0, $1) },
        builder_fail: { pwBuilderFail($0, $1) },
        builder_param: { pwBuilderParam($0, $1, $2) },
        builder_function: { pwBuilderFunction($0, $1) },
        label_new: { pwLabelNew($0, $1) },
        label_bind: { pwLabelBind($0, $1) },
        emit_jump: { pwEmitJump($0, $1) },
        emit_branch: { pwEmitBranch($0, $1, $2, $3, $4) },
        emit_set: { pwEmitSet($0, $1, $2) },
        emit_get_page_unless_zero: { pwEmitGetPageUnlessZero($0, $1, $2) },
        emit_put_page: { pwEmitPutPage($0, $1) },
        emit_test_flag: { pwEmitTestFlag($0, $1, $2, $3) },
        emit_set_flag: { pwEmitSetFlag($0, $1, $2) },
        emit_clear_flag: { pwEmitClearFlag($0, $1, $2) },
        emit_trylock_page: { pwEmitTrylockPage($0, $1, $2) },
        emit_lock_page: { pwEmitLockPage($0, $1) },
        emit_unlock_page: { pwEmitUnlockPage($0, $1) },
        emit_non_atomic_clear_locked: { pwEmitNonAtomicClearLocked($0, $1) },
        emit_wait_on_page_locked: { pwEmitWaitOnPageLocked($0, $1) },
        emit_put_and_wait_on_page_locked: { pwEmitPutAndWaitOnPageLocked($0, $1) },
        emit_wait_on_page_bit: { pwEmitWaitOnPageBit($0, $1, $2, $3, $4, $5) },
        emit_wake_up_page_bit: { pwEmitWakeUpPageBit($0, $1, $2) },
        emit_ptl_lock: { pwEmitPtlLock($0, $1) },
        emit_ptl_unlock: { pwEmitPtlUnlock($0, $1) },
        emit_read_pte: { pwEmitReadPte($0, $1, $2, $3) },
        emit_preemption_point: { pwEmitPreemptionPoint($0, $1) },
        emit_mutex_lock: { pwEmitMutexLock($0, $1) },
        emit_mutex_unlock: { pwEmitMutexUnlock($0, $1) },
        emit_down_read: { pwEmitDownRead($0, $1) },
        emit_up_read: { pwEmitUpRead($0, $1) },
        emit_down_write: { pwEmitDownWrite($0, $1) },
        emit_up_write: { pwEmitUpWrite($0, $1) },
        emit_cond_resched: { pwEmitCondResched($0) },
        emit_queue_work_on: { pwEmitQueueWorkOn($0, $1) },
        emit_flush_work: { pwEmitFlushWork($0, $1) }))
    return api
}()

/// Load the plugin library at `path` into `context`: dlopen, find
/// pw_plugin_init, call it. A failing init leaves the registry as it was.
/// The library is never closed: its function pointers may be registered.
func loadPlugin(_ path: String, into context: ContextObject, handle: OpaquePointer, _ function: String) throws(ABIError) {
    guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
        let why = dlerror().map { String(cString: $0) } ?? "unknown reason"
        throw ABIError(PW_EPLUGIN, "\(function): cannot load plugin '\(path)': \(why)")
    }
    guard let symbol = dlsym(library, PW_PLUGIN_INIT_SYMBOL) else {
        throw ABIError(PW_EPLUGIN, "\(function): '\(path)' is not a pagewait plugin: it has no \(PW_PLUGIN_INIT_SYMBOL) function")
    }
    let initialize = unsafeBitCast(symbol, to: pw_plugin_init_fn.self)
    let before = context.registry
    var message: UnsafePointer<CChar>?
    let rc = initialize(hostAPI, handle, &message)
    guard rc == PW_OK else {
        context.registry = before
        let why = message.map { ": " + String(cString: $0) } ?? ""
        throw ABIError(rc == PW_EVERSION ? PW_EVERSION : PW_EPLUGIN,
                       "\(function): plugin '\(path)': \(PW_PLUGIN_INIT_SYMBOL) returned \(rc) (\(String(cString: pwErrstr(rc)!)))\(why)")
    }
}

@_cdecl("pw_load_plugin")
public func pwLoadPlugin(_ ctx: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    call(ctx) { () throws(ABIError) in
        let fn = "pw_load_plugin"
        let context = try object(ctx, ContextObject.self, in: fn, "ctx")
        try loadPlugin(try string(path, in: fn, "path"), into: context, handle: ctx!, fn)
    }
}

/// Why `PluginLoader.load` failed: the message `pw_load_plugin` gives.
public struct PluginLoadError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Plugins for Swift hosts: the `pagewait` command loads `--plugin` libraries
/// through the same path a C host's `pw_load_plugin` takes.
public enum PluginLoader {
    /// Load the plugin library at `path` and let it register into `registry`.
    public static func load(_ path: String, into registry: inout Registry) throws(PluginLoadError) {
        let context = ContextObject(registry: registry)
        let handle = handles.withLock { $0.insert(context) }
        defer { _ = handles.withLock { $0.remove(handle) } }
        do { try loadPlugin(path, into: context, handle: handle, "--plugin") } catch {
            throw PluginLoadError(description: error.message)
        }
        registry = context.registry
    }
}
