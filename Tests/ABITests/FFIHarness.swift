// Calling libpagewait the way a C program does: dlopen the shared library,
// dlsym each function include/pagewait.h declares, and call it through
// libffi with the argument and return types the header gives. Nothing here
// imports the header as a module, so the binary is checked against the
// header's text, not against a copy of it compiled into the tests.

import CFFI
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The package's top folder, from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let headerPath = packageRoot.appendingPathComponent("include/pagewait.h").path

/// include/pagewait.h, read once.
let parsedHeader: Result<CHeader, HeaderError> = {
    guard let text = try? String(contentsOfFile: headerPath, encoding: .utf8) else {
        return .failure(HeaderError("cannot read \(headerPath)"))
    }
    return Result { () throws(HeaderError) in try CHeader(parsing: text) }
}()

struct LoadError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The shared library product, opened once for the whole test run.
final class PagewaitLibrary: @unchecked Sendable {
    static let fileName = "libPagewaitABI.so"
    static let shared: Result<PagewaitLibrary, LoadError> = Result { () throws(LoadError) in try PagewaitLibrary() }

    let path: String
    let handle: UnsafeMutableRawPointer
    let header: CHeader
    /// dlsym of every declared function, by name; absent if it did not resolve.
    let addresses: [String: UnsafeMutableRawPointer]

    /// Folders the library may be in: `swift build` puts every product in
    /// one folder, the test executable's.
    static func candidateFolders() -> [String] {
        var folders: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            folders.append((exe as NSString).deletingLastPathComponent)
        }
        if let first = CommandLine.arguments.first {
            folders.append((URL(fileURLWithPath: first).standardizedFileURL.path as NSString).deletingLastPathComponent)
        }
        return folders
    }

    private init() throws(LoadError) {
        switch parsedHeader {
        case .success(let h): header = h
        case .failure(let e): throw LoadError(message: "\(e)")
        }
        let folders = Self.candidateFolders()
        guard let found = folders.map({ ($0 as NSString).appendingPathComponent(Self.fileName) })
            .first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw LoadError(message: "\(Self.fileName) not found in \(folders)")
        }
        path = found
        guard let h = dlopen(found, RTLD_NOW | RTLD_LOCAL) else {
            throw LoadError(message: "dlopen \(found): \(String(cString: dlerror()))")
        }
        handle = h
        var addresses: [String: UnsafeMutableRawPointer] = [:]
        for p in header.prototypes {
            if let a = dlsym(h, p.name) { addresses[p.name] = a }
        }
        self.addresses = addresses
    }

    static func get() throws -> PagewaitLibrary {
        try shared.get()
    }
}

// MARK: - Arguments and results

/// One argument, checked against the parameter's C type when the call is made.
enum Arg: CustomStringConvertible {
    /// Any integer parameter; the value must fit the C type exactly.
    case int(Int64)
    /// A uint64_t or size_t too large for Int64.
    case u64(UInt64)
    case f64(Double)
    case ptr(UnsafeMutableRawPointer?)

    static var null: Arg { .ptr(nil) }
    static func p(_ p: UnsafeRawPointer?) -> Arg { .ptr(UnsafeMutableRawPointer(mutating: p)) }

    var pointer: UnsafeMutableRawPointer? {
        if case .ptr(let p) = self { return p }
        return nil
    }

    var description: String {
        switch self {
        case .int(let v): "\(v)"
        case .u64(let v): "\(v)"
        case .f64(let v): "\(v)"
        case .ptr(let p): p.map { "\($0)" } ?? "NULL"
        }
    }
}

struct CallError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// A function's return value, as libffi handed it back.
struct Returned {
    let kind: FFIKind
    /// The return slot: an ffi_arg for integers (widened by libffi), the
    /// pointer, or the double's bits.
    let raw: UInt64

    /// An int result: the low 32 bits of the widened ffi_arg.
    var int32: Int32 { Int32(truncatingIfNeeded: raw) }
    var pointer: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: UInt(raw)) }
    /// A `const char *` result, or nil for NULL.
    var string: String? { pointer.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } }
}

func ffiType(_ k: FFIKind) -> UnsafeMutablePointer<ffi_type> {
    switch k {
    case .void: pw_ffi_type_void()
    case .sint32: pw_ffi_type_sint32()
    case .uint32: pw_ffi_type_uint32()
    case .sint64: pw_ffi_type_sint64()
    case .uint64: pw_ffi_type_uint64()
    case .double: pw_ffi_type_double()
    case .pointer: pw_ffi_type_pointer()
    }
}

