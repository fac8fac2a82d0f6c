/// ARMv8-like ordering in the engine (`--memory arm`): the litmus machine's
/// view semantics (Weak/WeakMachine.swift, docs/memory-model.md), fitted to
/// the engine's words. The World's arrays keep the NEWEST value of every
/// word (what checkers see, coherence-last); `Views` keeps, per word that
/// has them, the older messages some task may still read, the view each
/// message carries, and per task its views (`cur`, `acquired`,
/// `released`). Timestamps count from the oldest message kept (0); the
/// newest is `older.count`. A view is sparse: a word it does not name is
/// at timestamp 0. Under `sc` and `tso` it stays empty and hashes as
/// nothing.
///
/// A task reads its `cur` message of a word. Moving `cur` to a newer
/// message is a scheduling choice of its own, an ADVANCE
/// (`Engine.advanceChoices`), offered only for the words the task's next
/// step reads; the door (MemoryAccess.swift) does the rest as
/// WeakMachine's load, store and RMW do.

/// A sparse view: per word, a timestamp; a word left out is at 0.
typealias View = [Location: Int]

/// One older write of a word, as `arm` keeps it.
struct ArmMessage: Hashable, Sendable {
    var value: StoredValue
    /// What a task that acquires this message must see from then on.
    var view: View
    /// The task that wrote it; -1 for the value the scenario started with.
    var writer: Int
}

/// The history of one word: its older messages and what its newest (the
/// value in the World's arrays) carries.
struct MessageLine: Hashable, Sendable {
    var older: [ArmMessage] = []
    var newestView: View = [:]
    var newestWriter = -1
}

/// One task's views (WeakThread's, sparse).
struct TaskViews: Hashable, Sendable {
    /// Per word, the oldest message the task may still read.
    var cur: View = [:]
    /// The join of the views of every message it read (an mb makes it cur).
    var acquired: View = [:]
    /// The view a relaxed store carries: `cur` at the last full barrier.
    var released: View = [:]
    /// A release since the last full barrier: a later acquire orders after it.
    var releasePending = false

    var isEmpty: Bool { cur.isEmpty && acquired.isEmpty && released.isEmpty && !releasePending }
}

/// What the door records during one step under `arm`: the views it
/// changes, the words it read, the stale reads. A reference, so a load
/// (which takes the world by value) can join views as WeakMachine's does;
/// made fresh for each step and dropped after it, never shared.
final class ArmStep: @unchecked Sendable {
    var views: Views
    let task: Int
    /// Words the step read (a probe's read set), in read order.
    var reads: [Location] = []
    /// Reads that returned an older message: the word and its timestamp.
    var stale: [(Location, Int)] = []
    init(views: Views, task: Int) { self.views = views; self.task = task }
}

public struct Views: Hashable, Sendable {
    var lines: [Location: MessageLine] = [:]
    var tasks: [TaskViews] = []
    /// The view full barriers publish to one another (the SC-fence view).
    var global: View = [:]
    /// Per spinlock (its LockID) and q->lock (1000 + its bucket), the view
    /// its last unlock published: spin_unlock is a release, spin_lock an
    /// acquire (Documentation/memory-barriers.txt, "LOCK ACQUISITION").
    var lockViews: [Int: View] = [:]
    /// The step running now (not state: left out of `==` and hashing).
    var step: ArmStep? = nil
    /// The stale reads of the last step, for its trace line (not state).
    var lastStale: [StaleRead] = []

    public init() {}

    /// A load that returned an older message while a newer one existed.
    struct StaleRead: Sendable {
        var location: Location
        var read: ArmMessage
        var newest: StoredValue
        var newestWriter: Int
    }

    public var isEmpty: Bool { lines.isEmpty && tasks.isEmpty && global.isEmpty && lockViews.isEmpty }

    public static func == (a: Views, b: Views) -> Bool {
        a.lines == b.lines && a.tasks == b.tasks && a.global == b.global && a.lockViews == b.lockViews
    }

    public func hash(into h: inout Hasher) {
        h.combine(lines); h.combine(tasks); h.combine(global); h.combine(lockViews)
    }

    // MARK: views

