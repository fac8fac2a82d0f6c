/// The text form of a litmus program, for `pagewait litmus --file`: one
/// statement a line, `#` to the end of a line is a comment.
///
///     litmus SB+mb
///     locations x y
///     init x=0 y=0
///     P0:
///       store x 1
///       smp_mb
///       load r0 y
///     P1:
///       ...
///     forbid P0:r0=0 P1:r0=0
///
/// Statements in a thread: `store LOC VALUE [relaxed|release|mb]`,
/// `load rN LOC [relaxed|acquire|mb]`, `rmw rN LOC OP ARGS
/// [relaxed|acquire|release|mb]` (OP: `xchg V`, `add V`, `or M`, `andnot M`,
/// `cmpxchg OLD NEW`, `add_unless V UNLESS`; `mb`, fully ordered, unless
/// said), `smp_mb`, `smp_wmb`, `smp_rmb`, `if rN & MASK == V goto LABEL`,
/// `goto LABEL`, `LABEL:`, `sleep`, `wake Pn`. `forbid` names an outcome
/// (registers and final values) that is a counterexample; a sleeper at
/// quiescence and a spin that never ends always are.
struct LitmusFile: Sendable {
    var program: LitmusProgram
    /// Each `forbid` line: (thread or nil for a location, register or location, value).
    var forbidden: [[(thread: Int?, index: Int, value: Int)]]

    /// Values in a file: bounded so no arithmetic can trap.
    static let valueRange = -1_000_000...1_000_000
    static let maxInstructions = 64

    func isForbidden(_ o: LitmusOutcome) -> Bool {
        forbidden.contains { clause in
            clause.allSatisfy { c in
                if let t = c.thread { return o.registers[t][c.index] == c.value }
                return o.memory[c.index] == c.value
            }
        }
    }
}

/// A problem in a litmus file: where and what.
package struct LitmusFileError: Error, CustomStringConvertible, Sendable {
    package let file: String
    package let line: Int
    package let message: String
    package var description: String { "\(file):\(line): \(message)" }
}

