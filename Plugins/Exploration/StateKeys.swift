#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import PagewaitCore

/// The keys a search stores states under, and what it keeps to work them
/// out cheaply.
///
/// **The key** of a world is a hash of its identity, built from one hash
/// per task — what the task is (`World.combineTaskCore`: its identity and
/// its row of the reference ledger, with its program and the task numbers
/// it holds left out) — fed in the order of the task numbers, each with the
/// program of its place and, for a waker, the tasks its locals name; then
/// the frames, page tables, page cache, wait-queue list and the counters
/// programs read. Under a renaming (symmetry, `TaskSymmetry.canonical`)
/// the same is fed in place: the task hashes in the renamed order and every
/// task number renamed, so the key is that of the renamed world without
/// building it. Equal worlds have equal keys; different ones differ up to
/// collisions of the 64-bit hashes (docs/exploration.md). The key is not
/// `Engine.fingerprint` (which names states across runs and stays as it
/// is), and it is only ever compared with keys of the same search.
///
/// **Incremental**: a step changes one task or a few. The task hashes of
/// a node are kept in the row of its depth, and a child reuses its parent's
/// hash of every task whose bytes and ledger row the transition left as
/// they were (equal bytes, equal identity).
struct StateKeys {
    let engine: Engine
    /// The symmetry, when some tasks are interchangeable.
    private let quotient: TaskSymmetry?
    let taskCount: Int
    /// Leave out each task's dead variables — the registers no path reads
    /// before writing them (`LiveRegisters`) and a wait entry left behind
    /// (`TaskState.waitEntryIsDead`); nil: keep everything. States that
    /// differ only there behave alike and share a key.
    private let live: LiveRegisters?
    /// Row d: the task hashes (running states) of the node at depth d.
    private var cores: [UInt64] = []
    private var scratch = Scratch()

    /// Whether every key so far is its orbit's one key: no tie was left
    /// unbroken (`Scratch.tieUnbroken`). Searches that read an orbit from a
    /// key rely on it (`FairCycleSearch`'s lifting).
    var keysNameOrbits: Bool { !scratch.tieUnbroken }

    init(engine: Engine, symmetry: TaskSymmetry?, taskCount: Int, deadVariables: Bool = false) {
        // `same` compares tasks' bytes: equal bytes must mean equal tasks,
        // which a reference inside a task (an array's buffer) would break.
        precondition(_isPOD(TaskState.self), "TaskState holds a reference: StateKeys.same cannot compare it by bytes")
        self.engine = engine
        self.quotient = symmetry.flatMap { $0.groups.isEmpty ? nil : $0 }
        self.taskCount = taskCount
        self.live = deadVariables ? engine.liveRegisters : nil
    }

    /// Buffers `TaskSymmetry.canonical` reuses from state to state.
    struct Scratch {
        var hashers: [StableHasher] = []
        var rank: [UInt64] = []
        var image: [Int] = []
        var inverse: [Int] = []
        var members: [Int] = []
        /// Set when a state's tied tasks had more orders than
        /// `TaskSymmetry.maxTiedOrders` to try: its key may differ from a
        /// twin's, so keys no longer name orbits one to one.
        var tieUnbroken = false

        /// The renamings met so far, by `image` packed four bits a task:
        /// a state's renaming is one of few, and building one allocates.
        var permutations: [TaskPermutation] = []
        var permutationIndex = KeyTable()

        /// `TaskPermutation(image[0..<n])`, made once per image (tasks
        /// beyond sixteen: made each time).
        mutating func permutation(_ n: Int) -> TaskPermutation {
            guard n <= 16 else { return TaskPermutation(Array(image[0..<n])) }
            var packed: UInt64 = 0
            for t in 0..<n { packed |= UInt64(image[t]) << (4 * UInt64(t)) }
            if let i = permutationIndex[packed] { return permutations[i] }
            let p = TaskPermutation(Array(image[0..<n]))
            permutationIndex.set(packed, permutations.count)
            permutations.append(p)
            return p
        }

        /// The buffers below as pointers, valid inside `withBuffers`.
        struct Buffers {
            let hashers: UnsafeMutablePointer<StableHasher>
            let rank: UnsafeMutablePointer<UInt64>
            let image: UnsafeMutablePointer<Int>
            let inverse: UnsafeMutablePointer<Int>
            let members: UnsafeMutablePointer<Int>
        }

        /// `body` given the buffers (`reserve` first) as pointers, which
        /// read and write without the checks of an array in an inout value.
        @inline(__always)
        mutating func withBuffers<R>(_ body: (Buffers) -> R) -> R {
            hashers.withUnsafeMutableBufferPointer { h in
                rank.withUnsafeMutableBufferPointer { r in
                    image.withUnsafeMutableBufferPointer { i in
                        inverse.withUnsafeMutableBufferPointer { v in
                            members.withUnsafeMutableBufferPointer { m in
                                body(Buffers(hashers: h.baseAddress!, rank: r.baseAddress!, image: i.baseAddress!,
                                             inverse: v.baseAddress!, members: m.baseAddress!))
                            }
                        }
                    }
                }
            }
        }

