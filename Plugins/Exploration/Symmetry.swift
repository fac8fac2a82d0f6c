import PagewaitCore

/// The symmetry reduction of exhaustive exploration: which tasks of a setup
/// are interchangeable, and the key of a state's orbit under renaming them
/// (`World.renamingTasks`), so that a state and its task-renamed twin are
/// one state in the visited store.
///
/// **Interchangeable** tasks (a group): their programs are the same
/// operation sequence (`Engine.sameOperations`) under the same program
/// name; they start alike (the same `TaskState` but for the program index,
/// the same row of the reference ledger); the CPU model treats every task
/// alike; and no operation of any program names one of them by number (a
/// `send_sig` to task 3 singles task 3 out). Then stepping a renamed world
/// with the renamed task gives the renamed successor, the runnable sets and
/// footprints rename alike, and the checkers — which judge every task by
/// the same rule and use its number only to name it in a violation — find a
/// violation in a state exactly when they find one in its twin. Whatever is
/// unsure leaves the task out of its group: a group of one is no symmetry.
///
/// **The key**: each group's tasks are ordered by a hash of what each is
/// (its own state with the task numbers it holds left out, its ledger row)
/// and of where it appears (its places in the wait-queue list, the frames
/// it owns, and, one level deep, the tasks a waker's cursor names), all of
/// which renaming leaves alike; the k-th task in that order takes the
/// group's k-th number, and the key is the fingerprint of the world so
/// renamed. Tasks that tie (same hash) and are named by a waker's locals
/// are tried in every order when there are at most `maxTiedOrders` orders,
/// and the least fingerprint wins; beyond that, or when nothing names them
/// (then any order gives the same world), they keep their index order. A
/// tie-break that is not canonical only splits an orbit into more keys —
/// less reduction, never a lost state: every key is the fingerprint of a
/// world the state behaves exactly like. Everything is a function of the
/// world alone, so the key is the same on every thread and in every run.
///
/// A class, never changed after it is made: the search asks it for a key
/// at every state, and a value holding the engine cost a retain and a
/// release of each of the engine's arrays per state.
final class TaskSymmetry: Sendable {
    /// The groups, each in increasing task order, each of two or more.
    let groups: [[Int]]
    let engine: Engine
    /// Tied orders tried at most, per state.
    static let maxTiedOrders = 6

    /// `groups` laid end to end, and where each ends in it: read at every
    /// state without retaining each group's array.
    private let flatGroups: [Int]
    private let groupEnds: [Int]

    init(setup: Setup) {
        engine = setup.engine
        groups = Self.groups(of: setup)
        flatGroups = Array(groups.joined())
        groupEnds = groups.reduce(into: []) { ends, g in ends.append((ends.last ?? 0) + g.count) }
    }

    /// Tasks in some group.
    var interchangeable: Int { groups.reduce(0) { $0 + $1.count } }

    /// The fair-cycle search's view (`FairCycleSearch.symmetry`): the key of
    /// a state's orbit, and the classes of tasks — each group, and every
    /// other task alone. Nil when no tasks are interchangeable.
    func quotient(of setup: Setup) -> (key: @Sendable (World) -> UInt64, classes: [TaskSet])? {
        guard !groups.isEmpty else { return nil }
        return ({ [self] w in canonical(w).key }, classes(of: setup))
    }

    /// The classes of tasks: each group, and every other task alone.
    func classes(of setup: Setup) -> [TaskSet] {
        let grouped = Set(groups.joined())
        let alone = setup.world.tasks.indices.prefix(TaskSet.capacity).filter { !grouped.contains($0) }
        return groups.map { TaskSet($0) } + alone.map { TaskSet([$0]) }
    }

    /// The tasks some operation of some program names by number. Found by
    /// reflection over every operation, so an operation added later that
    /// names a task is caught without being listed here.
    static func namedTasks(_ engine: Engine) -> Set<Int> {
        var named = Set<Int>()
        func walk(_ value: Any) {
            if let t = value as? TaskID {
                named.insert(t.index)
                return
            }
            if let s = value as? TaskSet {
                named.formUnion(s)
                return
            }
            for child in Mirror(reflecting: value).children { walk(child.value) }
        }
        var seen = Set<Op>()
        for p in engine.programs {
            for i in p.instructions where seen.insert(i.op).inserted { walk(i.op) }
        }
        return named
    }