extension LitmusFile {
    init(parsing text: String, file: String) throws(LitmusFileError) {
        var name = "litmus"
        var locations: [String] = []
        var initial: [String: Int] = [:]
        var threads: [[(line: Int, words: [String])]] = []
        var forbidLines: [(Int, [String])] = []
        var lineNumber = 0
        func fail(_ m: String) -> LitmusFileError { LitmusFileError(file: file, line: lineNumber, message: m) }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let first = words.first else { continue }
            switch first {
            case "litmus":
                guard words.count == 2 else { throw fail("expected 'litmus NAME'") }
                name = words[1]
            case "locations":
                guard threads.isEmpty else { throw fail("locations must come before the threads") }
                locations = Array(words.dropFirst())
                guard (1...8).contains(locations.count) else { throw fail("1...8 locations, not \(locations.count)") }
                for l in locations where !Self.isName(l) { throw fail("'\(l)' is not a location name (letters, digits, _, ->, .)") }
                if Set(locations).count != locations.count { throw fail("a location is named twice") }
            case "init":
                for w in words.dropFirst() {
                    let parts = w.split(separator: "=", omittingEmptySubsequences: false)
                    guard parts.count == 2, locations.contains(String(parts[0])) else { throw fail("expected LOCATION=VALUE with a declared location, not '\(w)'") }
                    initial[String(parts[0])] = try Self.value(String(parts[1]), fail)
                }
            case "forbid":
                forbidLines.append((lineNumber, Array(words.dropFirst())))
            default:
                if words.count == 1, first.hasSuffix(":"), first.hasPrefix("P"), let t = Int(first.dropFirst().dropLast()) {
                    guard t == threads.count else { throw fail("expected P\(threads.count):, the threads in order") }
                    guard t < 4 else { throw fail("at most 4 threads (P0...P3)") }
                    guard !locations.isEmpty else { throw fail("declare the locations before the threads") }
                    threads.append([])
                    continue
                }
                guard !threads.isEmpty else { throw fail("'\(first)' outside a thread: start one with P0:") }
                threads[threads.count - 1].append((lineNumber, words))
            }
        }
        guard !threads.isEmpty else { throw fail("no threads: start one with P0:") }
        var code: [[LitmusInstruction]] = []
        for (t, statements) in threads.enumerated() {
            // Labels first: a label is the index of the next instruction.
            var labels: [String: Int] = [:]
            var count = 0
            for s in statements {
                if s.words.count == 1, s.words[0].hasSuffix(":") {
                    lineNumber = s.line
                    let l = String(s.words[0].dropLast())
                    guard labels[l] == nil else { throw fail("label '\(l)' defined twice in P\(t)") }
                    labels[l] = count
                } else { count += 1 }
            }
            lineNumber = statements.last?.line ?? 0
            guard count <= Self.maxInstructions else { throw fail("P\(t) has \(count) statements; at most \(Self.maxInstructions)") }
            var out: [LitmusInstruction] = []
            for s in statements {
                lineNumber = s.line
                if s.words.count == 1, s.words[0].hasSuffix(":") { continue }
                out.append(try Self.instruction(s.words, locations: locations, labels: labels, threads: threads.count, fail))
            }
            code.append(out)
        }
        program = LitmusProgram(name: name, locations: locations, initial: locations.map { initial[$0] ?? 0 }, threads: code)
        forbidden = []
        for (l, words) in forbidLines {
            lineNumber = l
            guard !words.isEmpty else { throw fail("expected 'forbid P0:r0=1 x=0 ...'") }
            var clause: [(Int?, Int, Int)] = []
            for w in words {
                let parts = w.split(separator: "=", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw fail("expected Pn:rN=VALUE or LOCATION=VALUE, not '\(w)'") }
                let v = try Self.value(String(parts[1]), fail)
                let lhs = String(parts[0])
                if let i = locations.firstIndex(of: lhs) { clause.append((nil, i, v)); continue }
                let tr = lhs.split(separator: ":")
                guard tr.count == 2, tr[0].hasPrefix("P"), let t = Int(tr[0].dropFirst()), (0..<code.count).contains(t) else {
                    throw fail("'\(lhs)' is neither a location nor Pn:rN with a thread of this test")
                }
                clause.append((t, try Self.register(String(tr[1]), fail), v))
            }
            forbidden.append(clause)
        }
        if let p = program.problem { throw LitmusFileError(file: file, line: 0, message: p) }
    }

    private static func isName(_ s: String) -> Bool {
        guard let f = s.first, f.isLetter || f == "_" else { return false }
        return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ">" || $0 == "." }
    }

    private static func value(_ s: String, _ fail: (String) -> LitmusFileError) throws(LitmusFileError) -> Int {
        guard let v = Int(s), valueRange.contains(v) else {
            throw fail("'\(s)' is not a value in \(valueRange.lowerBound)...\(valueRange.upperBound)")
        }
        return v
    }

    private static func register(_ s: String, _ fail: (String) -> LitmusFileError) throws(LitmusFileError) -> Int {
        guard s.hasPrefix("r"), let r = Int(s.dropFirst()), (0..<LitmusProgram.registers).contains(r) else {
            throw fail("'\(s)' is not a register r0...r\(LitmusProgram.registers - 1)")
        }
        return r
    }

    private static func order(_ words: ArraySlice<String>, allowed: [String: MemoryOrder], default d: MemoryOrder,
                              _ fail: (String) -> LitmusFileError) throws(LitmusFileError) -> MemoryOrder {
        guard let w = words.first else { return d }
        guard words.count == 1, let o = allowed[w] else {
            throw fail("unexpected '\(words.joined(separator: " "))': the order is one of \(allowed.keys.sorted().joined(separator: ", "))")
        }
        return o
    }

    private static func instruction(_ w: [String], locations: [String], labels: [String: Int], threads: Int,
                                    _ fail: (String) -> LitmusFileError) throws(LitmusFileError) -> LitmusInstruction {
        func loc(_ s: String) throws(LitmusFileError) -> Int {
            guard let i = locations.firstIndex(of: s) else { throw fail("'\(s)' is not a declared location (\(locations.joined(separator: " ")))") }
            return i
        }
        func label(_ s: String) throws(LitmusFileError) -> Int {
            guard let i = labels[s] else { throw fail("no label '\(s)' in this thread") }
            return i
        }
        func need(_ n: Int, _ usage: String) throws(LitmusFileError) {
            if w.count < n { throw fail("expected '\(usage)'") }
        }
        switch w[0] {
        case "store":
            try need(3, "store LOCATION VALUE [relaxed|release|mb]")
            return .store(location: try loc(w[1]), value: try value(w[2], fail),
                          order: try order(w[3...], allowed: ["relaxed": .relaxed, "release": .release, "mb": .fullyOrdered], default: .relaxed, fail))
        case "load":
            try need(3, "load rN LOCATION [relaxed|acquire|mb]")
            return .load(location: try loc(w[2]), register: try register(w[1], fail),
                         order: try order(w[3...], allowed: ["relaxed": .relaxed, "acquire": .acquire, "mb": .fullyOrdered], default: .relaxed, fail))
        case "rmw":
            try need(5, "rmw rN LOCATION OP ARGS [relaxed|acquire|release|mb]")
            let r = try register(w[1], fail), l = try loc(w[2])
            let op: RMWOperation, rest: Int
            switch w[3] {
            case "xchg": op = .exchange(try value(w[4], fail)); rest = 5
            case "add": op = .add(try value(w[4], fail)); rest = 5
            case "or": op = .or(try value(w[4], fail)); rest = 5
            case "andnot": op = .andNot(try value(w[4], fail)); rest = 5
            case "cmpxchg":
                try need(6, "rmw rN LOCATION cmpxchg OLD NEW [order]")
                op = .compareExchange(expected: try value(w[4], fail), new: try value(w[5], fail)); rest = 6
            case "add_unless":
                try need(6, "rmw rN LOCATION add_unless V UNLESS [order]")
                op = .addUnless(try value(w[4], fail), unless: try value(w[5], fail)); rest = 6
            default: throw fail("unknown RMW '\(w[3])': xchg, add, or, andnot, cmpxchg, add_unless")
            }
            let o = try order(w[rest...], allowed: ["relaxed": .relaxed, "acquire": .acquire, "release": .release, "mb": .fullyOrdered],
                              default: .fullyOrdered, fail)
            return .rmw(location: l, operation: op, register: r, order: o)
        case "smp_mb", "smp_wmb", "smp_rmb":
            guard w.count == 1 else { throw fail("'\(w[0])' takes nothing") }
            return .fence(w[0] == "smp_mb" ? .mb : w[0] == "smp_wmb" ? .wmb : .rmb)
        case "if":
            // if rN & MASK == V goto LABEL
            guard w.count == 8, w[2] == "&", w[4] == "==", w[6] == "goto" else { throw fail("expected 'if rN & MASK == VALUE goto LABEL'") }
            return .branch(register: try register(w[1], fail), mask: try value(w[3], fail), value: try value(w[5], fail), target: try label(w[7]))
        case "goto":
            guard w.count == 2 else { throw fail("expected 'goto LABEL'") }
            return .jump(target: try label(w[1]))
        case "sleep":
            guard w.count == 1 else { throw fail("'sleep' takes nothing") }
            return .sleep
        case "wake":
            guard w.count == 2, w[1].hasPrefix("P"), let t = Int(w[1].dropFirst()), (0..<threads).contains(t) else {
                throw fail("expected 'wake Pn' with a thread of this test (P0...P\(threads - 1))")
            }
            return .wake(thread: t)
        default:
            throw fail("unknown statement '\(w[0])'")
        }
    }
}

