// A reader for the C that include/pagewait.h is written in: its #defines,
// typedefs, struct layouts and function prototypes. It understands exactly
// the constructs the header uses and throws on anything else, so a new kind
// of declaration or a C type it cannot map makes the ABI tests fail until
// this file (and the tests) learn it.

/// How a value of a C type is passed and returned: the libffi type.
enum FFIKind: String, Sendable, Equatable {
    case void, sint32, uint32, sint64, uint64, double, pointer
}

/// A failure to read the header, with the declaration that caused it.
struct HeaderError: Error, CustomStringConvertible, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { "pagewait.h: \(message)" }
}

/// One parameter of a prototype or a function-pointer type.
struct CParameter: Sendable, Equatable {
    /// The type as written, whitespace normalised ("const char *", "pw_context **").
    let type: String
    let name: String?
    let kind: FFIKind
    /// For a pointer to an opaque handle type (pw_context *, ...): that type.
    let handle: String?
    /// For a single pointer to a struct with a body (pw_run_options *, ...): its name.
    var structure: String? = nil
}

/// `RET name(PARAMS)`: a function declared by the header, or the type of a
/// function-pointer member or typedef.
struct CPrototype: Sendable, Equatable {
    let name: String
    let returnType: String
    let returnKind: FFIKind
    let parameters: [CParameter]

    var parameterKinds: [FFIKind] { parameters.map(\.kind) }
}

/// One member of a struct, placed by the C rules for x86-64 and aarch64
/// Linux (LP64): every scalar and pointer aligned to its own size.
struct CField: Sendable, Equatable {
    let name: String
    let type: String
    let kind: FFIKind
    let offset: Int
    /// The size of one element; `count` elements for an array member.
    let size: Int
    let count: Int
    /// For a function-pointer member: its signature.
    let function: CPrototype?
}

struct CStructLayout: Sendable, Equatable {
    let name: String
    let fields: [CField]
    let size: Int
    let alignment: Int

    func field(_ name: String) throws(HeaderError) -> CField {
        guard let f = fields.first(where: { $0.name == name }) else {
            throw HeaderError("struct \(self.name) has no member '\(name)'")
        }
        return f
    }
}

/// Everything the tests take from the header text.
struct CHeader: Sendable {
    /// Object-like macros, name to replacement text (comments removed).
    private(set) var defines: [String: String] = [:]
    /// Every function prototype, in header order.
    private(set) var prototypes: [CPrototype] = []
    /// Every struct with a body, by typedef name and by tag.
    private(set) var structs: [String: CStructLayout] = [:]
    /// Opaque struct typedefs: the handle types (pw_context, ...).
    private(set) var handleTypes: [String] = []

    private enum Typedef: Sendable {
        case alias(String)
        case opaque
        case structure
        case function(CPrototype)
    }
    private var typedefs: [String: Typedef] = [:]
    private var structTags: Set<String> = []

    init(parsing text: String) throws(HeaderError) {
        let code = try preprocess(Self.stripComments(text))
        for statement in try Self.statements(code) {
            try declare(statement)
        }
    }

    func prototype(_ name: String) throws(HeaderError) -> CPrototype {
        guard let p = prototypes.first(where: { $0.name == name }) else { throw HeaderError("no prototype for \(name)") }
        return p
    }

    func layout(_ name: String) throws(HeaderError) -> CStructLayout {
        guard let s = structs[name] else { throw HeaderError("no struct \(name)") }
        return s
    }

    /// An integer #define: decimal or hex, optional u/l suffixes, optional
    /// parentheses and sign ("(-1)", "0x0001u", "-2").
    func integer(_ name: String) throws(HeaderError) -> Int64 {
        guard let raw = defines[name] else { throw HeaderError("no #define \(name)") }
        guard let v = Self.integerLiteral(raw) else { throw HeaderError("#define \(name) \(raw) is not an integer") }
        return v
    }