extension PagewaitLibrary {
    /// Call `name` with `args` through ffi_prep_cif / ffi_call, using the
    /// types of its prototype in the header.
    @discardableResult
    func call(_ name: String, _ args: [Arg]) throws -> Returned {
        let proto = try header.prototype(name)
        guard let address = addresses[name] else { throw CallError(message: "\(name) did not resolve with dlsym") }
        guard args.count == proto.parameters.count else {
            throw CallError(message: "\(name) takes \(proto.parameters.count) arguments, given \(args.count)")
        }
        let n = args.count
        let cif = UnsafeMutablePointer<ffi_cif>.allocate(capacity: 1)
        let types = UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>.allocate(capacity: max(n, 1))
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(n, 1) * 8, alignment: 16)
        let values = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: max(n, 1))
        let result = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
        defer {
            cif.deallocate(); types.deallocate(); storage.deallocate(); values.deallocate(); result.deallocate()
        }
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: max(n, 1) * 8)
        result.initializeMemory(as: UInt8.self, repeating: 0, count: 16)
        for (i, (param, arg)) in zip(proto.parameters, args).enumerated() {
            let slot = storage + i * 8
            func bad() -> CallError {
                CallError(message: "\(name) argument \(i + 1) (\(param.type) \(param.name ?? "")): \(arg) does not fit")
            }
            switch (param.kind, arg) {
            case (.sint32, .int(let v)):
                guard let x = Int32(exactly: v) else { throw bad() }
                slot.storeBytes(of: x, as: Int32.self)
            case (.uint32, .int(let v)):
                guard let x = UInt32(exactly: v) else { throw bad() }
                slot.storeBytes(of: x, as: UInt32.self)
            case (.sint64, .int(let v)):
                slot.storeBytes(of: v, as: Int64.self)
            case (.uint64, .int(let v)):
                guard let x = UInt64(exactly: v) else { throw bad() }
                slot.storeBytes(of: x, as: UInt64.self)
            case (.uint64, .u64(let v)):
                slot.storeBytes(of: v, as: UInt64.self)
            case (.double, .f64(let v)):
                slot.storeBytes(of: v, as: Double.self)
            case (.pointer, .ptr(let p)):
                slot.storeBytes(of: p, as: UnsafeMutableRawPointer?.self)
            default:
                throw bad()
            }
            types[i] = ffiType(param.kind)
            values[i] = slot
        }
        guard ffi_prep_cif(cif, FFI_DEFAULT_ABI, UInt32(n), ffiType(proto.returnKind), types) == FFI_OK else {
            throw CallError(message: "ffi_prep_cif failed for \(name)")
        }
        ffi_call(cif, unsafeBitCast(address, to: (@convention(c) () -> Void).self), result, values)
        return Returned(kind: proto.returnKind, raw: result.load(as: UInt64.self))
    }

    /// An int-returning function's result code.
    func rc(_ name: String, _ args: Arg...) throws -> Int32 {
        let r = try call(name, args)
        guard r.kind == .sint32 else { throw CallError(message: "\(name) does not return int") }
        return r.int32
    }

    /// pw_errmsg(handle), which must never be NULL.
    func errmsg(_ handle: UnsafeMutableRawPointer?) throws -> String {
        guard let s = try call("pw_errmsg", [.ptr(handle)]).string else {
            throw CallError(message: "pw_errmsg(\(handle.map { "\($0)" } ?? "NULL")) returned NULL")
        }
        return s
    }

    /// The failure codes: PW_ERROR and the other PW_E<NAME> defines with a
    /// negative value (PW_EXCLUSIVE and PW_EXPLORE_* are not codes).
    var errorCodes: [(name: String, value: Int64)] {
        ((try? header.integers(prefixed: "PW_E")) ?? []).filter { code in
            code.value < 0 && code.name.dropFirst(4).allSatisfy { $0.isUppercase }
        }
    }

    /// A result code's name in the header (PW_EMISUSE, ...), for messages.
    func codeName(_ code: Int32) -> String {
        let all = errorCodes + [("PW_OK", 0), ("PW_DECLINE", 1)]
        return all.first(where: { $0.value == Int64(code) }).map { "\($0.name) (\(code))" } ?? "\(code)"
    }

    /// A header constant as an Int64, for arguments.
    func constant(_ name: String) throws -> Int64 { try header.integer(name) }
    func code(_ name: String) throws -> Int32 {
        guard let v = Int32(exactly: try header.integer(name)) else { throw CallError(message: "\(name) is not an int") }
        return v
    }
}

// MARK: - Memory the calls point into

/// Owns every buffer handed to the library during one test; frees them
/// all when the test is done.
final class Arena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit { for b in blocks { b.deallocate() } }

    /// `count` zeroed bytes.
    func bytes(_ count: Int, fill: UInt8 = 0) -> UnsafeMutableRawPointer {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        p.initializeMemory(as: UInt8.self, repeating: fill, count: max(count, 1))
        blocks.append(p)
        return p
    }

    /// A NUL-terminated copy of `s`.
    func cString(_ s: String) -> UnsafeMutableRawPointer {
        let utf8 = Array(s.utf8)
        let p = bytes(utf8.count + 1)
        p.copyMemory(from: utf8, byteCount: utf8.count)
        return p
    }

    /// An out-parameter slot (a `T *` the library writes one value into),
    /// pre-filled with `fill` so a write, or its absence, shows.
    func slot(fill: UInt8 = 0) -> UnsafeMutableRawPointer { bytes(8, fill: fill) }

    /// A struct of the header's layout `name`, zeroed, followed by a canary
    /// so a write past `layout.size` shows.
    func structure(_ name: String, header: CHeader) throws -> CStruct {
        let layout = try header.layout(name)
        let p = bytes(layout.size + CStruct.canaryBytes)
        (p + layout.size).initializeMemory(as: UInt8.self, repeating: CStruct.canary, count: CStruct.canaryBytes)
        return CStruct(layout: layout, base: p)
    }
}

