import PagewaitCore

/// A scenario file error: which file, which line, what is wrong.
public struct ScenarioFileError: Error, Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var line: Int
    public var message: String
    /// Set when a number is outside its allowed range (the message says so).
    public var range: RangeError?

    public init(path: String, line: Int, message: String, range: RangeError? = nil) {
        self.path = path
        self.line = line
        self.message = message
        self.range = range
    }

    public var description: String { "\(path):\(line): \(message)" }
    public static func == (a: Self, b: Self) -> Bool { (a.path, a.line, a.message) == (b.path, b.line, b.message) }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(path)
        hasher.combine(line)
        hasher.combine(message)
    }
}

/// Scenario files: a small subset of TOML (docs/scenarios.md).
///
///     name = "busy-page"
///     base = "migrate-vs-faulters"      # optional: start from a built-in
///
///     [parameters]
///     mappings = 3
///     think = 4
///
///     [page]
///     flags = ["uptodate", "lru", "workingset"]
///
///     [[actor]]                         # optional: replaces the base's actors
///     kind = "migrator"
///
///     [[actor]]
///     kind = "faulter"
///     count = 3
///     think = 2
///
/// CPUs (optional): `cpus = 2` and `preemption = "none"` (or "voluntary",
/// "full", the default) at the top level, `cpu = 1` in an [[actor]] table
/// to pin its tasks (docs/scenarios.md, "CPUs").
///
/// Values are integers, booleans (read as 1 and 0), strings, and
/// one-line arrays of strings. Every value is used as written or the file
/// is refused: no key is ignored, no value silently loses to another, and
/// the scenario must build as written. Every rejection names the line.
public enum ScenarioFile {
    public static func parse(_ text: String, path: String, registry: Registry) throws(ScenarioFileError) -> ScenarioSpec {
        let doc = try TOMLSubset.parse(text, path: path)
        func fail(_ line: Int, _ message: String) -> ScenarioFileError { ScenarioFileError(path: path, line: line, message: message) }

        var spec: ScenarioSpec
        let stem = path.split(separator: "/").last.map { String($0.split(separator: ".").first ?? $0) } ?? path
        if let base = doc.top["base"] {
            guard case .string(let name) = base.value else { throw fail(base.line, "'base' must be a string naming a built-in scenario") }
            guard let s = (try? registry.scenario(name)) as? ScenarioSpec else {
                throw fail(base.line, "no built-in scenario '\(name)'; known: \(registry.names(.scenario).joined(separator: ", "))")
            }
            spec = s
            spec.name = stem
            // What the base brings was written, in effect, on its line.
            spec.source = SourceLines(path: path, line: base.line)
            for i in spec.actors.indices { spec.actors[i].source = SourceLines(path: path, line: base.line) }
        } else {
            spec = ScenarioSpec(name: stem, summary: "scenario file \(path)", actors: [], source: SourceLines(path: path, line: 1))
        }
        var preemptionItem: TOMLSubset.Item?
        for (key, item) in doc.top.sorted(by: { $0.value.line < $1.value.line }) {
            switch key {
            case "base": break
            case "cpus":
                let v = try integer(item, key, path)
                do { try CPUDeclaration.countLimit.check(v, "cpus") } catch {
                    throw ScenarioFileError(path: path, line: item.line, message: error.description, range: error)
                }
                spec.cpus = CPUDeclaration(count: Int(v), preemption: spec.cpus?.preemption ?? .full)
                spec.source?.keys["cpus"] = item.line
            case "preemption":
                guard case .string(let name) = item.value, let p = Preemption(named: name) else {
                    throw fail(item.line, "'preemption' must be one of \(Preemption.allCases.map { "\"\($0)\"" }.joined(separator: ", "))")
                }
                preemptionItem = item
                spec.cpus?.preemption = p
                if spec.cpus == nil { spec.cpus = CPUDeclaration(count: 0, preemption: p) }
            case "name", "summary":
                guard case .string(let s) = item.value, !s.isEmpty else { throw fail(item.line, "'\(key)' must be a non-empty string") }
                if key == "name" { spec.name = s } else { spec.summary = s }
            default:
                throw fail(item.line, "unknown key '\(key)' at the top level (expected name, summary, base, cpus, preemption, or a [parameters], [page] or [[actor]] table)"
                           + misplaced(key, in: .top, registry))
            }
        }
        if let c = spec.cpus, c.count == 0 {
            throw fail(preemptionItem?.line ?? 1, "'preemption' needs CPUs: declare them with cpus = N (allowed \(CPUDeclaration.countLimit))")
        }
        for name in doc.tables.keys.sorted(by: { doc.tableLines[$0, default: 0] < doc.tableLines[$1, default: 0] })
        where name != "parameters" && name != "page" {
            let hint = ["params": "[parameters]", "param": "[parameters]", "parameter": "[parameters]", "actor": "[[actor]]",
                        "actors": "[[actor]]", "pages": "[page]"][name].map { "; did you mean \($0)?" } ?? ""
            throw fail(doc.tableLines[name] ?? 1, "unknown table [\(name)] (expected [parameters], [page] or [[actor]])\(hint)")
        }
        if let page = doc.tables["page"] {
            for (key, item) in page.sorted(by: { $0.value.line < $1.value.line }) {
                guard key == "flags" else { throw fail(item.line, "unknown key '\(key)' in [page] (expected flags)" + misplaced(key, in: .page, registry)) }
                guard case .strings(let names) = item.value else { throw fail(item.line, "'flags' must be an array of strings") }
                var flags: PageFlags = []
                for n in names {
                    guard let f = pageFlag(n) else {
                        throw fail(item.line, "unknown page flag '\(n)' (known: uptodate, workingset, swapbacked, dirty, private, lru, writeback)")
                    }
                    guard !flags.contains(f) else { throw fail(item.line, "page flag '\(n)' appears twice") }
                    flags.insert(f)
                }
                spec.pageFlags = flags
            }
        }
        if !doc.actors.isEmpty {
            // The tables replace the base's actors, so the base's counts of
            // them go too: a table's count (1 if it gives none) is what runs.
            for a in spec.actors { spec.parameters[a.countParameter] = nil }
            spec.actors = []
            var lineOfName: [String: Int] = [:]
            for actor in doc.actors {
                guard let kindItem = actor.items["kind"] else { throw fail(actor.line, "[[actor]] needs a 'kind'") }
                guard case .string(let kind) = kindItem.value else { throw fail(kindItem.line, "'kind' must be a string") }
                guard let a = (try? registry.lookup(.actor, kind, as: (any ScenarioActor).self)) as? any ProgramActor else {
                    throw fail(kindItem.line, "no actor '\(kind)'; known: \(registry.names(.actor).joined(separator: ", "))")
                }
                var line = ActorSpec(a, source: SourceLines(path: path, line: actor.line))
                for (key, item) in actor.items.sorted(by: { $0.value.line < $1.value.line }) where key != "kind" {
                    line.source?.keys[key] = item.line
                    switch key {
                    case "name":
                        guard case .string(let n) = item.value, isLineName(n) else {
                            throw fail(item.line, "'name' must be a string of letters, digits, '-' and '_' that starts with a letter and does not end with a digit (task names append one)")
                        }
                        line.name = n
                    case "count":
                        let v = try integer(item, key, path)
                        do { try ScenarioSpec.countLimit.check(v, "count") } catch {
                            throw ScenarioFileError(path: path, line: item.line, message: error.description, range: error)
                        }
                        line.count = Int(v)
                    case "program" where a.parameters["step0"] != nil:
                        // A lock-chain's steps in the kernel's words,
                        // encoded into its step parameters.
                        guard case .strings(let steps) = item.value else {
                            throw fail(item.line, "'program' must be an array of strings such as [\"mutex_lock 0\", \"lock_page 0\"]")
                        }
                        if let given = actor.items.keys.sorted().first(where: { $0.hasPrefix("step") }) {
                            throw fail(item.line, "'program' and '\(given)' both give the steps; use one")
                        }
                        for (i, (step, object)) in try lockSteps(steps, item.line, path).enumerated() {
                            line.parameters["step\(i)"] = step.rawValue * 100 + object
                        }
                    case "cpu":
                        let v = try integer(item, key, path)
                        guard let c = spec.cpus else {
                            throw fail(item.line, "'cpu' pins the line's tasks to a CPU: declare the CPUs first with cpus = N at the top level")
                        }
                        let allowed = Limit(0...Int64(c.count - 1))
                        do { try allowed.check(v, "cpu") } catch {
                            throw ScenarioFileError(path: path, line: item.line, message: error.description + " (the scenario has \(c.count) CPU\(c.count == 1 ? "" : "s"))", range: error)
                        }
                        line.cpu = Int(v)
                    default:
                        guard a.parameters[key] != nil else {
                            throw fail(item.line, "actor '\(kind)' has no parameter '\(key)'; known: \(a.parameters.keys.sorted().joined(separator: ", ")), count, name, cpu"
                                       + misplaced(key, in: .actor, registry))
                        }
                        let v = try integer(item, key, path)
                        line.parameters[key] = v
                    }
                }
                if let first = lineOfName[line.name] {
                    throw fail(line.source?.keys["name"] ?? actor.line,
                               "a second [[actor]] named '\(line.name)' (the first is at line \(first)): their tasks and count parameter '\(line.countParameter)' would be ambiguous; give one a 'name'")
                }
                lineOfName[line.name] = actor.line
                spec.actors.append(line)
            }
        }
        guard !spec.actors.isEmpty else { throw fail(1, "the scenario has no actors: give a 'base' or at least one [[actor]]") }
        // A file's [parameters] may also name the kernel's and the world's
        // knobs: naming one is what makes it a parameter of the scenario.
        let known = Set(spec.knownParameters).union(ScenarioSpec.kernelParameters.keys).union(ScenarioSpec.worldParameters.keys)
        for (key, item) in doc.tables["parameters", default: [:]].sorted(by: { $0.value.line < $1.value.line }) {
            guard known.contains(key) else {
                throw fail(item.line, "no actor in this scenario has a parameter '\(key)'; known: \(spec.knownParameters.joined(separator: ", "))"
                           + misplaced(key, in: .parameters, registry))
            }
            let v = try integer(item, key, path)
            // [parameters] reaches every actor: a table that says otherwise
            // would silently lose.
            if let set = conflicting(key, v, spec) {
                throw fail(max(set.line, item.line), "'\(key)' is set twice: \(v) in [parameters] at line \(item.line), which reaches every actor, and \(set.value) in an [[actor]] table at line \(set.line); set it in one place")
            }
            spec.parameters[key] = v
            spec.source?.keys[key] = item.line
        }
        // The file must build as written: every value within its limit, the
        // counts, and the limits that depend on other values.
        do { _ = try spec.plan([:]) } catch {
            throw ScenarioFileError(path: path, line: error.location?.line ?? 1, message: error.message, range: error.range)
        }
        return spec
    }

    /// The steps of a lock-chain's `program`: "operation object" each, the
    /// operation a `LockStep` name, the object in its range.
    private static func lockSteps(_ steps: [String], _ line: Int, _ path: String) throws(ScenarioFileError) -> [(LockStep, Int64)] {
        func fail(_ m: String) -> ScenarioFileError { ScenarioFileError(path: path, line: line, message: m) }
        guard steps.count <= LockStep.slots else {
            throw fail("'program' has \(steps.count) steps; at most \(LockStep.slots)")
        }
        var out: [(LockStep, Int64)] = []
        for s in steps {
            let words = s.split(separator: " ", omittingEmptySubsequences: true)
            guard let name = words.first, let step = LockStep.allCases.first(where: { $0.name == name }) else {
                throw fail("'program' step '\(s)': unknown operation; known: \(LockStep.allCases.map(\.name).joined(separator: ", "))")
            }
            guard words.count == 2, let object = Int64(words[1]) else {
                throw fail("'program' step '\(s)': write '\(step.name) N' with the \(step.objectName) number N")
            }
            guard step.objects.contains(object) else {
                throw fail("'program' step '\(s)': \(step.objectName) \(object) is out of range \(step.objects.lowerBound)...\(step.objects.upperBound)")
            }
            out.append((step, object))
        }
        return out
    }

    /// The value an actor table gave `key` that differs from `value`, if any.
    private static func conflicting(_ key: String, _ value: Int64, _ spec: ScenarioSpec) -> (value: Int64, line: Int)? {
        var found: (value: Int64, line: Int)?
        for a in spec.actors {
            guard let lines = a.source?.keys else { continue }
            let given: (Int64, Int)?
            if key == a.countParameter {
                given = lines["count"].map { (Int64(a.count), $0) }
            } else {
                given = a.parameters[key].flatMap { v in lines[key].map { (v, $0) } }
            }
            if let (v, l) = given, v != value, found.map({ l < $0.line }) ?? true { found = (v, l) }
        }
        return found
    }

    private enum Place { case top, parameters, page, actor }

    /// A hint for a key that belongs elsewhere in the file.
    private static func misplaced(_ key: String, in place: Place, _ registry: Registry) -> String {
        let actorParameter = registry.all(.actor).contains { ($0 as? any ScenarioActor)?.parameters[key] != nil }
        let countParameter = key.hasSuffix("s") && registry.names(.actor).contains(String(key.dropLast()))
        switch (place, key) {
        case (.top, _) where key == "mappings" || actorParameter || countParameter:
            return "; scenario parameters go under [parameters]"
        case (.top, "kind"), (.top, "count"), (.parameters, "kind"), (.parameters, "count"), (.parameters, "name"):
            return place == .parameters && key == "name"
                ? "; top-level keys (name, summary, base) must come before the first [table]"
                : "; '\(key)' belongs in an [[actor]] table"
        case (.parameters, "summary"), (.parameters, "base"), (.actor, "summary"), (.actor, "base"), (.page, "name"), (.page, "summary"), (.page, "base"):
            return "; top-level keys (name, summary, base) must come before the first [table]"
        case (_, "flags"):
            return "; 'flags' belongs in [page]"
        case (.actor, _) where key == "mappings" || countParameter:
            return "; scenario parameters go under [parameters]"
        case (.page, _) where key == "mappings" || actorParameter || countParameter:
            return "; scenario parameters go under [parameters]"
        default:
            return ""
        }
    }

    /// An actor line's name: it names the tasks (with an index appended)
    /// and the count parameter (`<name>s`).
    private static func isLineName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last,
              ("a"..."z").contains(first) || ("A"..."Z").contains(first), !("0"..."9").contains(last) else { return false }
        return s.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "_" || $0 == "-" }
    }

    private static func integer(_ item: TOMLSubset.Item, _ key: String, _ path: String) throws(ScenarioFileError) -> Int64 {
        switch item.value {
        case .integer(let v): return v
        case .boolean(let b): return b ? 1 : 0
        default: throw ScenarioFileError(path: path, line: item.line, message: "'\(key)' must be an integer or a boolean")
        }
    }

    private static func pageFlag(_ name: String) -> PageFlags? {
        switch name {
        case "uptodate": .uptodate
        case "workingset": .workingset
        case "swapbacked": .swapbacked
        case "dirty": .dirty
        case "private": .private
        case "lru": .lru
        case "writeback": .writeback
        default: nil
        }
    }
}

