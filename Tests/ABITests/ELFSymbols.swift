// The dynamic symbol table and SONAME of a 64-bit little-endian ELF shared
// object, read from the file itself (the System V gABI: the section header
// table, SHT_DYNSYM with its string table, SHT_DYNAMIC's DT_SONAME), so the
// export check needs no binutils.

import Foundation

struct ELFSymbol: Equatable, Sendable {
    enum Binding: Equatable, Sendable { case local, global, weak, other(UInt8) }
    enum Kind: Equatable, Sendable { case none, object, function, section, file, tls, other(UInt8) }
    let name: String
    let binding: Binding
    let kind: Kind
    let defined: Bool
}

struct ELFError: Error, CustomStringConvertible {
    let message: String
    var description: String { "ELF: \(message)" }
}

struct ELFDynamic: Sendable {
    let symbols: [ELFSymbol]
    let soname: String?

    /// What `nm -D --defined-only` lists: every symbol of .dynsym with a
    /// section (not undefined), the null entry excluded.
    var definedSymbols: [ELFSymbol] { symbols.filter { $0.defined && !$0.name.isEmpty } }

    init(path: String) throws {
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        func u16(_ o: Int) throws -> Int { try read(o, 2) }
        func u32(_ o: Int) throws -> Int { try read(o, 4) }
        func u64(_ o: Int) throws -> Int { try read(o, 8) }
        func read(_ o: Int, _ n: Int) throws -> Int {
            guard o >= 0, o + n <= data.count else { throw ELFError(message: "offset \(o) past the end of \(path)") }
            var v: UInt64 = 0
            for i in (0..<n).reversed() { v = v << 8 | UInt64(data[o + i]) }
            guard v <= UInt64(Int.max) else { throw ELFError(message: "value too large at \(o)") }
            return Int(v)
        }
        func cString(_ o: Int) throws -> String {
            guard o >= 0, o < data.count else { throw ELFError(message: "string offset \(o) out of range") }
            guard let end = data[o...].firstIndex(of: 0) else { throw ELFError(message: "unterminated string at \(o)") }
            return String(decoding: data[o..<end], as: UTF8.self)
        }

        guard data.count >= 64, data[0..<4] == [0x7F, 0x45, 0x4C, 0x46] else { throw ELFError(message: "\(path) is not ELF") }
        guard data[4] == 2, data[5] == 1 else { throw ELFError(message: "\(path) is not 64-bit little-endian") }
        let shoff = try u64(0x28)
        let shentsize = try u16(0x3A)
        let shnum = try u16(0x3C)
        guard shoff > 0, shentsize >= 64, shnum > 0 else { throw ELFError(message: "\(path) has no section headers") }

        struct Section { let type: Int; let offset: Int; let size: Int; let link: Int; let entsize: Int }
        var sections: [Section] = []
        for i in 0..<shnum {
            let h = shoff + i * shentsize
            sections.append(Section(type: try u32(h + 4), offset: try u64(h + 0x18), size: try u64(h + 0x20),
                                    link: try u32(h + 0x28), entsize: try u64(h + 0x38)))
        }
        let SHT_DYNAMIC = 6, SHT_DYNSYM = 11
        guard let dynsym = sections.first(where: { $0.type == SHT_DYNSYM }), dynsym.link < sections.count,
              dynsym.entsize >= 24 else {
            throw ELFError(message: "\(path) has no .dynsym")
        }
        let strtab = sections[dynsym.link].offset
        var symbols: [ELFSymbol] = []
        for i in 0..<(dynsym.size / dynsym.entsize) {
            let e = dynsym.offset + i * dynsym.entsize
            let info = UInt8(try read(e + 4, 1))
            let shndx = try u16(e + 6)
            let binding: ELFSymbol.Binding = switch info >> 4 {
            case 0: .local
            case 1: .global
            case 2: .weak
            default: .other(info >> 4)
            }
            let kind: ELFSymbol.Kind = switch info & 0xF {
            case 0: .none
            case 1: .object
            case 2: .function
            case 3: .section
            case 4: .file
            case 6: .tls
            default: .other(info & 0xF)
            }
            symbols.append(ELFSymbol(name: try cString(strtab + (try u32(e))), binding: binding, kind: kind, defined: shndx != 0))
        }
        self.symbols = symbols

        var soname: String?
        if let dynamic = sections.first(where: { $0.type == SHT_DYNAMIC }), dynamic.link < sections.count {
            let dynstr = sections[dynamic.link].offset
            var o = dynamic.offset
            while o + 16 <= dynamic.offset + dynamic.size {
                let tag = try u64(o)
                if tag == 0 { break }
                if tag == 14 { soname = try cString(dynstr + (try u64(o + 8))) }  // DT_SONAME
                o += 16
            }
        }
        self.soname = soname
    }
}
