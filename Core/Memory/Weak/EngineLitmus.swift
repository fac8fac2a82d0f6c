/// An engine counterexample's reordering as a litmus test
/// (`pagewait replay ... --litmus FILE`). A release build keeps no access
/// log (AccessLog.swift is debug-only), so the accesses are derived after
/// the fact from what a replay already has: each step's event and the world
/// before and after it, with the task's view of a word read through its own
/// store buffer. Nothing runs on the engine's hot path.
///
/// The export covers the page-lock handshake's words: PG_locked (the flags
/// word, seen as its PG_locked bit) and PG_waiters in a word of its own
/// (`PageLockWord.separate`). It finds the last step that read PG_locked
/// older than another task's store still in that task's store buffer, and
/// writes the two tasks' accesses from that store's issue to that read, on
/// the words both of them touch there, with the values the run saw as the
/// outcome (`forbid` in pagewait's format, `exists` in herd7's).

/// One step of a replayed run: its event and the worlds around it.
public struct ReplayedStep: Sendable {
    public var event: StepEvent
    public var before: World
    public var after: World
}

/// Records each step of a replay with the world before and after it.
public struct StepRecorder: StepObserver {
    public private(set) var steps: [ReplayedStep] = []
    private var before: World?

    public init() {}

    public mutating func willStep(_ index: Int, task: Int, world: World) { before = world }

    public mutating func didStep(_ index: Int, _ event: StepEvent, world: World) {
        if let b = before { steps.append(ReplayedStep(event: event, before: b, after: world)) }
        before = nil
    }
}

/// The exported test in both formats.
public struct LitmusExport: Sendable {
    /// pagewait's litmus format (`pagewait litmus --file`).
    public var pagewait: String
    /// herd7's C format, for the kernel's memory model (tools/memory-model).
    public var herd: String
    /// What was exported, in words, for the replay's report.
    public var summary: String
}

/// Why a run's reordering cannot be exported.
public struct LitmusExportError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// One access the export derived from a step.
private struct DerivedAccess {
    enum Word: Hashable { case locked(PFN), waiters(PFN) }
    var task: Int
    var step: Int
    var kind: LitmusAccess.Kind
    /// nil for a fence.
    var word: Word?
    /// The value read (load, RMW) or written (store).
    var value: Int
    var order: MemoryOrder
    var operation: RMWOperation?
}

