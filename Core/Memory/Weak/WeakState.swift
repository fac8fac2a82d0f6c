/// One write as the `arm` model keeps it: the value, the view it carries
/// (what a thread that acquires it must see from then on, one timestamp
/// per location), and who wrote it (-1: the initial value).
struct Message: Hashable, Sendable {
    var value: Int
    var view: [Int]
    var writer: Int
}

/// A store waiting in a thread's `tso` store buffer.
struct BufferedStore: Hashable, Sendable {
    var location: Int
    var value: Int
}

/// One thread of the weak-memory machine. Fields a model does not use stay
/// at their initial values, so they never split states.
struct WeakThread: Hashable, Sendable {
    var pc = 0
    var registers = Array(repeating: 0, count: LitmusProgram.registers)
    /// A wake came and no `sleep` has consumed it yet.
    var woken = false
    /// `tso`: stores not yet in memory, oldest first.
    var buffer: [BufferedStore] = []
    /// `arm`: per location, the oldest message this thread may still read
    /// (coherence and what it acquired).
    var cur: [Int]
    /// `arm`: the join of the views of every message it read; an rmb or mb
    /// makes it `cur` (the acquire-fence half of the view semantics).
    var acquired: [Int]
    /// `arm`: the view a relaxed store carries: `cur` at the last mb, and
    /// the thread's own writes at the last wmb.
    var released: [Int]
    /// `arm`: per location, the thread's own newest write.
    var written: [Int]
    /// `arm`: a release store (or RMW) since the last full barrier: a
    /// later acquire is ordered after it (ARMv8's STLR → LDAR order).
    var releasePending = false

    init(locations: Int) {
        cur = Array(repeating: 0, count: locations)
        acquired = cur
        released = cur
        written = cur
    }
}

/// The whole machine state: what exhaustive exploration hashes, so all of
/// it is here (nothing lives outside the state).
struct WeakState: Hashable, Sendable {
    var threads: [WeakThread]
    /// `sc` and `tso`: the memory's words.
    var memory: [Int]
    /// `arm`: every write to each location in coherence order (index =
    /// timestamp); the first is the initial value.
    var messages: [[Message]]
    /// `arm`: the view full barriers publish to one another (the SC-fence
    /// view of the promising semantics).
    var global: [Int]

    init(_ program: LitmusProgram, model: MemoryModel) {
        let n = program.locations.count
        threads = program.threads.map { _ in WeakThread(locations: n) }
        let zero = Array(repeating: 0, count: n)
        memory = program.initial
        messages = model == .arm ? program.initial.map { [Message(value: $0, view: zero, writer: -1)] } : []
        global = zero
        if model == .arm { memory = [] }
    }

    /// The value a location ends with.
    func finalValue(_ location: Int) -> Int {
        messages.isEmpty ? memory[location] : messages[location].last!.value
    }
}

func join(_ a: [Int], _ b: [Int]) -> [Int] {
    var r = a
    for i in r.indices where b[i] > r[i] { r[i] = b[i] }
    return r
}
