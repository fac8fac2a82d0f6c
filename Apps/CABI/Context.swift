import CPagewait
import PagewaitCore
import PagewaitPlugins
import Synchronization

/// `pw_context`: a registry (the built-ins plus what the caller registers
/// or loads) and the strings `pw_list_entry` hands out.
final class ContextObject: HandleObject, @unchecked Sendable {
    override class var kind: HandleKind { .context }

    /// Sessions read the registry from other threads than the context's
    /// own (distinct handles are independent), hence the lock.
    private let shared: Mutex<Registry>
    /// Registry entries as C strings, built on demand, dropped on change.
    /// Touched only by calls on the context handle itself.
    private var listing: [(kind: CString, name: CString, summary: CString, reference: CString, info: PluginInfo)]?

    var registry: Registry {
        get { shared.withLock { $0 } }
        set {
            shared.withLock { $0 = newValue }
            listing = nil
        }
    }

    init(registry: Registry) {
        shared = Mutex(registry)
    }

    func entries(_ kind: PluginKind?) -> [(kind: CString, name: CString, summary: CString, reference: CString, info: PluginInfo)] {
        if listing == nil {
            listing = registry.list().map { (CString($0.kind.rawValue), CString($0.name), CString($0.summary), CString($0.reference), $0) }
        }
        return listing!.filter { kind == nil || $0.info.kind == kind }
    }

    func register(_ plugin: any Plugin, in function: String) throws(ABIError) {
        do { try shared.withLock { registry throws(RegistryError) in try registry.register(plugin) } } catch {
            throw ABIError(error.isDuplicate ? PW_EEXIST : PW_ERROR, "\(function): \(error)")
        }
        listing = nil
    }
}

extension RegistryError {
    var isDuplicate: Bool {
        if case .duplicate = self { return true }
        return false
    }
}

@_cdecl("pw_context_new")
public func pwContextNew(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    call(nil) { () throws(ABIError) in
        guard let out else { throw .misuse("pw_context_new: out is NULL") }
        out.pointee = nil
        let context = ContextObject(registry: BuiltinPlugins.registry())
        out.pointee = handles.withLock { $0.insert(context) }
    }
}

@_cdecl("pw_context_free")
public func pwContextFree(_ ctx: OpaquePointer?) -> Int32 {
    freeHandle(ctx, ContextObject.self, "pw_context_free", "ctx")
}

/// Free a handle of type `T`; the object lives on while a session or a
/// running call still holds it.
func freeHandle<T: HandleObject>(_ handle: OpaquePointer?, _ type: T.Type, _ function: String, _ parameter: String) -> Int32 {
    call(nil) { () throws(ABIError) in
        _ = try object(handle, T.self, in: function, parameter)
        _ = handles.withLock { $0.remove(handle!) }
    }
}

func pluginKind(_ kind: UnsafePointer<CChar>?, in function: String) throws(ABIError) -> PluginKind? {
    guard let kind else { return nil }
    let name = String(cString: kind)
    guard let k = PluginKind(rawValue: name) else {
        throw ABIError(PW_ENOTFOUND, "\(function): no plugin kind '\(name)'; kinds: \(PluginKind.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return k
}

@_cdecl("pw_list_count")
public func pwListCount(_ ctx: OpaquePointer?, _ kind: UnsafePointer<CChar>?, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    count?.pointee = 0
    return call(ctx) { () throws(ABIError) in
        let context = try object(ctx, ContextObject.self, in: "pw_list_count", "ctx")
        guard let count else { throw .misuse("pw_list_count: count is NULL") }
        count.pointee = context.entries(try pluginKind(kind, in: "pw_list_count")).count
    }
}

@_cdecl("pw_list_entry")
public func pwListEntry(_ ctx: OpaquePointer?, _ kind: UnsafePointer<CChar>?, _ index: Int, _ info: UnsafeMutablePointer<pw_plugin_info>?) -> Int32 {
    call(ctx) { () throws(ABIError) in
        let fn = "pw_list_entry"
        let context = try object(ctx, ContextObject.self, in: fn, "ctx")
        let size = try structSize(info, known: MemoryLayout<pw_plugin_info>.size, minimum: MemoryLayout<pw_plugin_info>.size, "pw_plugin_info", in: fn)
        let entries = context.entries(try pluginKind(kind, in: fn))
        guard index >= 0, index < entries.count else {
            throw ABIError(PW_ERANGE, "\(fn): index \(index) is out of range; there are \(entries.count) entries")
        }
        let e = entries[index]
        store(pw_plugin_info(size: size, kind: e.kind.const, name: e.name.const, summary: e.summary.const, reference: e.reference.const),
              to: info!, size: size)
    }
}

@_cdecl("pw_register_scenario")
public func pwRegisterScenario(_ ctx: OpaquePointer?, _ text: UnsafePointer<CChar>?, _ origin: UnsafePointer<CChar>?) -> Int32 {
    call(ctx) { () throws(ABIError) in
        let fn = "pw_register_scenario"
        let context = try object(ctx, ContextObject.self, in: fn, "ctx")
        let spec = try parseScenario(try string(text, in: fn, "text"), origin: origin, registry: context.registry, in: fn)
        try context.register(spec, in: fn)
    }
}

func parseScenario(_ text: String, origin: UnsafePointer<CChar>?, registry: Registry, in function: String) throws(ABIError) -> ScenarioSpec {
    do { return try ScenarioFile.parse(text, path: origin.map { String(cString: $0) } ?? "<text>", registry: registry) } catch {
        throw ABIError(PW_EPARSE, "\(function): \(error)")
    }
}