extension Engine {
    /// The reordering `steps` show, as a litmus test named `name`; an error
    /// says why there is none to export.
    public func litmusExport(_ steps: [ReplayedStep], name: String) throws(LitmusExportError) -> LitmusExport {
        guard tso else {
            throw LitmusExportError(message: memory == .arm
                ? "--litmus exports a --memory tso counterexample's store-buffer reordering; an arm run's stale reads are not exported; replay a counterexample found under --memory tso"
                : "--litmus: under --memory \(memory) every load reads the newest store, so the run shows no reordering to export; replay a counterexample found under --memory tso")
        }
        var accesses: [[DerivedAccess]] = []
        // The stale read: its step, its task, the storing task, the store's
        // issue step and the page whose PG_locked it is.
        var stale: (step: Int, reader: Int, writer: Int, issued: Int, page: PFN)?
        // issue[t]: the step each of task t's buffered stores was issued at, oldest first.
        var issue: [[Int]] = []
        for (i, s) in steps.enumerated() {
            let derived = derive(s, index: i)
            accesses.append(derived)
            let u = s.event.task.index
            for a in derived where a.kind == .load || a.kind == .rmw || a.kind == .failedRMW {
                guard case .locked(let p)? = a.word else { continue }
                for (t, store) in s.before.storeBuffers.others(buffering: .flags(pfn: p), besides: u) {
                    guard let newer = Self.lockedBit(of: store.value, memory: s.before.pages[p.index].flags), newer != a.value,
                          t < issue.count, let k = s.before.storeBuffers.stores(of: t).lastIndex(where: { $0.location == .flags(pfn: p) }),
                          k < issue[t].count else { continue }
                    stale = (i, u, t, issue[t][k], p)
                }
            }
            // Keep `issue` in step with the buffers.
            let n = s.after.tasks.count
            if issue.count < n { issue += Array(repeating: [], count: n - issue.count) }
            if s.event.action == .flush {
                if !issue[u].isEmpty { issue[u].removeFirst() }
            } else {
                let had = s.before.storeBuffers.stores(of: u), has = s.after.storeBuffers.stores(of: u)
                if has.count >= had.count && Array(has.prefix(had.count)) == had {
                    issue[u] += Array(repeating: i, count: has.count - had.count)
                } else {
                    issue[u] = Array(repeating: i, count: has.count)
                }
            }
        }
        guard let stale else {
            throw LitmusExportError(message: "--litmus: this run has no reordering to export: no step read PG_locked older than another task's store still in its store buffer (the export covers PG_locked and PG_waiters)")
        }
        let window = stale.issued...stale.step
        let tasks = [stale.writer, stale.reader]
        func inWindow(_ t: Int) -> [DerivedAccess] { window.flatMap { accesses[$0] }.filter { $0.task == t } }
        let writer = inWindow(stale.writer), reader = inWindow(stale.reader)
        // The stored word, and the words both tasks touch in the window.
        var words = Set(writer.compactMap(\.word)).intersection(reader.compactMap(\.word))
        words.insert(.locked(stale.page))
        let ordered = words.sorted { a, b in
            switch (a, b) {
            case (.locked(let x), .locked(let y)), (.waiters(let x), .waiters(let y)): x.index < y.index
            case (.locked, .waiters): true
            case (.waiters, .locked): false
            }
        }
        let pages = Set(ordered.map { w -> Int in switch w { case .locked(let p), .waiters(let p): p.index } })
        let names = ordered.map { w -> String in
            switch w {
            case .locked(let p): pages.count == 1 ? "PG_locked" : "page\(p.index)_PG_locked"
            case .waiters(let p): pages.count == 1 ? "PG_waiters" : "page\(p.index)_PG_waiters"
            }
        }
        let start = steps[stale.issued].before
        let initial = ordered.map { w -> Int in
            switch w {
            case .locked(let p): start.pages[p.index].flags.contains(.locked) ? 1 : 0
            case .waiters(let p): start.pages[p.index].flags.contains(.waiters) ? 1 : 0
            }
        }
        var threads: [[LitmusInstruction]] = []
        var litmus: [LitmusAccess] = []
        var forbid: [(thread: Int, register: Int, value: Int)] = []
        for (thread, list) in [writer, reader].enumerated() {
            // The thread's accesses to the exported words, and the fences between them.
            var kept = list.filter { $0.word.map(words.contains) ?? true }
            while let f = kept.first, f.word == nil { kept.removeFirst() }
            while let l = kept.last, l.word == nil { kept.removeLast() }
            var code: [LitmusInstruction] = []
            var register = 0
            for a in kept {
                let location = a.word.flatMap { ordered.firstIndex(of: $0) } ?? 0
                var access = LitmusAccess(thread: thread, kind: a.kind, location: location, value: a.value, order: a.order,
                                          register: 0, operation: a.operation)
                switch a.kind {
                case .fence(let f): code.append(.fence(f))
                case .store: code.append(.store(location: location, value: a.value, order: a.order))
                case .load, .rmw, .failedRMW:
                    guard register < LitmusProgram.registers else {
                        throw LitmusExportError(message: "--litmus: task \(tasks[thread]) reads more than \(LitmusProgram.registers) times in the window (steps \(window.lowerBound)...\(window.upperBound)); a litmus thread has r0...r\(LitmusProgram.registers - 1)")
                    }
                    access.register = register
                    if a.kind == .load {
                        code.append(.load(location: location, register: register, order: a.order))
                    } else {
                        code.append(.rmw(location: location, operation: a.operation ?? .exchange(a.value), register: register, order: a.order))
                    }
                    forbid.append((thread, register, a.value))
                    register += 1
                }
                litmus.append(access)
            }
            threads.append(code)
        }
        let program = LitmusProgram(name: name, locations: names, initial: initial, threads: threads)
        if let p = program.problem { throw LitmusExportError(message: "--litmus: \(p)") }
        let clause = forbid.map { "P\($0.thread):r\($0.register)=\($0.value)" }.joined(separator: " ")
        var header = "# Exported by pagewait replay under tso: task \(stale.writer) as P0, task \(stale.reader) as P1, steps \(window.lowerBound)...\(window.upperBound).\n"
        header += "# The forbid line is the outcome the run showed; sc never reaches it.\n"
        let text = header + LitmusFile.text(program, forbid: clause)
        let herd = Herd.litmus(program, accesses: litmus, model: memory)
        let summary = "task \(stale.writer) (P0) and task \(stale.reader) (P1), steps \(window.lowerBound)...\(window.upperBound): \(names.joined(separator: ", ")); outcome \(clause)"
        return LitmusExport(pagewait: text, herd: herd, summary: summary)
    }