        mutating func reserve(_ n: Int) {
            guard hashers.count < n else { return }
            hashers = Array(repeating: StableHasher(), count: n)
            rank = Array(repeating: 0, count: n)
            image = Array(repeating: 0, count: n)
            inverse = Array(repeating: 0, count: n)
            members = Array(repeating: 0, count: n)
        }
    }

    /// The task hashes of `w`, each worked out.
    static func cores(of w: World) -> [UInt64] {
        (0..<w.tasks.count).map { t in
            var h = StableHasher()
            w.combineTaskCore(t, into: &h)
            return h.running
        }
    }

    /// The key of `w`, the node at `depth`, and the renaming into the
    /// numbering of the world it is the key of (nil: its own). `parent`:
    /// the world of the node at `depth - 1`, whose task hashes are in that
    /// row, or nil (every hash worked out).
    mutating func key(_ w: borrowing World, depth: Int, parent: UnsafePointer<World>?) -> (UInt64, TaskPermutation?) {
        let n = taskCount
        let row = depth * n
        if cores.count < row + n { cores.append(contentsOf: repeatElement(0, count: row + n - cores.count)) }
        let pageCount = w.pages.count
        let live = self.live
        cores.withUnsafeMutableBufferPointer { cores in
            w.tasks.withUnsafeBufferPointer { tasks in
                w.refs.withUnsafeBufferPointer { refs in
                    if let parent, depth > 0 {
                        parent.pointee.tasks.withUnsafeBufferPointer { before in
                            parent.pointee.refs.withUnsafeBufferPointer { refsBefore in
                                for t in 0..<n {
                                    if Self.same(tasks.baseAddress! + t, before.baseAddress! + t)
                                        && Self.same(refs, refsBefore, t * pageCount, pageCount) {
                                        cores[row + t] = cores[row - n + t]
                                    } else {
                                        cores[row + t] = Self.core(w, t, live: live?.live(tasks.baseAddress! + t))
                                    }
                                }
                            }
                        }
                    } else {
                        for t in 0..<n { cores[row + t] = Self.core(w, t, live: live?.live(tasks.baseAddress! + t)) }
                    }
                }
            }
        }
        return cores.withUnsafeBufferPointer { all in
            let mine = UnsafeBufferPointer(rebasing: all[row ..< row + n])
            if let quotient { return quotient.canonical(w, cores: mine, scratch: &scratch) }
            return (Self.key(w, cores: mine, controlCounters: engine.controlCounters), nil)
        }
    }

    /// The hash of what task `t` is; with `live`, its dead variables left
    /// out (`World.combineTaskCore`).
    @inline(__always)
    private static func core(_ w: borrowing World, _ t: Int, live: UInt8?) -> UInt64 {
        var h = StableHasher()
        w.combineTaskCore(t, live: live, into: &h)
        return h.running
    }

    /// Whether two tasks' bytes are equal (padding too: unequal padding
    /// only costs a hash).
    @inline(__always)
    private static func same(_ a: UnsafePointer<TaskState>, _ b: UnsafePointer<TaskState>) -> Bool {
        memcmp(a, b, MemoryLayout<TaskState>.size) == 0
    }

    @inline(__always)
    private static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Bool {
        count == 0 || memcmp(a.baseAddress! + start, b.baseAddress! + start, count) == 0
    }

    /// The key of `w` with its tasks renamed by `image` (`inverse`: its
    /// inverse; both nil: as it is), given its task hashes.
    static func key(_ w: World, cores: UnsafeBufferPointer<UInt64>, image: UnsafeBufferPointer<Int>? = nil,
                    inverse: UnsafeBufferPointer<Int>? = nil, controlCounters: [Int32]) -> UInt64 {
        let n = w.tasks.count
        var h = StableHasher()
        w.combineMemoryIdentity(renamedBy: image, into: &h)
        w.tasks.withUnsafeBufferPointer { tasks in
            for q in 0..<n {
                let t = inverse?[q] ?? q
                h.combine(cores[t]); h.combine(tasks[q].program)
                if tasks[t].frame.kind == .wake {
                    let f = tasks[t].wake
                    h.combine(f.next.renamed(by: image))
                    let woken = image.map { f.woken.renamed(by: $0) } ?? f.woken
                    h.combine(woken.low); h.combine(woken.high)
                }
            }
        }
        w.combineQueueIdentity(renamedBy: image, into: &h, controlCounters: controlCounters)
        return h.value
    }
}
