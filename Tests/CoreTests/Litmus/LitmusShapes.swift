// The three two-thread shapes of the weak-memory litmus table, each with
// the annotations of its rows, as litmus programs for the weak-memory
// machine (Core/Memory/Weak).

@testable import PagewaitCore

/// One row of the table: a program, the two loads whose values the
/// relaxed outcome names, and which models allow that outcome.
struct LitmusRow: Sendable, CustomStringConvertible {
    var program: LitmusProgram
    /// (thread, register) of each load the outcome names.
    var observed: [(Int, Int)]
    /// The values those loads have in the relaxed outcome.
    var relaxed: [Int]
    /// Allowed under sc, tso, arm.
    var allowed: [MemoryModel: Bool]
    var description: String { program.name }

    func project(_ o: LitmusOutcome) -> [Int] { observed.map { o.registers[$0.0][$0.1] } }
}

enum Litmus {
    static let x = 0, y = 1
    static func st(_ l: Int, _ v: Int = 1, _ o: MemoryOrder = .relaxed) -> LitmusInstruction { .store(location: l, value: v, order: o) }
    static func ld(_ l: Int, _ r: Int = 0, _ o: MemoryOrder = .relaxed) -> LitmusInstruction { .load(location: l, register: r, order: o) }
    static func rmw(_ l: Int, _ op: RMWOperation, _ r: Int = 1, _ o: MemoryOrder = .fullyOrdered) -> LitmusInstruction {
        .rmw(location: l, operation: op, register: r, order: o)
    }
    static func row(_ name: String, _ p0: [LitmusInstruction], _ p1: [LitmusInstruction],
                    relaxed: [Int], tso: Bool, arm: Bool) -> LitmusRow {
        row(name, locations: ["x", "y"], p0, p1, relaxed: relaxed, tso: tso, arm: arm)
    }
    static func row(_ name: String, locations: [String], _ p0: [LitmusInstruction], _ p1: [LitmusInstruction],
                    relaxed: [Int], tso: Bool, arm: Bool) -> LitmusRow {
        LitmusRow(program: LitmusProgram(name: name, locations: locations, threads: [p0, p1]),
                  observed: [(0, 0), (1, 0)], relaxed: relaxed, allowed: [.sc: false, .tso: tso, .arm: arm])
    }

    /// SB: P0 writes x and reads y, P1 writes y and reads x; relaxed: both read 0.
    static let storeBuffering: [LitmusRow] = [
        row("SB+poonceonces", [st(x), ld(y)], [st(y), ld(x)], relaxed: [0, 0], tso: true, arm: true),
        row("SB+fencembonceonces", [st(x), .fence(.mb), ld(y)], [st(y), .fence(.mb), ld(x)], relaxed: [0, 0], tso: false, arm: false),
        row("SB+fencembonceonce+poonceonce", [st(x), .fence(.mb), ld(y)], [st(y), ld(x)], relaxed: [0, 0], tso: true, arm: true),
        row("SB+wmb+rmb", [st(x), .fence(.wmb), .fence(.rmb), ld(y)], [st(y), .fence(.wmb), .fence(.rmb), ld(x)],
            relaxed: [0, 0], tso: true, arm: true),
        row("SB+release+acquire", [st(x, 1, .release), ld(y, 0, .acquire)], [st(y, 1, .release), ld(x, 0, .acquire)],
            relaxed: [0, 0], tso: true, arm: false),
        row("SB+xchgs", [rmw(x, .exchange(1)), ld(y)], [rmw(y, .exchange(1)), ld(x)], relaxed: [0, 0], tso: false, arm: false),
        // The failing cmpxchg (z is 0, it expects 5): x86 still runs a locked
        // instruction; for ARMv8 the table has "?" and the model follows
        // atomic_t.txt's "unordered on failure", as the LKMM does.
        row("SB+cmpxchg-fail", locations: ["x", "y", "z"], [st(x), rmw(2, .compareExchange(expected: 5, new: 6)), ld(y)],
            [st(y), rmw(2, .compareExchange(expected: 5, new: 6)), ld(x)], relaxed: [0, 0], tso: false, arm: true),
        // get_page_unless_zero on a frozen page: the failing add_unless is a plain load.
        row("SB+add_unless-fail", locations: ["x", "y", "z"], [st(x), rmw(2, .addUnless(1, unless: 0)), ld(y)],
            [st(y), rmw(2, .addUnless(1, unless: 0)), ld(x)], relaxed: [0, 0], tso: true, arm: true),
    ]

    /// MP: P0 writes data then flag, P1 reads flag then data; relaxed: flag 1, data 0.
    static let data = 0, flag = 1
    static func mp(_ name: String, _ p0: [LitmusInstruction], _ p1: [LitmusInstruction], tso: Bool, arm: Bool) -> LitmusRow {
        var r = row(name, locations: ["data", "flag"], p0, p1, relaxed: [1, 0], tso: tso, arm: arm)
        r.observed = [(1, 0), (1, 1)]
        return r
    }
    static let messagePassing: [LitmusRow] = [
        mp("MP+poonceonces", [st(data), st(flag)], [ld(flag, 0), ld(data, 1)], tso: false, arm: true),
        mp("MP+fencemb+poonceonces", [st(data), .fence(.mb), st(flag)], [ld(flag, 0), ld(data, 1)], tso: false, arm: true),
        mp("MP+fencewmbonceonce+fencermbonceonce", [st(data), .fence(.wmb), st(flag)], [ld(flag, 0), .fence(.rmb), ld(data, 1)],
           tso: false, arm: false),
        mp("MP+pooncerelease+poacquireonce", [st(data), st(flag, 1, .release)], [ld(flag, 0, .acquire), ld(data, 1)], tso: false, arm: false),
        mp("MP+xchg+fetch_add", [st(data), rmw(flag, .exchange(1), 2)], [rmw(flag, .add(0), 0), ld(data, 1)], tso: false, arm: false),
    ]

    /// LB: each reads one word then writes the other; relaxed: both read 1.
    /// ARMv8 allows the plain shape; the model has no load buffering, so
    /// under `arm` it is forbidden here: "not modelled" (docs/memory-model.md).
    static let loadBuffering: [LitmusRow] = [
        row("LB+poonceonces", [ld(x), st(y)], [ld(y), st(x)], relaxed: [1, 1], tso: false, arm: false),
        row("LB+poacquireonce+pooncerelease", [ld(x, 0, .acquire), st(y, 1, .release)], [ld(y, 0, .acquire), st(x, 1, .release)],
            relaxed: [1, 1], tso: false, arm: false),
        row("LB+fencembonceonce+ctrlonceonce", [ld(x), .fence(.mb), st(y)],
            [ld(y), .branch(register: 0, mask: 1, value: 0, target: 3), st(x)], relaxed: [1, 1], tso: false, arm: false),
        row("LB+wmb+rmb", [ld(x), .fence(.rmb), .fence(.wmb), st(y)], [ld(y), .fence(.rmb), .fence(.wmb), st(x)],
            relaxed: [1, 1], tso: false, arm: false),
        row("LB+fetch_adds", [rmw(x, .add(0), 0), st(y)], [rmw(y, .add(0), 0), st(x)], relaxed: [1, 1], tso: false, arm: false),
    ]

    static let all = storeBuffering + messagePassing + loadBuffering
}