    /// A string #define ("0.1.0"), without its quotes.
    func string(_ name: String) throws(HeaderError) -> String {
        guard let raw = defines[name] else { throw HeaderError("no #define \(name)") }
        guard raw.count >= 2, raw.first == "\"", raw.last == "\"", !raw.dropFirst().dropLast().contains("\"") else {
            throw HeaderError("#define \(name) \(raw) is not a plain string literal")
        }
        return String(raw.dropFirst().dropLast())
    }

    /// Every #define whose name starts with `prefix`, with its integer value.
    func integers(prefixed prefix: String) throws(HeaderError) -> [(name: String, value: Int64)] {
        var out: [(name: String, value: Int64)] = []
        for name in defines.keys.sorted() where name.hasPrefix(prefix) {
            out.append((name, try integer(name)))
        }
        return out
    }

    static func integerLiteral(_ raw: String) -> Int64? {
        var s = Substring(raw.trimmingSpaces())
        while s.hasPrefix("("), s.hasSuffix(")") { s = Substring(s.dropFirst().dropLast().trimmingSpaces()) }
        var negative = false
        if s.hasPrefix("-") { negative = true; s = Substring(s.dropFirst().trimmingSpaces()) }
        while let last = s.last, "uUlL".contains(last) { s = s.dropLast() }
        let magnitude: UInt64?
        if s.hasPrefix("0x") || s.hasPrefix("0X") {
            magnitude = UInt64(s.dropFirst(2), radix: 16)
        } else {
            magnitude = s.isEmpty ? nil : UInt64(s, radix: 10)
        }
        guard let m = magnitude, m <= UInt64(Int64.max) else { return nil }
        return negative ? -Int64(m) : Int64(m)
    }

    // MARK: - Lexical stages

    /// The text with /* */ and // comments replaced by a space (newlines kept,
    /// so line structure survives for the preprocessor).
    static func stripComments(_ text: String) -> String {
        var out = ""
        var chars = Array(text)[...]
        var inString = false
        while let c = chars.first {
            if inString {
                out.append(c)
                chars = chars.dropFirst()
                if c == "\\", let n = chars.first { out.append(n); chars = chars.dropFirst() }
                else if c == "\"" { inString = false }
                continue
            }
            if c == "\"" { inString = true; out.append(c); chars = chars.dropFirst(); continue }
            if c == "/", chars.dropFirst().first == "*" {
                chars = chars.dropFirst(2)
                while !chars.isEmpty, !(chars.first == "*" && chars.dropFirst().first == "/") {
                    if chars.first == "\n" { out.append("\n") }
                    chars = chars.dropFirst()
                }
                chars = chars.dropFirst(2)
                out.append(" ")
                continue
            }
            if c == "/", chars.dropFirst().first == "/" {
                while let n = chars.first, n != "\n" { chars = chars.dropFirst() }
                continue
            }
            out.append(c)
            chars = chars.dropFirst()
        }
        return out
    }