    static func groups(of setup: Setup) -> [[Int]] {
        let engine = setup.engine, w = setup.world
        let n = min(w.tasks.count, TaskSet.capacity)
        guard n > 1 else { return [] }
        // The CPU model: every case must say whether it treats tasks alike.
        // Declared CPUs: only tasks pinned to the same CPU are alike (a
        // renaming must map each CPU's tasks to its own, and the task a CPU
        // runs is renamed with them: `CPUState.combineIdentity`).
        let cpuOf: (Int) -> Int
        switch engine.config.cpus {
        case .cpuPerTask: cpuOf = { _ in 0 }
        case .cpus(let topology): cpuOf = { topology.cpu(of: $0) }
        }
        let named = namedTasks(engine)
        struct Signature: Hashable {
            var name: String
            var operations: Int
            var start: TaskState
            var references: ArraySlice<UInt8>
            var cpu: Int
        }
        var byKind: [Signature: [Int]] = [:]
        var order: [Signature] = []
        for t in 0..<n where !named.contains(t) {
            let program = Int(w.tasks[t].program)
            guard engine.programs.indices.contains(program) else { continue }
            // The first program with the same operations stands for them all.
            let operations = engine.programs.indices.first { engine.sameOperations($0, program) }!
            var start = w.tasks[t]
            start.program = 0
            let row = w.pages.count
            let sig = Signature(name: engine.programs[program].name, operations: operations, start: start,
                                references: w.refs[t * row ..< (t + 1) * row], cpu: cpuOf(t))
            if byKind[sig] == nil { order.append(sig) }
            byKind[sig, default: []].append(t)
        }
        return order.compactMap { byKind[$0] }.filter { $0.count > 1 }
    }

    /// The key of `w`'s orbit, and the renaming that takes `w` to the world
    /// whose key it is: nil when that world is `w` itself.
    func canonical(_ w: World) -> (key: UInt64, renaming: TaskPermutation?) {
        var scratch = StateKeys.Scratch()
        let cores = StateKeys.cores(of: w)
        return cores.withUnsafeBufferPointer { canonical(w, cores: $0, scratch: &scratch) }
    }

    /// `canonical(w)`, given the hashes of what each task is (`cores`:
    /// `World.combineTaskCore`, running states) and buffers to reuse.
    ///
    /// The order of a group's tasks is that of the hashes `rank` below, and
    /// tied tasks are tried in the order whose renamed world has the least
    /// `Engine.fingerprint`: the choices the search has always made, so the
    /// same states are stored under a renaming and the same visits count as
    /// folds. Only the key of the world chosen is another hash
    /// (`StateKeys.key`), fed in place.
    func canonical(_ w: World, cores: UnsafeBufferPointer<UInt64>, scratch: inout StateKeys.Scratch) -> (key: UInt64, renaming: TaskPermutation?) {
        let n = w.tasks.count
        guard !groups.isEmpty else { return (StateKeys.key(w, cores: cores, controlCounters: engine.controlCounters), nil) }
        scratch.reserve(n)
        let (identity, tieUnbroken) = scratch.withBuffers { b in order(w, cores: cores, n: n, b) }
        if tieUnbroken { scratch.tieUnbroken = true }
        // A renaming that gives back the world itself (identical tasks
        // swapped) is an automorphism: translating sleep sets by it is
        // right either way; only the identity needs none.
        if identity { return (StateKeys.key(w, cores: cores, controlCounters: engine.controlCounters), nil) }
        let key = scratch.withBuffers { b in
            for t in 0..<n { b.inverse[b.image[t]] = t }
            return StateKeys.key(w, cores: cores, image: UnsafeBufferPointer(start: b.image, count: n),
                                 inverse: UnsafeBufferPointer(start: b.inverse, count: n), controlCounters: engine.controlCounters)
        }
        return (key, scratch.permutation(n))
    }

