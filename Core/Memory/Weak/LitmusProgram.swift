/// A small concurrent program over a few shared words, run by the
/// weak-memory machine (`WeakMachine`): the accesses a kernel idiom makes,
/// each with the order the kernel gives it (`MemoryOrder`), plus the
/// scheduler's sleep and wake so a lost wakeup shows as a sleeper at
/// quiescence. Litmus tests (SB, MP, LB) and the weak-memory acceptance
/// shapes (Z2, Z4, Z5 of the zoo) are written in it.
struct LitmusProgram: Hashable, Sendable {
    /// A name for traces and the herd7 export.
    var name: String
    /// The shared words' names (`x`, `PG_locked`); a location is an index.
    var locations: [String]
    /// Each word's value before any thread runs (all 0 if empty).
    var initial: [Int]
    var threads: [[LitmusInstruction]]
    /// Registers per thread, `r0` up; all start at 0.
    static let registers = 4

    init(name: String, locations: [String], initial: [Int] = [], threads: [[LitmusInstruction]]) {
        self.name = name
        self.locations = locations
        self.initial = initial.isEmpty ? Array(repeating: 0, count: locations.count) : initial
        self.threads = threads
    }

    /// What is wrong with the program, or nil: every location, register
    /// and jump target in range.
    var problem: String? {
        if locations.isEmpty || locations.count > 8 { return "\(name): 1...8 locations, not \(locations.count)" }
        if initial.count != locations.count { return "\(name): \(initial.count) initial values for \(locations.count) locations" }
        if threads.isEmpty || threads.count > 4 { return "\(name): 1...4 threads, not \(threads.count)" }
        for (t, code) in threads.enumerated() {
            for (pc, i) in code.enumerated() {
                if let p = i.problem(locations: locations.count, threads: threads.count, length: code.count) {
                    return "\(name): P\(t) instruction \(pc): \(p)"
                }
            }
        }
        return nil
    }
}

/// The kernel's fences (Documentation/memory-barriers.txt).
enum Fence: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// `smp_mb()`, and the barrier in `set_current_state()`.
    case mb
    /// `smp_wmb()`: earlier stores before later stores.
    case wmb
    /// `smp_rmb()`: earlier loads before later loads.
    case rmb

    var description: String {
        switch self {
        case .mb: "smp_mb()"
        case .wmb: "smp_wmb()"
        case .rmb: "smp_rmb()"
        }
    }
}

/// What a read-modify-write computes from the old value; nil is a failed
/// conditional RMW, which writes nothing and, per atomic_t.txt, is
/// unordered.
enum RMWOperation: Hashable, Sendable {
    /// `xchg`, and `test_and_set_bit` as an exchange of the whole word.
    case exchange(Int)
    /// `atomic_add_return`, `atomic_inc`, `atomic_dec_and_test`.
    case add(Int)
    /// `set_bit` / `test_and_set_bit` of the bits in the mask.
    case or(Int)
    /// `clear_bit` / `clear_bit_unlock` of the bits in the mask.
    case andNot(Int)
    /// `cmpxchg`: fails when the old value is not `expected`.
    case compareExchange(expected: Int, new: Int)
    /// `atomic_add_unless` (`get_page_unless_zero` is `addUnless(1, unless: 0)`):
    /// fails when the old value is `unless`; the generic fallback then made
    /// only a plain load (include/linux/atomic/atomic-arch-fallback.h).
    case addUnless(Int, unless: Int)

    func apply(_ old: Int) -> Int? {
        switch self {
        case .exchange(let v): v
        case .add(let d): old &+ d
        case .or(let m): old | m
        case .andNot(let m): old & ~m
        case .compareExchange(let e, let n): old == e ? n : nil
        case .addUnless(let d, let u): old == u ? nil : old &+ d
        }
    }

    /// Whether a failure is possible at all.
    var isConditional: Bool {
        switch self {
        case .compareExchange, .addUnless: true
        default: false
        }
    }
}

/// One step of a litmus thread.
enum LitmusInstruction: Hashable, Sendable {
    /// Write `value` to `location`.
    case store(location: Int, value: Int, order: MemoryOrder)
    /// Read `location` into `register`.
    case load(location: Int, register: Int, order: MemoryOrder)
    /// Read-modify-write `location`; `register` gets the old value.
    case rmw(location: Int, operation: RMWOperation, register: Int, order: MemoryOrder)
    case fence(Fence)
    /// Go to `target` when `register & mask == value`.
    case branch(register: Int, mask: Int, value: Int, target: Int)
    /// Go to `target`.
    case jump(target: Int)
    /// `schedule()` in TASK_UNINTERRUPTIBLE: block until a wake has come
    /// (one that came before is consumed and the thread goes on, as a wake
    /// after `set_current_state` makes the task running again).
    case sleep
    /// `wake_up_process(thread)`: a full barrier when it wakes a task
    /// (memory-barriers.txt, "Sleep and wake-up functions"), modelled as one
    /// whether or not the thread sleeps yet.
    case wake(thread: Int)

    func problem(locations: Int, threads: Int, length: Int) -> String? {
        switch self {
        case .store(let l, _, let o), .load(let l, _, let o), .rmw(let l, _, _, let o):
            if !(0..<locations).contains(l) { return "location \(l) outside 0...\(locations - 1)" }
            if o == .modelOnly { return "a shared word is not model-only" }
            if case .load(_, let r, _) = self, !(0..<LitmusProgram.registers).contains(r) { return "register \(r) outside 0...\(LitmusProgram.registers - 1)" }
            if case .rmw(_, _, let r, _) = self, !(0..<LitmusProgram.registers).contains(r) { return "register \(r) outside 0...\(LitmusProgram.registers - 1)" }
            if case .store(_, _, let o) = self, o == .acquire { return "a store cannot be acquire" }
            if case .load(_, _, let o) = self, o == .release { return "a load cannot be release" }
        case .branch(let r, _, _, let t):
            if !(0..<LitmusProgram.registers).contains(r) { return "register \(r) outside 0...\(LitmusProgram.registers - 1)" }
            if !(0...length).contains(t) { return "target \(t) outside 0...\(length)" }
        case .jump(let t):
            if !(0...length).contains(t) { return "target \(t) outside 0...\(length)" }
        case .wake(let t):
            if !(0..<threads).contains(t) { return "thread \(t) outside 0...\(threads - 1)" }
        case .fence, .sleep: break
        }
        return nil
    }
}