extension LitmusFile {
    /// `program` in the text form `init(parsing:file:)` reads, with
    /// `forbid` (`P0:r0=0 P1:r0=1`) as its forbid line: what `pagewait
    /// replay --litmus` writes. Straight-line threads only: stores, loads,
    /// RMWs and fences (an exported counterexample has no branches).
    static func text(_ program: LitmusProgram, forbid: String) -> String {
        func order(_ o: MemoryOrder) -> String {
            switch o {
            case .release: "release"
            case .acquire: "acquire"
            case .fullyOrdered: "mb"
            default: "relaxed"
            }
        }
        var out = "litmus \(program.name)\n"
        out += "locations \(program.locations.joined(separator: " "))\n"
        out += "init " + zip(program.locations, program.initial).map { "\($0)=\($1)" }.joined(separator: " ") + "\n"
        for (t, code) in program.threads.enumerated() {
            out += "P\(t):\n"
            for i in code {
                switch i {
                case .store(let l, let v, let o): out += "  store \(program.locations[l]) \(v) \(order(o))\n"
                case .load(let l, let r, let o): out += "  load r\(r) \(program.locations[l]) \(order(o))\n"
                case .rmw(let l, let op, let r, let o):
                    let what: String = switch op {
                    case .exchange(let v): "xchg \(v)"
                    case .add(let v): "add \(v)"
                    case .or(let m): "or \(m)"
                    case .andNot(let m): "andnot \(m)"
                    case .compareExchange(let e, let n): "cmpxchg \(e) \(n)"
                    case .addUnless(let v, let u): "add_unless \(v) \(u)"
                    }
                    out += "  rmw r\(r) \(program.locations[l]) \(what) \(order(o))\n"
                case .fence(let f): out += "  \(f == .mb ? "smp_mb" : f == .wmb ? "smp_wmb" : "smp_rmb")\n"
                case .branch, .jump, .sleep, .wake: out += "  # (not exported: control flow)\n"
                }
            }
        }
        out += "forbid \(forbid)\n"
        return out
    }
}