    /// The canonical order of `canonical`: leaves in `b.image` the number
    /// each task gets, and says whether that is the identity and whether a
    /// tie was too wide to break. Reads and writes the buffers through
    /// pointers: an array in the inout scratch checked its uniqueness and
    /// bounds at every access, which cost about a tenth of a proof.
    private func order(_ w: World, cores: UnsafeBufferPointer<UInt64>, n: Int, _ b: StateKeys.Scratch.Buffers) -> (identity: Bool, tieUnbroken: Bool) {
        let hashers = b.hashers, rank = b.rank, image = b.image, members = b.members
        // What each task is, without the task numbers it holds (`cores`),
        // and where it appears: list positions, frames owned.
        for t in 0..<n { hashers[t] = StableHasher(running: cores[t]) }
        w.queue.withUnsafeBufferPointer { queue in
            for i in queue.indices {
                let q = queue[i], t = q.task.index
                guard t >= 0 && t < n else { continue }
                hashers[t].combine(0x51 as UInt8); hashers[t].combine(i); hashers[t].combine(q.isBookmark)
            }
        }
        @inline(__always) func owns(_ owner: TaskID, _ role: Int, _ page: Int) {
            guard owner.index >= 0 && owner.index < n else { return }
            hashers[owner.index].combine(0x70 + role); hashers[owner.index].combine(page)
        }
        w.pages.withUnsafeBufferPointer { pages in
            for i in pages.indices {
                owns(pages[i].frozenBy, 0, i); owns(pages[i].isolatedBy, 1, i)
                owns(pages[i].lockOwner, 2, i); owns(pages[i].writebackBy, 3, i)
            }
        }
        // The task each CPU runs, and a mutex's or rwsem's owner, readers
        // and waiters (by place and mode): tasks alike in all else but
        // these must not tie, or twins would be renamed apart.
        w.cpu.running.withUnsafeBufferPointer { running in
            for c in running.indices { owns(running[c], 6, c) }
        }
        if !w.sleepLocks.isEmpty {
            for (i, l) in w.sleepLocks.enumerated() {
                owns(l.owner, 4, i)
                for t in l.readers where t < n { owns(TaskID(t), 5, i) }
                for (j, x) in l.waiters.enumerated() where x.task.index >= 0 && x.task.index < n {
                    hashers[x.task.index].combine(0x76 as UInt8); hashers[x.task.index].combine(i)
                    hashers[x.task.index].combine(j); hashers[x.task.index].combine(x.mode.rawValue)
                }
            }
        }
        for t in 0..<n { rank[t] = hashers[t].value }
        // Tasks a waker's locals name, and wakers whose locals name one.
        var wakers = false
        var named = TaskSet()
        w.tasks.withUnsafeBufferPointer { tasks in
            for t in 0..<n where tasks[t].frame.kind == .wake {
                let f = tasks[t].wake
                if f.next != .none || !f.woken.isEmpty {
                    wakers = true
                    named.insert(t)
                    if f.next.index >= 0 && f.next.index < n { named.insert(f.next.index) }
                    named = named | f.woken
                }
            }
        }
        // One level of the wakers' cursors: whom each names, who names each.
        if wakers {
            let before = Array(UnsafeBufferPointer(start: rank, count: n))
            var refined = before.map { r -> StableHasher in var x = StableHasher(); x.combine(r); return x }
            var incoming = [[UInt64]](repeating: [], count: n)
            for u in 0..<n where w.tasks[u].frame.kind == .wake {
                let f = w.tasks[u].wake
                if f.next.index >= 0 && f.next.index < n {
                    refined[u].combine(1 as UInt8); refined[u].combine(before[f.next.index])
                    incoming[f.next.index].append(before[u] &+ 1)
                }
                var woken: [UInt64] = []
                for j in f.woken where j < n {
                    woken.append(before[j])
                    incoming[j].append(before[u] &+ 2)
                }
                for r in woken.sorted() { refined[u].combine(2 as UInt8); refined[u].combine(r) }
            }
            for t in 0..<n {
                for r in incoming[t].sorted() { refined[t].combine(3 as UInt8); refined[t].combine(r) }
            }
            for t in 0..<n { rank[t] = refined[t].value }
        }
        // Each group in rank order (index order among ties).
        for t in 0..<n { image[t] = t }
        var ties: [[Int]] = []  // runs of tied tasks, as their sorted positions' numbers
        var identity = true
        flatGroups.withUnsafeBufferPointer { flat in
            var from = 0
            for end in groupEnds {
                // Insertion sort by (rank, task): groups are small.
                var m = 0
                for t in flat[from..<end] {
                    var i = m
                    while i > 0 && (rank[members[i - 1]], members[i - 1]) > (rank[t], t) {
                        members[i] = members[i - 1]
                        i -= 1
                    }
                    members[i] = t
                    m += 1
                }
                for k in 0..<m {
                    image[members[k]] = flat[from + k]
                    if members[k] != flat[from + k] { identity = false }
                }
                from = end
                guard wakers else { continue }
                var k = 0
                while k < m {
                    var e = k + 1
                    while e < m && rank[members[e]] == rank[members[k]] { e += 1 }
                    if e - k > 1 { ties.append(Array(UnsafeBufferPointer(start: members + k, count: e - k))) }
                    k = e
                }
            }
        }
        guard wakers else { return (identity, false) }
        // Tied tasks that no waker's locals name (and whose own locals name
        // nobody) are alike in everything a renaming touches: any order
        // gives the same world. Otherwise try the orders, and keep the one
        // whose renamed world has the least fingerprint.
        ties = ties.filter { run in run.contains { named.contains($0) } }
        guard !ties.isEmpty else { return (identity, false) }
        var orders = 1
        for run in ties { orders *= (1...run.count).reduce(1, *); if orders > Self.maxTiedOrders { break } }
        if orders > Self.maxTiedOrders { return (identity, true) }
        let start = Array(UnsafeBufferPointer(start: image, count: n))
        var best = start
        var bestPrint = fingerprint(w, renamedBy: start)
        for candidate in Self.tiedImages(start, ties) {
            let k = fingerprint(w, renamedBy: candidate)
            if k < bestPrint { (best, bestPrint) = (candidate, k) }
        }
        for t in 0..<n { image[t] = best[t] }
        return (best.indices.allSatisfy { best[$0] == $0 }, false)
    }