    /// Runs the directives: records #defines, drops #include, and keeps the
    /// lines whose #ifdef / #ifndef conditions hold (a macro is defined if
    /// the header defined it earlier; nothing else is, __cplusplus included).
    /// Returns the remaining C text.
    private mutating func preprocess(_ text: String) throws(HeaderError) -> String {
        var lines: [String] = []
        var pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if raw.hasSuffix("\\") { pending += String(raw.dropLast()) + " "; continue }
            lines.append(pending + String(raw))
            pending = ""
        }
        var active: [Bool] = []  // one entry per open conditional: does its branch hold
        var functionMacros: Set<String> = []
        var code = ""
        for line in lines {
            let t = line.trimmingSpaces()
            guard t.hasPrefix("#") else {
                if active.allSatisfy({ $0 }) { code += line + "\n" }
                continue
            }
            let body = t.dropFirst().trimmingSpaces()
            let directive = String(body.prefix(while: { $0.isLetter }))
            let rest = body.dropFirst(directive.count).trimmingSpaces()
            switch directive {
            case "ifdef", "ifndef":
                let name = rest.identifierPrefix
                guard !name.isEmpty, name.count == rest.count else { throw HeaderError("cannot evaluate #\(directive) \(rest)") }
                let defined = defines[name] != nil || functionMacros.contains(name)
                active.append(directive == "ifdef" ? defined : !defined)
            case "else":
                guard let last = active.popLast() else { throw HeaderError("#else without #if") }
                active.append(!last)
            case "endif":
                guard active.popLast() != nil else { throw HeaderError("#endif without #if") }
            case "include":
                guard rest.hasPrefix("<"), rest.hasSuffix(">") else { throw HeaderError("unexpected #include \(rest)") }
            case "define":
                guard active.allSatisfy({ $0 }) else { continue }
                let name = rest.identifierPrefix
                guard !name.isEmpty else { throw HeaderError("malformed #define \(rest)") }
                let after = rest.dropFirst(name.count)
                if after.hasPrefix("(") {
                    functionMacros.insert(name)
                } else {
                    guard defines[name] == nil else { throw HeaderError("#define \(name) appears twice") }
                    defines[name] = after.trimmingSpaces()
                }
            default:
                throw HeaderError("unsupported directive #\(directive) \(rest)")
            }
        }
        guard active.isEmpty else { throw HeaderError("unterminated #if") }
        return code
    }

    /// Top-level declarations: the text between semicolons outside braces,
    /// whitespace collapsed to single spaces.
    static func statements(_ code: String) throws(HeaderError) -> [String] {
        var out: [String] = []
        var current = ""
        var depth = 0
        for c in code {
            switch c {
            case "{": depth += 1
            case "}":
                depth -= 1
                guard depth >= 0 else { throw HeaderError("unbalanced '}'") }
            case ";" where depth == 0:
                out.append(current.collapsingSpaces())
                current = ""
                continue
            default: break
            }
            current.append(c)
        }
        guard depth == 0 else { throw HeaderError("unbalanced '{'") }
        let tail = current.collapsingSpaces()
        guard tail.isEmpty else { throw HeaderError("text after the last declaration: \(tail)") }
        return out.filter { !$0.isEmpty }
    }

    // MARK: - Declarations

    private mutating func declare(_ statement: String) throws(HeaderError) {
        if statement.hasPrefix("typedef ") {
            try declareTypedef(String(statement.dropFirst("typedef ".count)))
        } else if statement.contains("{") {
            throw HeaderError("a struct, union or enum outside a typedef: \(statement)")
        } else if statement.contains("(") {
            let p = try Self.function(statement, resolving: self)
            guard p.name.hasPrefix("pw_") else { throw HeaderError("function outside the pw_ namespace: \(statement)") }
            guard !prototypes.contains(where: { $0.name == p.name }) else { throw HeaderError("\(p.name) is declared twice") }
            prototypes.append(p)
        } else {
            throw HeaderError("unrecognised declaration: \(statement)")
        }
    }

    private mutating func declareTypedef(_ rest: String) throws(HeaderError) {
        if rest.hasPrefix("struct ") {
            let afterStruct = rest.dropFirst("struct ".count)
            let tag = afterStruct.identifierPrefix
            if let open = rest.firstIndex(of: "{") {
                guard let close = rest.lastIndex(of: "}") else { throw HeaderError("unbalanced struct: \(rest)") }
                let name = rest[rest.index(after: close)...].trimmingSpaces()
                guard name.isIdentifier else { throw HeaderError("typedef struct without one plain name: \(rest)") }
                let layout = try structLayout(name: name, body: String(rest[rest.index(after: open)..<close]))
                try define(name, .structure)
                structs[name] = layout
                if !tag.isEmpty { structs[tag] = layout; structTags.insert(tag) }
            } else {
                let name = afterStruct.dropFirst(tag.count).trimmingSpaces()
                guard !tag.isEmpty, name.isIdentifier else { throw HeaderError("unrecognised typedef struct \(rest)") }
                try define(name, .opaque)
                structTags.insert(tag)
                handleTypes.append(name)
            }
            return
        }
        if rest.contains("(") {
            let d = try Self.functionPointer(rest, resolving: self)
            guard let name = d.name else { throw HeaderError("function-pointer typedef without a name: \(rest)") }
            try define(name, .function(d.signature))
            return
        }
        let tokens = rest.split(separator: " ").map(String.init)
        guard tokens.count >= 2, let name = tokens.last, name.isIdentifier, !rest.contains("*") else {
            throw HeaderError("unrecognised typedef \(rest)")
        }
        let target = tokens.dropLast().joined(separator: " ")
        _ = try resolve(target)  // the target must be a type this reader knows
        try define(name, .alias(target))
    }

    private mutating func define(_ name: String, _ t: Typedef) throws(HeaderError) {
        guard typedefs[name] == nil, Self.scalars[name] == nil else { throw HeaderError("type \(name) is defined twice") }
        typedefs[name] = t
    }

    private func structLayout(name: String, body: String) throws(HeaderError) -> CStructLayout {
        var fields: [CField] = []
        var offset = 0
        var alignment = 1
        for member in body.split(separator: ";").map({ $0.trimmingSpaces() }) where !member.isEmpty {
            guard !member.contains("{") else { throw HeaderError("nested struct, union or enum in \(name): \(member)") }
            var decl = member
            var count = 1
            if decl.hasSuffix("]"), let open = decl.lastIndex(of: "[") {
                let n = decl[decl.index(after: open)..<decl.index(before: decl.endIndex)].trimmingSpaces()
                guard let v = Self.integerLiteral(n) ?? defines[n].flatMap(Self.integerLiteral), v > 0 else {
                    throw HeaderError("array size \(n) in \(name).\(member)")
                }
                count = Int(v)
                decl = decl[..<open].trimmingSpaces()
            }
            let field: (type: String, name: String?, kind: FFIKind, function: CPrototype?)
            if decl.contains("(") {
                let d = try Self.functionPointer(decl, resolving: self)
                field = (d.signature.returnType + " (*)(...)", d.name, .pointer, d.signature)
            } else {
                guard !decl.contains(",") else { throw HeaderError("one member per declaration, please: \(name).\(member)") }
                let d = try Self.declarator(decl)
                field = (d.type, d.name, try resolve(d.type).kind, nil)
            }
            guard let fieldName = field.name else { throw HeaderError("unnamed member in \(name): \(member)") }
            let size = try Self.size(of: field.kind, in: "\(name).\(fieldName)")
            offset = (offset + size - 1) / size * size
            fields.append(CField(name: fieldName, type: field.type, kind: field.kind, offset: offset, size: size,
                                 count: count, function: field.function))
            offset += size * count
            alignment = max(alignment, size)
        }
        guard !fields.isEmpty else { throw HeaderError("empty struct \(name)") }
        return CStructLayout(name: name, fields: fields, size: (offset + alignment - 1) / alignment * alignment,
                             alignment: alignment)
    }

    /// Size, and so alignment, of a scalar or pointer under LP64.
    static func size(of kind: FFIKind, in place: String) throws(HeaderError) -> Int {
        switch kind {
        case .sint32, .uint32: 4
        case .sint64, .uint64, .double, .pointer: 8
        case .void: throw HeaderError("void member \(place)")
        }
    }

    // MARK: - Types

    /// The C types this reader maps, by their spelling without qualifiers.
    static let scalars: [String: FFIKind] = [
        "int": .sint32, "signed": .sint32, "signed int": .sint32, "int32_t": .sint32,
        "unsigned": .uint32, "unsigned int": .uint32, "uint32_t": .uint32,
        "int64_t": .sint64,
        "uint64_t": .uint64, "size_t": .uint64,
        "double": .double,
        "void": .void,
    ]
    /// Types that may only appear behind a pointer.
    static let pointees: Set<String> = ["char", "void"]
    static let keywords: Set<String> = ["int", "char", "short", "long", "signed", "unsigned", "void", "float", "double",
                                        "const", "volatile", "struct", "union", "enum"]

    struct Resolved: Equatable {
        let kind: FFIKind
        let handle: String?
        var structure: String? = nil
    }

    /// Map a type as written ("const char *", "pw_label", "size_t") to how it
    /// is passed. Throws for a type it does not know.
    func resolve(_ type: String) throws(HeaderError) -> Resolved {
        let stars = type.filter { $0 == "*" }.count
        let ignored: Set<String> = ["const", "volatile", "*"]
        let words: [String] = type.replacingStars().split(separator: " ").map(String.init).filter { !ignored.contains($0) }
        let base = words.joined(separator: " ")
        if stars > 0 {
            let known: Bool
            if words.first == "struct", words.count == 2 { known = structTags.contains(words[1]) }
            else { known = Self.scalars[base] != nil || Self.pointees.contains(base) || typedefs[base] != nil }
            guard known else { throw HeaderError("unknown type '\(base)' in '\(type)'") }
            let handle: String? = if stars == 1, case .opaque? = typedefs[base] { base } else { nil }
            let structure: String? = if stars == 1, case .structure? = typedefs[base] { base } else { nil }
            return Resolved(kind: .pointer, handle: handle, structure: structure)
        }
        if let k = Self.scalars[base] { return Resolved(kind: k, handle: nil) }
        switch typedefs[base] {
        case .alias(let target)?: return Resolved(kind: try resolve(target).kind, handle: nil)
        case .function?: return Resolved(kind: .pointer, handle: nil)
        case .structure?, .opaque?: throw HeaderError("struct \(base) passed by value in '\(type)'")
        case nil: throw HeaderError("unknown type '\(base)'\(base == type ? "" : " in '\(type)'")")
        }
    }

    /// Split a plain declarator ("const char *kind", "pw_context **out",
    /// "size_t") into its type and, if present, its name.
    static func declarator(_ text: String) throws(HeaderError) -> (type: String, name: String?) {
        let spaced = text.replacingStars()
        let words = spaced.split(separator: " ").map(String.init)
        guard let last = words.last else { throw HeaderError("empty declarator") }
        let endsWithStar = text.trimmingSpaces().hasSuffix("*")
        let typeWords = words.filter { $0 != "const" && $0 != "volatile" && $0 != "*" }
        let hasName = !endsWithStar && last.isIdentifier && !keywords.contains(last) && typeWords.count >= 2
        var typeText = text.trimmingSpaces()
        if hasName {
            typeText = String(typeText.dropLast(last.count)).trimmingSpaces()
            guard !typeText.isEmpty else { throw HeaderError("declarator without a type: \(text)") }
        }
        for w in words where w != "*" && !w.isIdentifier { throw HeaderError("unexpected '\(w)' in '\(text)'") }
        return (normalise(typeText), hasName ? last : nil)
    }

    /// "const char *", "pw_context **": words single-spaced, each '*' glued
    /// to its left neighbour's space ("T *", "T **").
    static func normalise(_ type: String) -> String {
        let words = type.replacingStars().split(separator: " ")
        var out = ""
        for w in words {
            if w == "*" { out += out.hasSuffix("*") ? "*" : " *" }
            else { out += (out.isEmpty ? "" : " ") + w }
        }
        return out
    }

    /// `RET name(PARAMS)`.
    static func function(_ text: String, resolving header: CHeader) throws(HeaderError) -> CPrototype {
        guard let open = text.firstIndex(of: "(") else { throw HeaderError("not a function: \(text)") }
        let head = text[..<open].trimmingSpaces()
        guard let close = matchingParen(text, open), close == text.index(before: text.endIndex) else {
            throw HeaderError("unrecognised declaration (not `RET name(PARAMS)`): \(text)")
        }
        let name = String(head.reversed().prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" }).reversed())
        guard name.isIdentifier, !keywords.contains(name) else { throw HeaderError("unrecognised declaration: \(text)") }
        let ret = normalise(String(head.dropLast(name.count)))
        guard !ret.isEmpty else { throw HeaderError("no return type: \(text)") }
        let params = String(text[text.index(after: open)..<close])
        return CPrototype(name: name, returnType: ret, returnKind: try header.resolve(ret).kind,
                          parameters: try parameters(params, of: name, resolving: header))
    }

    /// `RET (*name)(PARAMS)`, name optional.
    static func functionPointer(_ text: String, resolving header: CHeader) throws(HeaderError)
        -> (name: String?, signature: CPrototype) {
        guard let open = text.firstIndex(of: "("), let close = matchingParen(text, open) else {
            throw HeaderError("unrecognised function pointer: \(text)")
        }
        let inner = text[text.index(after: open)..<close].trimmingSpaces()
        guard inner.hasPrefix("*") else { throw HeaderError("unrecognised function pointer: \(text)") }
        let nameText = inner.dropFirst().trimmingSpaces()
        guard nameText.isEmpty || nameText.isIdentifier else { throw HeaderError("unrecognised function pointer: \(text)") }
        let name = nameText.isEmpty ? nil : nameText
        let tail = text[text.index(after: close)...].trimmingSpaces()
        guard tail.hasPrefix("("), let pclose = matchingParen(tail, tail.startIndex), pclose == tail.index(before: tail.endIndex) else {
            throw HeaderError("unrecognised function pointer: \(text)")
        }
        let ret = normalise(String(text[..<open]))
        let params = String(tail[tail.index(after: tail.startIndex)..<pclose])
        let sig = CPrototype(name: name ?? "", returnType: ret, returnKind: try header.resolve(ret).kind,
                             parameters: try parameters(params, of: name ?? text, resolving: header))
        return (name, sig)
    }

    static func parameters(_ text: String, of function: String, resolving header: CHeader) throws(HeaderError) -> [CParameter] {
        let list = text.trimmingSpaces()
        guard !list.isEmpty else { throw HeaderError("\(function)(): write (void) for no parameters") }
        if list == "void" { return [] }
        guard !list.contains("...") else { throw HeaderError("\(function): variadic functions are not supported") }
        var out: [CParameter] = []
        for p in splitTopLevel(list) {
            if p.contains("(") {
                let d = try functionPointer(p, resolving: header)
                out.append(CParameter(type: d.signature.returnType + " (*)(...)", name: d.name, kind: .pointer, handle: nil))
            } else {
                let d = try declarator(p)
                let r = try header.resolve(d.type)
                guard r.kind != .void else { throw HeaderError("\(function): void parameter") }
                out.append(CParameter(type: d.type, name: d.name, kind: r.kind, handle: r.handle, structure: r.structure))
            }
        }
        return out
    }

    static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for c in text {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if c == ",", depth == 0 { parts.append(current.trimmingSpaces()); current = ""; continue }
            current.append(c)
        }
        parts.append(current.trimmingSpaces())
        return parts
    }

    static func matchingParen<S: StringProtocol>(_ text: S, _ open: S.Index) -> S.Index? {
        var depth = 0
        var i = open
        while i < text.endIndex {
            if text[i] == "(" { depth += 1 }
            if text[i] == ")" { depth -= 1; if depth == 0 { return i } }
            i = text.index(after: i)
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }

    func collapsingSpaces() -> String {
        split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// '*' as a word of its own: "char*p" -> "char * p".
    func replacingStars() -> String {
        var s = ""
        for c in self { if c == "*" { s += " * " } else { s.append(c) } }
        return s.collapsingSpaces()
    }

    var identifierPrefix: String {
        guard let f = first, f.isLetter || f == "_" else { return "" }
        return String(prefix(while: { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }))
    }

    var isIdentifier: Bool { !isEmpty && identifierPrefix.count == count }
}