    static func join(_ a: View, _ b: View) -> View {
        guard !b.isEmpty else { return a }
        var r = a
        for (l, ts) in b where ts > (r[l] ?? 0) { r[l] = ts }
        return r
    }

    mutating func ensure(_ t: Int) {
        if tasks.count <= t { tasks += Array(repeating: TaskViews(), count: t + 1 - tasks.count) }
    }

    /// smp_mb() as WeakMachine's `fullBarrier`.
    mutating func fullBarrier(_ t: Int) {
        ensure(t)
        var v = tasks[t]
        v.cur = Self.join(Self.join(v.cur, v.acquired), global)
        global = v.cur
        v.released = v.cur
        v.releasePending = false
        tasks[t] = v
    }

    /// Task `t`'s timestamp of `x`.
    func cur(_ x: Location, task t: Int) -> Int { t < tasks.count ? tasks[t].cur[x] ?? 0 : 0 }

    /// Whether task `t` may read an older message of `x` than the newest.
    func isBehind(_ x: Location, task t: Int) -> Bool {
        guard let line = lines[x] else { return false }
        return cur(x, task: t) < line.older.count
    }

    /// Whether task `t` is behind on any word: whether it can have an advance.
    func isBehind(task t: Int) -> Bool {
        for (x, line) in lines where cur(x, task: t) < line.older.count { return true }
        return false
    }

    /// A load of `x` by `t` with `order`: the older message it reads, or nil
    /// for the newest (the World's value). WeakMachine's `load`, at `cur`.
    mutating func load(_ x: Location, _ order: MemoryOrder, task t: Int) -> ArmMessage? {
        ensure(t)
        if order == .fullyOrdered || (order == .acquire && tasks[t].releasePending) { fullBarrier(t) }
        guard let line = lines[x] else {
            if order == .fullyOrdered { fullBarrier(t) }
            return nil
        }
        let ts = min(cur(x, task: t), line.older.count)
        let view = ts < line.older.count ? line.older[ts].view : line.newestView
        tasks[t].acquired = Self.join(tasks[t].acquired, view)
        if order == .acquire || order == .fullyOrdered { tasks[t].cur = Self.join(tasks[t].cur, view) }
        if order == .fullyOrdered { fullBarrier(t) }
        return ts < line.older.count ? line.older[ts] : nil
    }

    /// An atomic RMW's read: the newest message (atomicity). A failed
    /// conditional RMW (`success` false) is an unordered read
    /// (Documentation/atomic_t.txt; atomic_bitops.txt for a test_and_set_bit
    /// that finds the bit set).
    mutating func readNewest(_ x: Location, _ order: MemoryOrder, task t: Int, success: Bool) {
        ensure(t)
        if success && (order == .fullyOrdered || (order == .acquire && tasks[t].releasePending)) { fullBarrier(t) }
        guard let line = lines[x] else { return }
        tasks[t].cur[x] = line.older.isEmpty ? nil : line.older.count
        tasks[t].acquired = Self.join(tasks[t].acquired, line.newestView)
        if success && (order == .acquire || order == .fullyOrdered) { tasks[t].cur = Self.join(tasks[t].cur, line.newestView) }
    }

    /// A store of `x` by `t`: the newest (whose value `old` the World held)
    /// becomes an older message and the store the newest, carrying the view
    /// WeakMachine's `written` gives it, joined with `carried` (an RMW's).
    mutating func append(_ x: Location, replacing old: StoredValue, _ order: MemoryOrder, task t: Int, carried: View = [:]) {
        ensure(t)
        if order == .fullyOrdered { fullBarrier(t) }
        var line = lines[x] ?? MessageLine()
        line.older.append(ArmMessage(value: old, view: line.newestView, writer: line.newestWriter))
        let ts = line.older.count
        tasks[t].cur[x] = ts
        var view: View
        if order == .release || order == .fullyOrdered {
            tasks[t].releasePending = true
            view = tasks[t].cur
        } else {
            view = tasks[t].released
            view[x] = ts
        }
        line.newestView = Self.join(view, carried)
        line.newestWriter = t
        lines[x] = line
        if order == .fullyOrdered { fullBarrier(t) }
    }