    /// `engine.fingerprint(w.renamingTasks(TaskPermutation(image)))`, fed in place.
    private func fingerprint(_ w: World, renamedBy image: [Int]) -> UInt64 {
        var inverse = image
        for t in image.indices { inverse[image[t]] = t }
        return image.withUnsafeBufferPointer { i in inverse.withUnsafeBufferPointer { engine.fingerprint(w, renamedBy: i, inverse: $0) } }
    }

    /// A sleep set of a state, in the numbering of its key's world: a
    /// transition of task t in the state is the transition of renaming[t]
    /// there, so what the store compares is what the twins have in common.
    static func intoKey(_ sleep: TaskSet, _ renaming: TaskPermutation?) -> TaskSet {
        renaming.map { $0(sleep) } ?? sleep
    }

    /// The store's answer, back in the state's own numbering: the tasks to
    /// re-explore and the set kept, renamed by the inverse.
    static func fromKey(_ visit: VisitedStore.Visit, _ renaming: TaskPermutation?) -> VisitedStore.Visit {
        guard let renaming, case .seen(let awake, let kept) = visit else { return visit }
        let back = renaming.inverse
        return .seen(newlyAwake: back(awake), sleep: back(kept))
    }

    /// `image` with each run of tied tasks sent to its numbers in every
    /// order.
    static func tiedImages(_ image: [Int], _ ties: [[Int]]) -> [[Int]] {
        var out: [[Int]] = [image]
        for run in ties {
            let numbers = run.map { image[$0] }
            var next: [[Int]] = []
            for base in out {
                for order in permutations(numbers) {
                    var im = base
                    for (t, to) in zip(run, order) { im[t] = to }
                    next.append(im)
                }
            }
            out = next
        }
        return out
    }

    static func permutations(_ xs: [Int]) -> [[Int]] {
        guard xs.count > 1 else { return [xs] }
        var out: [[Int]] = []
        for (i, x) in xs.enumerated() {
            var rest = xs
            rest.remove(at: i)
            for p in permutations(rest) { out.append([x] + p) }
        }
        return out
    }
}
