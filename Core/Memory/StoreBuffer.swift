/// x86-TSO in the engine (`--memory tso`): every task has a FIFO store
/// buffer. The memory door (MemoryAccess.swift) puts a task's plain,
/// relaxed and release stores into its buffer; the task's own loads read
/// its newest buffered value of the word first; a locked instruction (any
/// atomic RMW) drains the buffer and then executes on memory, in one step.
/// A buffered store reaching memory is a transition of its own, "flush of
/// task t", which schedulers and the explorer choose like a task's step
/// (`Engine.flushChoice`). Under `sc` the buffers stay empty and the door
/// takes its old path. docs/memory-model.md says why this is a valid TSO
/// semantics and what it leaves out.

/// A value a buffered store carries: one word of the model's memory.
public enum StoredValue: Hashable, Sendable, CustomStringConvertible {
    case flags(PageFlags)
    /// `_refcount`, `_mapcount` or `mapping`.
    case count(Int32)
    case pte(PTE)
    case slot(CacheSlot)
    case waitFlags(WaitFlags)
    /// The flags word when PG_waiters has a word of its own
    /// (`PageLockWord.separate`): reaching memory, it keeps memory's
    /// PG_waiters, which is not in this word.
    case flagsBesideWaiters(PageFlags)
    /// A wait entry's `next` as `list_empty_careful` tests it: whether the
    /// entry is linked (`Location.waitLink`; only `--memory arm` keeps
    /// messages of it).
    case waitLink(Bool)

    public var description: String {
        switch self {
        case .flags(let f): "\(f)"
        case .count(let n): "\(n)"
        case .pte(let p): "\(p.kind) \(p.pfn)"
        case .slot(let s): s.pfn.isNone ? "empty" : "\(s.pfn)"
        case .waitFlags(let f): "\(f)"
        case .flagsBesideWaiters(let f): "\(f.subtracting(.waiters))"
        case .waitLink(let linked): linked ? "linked" : "unlinked"
        }
    }

    /// The value as one number, for a flush's `StepEvent` (`b`).
    var code: Int64 {
        switch self {
        case .flags(let f): Int64(f.rawValue)
        case .count(let n): Int64(n)
        case .pte(let p): Int64(p.kind.rawValue) << 32 | Int64(UInt32(bitPattern: Int32(p.pfn.index)))
        case .slot(let s): Int64(s.pfn.isNone ? -1 : s.pfn.index)
        case .waitFlags(let f): Int64(f.rawValue)
        case .flagsBesideWaiters(let f): Int64(f.subtracting(.waiters).rawValue)
        case .waitLink(let linked): linked ? 1 : 0
        }
    }

    /// What a flush event's numbers say: `page 0 flags=[locked]`.
    public static func flushText(location a: Int64, value b: Int64) -> String {
        let code = UInt64(bitPattern: a)
        let kind = code >> 56, x = Int(code >> 24 & 0xFFFFFF), y = Int(code & 0xFFFFFF)
        switch kind {
        case 1: return "page \(PFN(x)) flags=\(PageFlags(rawValue: UInt16(truncatingIfNeeded: b)))"
        case 2: return "page \(PFN(x)) refcount=\(b)"
        case 3: return "page \(PFN(x)) mapcount=\(b)"
        case 4: return "page \(PFN(x)) mapping=\(b)"
        case 6: return "PTE slot \(x)=\(PTEKind(rawValue: UInt8(truncatingIfNeeded: b >> 32)).map { "\($0)" } ?? "?") \(PFN(Int(Int32(truncatingIfNeeded: b))))"
        case 7: return "page-cache slot \(x)=\(b < 0 ? "empty" : "\(PFN(Int(b)))")"
        case 8: return "task \(x) wait-entry flags=\(WaitFlags(rawValue: UInt8(truncatingIfNeeded: b)))"
        case 11: return "task \(x) wait-entry next=\(b != 0 ? "linked" : "unlinked")"
        default: return "word \(kind):\(x):\(y)=\(b)"
        }
    }

    func combineIdentity(into h: inout StableHasher) {
        switch self {
        case .flags(let f): h.combine(0 as UInt8); h.combine(f.rawValue)
        case .count(let n): h.combine(1 as UInt8); h.combine(n)
        case .pte(let p): h.combine(2 as UInt8); p.combineIdentity(into: &h)
        case .slot(let s): h.combine(3 as UInt8); s.combineIdentity(into: &h)
        case .waitFlags(let f): h.combine(4 as UInt8); h.combine(f.rawValue)
        case .flagsBesideWaiters(let f): h.combine(5 as UInt8); h.combine(f.rawValue)
        case .waitLink(let linked): h.combine(6 as UInt8); h.combine(linked)
        }
    }
}