    /// Task `t` takes lock `key`: an acquire of what its last unlock published.
    mutating func acquireLock(_ key: Int, task t: Int) {
        ensure(t)
        if tasks[t].releasePending { fullBarrier(t) }
        if let v = lockViews[key] { tasks[t].cur = Self.join(tasks[t].cur, v) }
    }

    /// Task `t` drops lock `key`: a release of its whole view.
    mutating func releaseLock(_ key: Int, task t: Int) {
        ensure(t)
        tasks[t].releasePending = true
        if tasks[t].cur.isEmpty { lockViews[key] = nil } else { lockViews[key] = tasks[t].cur }
    }

    /// Task `t`, asleep, is woken by `waker`: it acquires what the waker
    /// has seen (`Engine.unblock`).
    mutating func wake(_ t: Int, by waker: Int) {
        ensure(max(t, waker))
        tasks[t].cur = Self.join(tasks[t].cur, tasks[waker].cur)
    }

    /// Task `t`'s view of `x` moves to the next newer message.
    mutating func advance(_ x: Location, task t: Int) {
        ensure(t)
        tasks[t].cur[x] = cur(x, task: t) + 1
    }

    // MARK: canonical form

    /// Drop the messages no live task can read any more (older than every
    /// unfinished task's `cur`), renumber, and drop what says nothing (a
    /// word with no older message whose newest carries no view, zero
    /// timestamps, finished tasks' views),
    /// so states that differ only in dead history are one state.
    ///
    /// First a task asleep in the scheduler (`blocked`) has its `cur` of
    /// each word raised to the lowest `cur` among the tasks that are not:
    /// it reads nothing until a wake, and a wake joins its waker's `cur`
    /// into its own (`wake`). Every waker is awake now, or is woken in turn
    /// by one that is, and a `cur` only grows; so by the time the sleeper
    /// reads, its `cur` of the word is at least that lowest one anyway, and
    /// the messages below it are dead. (It publishes nothing while asleep;
    /// its `acquired` and `released` need no raising: both join into views
    /// at or above every live task's `cur`, where the collected timestamps
    /// they held change nothing.) Without this, a sleeper kept the whole
    /// history every loop of another task wrote.
    mutating func normalize(taskCount: Int, finished: (Int) -> Bool, blocked: (Int) -> Bool) {
        for t in tasks.indices where finished(t) && !tasks[t].isEmpty { tasks[t] = TaskViews() }
        var shift: [Location: Int] = [:]
        for (x, line) in lines {
            var low = line.older.count
            for t in 0..<taskCount where !finished(t) && !blocked(t) {
                low = min(low, cur(x, task: t))
                if low == 0 { break }
            }
            for t in 0..<taskCount where !finished(t) && blocked(t) && cur(x, task: t) < low {
                ensure(t)
                tasks[t].cur[x] = low
            }
            if low > 0 { shift[x] = low }
        }
        // A word whose newest is its only readable message says nothing
        // more -- unless that message carries a view: a task that acquires
        // it must still be ordered after what its writer saw (message
        // passing through a word whose history is gone). No view names a
        // word at timestamp 0 (`readNewest` stores none), so a word whose
        // history is dropped here is named by no view.
        if shift.isEmpty {
            for (x, line) in lines where line.older.isEmpty && line.newestView.isEmpty { lines[x] = nil }
        } else {
            // Timestamps move down by the messages dropped below them; one
            // that reaches 0 (at or below the oldest kept) is left out.
            func fix(_ v: inout View) {
                guard !v.isEmpty else { return }
                for (x, by) in shift {
                    if let ts = v[x] { v[x] = ts > by ? ts - by : nil }
                }
            }
            for i in lines.values.indices {
                if let by = shift[lines.keys[i]] { lines.values[i].older.removeFirst(by) }
                for j in lines.values[i].older.indices { fix(&lines.values[i].older[j].view) }
                fix(&lines.values[i].newestView)
            }
            for (x, line) in lines where line.older.isEmpty && line.newestView.isEmpty { lines[x] = nil }
            for t in tasks.indices {
                fix(&tasks[t].cur)
                fix(&tasks[t].acquired)
                fix(&tasks[t].released)
            }
            fix(&global)
            for k in Array(lockViews.keys) {
                fix(&lockViews[k]!)
                if lockViews[k]!.isEmpty { lockViews[k] = nil }
            }
        }
        while let last = tasks.last, last.isEmpty { tasks.removeLast() }
    }

