import CPagewait
import Glibc
import Synchronization

/// What a failed C call reports: a `PW_E*` code and a message naming what
/// was wrong and where.
struct ABIError: Error {
    var code: Int32
    var message: String

    init(_ code: Int32, _ message: String) {
        self.code = code
        self.message = message
    }

    static func misuse(_ message: String) -> ABIError { ABIError(PW_EMISUSE, message) }
}

/// A NUL-terminated copy of a Swift string with a stable address, for the
/// `const char *` results the library owns.
final class CString: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<CChar>

    init(_ s: String) {
        pointer = strdup(s) ?? strdup("")!
    }

    deinit { free(pointer) }

    var const: UnsafePointer<CChar> { UnsafePointer(pointer) }
}

/// The object behind a handle. Subclasses hold what the handle is for;
/// the base keeps the last error, which `pw_errmsg` reads.
class HandleObject: @unchecked Sendable {
    class var kind: HandleKind { fatalError("abstract") }
    private(set) var lastError = CString("")

    func record(_ error: ABIError) {
        lastError = CString(error.message)
    }

    func clearError() {
        if lastError.pointer.pointee != 0 { lastError = CString("") }
    }
}

enum HandleKind: UInt, CustomStringConvertible {
    case context = 1, session = 2, builder = 3

    var description: String {
        switch self {
        case .context: "pw_context"
        case .session: "pw_session"
        case .builder: "pw_builder"
        }
    }
}

/// Handles are not pointers to objects but (slot, generation, kind) packed
/// into a pointer-sized value and looked up in this table. That is what
/// lets a call on a freed or mistyped handle fail with PW_EMISUSE instead
/// of reading freed memory: a freed slot's generation moves on, so its old
/// handle never matches again. The table is the C ABI's one piece of
/// process-wide state; the mutex guards lookups only, never a whole call.
struct HandleTable: ~Copyable {
    private var objects: [HandleObject?] = []
    private var generations: [UInt32] = []
    private var freeSlots: [Int] = []

    init() {}

    mutating func insert(_ object: HandleObject) -> OpaquePointer {
        let slot: Int
        if let s = freeSlots.popLast() {
            slot = s
        } else {
            slot = objects.count
            objects.append(nil)
            generations.append(1)
        }
        objects[slot] = object
        return Self.encode(slot: slot, generation: generations[slot], kind: type(of: object).kind)
    }

    func lookup(_ handle: OpaquePointer) -> HandleObject? {
        guard let (slot, generation, _) = Self.decode(handle), slot < objects.count,
              generations[slot] == generation else { return nil }
        return objects[slot]
    }

    mutating func remove(_ handle: OpaquePointer) -> HandleObject? {
        guard let object = lookup(handle), let (slot, _, _) = Self.decode(handle) else { return nil }
        objects[slot] = nil
        generations[slot] = generations[slot] == UInt32.max ? 1 : generations[slot] + 1
        freeSlots.append(slot)
        return object
    }

    /// The kind a handle claims to be, for messages about dead handles.
    static func claimedKind(_ handle: OpaquePointer) -> HandleKind? {
        decode(handle)?.kind
    }

    // bits 0-3 kind, 4-31 slot + 1, 32-63 generation.
    private static func encode(slot: Int, generation: UInt32, kind: HandleKind) -> OpaquePointer {
        let bits = UInt(generation) << 32 | UInt(slot + 1) << 4 | kind.rawValue
        return OpaquePointer(bitPattern: bits)!
    }

    private static func decode(_ handle: OpaquePointer) -> (slot: Int, generation: UInt32, kind: HandleKind)? {
        let bits = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle)))
        guard let kind = HandleKind(rawValue: bits & 0xF) else { return nil }
        let slot = Int((bits >> 4) & 0x0FFF_FFFF) - 1
        guard slot >= 0 else { return nil }
        return (slot, UInt32(truncatingIfNeeded: bits >> 32), kind)
    }
}