/// A C struct as a raw byte buffer, read and written by member name. The
/// layout is not declared in Swift: CHeader computes it from the struct's
/// declaration in pagewait.h by the C rules of the LP64 Linux ABIs (x86-64
/// and aarch64 System V: size_t and pointers 8 bytes, every member aligned to
/// its size, the struct padded to its widest member), the rules
/// HeaderParserTests checks on a sample with its offsets written out.
struct CStruct {
    static let canary: UInt8 = 0xA5
    static let canaryBytes = 64
    let layout: CStructLayout
    let base: UnsafeMutableRawPointer

    var arg: Arg { .ptr(base) }

    /// Bytes past the struct that the library must not have written.
    var canaryIntact: Bool {
        (0..<Self.canaryBytes).allSatisfy { (base + layout.size).load(fromByteOffset: $0, as: UInt8.self) == Self.canary }
    }

    func set(_ name: String, _ value: Int64, index: Int = 0) throws {
        let f = try layout.field(name)
        guard index < f.count else { throw HeaderError("\(layout.name).\(name)[\(index)] out of bounds") }
        let p = base + f.offset + index * f.size
        func fit<T: FixedWidthInteger>(_: T.Type) throws -> T {
            guard let v = T(exactly: value) else { throw HeaderError("\(value) does not fit \(layout.name).\(name)") }
            return v
        }
        switch f.kind {
        case .sint32: p.storeBytes(of: try fit(Int32.self), as: Int32.self)
        case .uint32: p.storeBytes(of: try fit(UInt32.self), as: UInt32.self)
        case .sint64: p.storeBytes(of: value, as: Int64.self)
        case .uint64: p.storeBytes(of: try fit(UInt64.self), as: UInt64.self)
        default: throw HeaderError("\(layout.name).\(name) is \(f.type), not an integer")
        }
    }

    func setU64(_ name: String, _ value: UInt64) throws {
        let f = try layout.field(name)
        guard f.kind == .uint64 else { throw HeaderError("\(layout.name).\(name) is \(f.type), not a 64-bit unsigned") }
        (base + f.offset).storeBytes(of: value, as: UInt64.self)
    }

    func set(_ name: String, pointer: UnsafeRawPointer?) throws {
        let f = try layout.field(name)
        guard f.kind == .pointer else { throw HeaderError("\(layout.name).\(name) is \(f.type), not a pointer") }
        (base + f.offset).storeBytes(of: pointer, as: UnsafeRawPointer?.self)
    }

    func int(_ name: String, index: Int = 0) throws -> Int64 {
        let f = try layout.field(name)
        guard index < f.count else { throw HeaderError("\(layout.name).\(name)[\(index)] out of bounds") }
        let p = base + f.offset + index * f.size
        switch f.kind {
        case .sint32: return Int64(p.load(as: Int32.self))
        case .uint32: return Int64(p.load(as: UInt32.self))
        case .sint64: return p.load(as: Int64.self)
        case .uint64:
            let v = p.load(as: UInt64.self)
            guard let x = Int64(exactly: v) else { throw HeaderError("\(layout.name).\(name) = \(v) exceeds Int64") }
            return x
        default: throw HeaderError("\(layout.name).\(name) is \(f.type), not an integer")
        }
    }

    func double(_ name: String) throws -> Double {
        let f = try layout.field(name)
        guard f.kind == .double else { throw HeaderError("\(layout.name).\(name) is \(f.type), not a double") }
        return (base + f.offset).load(as: Double.self)
    }

    func pointer(_ name: String) throws -> UnsafeMutableRawPointer? {
        let f = try layout.field(name)
        guard f.kind == .pointer else { throw HeaderError("\(layout.name).\(name) is \(f.type), not a pointer") }
        return (base + f.offset).load(as: UnsafeMutableRawPointer?.self)
    }

    /// A `const char *` member, or nil when NULL.
    func string(_ name: String) throws -> String? {
        try pointer(name).map { String(cString: $0.assumingMemoryBound(to: CChar.self)) }
    }

    /// Every integer and double member, for comparing two results
    /// (pointers left out: strings are compared by value where it matters).
    func numbers() throws -> [String: Double] {
        var out: [String: Double] = [:]
        for f in layout.fields where f.count == 1 {
            switch f.kind {
            case .double: out[f.name] = try double(f.name)
            case .sint32, .uint32, .sint64, .uint64: out[f.name] = Double(try int(f.name))
            default: break
            }
        }
        return out
    }
}

extension UnsafeMutableRawPointer {
    /// The pointer stored in an out-parameter slot.
    var storedPointer: UnsafeMutableRawPointer? { load(as: UnsafeMutableRawPointer?.self) }
    /// The C string an out-parameter slot points to.
    var storedString: String? { storedPointer.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } }
}