/// The TOML subset scenario files use: `key = value` lines, `[table]`,
/// `[[actor]]`, `#` comments.
enum TOMLSubset {
    enum Value: Hashable {
        case integer(Int64), boolean(Bool), string(String), strings([String])
    }

    struct Item: Hashable {
        var value: Value
        var line: Int
    }

    struct ActorTable {
        var line: Int
        var items: [String: Item] = [:]
    }

    struct Document {
        var top: [String: Item] = [:]
        var tables: [String: [String: Item]] = [:]
        var tableLines: [String: Int] = [:]
        var actors: [ActorTable] = []
    }

    private enum Section { case top, table(String), actor }

    static func parse(_ text: String, path: String) throws(ScenarioFileError) -> Document {
        var doc = Document()
        var section = Section.top
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so it needs naming: a file
        // with Windows line ends is split into its lines too.
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            func fail(_ m: String) -> ScenarioFileError { ScenarioFileError(path: path, line: lineNumber, message: m) }
            let line = stripComment(Substring(raw)).trimmed
            if line.isEmpty { continue }
            if line.hasPrefix("[[") {
                guard line.hasSuffix("]]"), line.count > 4 else { throw fail("malformed array-of-tables header '\(line)'") }
                let name = line.dropFirst(2).dropLast(2).trimmed
                guard name == "actor" else { throw fail("unknown array of tables [[\(name)]] (only [[actor]] is known)") }
                doc.actors.append(ActorTable(line: lineNumber))
                section = .actor
                continue
            }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else { throw fail("malformed table header '\(line)'") }
                let name = String(line.dropFirst().dropLast().trimmed)
                guard isBareKey(name) else { throw fail("malformed table name '\(name)'") }
                guard doc.tables[name] == nil else { throw fail("table [\(name)] appears twice") }
                doc.tables[name] = [:]
                doc.tableLines[name] = lineNumber
                section = .table(name)
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { throw fail("expected 'key = value', a [table] or [[actor]]; got '\(line)'") }
            let key = String(line[..<eq].trimmed)
            guard isBareKey(key) else { throw fail("malformed key '\(key)' (letters, digits, '-' and '_')") }
            let value = try parseValue(line[line.index(after: eq)...].trimmed, fail)
            let item = Item(value: value, line: lineNumber)
            switch section {
            case .top:
                guard doc.top[key] == nil else { throw fail("key '\(key)' appears twice") }
                doc.top[key] = item
            case .table(let name):
                guard doc.tables[name]?[key] == nil else { throw fail("key '\(key)' appears twice in [\(name)]") }
                doc.tables[name]?[key] = item
            case .actor:
                guard doc.actors[doc.actors.count - 1].items[key] == nil else { throw fail("key '\(key)' appears twice in this [[actor]]") }
                doc.actors[doc.actors.count - 1].items[key] = item
            }
        }
        return doc
    }

    private static func isBareKey(_ s: some StringProtocol) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { (("0"..."9").contains($0) || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "_" || $0 == "-") }
    }

    /// The line up to a `#` that is not inside a string.
    private static func stripComment(_ s: Substring) -> Substring {
        var inString = false, escaped = false
        for i in s.indices {
            let c = s[i]
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            } else if c == "\"" {
                inString = true
            } else if c == "#" {
                return s[..<i]
            }
        }
        return s
    }

    private static func parseValue(_ s: Substring, _ fail: (String) -> ScenarioFileError) throws(ScenarioFileError) -> Value {
        guard let first = s.first else { throw fail("missing value after '='") }
        if s == "true" { return .boolean(true) }
        if s == "false" { return .boolean(false) }
        if first == "\"" {
            let (str, rest) = try parseString(s, fail)
            guard rest.trimmed.isEmpty else { throw fail("unexpected text after the string: '\(rest.trimmed)'") }
            return .string(str)
        }
        if first == "[" {
            guard s.last == "]" else { throw fail("an array must close with ']' on the same line") }
            var inner = s.dropFirst().dropLast().trimmed
            var out: [String] = []
            while !inner.isEmpty {
                guard inner.first == "\"" else { throw fail("arrays hold strings only; got '\(inner)'") }
                let (str, rest) = try parseString(inner, fail)
                out.append(str)
                inner = rest.trimmed
                if inner.first == "," { inner = inner.dropFirst().trimmed } else if !inner.isEmpty {
                    throw fail("expected ',' between array items; got '\(inner)'")
                }
            }
            return .strings(out)
        }
        // TOML allows '_' only between digits: 1_000, not _1 or 1__0.
        let chars = Array(s)
        let underscoresBetweenDigits = chars.indices.allSatisfy { i in
            chars[i] != "_" || (i > 0 && i + 1 < chars.count && chars[i - 1].isASCII && chars[i - 1].isNumber
                                && chars[i + 1].isASCII && chars[i + 1].isNumber)
        }
        let digits = s.filter { $0 != "_" }
        guard underscoresBetweenDigits, let v = Int64(digits) else {
            let looksNumeric = s.allSatisfy { ($0.isASCII && $0.isNumber) || $0 == "-" || $0 == "+" || $0 == "_" }
            let sign = s.first == "-" || s.first == "+" ? 1 : 0
            let wellFormed = underscoresBetweenDigits && digits.count > sign && digits.dropFirst(sign).allSatisfy { $0.isASCII && $0.isNumber }
            throw fail(!looksNumeric ? "cannot read value '\(s)' (integers, true/false, \"strings\" and [\"string\", ...] are allowed)"
                       : wellFormed ? "integer '\(s)' out of range" : "malformed integer '\(s)' (digits with an optional sign; '_' only between digits)")
        }
        return .integer(v)
    }

    /// A double-quoted string at the start of `s`, and what follows it.
    private static func parseString(_ s: Substring, _ fail: (String) -> ScenarioFileError) throws(ScenarioFileError) -> (String, Substring) {
        var out = ""
        var i = s.index(after: s.startIndex)
        while i < s.endIndex {
            let c = s[i]
            if c == "\"" { return (out, s[s.index(after: i)...]) }
            if c == "\\" {
                i = s.index(after: i)
                guard i < s.endIndex else { break }
                switch s[i] {
                case "\"": out.append("\"")
                case "\\": out.append("\\")
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: throw fail("unknown escape '\\\(s[i])' in a string")
                }
            } else {
                out.append(c)
            }
            i = s.index(after: i)
        }
        throw fail("unterminated string")
    }
}

extension Substring {
    var trimmed: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return s
    }
}

extension String {
    var trimmed: Substring { Substring(self).trimmed }
}