/// One store waiting in a task's buffer.
public struct PendingStore: Hashable, Sendable, CustomStringConvertible {
    var location: Location
    public var value: StoredValue

    public var description: String { "\(location.kernelName)=\(value)" }
}

extension Location {
    /// How a trace names the word: `page 0 flags`, `PTE slot 1`.
    var kernelName: String { description }

    /// The same location with its task renamed.
    func renamed(_ p: TaskPermutation) -> Location {
        switch self {
        case .waitFlags(let t): .waitFlags(task: p[t])
        case .waitLink(let t): .waitLink(task: p[t])
        case .ledger(let t, let pfn): .ledger(task: p[t], pfn: pfn)
        default: self
        }
    }

    /// The frame this word belongs to, if it is a page word.
    var pfn: PFN? {
        switch self {
        case .flags(let p), .refcount(let p), .mapcount(let p), .mapping(let p), .frame(let p), .waitersWord(let p): p
        default: nil
        }
    }
}

/// Every task's store buffer. Empty (no storage at all) until a task
/// buffers a store, so an `sc` world carries nothing and hashes as before.
public struct StoreBuffers: Hashable, Sendable {
    /// `pending[t]`: task `t`'s buffered stores, oldest first.
    var pending: [[PendingStore]] = []
    /// Tasks whose buffer is not empty: the flushes that can happen now.
    public private(set) var nonEmpty = TaskSet()
    /// The task whose step is running: set by the engine before each step
    /// under `tso`, read by the door. Not state: left out of `==` and hashing.
    var current = 0

    public init() {}

    /// The first choice number that is a flush: `flushBase + t` is "task
    /// t's oldest buffered store reaches memory". Tasks are numbered below
    /// it (a `tso` setup has at most this many tasks).
    public static let flushBase = 64

    @inlinable public var isEmpty: Bool { nonEmpty.isEmpty }

    /// The flush choices open now, as members of a runnable set.
    public var flushChoices: TaskSet {
        var s = TaskSet()
        for t in nonEmpty { s.insert(Self.flushBase + t) }
        return s
    }

    /// Task `t`'s buffered stores, oldest first.
    public func stores(of t: Int) -> [PendingStore] { t < pending.count ? pending[t] : [] }

    /// What a trace line adds under `tso` for task `e.task`'s step from
    /// `before` to `after`: a store it put into its buffer, and, for a page
    /// word it read while another task's store to that word was still
    /// buffered, that store (the value it saw is older than that store).
    public func notes(for e: StepEvent, before: World, after: World) -> [String] {
        guard e.action != .flush else { return [] }
        let t = e.task.index
        var out: [String] = []
        let had = before.storeBuffers.stores(of: t).count, has = after.storeBuffers.stores(of: t)
        if has.count > had, had >= 0 {
            for s in has.suffix(has.count - had) { out.append("\(s) into task \(t)'s store buffer") }
        } else if has.isEmpty && had > 0 {
            out.append("task \(t)'s store buffer drained")
        }
        var touched: Set<Location> = []
        if !e.pfn.isNone { touched = [.flags(pfn: e.pfn), .refcount(pfn: e.pfn), .mapcount(pfn: e.pfn), .mapping(pfn: e.pfn), .waitersWord(pfn: e.pfn)] }
        for u in nonEmpty where u != t {
            for s in pending[u] where touched.contains(s.location) {
                out.append("task \(u)'s store \(s) still in its store buffer")
            }
        }
        return out
    }

    /// Task `t`'s newest buffered value of `location`, if any.
    func newest(_ location: Location, task t: Int) -> StoredValue? {
        guard nonEmpty.contains(t) else { return nil }
        return pending[t].last { $0.location == location }?.value
    }

    /// The tasks other than `t` with a store to `location` still buffered.
    func others(buffering location: Location, besides t: Int) -> [(task: Int, store: PendingStore)] {
        var out: [(Int, PendingStore)] = []
        for u in nonEmpty where u != t {
            if let s = pending[u].last(where: { $0.location == location }) { out.append((u, s)) }
        }
        return out
    }

    mutating func append(_ s: PendingStore, task t: Int, taskCount: Int) {
        if pending.count < taskCount { pending += Array(repeating: [], count: taskCount - pending.count) }
        pending[t].append(s)
        nonEmpty.insert(t)
    }