    /// PG_locked as a store buffer carries it, against `memory`'s flags.
    private static func lockedBit(of v: StoredValue, memory: PageFlags) -> Int? {
        switch v {
        case .flags(let f), .flagsBesideWaiters(let f): f.contains(.locked) ? 1 : 0
        default: nil
        }
    }

    /// The accesses step `s` made to PG_locked and PG_waiters, with the
    /// values its task saw: derived from the step's event and its task's
    /// view of the words before it. Steps of other kinds derive nothing.
    private func derive(_ s: ReplayedStep, index i: Int) -> [DerivedAccess] {
        let e = s.event, t = e.task.index, p = e.pfn
        guard e.action != .flush, !p.isNone, p.index < s.before.pages.count else {
            // set_current_state has no page in some cores' events; it is smp_store_mb.
            if e.action == .setState { return [DerivedAccess(task: t, step: i, kind: .fence(.mb), word: nil, value: 0, order: .fullyOrdered)] }
            return []
        }
        let view = FlagsCell(pfn: p).forwarded(s.before.storeBuffers, task: t, memory: s.before.pages[p.index].flags)
        let locked = view.contains(.locked) ? 1 : 0, waiters = view.contains(.waiters) ? 1 : 0
        let separate = config.pageLockWord.isSeparate
        func access(_ kind: LitmusAccess.Kind, _ w: DerivedAccess.Word, _ value: Int, _ order: MemoryOrder, _ op: RMWOperation? = nil) -> DerivedAccess {
            DerivedAccess(task: t, step: i, kind: kind, word: w, value: value, order: order, operation: op)
        }
        let trylock = RMWOperation.compareExchange(expected: 0, new: 1)
        switch e.action {
        case .trylock, .takeBit:
            // test_and_set_bit_lock: acquire, unordered when it fails (atomic_bitops.txt).
            return [e.a == 1 ? access(.rmw, .locked(p), locked, .acquire, trylock) : access(.failedRMW, .locked(p), locked, .acquire, trylock)]
        case .unlockU1:
            return [access(.rmw, .locked(p), locked, .release, .andNot(1))]
        case .releaseLocked:
            return [access(.store, .locked(p), 0, .release)]
        case .waitersWordTest:
            let load = access(.load, .waiters(p), Int(e.a), .relaxed)
            return e.b == 1 ? [DerivedAccess(task: t, step: i, kind: .fence(.mb), word: nil, value: 0, order: .fullyOrdered), load] : [load]
        case .bitTest:
            guard s.before.tasks[t].wait.bit == .locked else { return [] }
            return [access(.load, .locked(p), Int(e.a), .relaxed)]
        case .flagTest:
            let f = PageFlags(rawValue: UInt16(truncatingIfNeeded: e.a))
            if f == .locked { return [access(.load, .locked(p), Int(e.b), .relaxed)] }
            if f == .waiters && separate { return [access(.load, .waiters(p), Int(e.b), .relaxed)] }
            return []
        case .queued:
            // SetPageWaiters (set_bit: an RMW, relaxed) on the word PG_waiters lives in.
            return separate ? [access(.rmw, .waiters(p), waiters, .relaxed, .or(1))] : [access(.rmw, .locked(p), locked, .relaxed, .or(0))]
        case .wakeEnd where e.a == 1:
            return separate ? [access(.rmw, .waiters(p), waiters, .relaxed, .andNot(1))] : [access(.rmw, .locked(p), locked, .relaxed, .or(0))]
        case .setState:
            return [DerivedAccess(task: t, step: i, kind: .fence(.mb), word: nil, value: 0, order: .fullyOrdered)]
        default:
            return []
        }
    }
}
