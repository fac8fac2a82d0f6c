// The shared library against the header's list of functions: every
// declared function resolves, and nothing else is exported.

import Foundation
import Testing

/// Symbols `nm -D --defined-only` shows that pagewait.h does not declare,
/// and why each kind is allowed. Nothing outside this list may appear.
enum ToolchainSymbols {
    /// Exported (GLOBAL or WEAK) names the toolchain adds to every shared
    /// library it links. None: the version script exports pw_* only.
    static let exported: Set<String> = []

    /// LOCAL entries of .dynsym. swiftc gives type metadata and protocol
    /// conformance records protected visibility, so the linker keeps them in
    /// .dynsym; the version script's `local: *` binds them locally, which
    /// makes them invisible to dlsym and to anything linking the library.
    /// nm lists them with a lower-case type letter. Allowed: Swift-mangled
    /// names only.
    static func allowedLocal(_ name: String) -> Bool { name.hasPrefix("$s") }
}

@Suite("Exported symbols", .serialized)
struct SymbolTests {
    @Test("the library opens with RTLD_NOW and every function pagewait.h declares resolves with dlsym")
    func everyDeclaredFunctionResolves() throws {
        let lib = try PagewaitLibrary.get()
        let missing = lib.header.prototypes.map(\.name).filter { lib.addresses[$0] == nil }
        #expect(missing.isEmpty, "declared but not exported: \(missing)")
        #expect(lib.addresses.count == lib.header.prototypes.count)
    }

    @Test("the library exports exactly the header's functions, as functions, and its SONAME is libpagewait.so.0")
    func exportsAreDeclared() throws {
        let lib = try PagewaitLibrary.get()
        let elf = try ELFDynamic(path: lib.path)
        let declared = Set(lib.header.prototypes.map(\.name))
        let exported = elf.definedSymbols.filter { $0.binding != .local }
        let names = Set(exported.map(\.name))
        let undeclared = names.subtracting(declared).subtracting(ToolchainSymbols.exported).sorted()
        #expect(undeclared.isEmpty, "exported but not declared in pagewait.h: \(undeclared)")
        #expect(declared.subtracting(names).sorted() == [], "declared but not exported")
        for s in exported where declared.contains(s.name) {
            #expect(s.kind == .function && s.binding == .global, "\(s.name) is exported as \(s.kind), \(s.binding)")
        }
        #expect(elf.soname == "libpagewait.so.0")
    }

    @Test("what else .dynsym holds is local, Swift-mangled and invisible to dlsym")
    func localSymbols() throws {
        let lib = try PagewaitLibrary.get()
        let elf = try ELFDynamic(path: lib.path)
        let local = elf.definedSymbols.filter { $0.binding == .local }
        let notPW = elf.definedSymbols.filter { !$0.name.hasPrefix("pw_") }
        print("ABI: \(lib.path): \(elf.definedSymbols.count) defined .dynsym entries; not pw_*: \(notPW.count), "
              + "all LOCAL: \(notPW.allSatisfy { $0.binding == .local }); e.g. \(notPW.prefix(3).map(\.name))")
        let strange = local.filter { !ToolchainSymbols.allowedLocal($0.name) }.map(\.name)
        #expect(strange.isEmpty, "local .dynsym entries that are not Swift metadata: \(strange.prefix(20))")
        let visible = local.filter { dlsym(lib.handle, $0.name) != nil }.map(\.name)
        #expect(visible.isEmpty, "local symbols dlsym resolves: \(visible.prefix(20))")
        #expect(dlsym(lib.handle, "pw_plugin_init") == nil, "the library is not a plugin")
    }

    @Test("the ELF reader lists what nm -D --defined-only lists")
    func elfReaderAgreesWithNM() throws {
        let lib = try PagewaitLibrary.get()
        let elf = try ELFDynamic(path: lib.path)
        guard let nm = try Self.nm(lib.path) else {
            print("ABI: no nm on PATH; the ELF reader is checked against dlsym only")
            return
        }
        // nm marks local symbols with a lower-case letter, global ones upper-case.
        #expect(Set(nm.map(\.name)) == Set(elf.definedSymbols.map(\.name)))
        let nmGlobal = Set(nm.filter { $0.type.isUppercase }.map(\.name))
        #expect(nmGlobal == Set(elf.definedSymbols.filter { $0.binding != .local }.map(\.name)))
        let nmNotPW = nm.filter { !$0.name.hasPrefix("pw_") }
        print("ABI: nm -D --defined-only: \(nm.count) symbols, \(nmNotPW.count) not pw_*, types \(Set(nmNotPW.map(\.type)).sorted())")
    }

    /// `nm -D --defined-only path` as (type letter, name), or nil without nm.
    static func nm(_ path: String) throws -> [(type: Character, name: String)]? {
        let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { "\($0)/nm" }
        guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["-D", "--defined-only", path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CallError(message: "nm exited with \(p.terminationStatus)") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let type = parts[parts.count - 2].first else { return nil }
            let name = parts[parts.count - 1].split(separator: "@").first.map(String.init) ?? ""
            return (type, name)
        }
    }
}