    /// Take task `t`'s oldest store off its buffer.
    mutating func removeOldest(of t: Int) -> PendingStore {
        let s = pending[t].removeFirst()
        if pending[t].isEmpty { nonEmpty.remove(t) }
        return s
    }

    public static func == (a: StoreBuffers, b: StoreBuffers) -> Bool {
        guard a.nonEmpty == b.nonEmpty else { return false }
        for t in a.nonEmpty where a.pending[t] != b.pending[t] { return false }
        return true
    }

    public func hash(into h: inout Hasher) {
        h.combine(nonEmpty)
        for t in nonEmpty { h.combine(pending[t]) }
    }

    /// Hash the buffers (nothing when all are empty, so an `sc` world's
    /// identity is what it was), with tasks renamed by `p` if given.
    @usableFromInline
    func combineIdentity(renamedBy image: UnsafeBufferPointer<Int>?, into h: inout StableHasher) {
        guard !isEmpty else { return }
        let n = pending.count
        let p = image.map { TaskPermutation(Array($0)) }
        // In the renamed numbering: position p[t] holds t's buffer.
        var order = Array(0..<n)
        if let p { for t in 0..<n { order[p[t]] = t } }
        h.combine(0x5342 as UInt16)
        for i in 0..<n {
            let t = order[i]
            let b = pending[t]
            h.combine(b.count)
            for s in b {
                let l = p.map { s.location.renamed($0) } ?? s.location
                h.combine(l.hashValueStable)
                s.value.combineIdentity(into: &h)
            }
        }
    }

    /// The buffers with tasks renamed by `p`: task `t`'s buffer becomes
    /// task `p[t]`'s, and the wait entries its stores name are renamed too.
    func renamed(_ p: TaskPermutation) -> StoreBuffers {
        guard !isEmpty else { return self }
        var out = StoreBuffers()
        out.current = p[current]
        out.pending = Array(repeating: [], count: pending.count)
        for t in pending.indices {
            out.pending[p[t]] = pending[t].map { PendingStore(location: $0.location.renamed(p), value: $0.value) }
            if !pending[t].isEmpty { out.nonEmpty.insert(p[t]) }
        }
        return out
    }
}

extension Location {
    /// A number for the location that does not depend on the process's
    /// hashing seed, for state identity.
    var hashValueStable: UInt64 {
        func code(_ kind: UInt64, _ a: Int, _ b: Int = 0) -> UInt64 {
            kind << 56 | UInt64(truncatingIfNeeded: a & 0xFFFFFF) << 24 | UInt64(truncatingIfNeeded: b & 0xFFFFFF)
        }
        switch self {
        case .flags(let p): return code(1, p.index)
        case .refcount(let p): return code(2, p.index)
        case .mapcount(let p): return code(3, p.index)
        case .mapping(let p): return code(4, p.index)
        case .frame(let p): return code(5, p.index)
        case .pte(let s): return code(6, Int(s))
        case .cacheSlot(let s): return code(7, Int(s))
        case .waitFlags(let t): return code(8, t)
        case .ledger(let t, let p): return code(9, t, p.index)
        case .waitersWord(let p): return code(10, p.index)
        case .waitLink(let t): return code(11, t)
        }
    }
}

extension World {
    /// Write `s` to memory: a flush, or a drain.
    mutating func apply(_ s: PendingStore) {
        switch (s.location, s.value) {
        case (.flags(let p), .flags(let f)): pages[p.index].flags = f
        case (.flags(let p), .flagsBesideWaiters(let f)): pages[p.index].flags = f.besideWaiters(of: pages[p.index].flags)
        case (.refcount(let p), .count(let n)): pages[p.index].refcount = n
        case (.mapcount(let p), .count(let n)): pages[p.index].mapcount = n
        case (.mapping(let p), .count(let n)): pages[p.index].mapping = n
        case (.pte(let slot), .pte(let e)): ptes[Int(slot)] = e
        case (.cacheSlot(let slot), .slot(let c)): cache[Int(slot)] = c
        case (.waitFlags(let t), .waitFlags(let f)): tasks[t].entry.flags = f
        case (.waitLink(let t), .waitLink(let linked)): tasks[t].entry.onList = linked
        default: preconditionFailure("a buffered store of \(s.value) to \(s.location)")
        }
    }

