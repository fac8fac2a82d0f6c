/// The kernel's spelling of the machine's accesses, as traces print them
/// and as herd7's C litmus format (with the kernel's memory model,
/// tools/memory-model) reads them.
enum Herd {
    static func storeText(_ x: String, _ v: Int, _ o: MemoryOrder) -> String {
        switch o {
        case .release: "smp_store_release(\(x), \(v))"
        case .fullyOrdered: "smp_store_mb(*\(x), \(v))"
        default: "WRITE_ONCE(*\(x), \(v))"
        }
    }

    static func loadText(_ x: String, _ o: MemoryOrder) -> String {
        switch o {
        case .acquire: "smp_load_acquire(\(x))"
        case .fullyOrdered: "smp_mb(); READ_ONCE(*\(x)); smp_mb()"
        default: "READ_ONCE(*\(x))"
        }
    }

    static func suffix(_ o: MemoryOrder) -> String {
        switch o {
        case .acquire: "_acquire"
        case .release: "_release"
        case .fullyOrdered: ""
        default: "_relaxed"
        }
    }

    static func rmwText(_ x: String, _ op: RMWOperation, _ o: MemoryOrder) -> String {
        let s = suffix(o)
        return switch op {
        case .exchange(let v): "xchg\(s)(\(x), \(v))"
        case .add(let d): "atomic_fetch_add\(s)(\(d), \(x))"
        case .or(let m): "fetch_or\(s)(\(x), \(m))"
        case .andNot(let m): "fetch_andnot\(s)(\(x), \(m))"
        case .compareExchange(let e, let n): "cmpxchg\(s)(\(x), \(e), \(n))"
        case .addUnless(let d, let u): "atomic_add_unless(\(x), \(d), \(u))"
        }
    }

    /// The accesses of one execution as a herd7 C litmus test whose
    /// `exists` clause is that execution's loads: a load keeps its order;
    /// a successful RMW becomes an `xchg` of the value it wrote with its
    /// order (same values, same ordering); a failed one, which atomic_t.txt
    /// leaves unordered, a `READ_ONCE`.
    static func litmus(_ program: LitmusProgram, accesses: [LitmusAccess], model: MemoryModel) -> String {
        // C identifiers: `wait->flags` becomes `wait_flags`.
        let ids = program.locations.map { n in
            n.reduce(into: "") { id, c in
                if c.isLetter || c.isNumber { id.append(c) } else if id.last != "_" { id.append("_") }
            }
        }
        let name = program.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "+" ? $0 : "-" }
        var out = "C pagewait-\(String(name))\n\n"
        out += "(*\n * Result to check: the exists clause is an execution pagewait's \(model) model allows.\n *)\n\n"
        let inits = program.locations.indices.filter { program.initial[$0] != 0 }
            .map { "\t\(ids[$0])=\(program.initial[$0]);" }
        out += "{\n" + inits.map { $0 + "\n" }.joined() + "}\n"
        var conditions: [String] = []
        let params = ids.map { "int *\($0)" }.joined(separator: ", ")
        for t in program.threads.indices {
            var body: [String] = []
            var regs = 0
            for a in accesses where a.thread == t {
                let x = ids[a.location]
                switch a.kind {
                case .fence(let f):
                    body.append("\(f);")
                case .store:
                    body.append(storeText(x, a.value, a.order) + ";")
                case .load, .failedRMW:
                    let order: MemoryOrder = a.kind == .load ? a.order : .relaxed
                    if order == .fullyOrdered { body.append("smp_mb();") }
                    body.append("r\(regs) = " + loadText(x, order == .fullyOrdered ? .relaxed : order) + ";")
                    if order == .fullyOrdered { body.append("smp_mb();") }
                    conditions.append("\(t):r\(regs)=\(a.value)")
                    regs += 1
                case .rmw:
                    let new = a.operation?.apply(a.value) ?? a.value
                    body.append("r\(regs) = xchg\(suffix(a.order))(\(x), \(new));")
                    conditions.append("\(t):r\(regs)=\(a.value)")
                    regs += 1
                }
            }
            out += "\nP\(t)(\(params))\n{\n"
            if regs > 0 { out += "\tint " + (0..<regs).map { "r\($0)" }.joined(separator: ", ") + ";\n\n" }
            out += body.map { "\t\($0)\n" }.joined()
            out += "}\n"
        }
        out += "\nexists (" + (conditions.isEmpty ? "true" : conditions.joined(separator: " /\\ ")) + ")\n"
        return out
    }
}