let handles = Mutex(HandleTable())

/// The calling thread's last handle-less failure (`pw_errmsg(NULL)`).
/// Per thread, because such a failure has no handle to keep it in.
enum ThreadError {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { free($0) }
        return key
    }()

    static func set(_ message: String) {
        let old = pthread_getspecific(key)
        pthread_setspecific(key, strdup(message))
        free(old)
    }

    static var message: UnsafePointer<CChar> {
        guard let p = pthread_getspecific(key) else { return emptyString }
        return UnsafePointer(p.assumingMemoryBound(to: CChar.self))
    }
}

nonisolated(unsafe) let emptyString: UnsafePointer<CChar> = UnsafePointer(strdup("")!)

/// Find the live object of type `T` behind `handle`, or fail naming the
/// function, the parameter and what was wrong with it.
func object<T: HandleObject>(_ handle: OpaquePointer?, _ type: T.Type, in function: String, _ parameter: String) throws(ABIError) -> T {
    guard let handle else {
        throw .misuse("\(function): \(parameter) is NULL")
    }
    let found = handles.withLock { $0.lookup(handle) }
    if let found = found as? T { return found }
    if let found {
        throw .misuse("\(function): \(parameter) is a \(Swift.type(of: found).kind), not a \(T.kind)")
    }
    if let claimed = HandleTable.claimedKind(handle), claimed == T.kind {
        throw .misuse("\(function): \(parameter) is a \(T.kind) that has been freed")
    }
    throw .misuse("\(function): \(parameter) is not a live \(T.kind) handle")
}

/// Run one C entry point on `handle`: an error becomes its code and its
/// message is kept on the handle if it is live; misuse, and any failure of
/// a call with no live handle (the `*_init` functions), is kept for the
/// calling thread (`pw_errmsg(NULL)`), since a dead handle can keep nothing.
/// Success clears the handle's message.
func call(_ handle: OpaquePointer?, _ body: () throws(ABIError) -> Void) -> Int32 {
    let owner = { handle.flatMap { h in handles.withLock { $0.lookup(h) } } }
    do {
        try body()
        owner()?.clearError()
        return PW_OK
    } catch {
        let o = owner()
        o?.record(error)
        if o == nil || error.code == PW_EMISUSE { ThreadError.set(error.message) }
        return error.code
    }
}

/// A C string argument as a Swift string, or a misuse error naming it.
func string(_ p: UnsafePointer<CChar>?, in function: String, _ parameter: String) throws(ABIError) -> String {
    guard let p else { throw .misuse("\(function): \(parameter) is NULL") }
    return String(cString: p)
}

/// Check and read an option or result struct's leading size field: at least
/// the struct's first version (`minimum`), at most what this library knows.
func structSize(_ p: UnsafeRawPointer?, known: Int, minimum: Int, _ name: String, in function: String) throws(ABIError) -> Int {
    guard let p else { throw .misuse("\(function): the \(name) pointer is NULL") }
    let size = p.loadUnaligned(as: Int.self)
    guard size >= minimum, size <= known else {
        throw ABIError(PW_ESIZE, "\(function): \(name).size is \(size); this library accepts \(minimum)...\(known) (set it to sizeof(\(name)))")
    }
    return size
}

/// Copy `value`'s first `size` bytes to `destination` (a caller's struct of
/// an older, shorter version keeps its own size).
func store<T>(_ value: T, to destination: UnsafeMutableRawPointer, size: Int) {
    withUnsafeBytes(of: value) { bytes in
        destination.copyMemory(from: bytes.baseAddress!, byteCount: min(size, bytes.count))
    }
}

/// Read a caller's struct of `size` bytes over `defaults`.
func load<T>(_ source: UnsafeRawPointer, size: Int, over defaults: T) -> T {
    var value = defaults
    withUnsafeMutableBytes(of: &value) { bytes in
        bytes.baseAddress!.copyMemory(from: source, byteCount: min(size, bytes.count))
    }
    return value
}