    /// This world with every buffered store in memory (each task's in
    /// order, tasks by number): what whole-state checks between steps read
    /// under `tso`, where an invariant such as the reference ledger's holds
    /// of memory once the buffers drain.
    public var drained: World {
        var w = self
        for t in storeBuffers.nonEmpty { w.drainStoreBuffer(of: t) }
        return w
    }

    /// Drain task `t`'s buffer to memory, oldest first: what a locked
    /// instruction or smp_mb does before it executes.
    mutating func drainStoreBuffer(of t: Int) {
        while storeBuffers.nonEmpty.contains(t) { apply(storeBuffers.removeOldest(of: t)) }
    }
}

/// A memory model the engine cannot run, or a setup it cannot run it on.
public struct EngineMemoryError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension Engine {
    /// The memory models the engine runs: `arm` is the litmus machine's
    /// alone (`pagewait litmus`).
    public static let memoryModels: [MemoryModel] = [.sc, .tso, .arm]

    /// This engine running `model`, for worlds of `taskCount` tasks; an
    /// error says why not (`arm`, or too many tasks for `tso`'s flush
    /// choices).
    public func withMemory(_ model: MemoryModel, taskCount: Int) throws(EngineMemoryError) -> Engine {
        switch model {
        case .sc: break
        case .tso:
            guard taskCount <= StoreBuffers.flushBase else {
                throw EngineMemoryError(message: "--memory tso runs at most \(StoreBuffers.flushBase) tasks (1...\(StoreBuffers.flushBase)); this setup has \(taskCount)")
            }
        case .arm:
            guard taskCount <= Engine.armTasks else {
                throw EngineMemoryError(message: "--memory arm runs at most \(Engine.armTasks) tasks (1...\(Engine.armTasks)); this setup has \(taskCount)")
            }
            // Z5's separate PG_waiters word shares the frame's flags storage
            // with the flags word; arm keeps histories per word and does not
            // split that storage yet.
            guard !config.pageLockWord.isSeparate else {
                throw EngineMemoryError(message: "--memory arm does not run PG_waiters in a word of its own (the strategy's page-lock word is \(config.pageLockWord)); run it under sc or tso")
            }
        }
        var e = self
        e.memory = model
        return e
    }

    /// Whether the engine runs x86-TSO (`--memory tso`).
    @inline(__always) var tso: Bool { memory == .tso }

    /// The schedule byte of a choice: a task's number, or for the flush of
    /// task t, 128 + t (`Schedule` writes it `^t`).
    @inline(__always)
    public func scheduleByte(_ choice: Int) -> UInt8 {
        if arm && choice >= Self.advanceBase { return UInt8(truncatingIfNeeded: choice - Self.advanceBase + 192) }
        return tso && choice >= StoreBuffers.flushBase ? UInt8(truncatingIfNeeded: choice - StoreBuffers.flushBase + 128)
            : UInt8(truncatingIfNeeded: choice)
    }

    /// The choice a schedule byte names (the inverse of `scheduleByte`).
    @inline(__always)
    public func choice(ofScheduleByte b: UInt8) -> Int {
        if arm && b >= 192 { return Int(b) - 192 + Self.advanceBase }
        return tso && b >= 128 ? Int(b) - 128 + StoreBuffers.flushBase : Int(b)
    }

    /// The task whose buffer a flush choice drains one store of, or nil
    /// when `choice` is a task's own step.
    @inline(__always)
    public func flushedTask(_ choice: Int) -> Int? {
        tso && choice >= StoreBuffers.flushBase ? choice - StoreBuffers.flushBase : nil
    }

    /// The flush of task `t`: its oldest buffered store reaches memory.
    func flushStep(_ w: inout World, task t: Int) throws(Violation) -> StepEvent {
        guard t >= 0 && t < w.tasks.count && w.storeBuffers.nonEmpty.contains(t) else {
            throw Violation(.notRunnable, task: t, function: "store buffer",
                            detail: "task \(t) has no buffered store to flush")
        }
        let s = w.storeBuffers.removeOldest(of: t)
        w.apply(s)
        w.stats.steps &+= 1
        return StepEvent(task: t, site: .instruction(-1), .flush, pfn: s.location.pfn ?? .none,
                         a: Int64(bitPattern: s.location.hashValueStable), b: s.value.code)
    }

    /// Under `tso`, a task's step drains what its locked instruction needs
    /// drained; see the door. The step's task, for the door to know whose
    /// buffer it uses.
    @inline(__always)
    func beginTSOStep(_ w: inout World, _ t: Int) {
        w.storeBuffers.current = t
    }
}