    // MARK: identity

    /// A view hashes as the sum of its entries' mixed hashes: the same
    /// whatever order the dictionary keeps them in, with nothing sorted or
    /// allocated (identity is computed for every state the search meets).
    private static func combine(_ v: View, renamed p: TaskPermutation?, into h: inout StableHasher) {
        var sum: UInt64 = 0
        for (x, ts) in v {
            var z = (p.map { x.renamed($0) } ?? x).hashValueStable ^ (UInt64(truncatingIfNeeded: ts) &* 0x9E37_79B9_7F4A_7C15)
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            sum &+= z ^ (z >> 31)
        }
        h.combine(v.count)
        h.combine(sum)
    }

    /// Hash the views (nothing when empty, so `sc` and `tso` worlds keep
    /// their identity), with tasks renamed by `image` if given.
    @usableFromInline
    func combineIdentity(renamedBy image: UnsafeBufferPointer<Int>?, into h: inout StableHasher) {
        guard !isEmpty else { return }
        let p = image.map { TaskPermutation(Array($0)) }
        h.combine(0x4152 as UInt16)
        // Each word's history hashes on its own and the words' hashes are
        // summed (no order to sort out). A message's writer is left out:
        // only trace text names it, so histories that differ in writers
        // alone are one state.
        var sum: UInt64 = 0
        for (x, line) in lines {
            var lh = StableHasher()
            lh.combine((p.map { x.renamed($0) } ?? x).hashValueStable)
            lh.combine(line.older.count)
            for m in line.older {
                m.value.combineIdentity(into: &lh)
                Self.combine(m.view, renamed: p, into: &lh)
            }
            Self.combine(line.newestView, renamed: p, into: &lh)
            sum &+= lh.value
        }
        h.combine(lines.count)
        h.combine(sum)
        let n = tasks.count
        var order = Array(0..<n)
        var width = n
        if let p {
            width = max(p.image.count, n)
            order = Array(repeating: -1, count: width)
            for t in 0..<width { order[p[t]] = t }
        }
        h.combine(0x5456 as UInt16)
        for i in 0..<width {
            let t = order[i]
            let v = t >= 0 && t < n ? tasks[t] : TaskViews()
            h.combine(v.releasePending)
            Self.combine(v.cur, renamed: p, into: &h)
            Self.combine(v.acquired, renamed: p, into: &h)
            Self.combine(v.released, renamed: p, into: &h)
        }
        Self.combine(global, renamed: p, into: &h)
        let locks = lockViews.keys.sorted()
        h.combine(locks.count)
        for k in locks { h.combine(k); Self.combine(lockViews[k]!, renamed: p, into: &h) }
    }

    /// The views with tasks renamed by `p`.
    func renamed(_ p: TaskPermutation) -> Views {
        guard !isEmpty else { return self }
        func r(_ v: View) -> View {
            var o = View()
            for (x, ts) in v { o[x.renamed(p)] = ts }
            return o
        }
        var out = Views()
        for (x, line) in lines {
            var l = MessageLine()
            l.older = line.older.map { ArmMessage(value: $0.value, view: r($0.view), writer: $0.writer < 0 ? -1 : p[$0.writer]) }
            l.newestView = r(line.newestView)
            l.newestWriter = line.newestWriter < 0 ? -1 : p[line.newestWriter]
            out.lines[x.renamed(p)] = l
        }
        if !tasks.isEmpty {
            out.tasks = Array(repeating: TaskViews(), count: max(p.image.count, tasks.count))
            for t in tasks.indices {
                let v = tasks[t]
                out.tasks[p[t]] = TaskViews(cur: r(v.cur), acquired: r(v.acquired), released: r(v.released), releasePending: v.releasePending)
            }
            while let last = out.tasks.last, last.isEmpty { out.tasks.removeLast() }
        }
        out.global = r(global)
        for (k, v) in lockViews { out.lockViews[k] = r(v) }
        return out
    }
}
