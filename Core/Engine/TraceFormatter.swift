/// Turns step events into the kernel's words, one line per step: the step
/// index, the task, the kernel function, what the step did and what it
/// changed in the world:
///
///        12  faulter1    __migration_entry_wait        get_page_unless_zero: refcount 3 -> 4
///        17  faulter1    wait_on_page_bit_common       __add_wait_queue_entry_tail + SetPageWaiters: entry queued in bucket 0 (EXCLUSIVE); PG_waiters set
///        40  migrator    wake_up_page_bit              __wake_up_common: wake_page_function: entry of faulter1; woke faulter1, faulter1's entry unlinked from bucket 0
///
/// What changed comes from comparing the world before and after the step
/// (`changes(from:to:)`): page flags, refcounts, PTEs, the page cache, the
/// bucket lists, task states and held locks, and the counters, so a line
/// names effects the event itself does not carry (a wake's unlink, a lost
/// PG_waiters, a woken task). Changes the event's own words already say are
/// not repeated.
public struct TraceFormatter: Sendable {
    public let engine: Engine
    public let taskNames: [String]
    /// The world's counters by index (`Setup.counterNames`); unnamed ones
    /// print as `counter N`.
    public let counterNames: [String]

    public init(engine: Engine, taskNames: [String] = [], counterNames: [String] = []) {
        self.engine = engine
        self.taskNames = taskNames
        self.counterNames = counterNames
    }

    public func name(of task: Int) -> String {
        task >= 0 && task < taskNames.count ? taskNames[task] : "task\(task)"
    }

    /// The kernel function and what the step did. `world` is the world
    /// *before* the step (so the instruction's program is known).
    public func describe(_ e: StepEvent, before world: World) -> (function: String, what: String) {
        var e = e
        if e.action == .flags && e.pfn >= 0 && Int(e.pfn) < world.pages.count {
            // Name the bits that changed from the flags word before the step
            // (some events carry only the word after it).
            e.a = Int64(world.pages[Int(e.pfn)].flags.rawValue)
        }
        let t = Int(e.task)
        let named = e.pfn >= 0 && world.pages.count > 1 && ![.pte, .pteRead, .cache, .allocated, .allocFailed].contains(e.action)
        let page = named ? "pfn \(e.pfn) " : ""
        switch e.site {
        case .instruction(let pc):
            let prog = engine.programs[Int(world.tasks[t].program)]
            let ins = Int(pc) < prog.instructions.count ? prog.instructions[Int(pc)] : nil
            let op = ins.map { Self.operation($0.op) } ?? ""
            let what = self.what(e, op: ins?.op)
            let text = [op, page + what].filter { !$0.isEmpty && $0 != page }.joined(separator: ": ")
            return (ins?.function ?? prog.name, text.isEmpty ? "-" : text)
        case .wait(let phase):
            let name = WaitPhase(rawValue: phase)?.name ?? "phase \(phase)"
            let what = self.what(e, op: nil)
            return ("wait_on_page_bit_common", what.isEmpty ? name : "\(name): " + page + what)
        case .wake(let phase):
            let name = WakePhase(rawValue: phase)?.name ?? "phase \(phase)"
            let what = self.what(e, op: nil)
            return ("wake_up_page_bit", what.isEmpty ? name : "\(name): " + page + what)
        }
    }

    /// One trace line, with what the step changed. The world after the step
    /// is recomputed from `world` (steps are deterministic); pass it with
    /// `line(_:_:before:after:)` when you have it.
    public func line(_ index: Int, _ e: StepEvent, before world: World) -> String {
        var after = world
        guard let again = try? engine.step(&after, task: Int(e.task)), again == e else {
            return line(index, e, before: world, after: world)
        }
        return line(index, e, before: world, after: after)
    }

    /// One trace line: index, task, kernel function, what the step did and
    /// what it changed (`before` and `after` are the worlds around it).
    public func line(_ index: Int, _ e: StepEvent, before: World, after: World) -> String {
        let (fn, what) = describe(e, before: before)
        let changed = changeTexts(e, before: before, after: after)
        var text = what
        if !changed.isEmpty {
            text = (what == "-" ? "" : what + "; ") + changed.joined(separator: ", ")
        }
        return "\(lpad(String(index), 5))  \(pad(name(of: Int(e.task)), 10))  \(pad(fn, 28))  \(text)"
    }

    /// The whole trace of a replay, one line per step; a step the engine
    /// refuses ends the list with a `VIOLATION` line.
    public func lines(initial: World, schedule: Schedule) -> [String] {
        var w = initial
        var out: [String] = []
        for (i, t) in schedule.steps.enumerated() {
            let before = w
            do {
                let e = try engine.step(&w, task: Int(t))
                out.append(line(i, e, before: before, after: w))
            } catch {
                out.append("\(lpad(String(i), 5))  \(pad(name(of: Int(t)), 10))  VIOLATION \(error)")
                break
            }
        }
        return out
    }

    /// The changes of one step in words, leaving out what the event's own
    /// words already say.
    public func changeTexts(_ e: StepEvent, before: World, after: World) -> [String] {
        let all = Self.changes(from: before, to: after)
        return all.compactMap { c in
            covered(c, by: e, all: all) ? nil : text(of: c, event: e, before: before, after: after)
        }
    }

    private func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
    }

    private func lpad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : String(repeating: " ", count: n - s.count) + s
    }

    /// The column header matching `line`.
    public static let header = " step  task        function                      what"

    private func flags(_ v: Int64) -> String { PageFlags(rawValue: UInt16(truncatingIfNeeded: v)).description }

    private func flagChange(_ before: Int64, _ after: Int64) -> String {
        let a = PageFlags(rawValue: UInt16(truncatingIfNeeded: before)), b = PageFlags(rawValue: UInt16(truncatingIfNeeded: after))
        let parts = Self.each(b.subtracting(a)).map { "\($0.kernelName) set" } + Self.each(a.subtracting(b)).map { "\($0.kernelName) cleared" }
        return parts.isEmpty ? "flags unchanged \(a)" : parts.joined(separator: ", ")
    }

    /// The kernel's name for one operation, e.g. `page_ref_freeze(3)`.
    public static func operation(_ op: Op) -> String {
        op.kernelName
    }

    static func each(_ f: PageFlags) -> [PageFlags] {
        PageFlags.names.map(\.0).filter { f.contains($0) }
    }

    /// What the event says, without the operation's name.
    private func what(_ e: StepEvent, op: Op?) -> String {
        switch e.action {
        case .nothing: return ""  // the operation's or the phase's name says it all
        case .branch: return e.a == 1 ? "branch taken" : "branch not taken"
        case .setRegister:
            switch op {
            case .reference(.readRefcount)?: return "refcount is \(e.b)"
            case .reference(.readMapcount)?: return "mapcount is \(e.b)"
            default: return "r\(e.a) := \(e.b)"
            }
        case .counter: return "counter \(e.a) += 1"
        case .exit: return "exit"
        case .refcount: return "refcount \(e.a) -> \(e.b)"
        case .refFailed: return "failed (refcount \(e.a))"
        case .freed:
            if case .lifecycle(.freeFrozenPage)? = op { return "page freed (flags cleared)" }
            return "last reference gone: page freed (flags cleared)"
        case .allocated: return "allocated pfn \(e.pfn), gen \(e.a)"
        case .allocFailed: return "allocation failed: pfn \(e.pfn) in use"
        case .frozen: return "refcount \(e.a) -> 0 (frozen)"
        case .unfrozen: return "refcount 0 -> \(e.a) (unfrozen)"
        case .flags:
            guard e.a == e.b else { return flagChange(e.a, e.b) }
            switch op {
            case .flag(.setFlag(_, let f))?: return "\(f.kernelName) already set"
            case .flag(.clearFlag(_, let f))?: return "\(f.kernelName) already clear"
            case nil: return "PG_waiters already set"  // the wait cores' SetPageWaiters
            default: return "flags unchanged \(flags(e.a))"
            }
        case .flagTest: return "\(PageFlags(rawValue: UInt16(e.a)).kernelName) is \(e.b == 1 ? "set" : "clear")"
        case .trylock: return e.a == 1 ? "got PG_locked" : "already locked"
        case .unlockU1: return "PG_locked cleared; PG_waiters was \(e.a == 1 ? "set" : "clear")"
        case .nonAtomicRead: return "read flags \(flags(e.a)) (non-atomic)"
        case .nonAtomicWrite:
            let now = PageFlags(rawValue: UInt16(truncatingIfNeeded: e.a)), written = PageFlags(rawValue: UInt16(truncatingIfNeeded: e.b))
            let lost = now.subtracting(written).subtracting(.locked)
            return "write back the word read earlier, less PG_locked: \(written)"
                + (lost.isEmpty ? "" : " (lost update: \(lost.kernelName) set since the read is wiped)")
        case .spinLock: return op == nil ? "spin_lock(\(LockID(raw: UInt8(e.a))))" : ""
        case .spinUnlock: return op == nil ? "spin_unlock(\(LockID(raw: UInt8(e.a))))" : ""
        case .pte:
            let kind = PTEKind(rawValue: UInt8(e.b)) ?? .none
            return "PTE slot \(e.a) := \(kind)\(kind != .none && e.pfn >= 0 ? " (pfn \(e.pfn))" : "")"
        case .pteRead:
            let kind = PTEKind(rawValue: UInt8(e.b)) ?? .none
            return "slot \(e.a) is \(kind)\(kind != .none && e.pfn >= 0 ? " (pfn \(e.pfn))" : "")"
        case .cache:
            if case .pageCache(.findCachePage)? = op { return "slot \(e.a) holds \(e.b >= 0 ? "pfn \(e.b)" : "nothing")" }
            return "page-cache slot \(e.a) := \(e.b >= 0 ? "pfn \(e.b)" : "empty")"
        case .lru: return e.a == 1 ? "isolated from the LRU (+1 ref)" : e.a == 0 ? "put back on the LRU" : "not on the LRU"
        case .signal: return "\(e.b == 1 ? "SIGKILL" : "signal") to \(name(of: Int(e.a)))"
        case .signalRead: return "signal_pending = \(e.a)"
        case .hotRemove: return "memmap hot-removed"
        case .waitBegin:
            let b = Int(e.a) < engine.behaviors.count ? engine.behaviors[Int(e.a)].name : "behaviour \(e.a)"
            return "\(b) wait\(e.b == 1 ? " (thrashing: psi memstall)" : "")"
        case .queueLock: return "bucket \(e.a) locked"
        case .queueUnlock: return "bucket \(e.a) unlocked"
        case .queued:
            let f = WaitFlags(rawValue: UInt8(e.b))
            return "entry queued in bucket \(e.a)\(f.isEmpty ? "" : " (\(f))")"
        case .notQueued: return "bit taken or clear: not queued (\(WaitFlags(rawValue: UInt8(e.a))))"
        case .setState: return "state := \(SleepState(rawValue: UInt8(e.a)) ?? .running)"
        case .bitTest: return "bit is \(e.a == 1 ? "set" : "clear")"
        case .sleep: return ["already woken: no sleep", "asleep", "signal pending: no sleep"][Int(e.a)]
        case .takeBit: return e.a == 1 ? "took the bit" : "bit taken by someone else"
        case .requeue: return "go round again"
        case .signalExit: return "signal pending: -EINTR"
        case .waitEnd: return e.a == 0 ? "wait returns 0" : "wait returns -EINTR"
        case .unlinked: return "entry unlinked from bucket \(e.a)"
        case .wakeBegin: return "bucket \(e.a) locked\(e.b == 1 ? " (resume after bookmark)" : "")"
        case .wakeVisit:
            return "entry of \(name(of: Int(e.a)))" + (e.b < 0 ? ": bit set again, stop walking" : "")
        case .wakeSkip: return "entry of \(name(of: Int(e.a))): \(e.b == 1 ? "other bit" : "other page"), skipped"
        case .bookmarkSkip: return "bookmark of \(name(of: Int(e.a))), skipped"
        case .bookmarkPlaced: return "bookmark placed in bucket \(e.a)"
        case .chunkBreak: return "bucket \(e.a) unlocked for a while (bookmark left in the list)"
        case .wakeEnd: return e.a == 1 ? "PG_waiters cleared; bucket unlocked" : "PG_waiters left set; bucket unlocked"
        }
    }
}

// MARK: - What a step changed

extension TraceFormatter {
    /// One difference between the world before a step and after it.
    public enum Change: Hashable, Sendable {
        case flags(pfn: Int32, set: PageFlags, cleared: PageFlags)
        case refcount(pfn: Int32, from: Int32, to: Int32)
        case mapcount(pfn: Int32, from: Int32, to: Int32)
        /// Allocation, freeze, unfreeze, free; `gen` is the generation after.
        case life(pfn: Int32, from: PageLife, to: PageLife, gen: UInt32)
        case lockOwner(pfn: Int32, from: Int16, to: Int16)
        case isolation(pfn: Int32, from: Int16, to: Int16)
        case mapping(pfn: Int32, from: Int32, to: Int32)
        case memmapRemoved(pfn: Int32)
        case pte(slot: Int, from: PTE, to: PTE)
        case cache(slot: Int, from: Int32, to: Int32)
        /// `current->state` changed, other than by a wake out of io_schedule.
        case sleepState(task: Int, from: SleepState, to: SleepState)
        /// Blocked in io_schedule.
        case asleep(task: Int, state: SleepState)
        /// Taken out of io_schedule (by a wake or a signal); `state` is the
        /// state it slept in.
        case woken(task: Int, state: SleepState)
        case signalPending(task: Int, signal: PendingSignal)
        case finished(task: Int)
        case lockTaken(task: Int, lock: LockID)
        case lockReleased(task: Int, lock: LockID)
        case bucketLocked(task: Int, bucket: Int16)
        case bucketUnlocked(task: Int, bucket: Int16)
        case queued(task: Int, bucket: Int16)
        case unlinked(task: Int, bucket: Int16)
        case bookmarkPlaced(task: Int, bucket: Int16)
        case bookmarkRemoved(task: Int, bucket: Int16)
        case entryFlags(task: Int, from: WaitFlags, to: WaitFlags)
        case waitBegan(task: Int, page: PageRef, bit: PageFlags)
        case waitEnded(task: Int)
        case wakeBegan(task: Int, page: PageRef, bit: PageFlags)
        case wakeEnded(task: Int)
        case counter(index: Int, from: Int64, to: Int64)
    }

    /// Everything that differs between two worlds of the same run (`before`
    /// and `after` one step), in a fixed order: pages, PTEs, the page cache,
    /// tasks, the bucket lists, counters. Private task state (registers,
    /// program counters, frame locals) and statistics are left out.
    public static func changes(from before: World, to after: World) -> [Change] {
        var out: [Change] = []
        for i in before.pages.indices where i < after.pages.count && before.pages[i] != after.pages[i] {
            let a = before.pages[i], b = after.pages[i], pfn = Int32(i)
            if a.life != b.life || a.gen != b.gen { out.append(.life(pfn: pfn, from: a.life, to: b.life, gen: b.gen)) }
            if a.flags != b.flags {
                out.append(.flags(pfn: pfn, set: b.flags.subtracting(a.flags), cleared: a.flags.subtracting(b.flags)))
            }
            if a.lockOwner != b.lockOwner { out.append(.lockOwner(pfn: pfn, from: a.lockOwner, to: b.lockOwner)) }
            if a.refcount != b.refcount { out.append(.refcount(pfn: pfn, from: a.refcount, to: b.refcount)) }
            if a.mapcount != b.mapcount { out.append(.mapcount(pfn: pfn, from: a.mapcount, to: b.mapcount)) }
            if a.isolatedBy != b.isolatedBy { out.append(.isolation(pfn: pfn, from: a.isolatedBy, to: b.isolatedBy)) }
            if a.mapping != b.mapping { out.append(.mapping(pfn: pfn, from: a.mapping, to: b.mapping)) }
            if a.memmapPresent && !b.memmapPresent { out.append(.memmapRemoved(pfn: pfn)) }
        }
        for i in before.ptes.indices where i < after.ptes.count && before.ptes[i] != after.ptes[i] {
            out.append(.pte(slot: i, from: before.ptes[i], to: after.ptes[i]))
        }
        for i in before.cache.indices where i < after.cache.count && before.cache[i].pfn != after.cache[i].pfn {
            out.append(.cache(slot: i, from: before.cache[i].pfn, to: after.cache[i].pfn))
        }
        for t in before.tasks.indices where t < after.tasks.count {
            let a = before.tasks[t], b = after.tasks[t]
            if a.frame.kind != b.frame.kind {
                if a.frame.kind == .wait { out.append(.waitEnded(task: t)) }
                if a.frame.kind == .wake { out.append(.wakeEnded(task: t)) }
                if b.frame.kind == .wait { out.append(.waitBegan(task: t, page: b.wait.page, bit: b.wait.bit)) }
                if b.frame.kind == .wake { out.append(.wakeBegan(task: t, page: b.wake.page, bit: b.wake.bit)) }
            }
            if a.heldBucket != b.heldBucket {
                if a.heldBucket >= 0 { out.append(.bucketUnlocked(task: t, bucket: a.heldBucket)) }
                if b.heldBucket >= 0 { out.append(.bucketLocked(task: t, bucket: b.heldBucket)) }
            }
            for l in a.heldLocks.symmetricDifference(b.heldLocks) {
                if a.heldLocks.contains(l) { out.append(.lockReleased(task: t, lock: l)) } else { out.append(.lockTaken(task: t, lock: l)) }
            }
            if a.blocked && !b.blocked {
                out.append(.woken(task: t, state: a.state))
            } else if a.state != b.state {
                out.append(.sleepState(task: t, from: a.state, to: b.state))
            }
            if !a.blocked && b.blocked { out.append(.asleep(task: t, state: b.state)) }
            if a.pending != b.pending { out.append(.signalPending(task: t, signal: b.pending)) }
            if a.entry.flags != b.entry.flags && a.frame.kind == .wait && b.frame.kind == .wait {
                out.append(.entryFlags(task: t, from: a.entry.flags, to: b.entry.flags))
            }
            if !a.finished && b.finished { out.append(.finished(task: t)) }
        }
        let removed = before.queue.filter { !after.queue.contains($0) }
        let added = after.queue.filter { !before.queue.contains($0) }
        for q in removed {
            out.append(q.isBookmark ? .bookmarkRemoved(task: Int(q.task), bucket: q.bucket) : .unlinked(task: Int(q.task), bucket: q.bucket))
        }
        for q in added {
            out.append(q.isBookmark ? .bookmarkPlaced(task: Int(q.task), bucket: q.bucket) : .queued(task: Int(q.task), bucket: q.bucket))
        }
        for i in before.counters.indices where i < after.counters.count && before.counters[i] != after.counters[i] {
            out.append(.counter(index: i, from: before.counters[i], to: after.counters[i]))
        }
        return out
    }

    /// Whether the event's own words already say `c`.
    private func covered(_ c: Change, by e: StepEvent, all: [Change]) -> Bool {
        let me = Int(e.task)
        switch (e.action, c) {
        case (.refcount, .refcount(let pfn, _, _)): return pfn == e.pfn
        case (.frozen, .refcount(let pfn, _, _)), (.unfrozen, .refcount(let pfn, _, _)): return pfn == e.pfn
        case (.frozen, .life(let pfn, _, _, _)), (.unfrozen, .life(let pfn, _, _, _)): return pfn == e.pfn
        case (.freed, .life(let pfn, _, let to, _)): return pfn == e.pfn && to == .free
        case (.allocated, .life(let pfn, _, _, _)): return pfn == e.pfn
        case (.flags, .flags(let pfn, _, _)): return pfn == e.pfn
        case (.trylock, .flags(let pfn, let set, let cleared)), (.takeBit, .flags(let pfn, let set, let cleared)):
            return pfn == e.pfn && set == .locked && cleared.isEmpty
        case (.unlockU1, .flags(let pfn, let set, let cleared)): return pfn == e.pfn && set.isEmpty && cleared == .locked
        case (.wakeEnd, .flags(let pfn, let set, let cleared)): return pfn == e.pfn && set.isEmpty && cleared == .waiters && e.a == 1
        case (.spinLock, .lockTaken(let t, let l)): return t == me && Int64(l.raw) == e.a
        case (.spinUnlock, .lockReleased(let t, let l)): return t == me && Int64(l.raw) == e.a
        case (.pte, .pte(let slot, _, _)): return Int64(slot) == e.a
        case (.cache, .cache(let slot, _, _)): return Int64(slot) == e.a
        case (.lru, .isolation): return true
        case (.signal, .signalPending(let t, _)): return Int64(t) == e.a
        case (.hotRemove, .memmapRemoved(let pfn)): return pfn == e.pfn
        case (.waitBegin, .waitBegan(let t, _, _)): return t == me
        case (.queueLock, .bucketLocked(let t, _)), (.wakeBegin, .bucketLocked(let t, _)): return t == me
        case (.wakeBegin, .wakeBegan(let t, _, _)): return t == me
        case (.wakeBegin, .bookmarkRemoved(let t, _)): return t == me && e.b == 1
        case (.queueUnlock, .bucketUnlocked(let t, _)), (.chunkBreak, .bucketUnlocked(let t, _)),
             (.wakeEnd, .bucketUnlocked(let t, _)):
            return t == me
        case (.wakeEnd, .wakeEnded(let t)): return t == me
        case (.queued, .queued(let t, _)): return t == me
        case (.unlinked, .unlinked(let t, _)): return t == me
        case (.setState, .sleepState(let t, _, _)): return t == me
        case (.sleep, .asleep(let t, _)): return t == me && e.a == 1
        case (.sleep, .sleepState(let t, _, _)): return t == me && e.a == 2
        case (.waitEnd, .waitEnded(let t)): return t == me
        case (.exit, .finished(let t)): return t == me
        case (.bookmarkPlaced, .bookmarkPlaced(let t, _)): return t == me
        case (_, .lockOwner(let pfn, _, let to)):
            // Said by the PG_locked change, which names an owner other than the stepper.
            return all.contains { if case .flags(pfn, let set, _) = $0 { return set.contains(.locked) || to < 0 } else { return false } }
        case (_, .mapping): return all.contains { if case .cache = $0 { return true } else { return false } }
        default: return false
        }
    }

    /// A change in words, seen from the stepping task; nil to leave it out.
    public func text(of c: Change, event e: StepEvent, before: World, after: World) -> String? {
        let me = Int(e.task)
        let page: (Int32) -> String = { before.pages.count > 1 && $0 != e.pfn ? "pfn \($0) " : "" }
        func who(_ t: Int) -> String { t == me ? "" : "\(name(of: t)) " }
        func whose(_ t: Int) -> String { t == me ? "" : "\(name(of: t))'s " }
        switch c {
        case .flags(let pfn, let set, let cleared):
            let owner = Int(after.pages[Int(pfn)].lockOwner)
            var parts = Self.each(set).map { f -> String in
                f == .locked && owner >= 0 && owner != me ? "PG_locked set for \(name(of: owner))" : "\(f.kernelName) set"
            }
            parts += Self.each(cleared).map { "\($0.kernelName) cleared" }
            return parts.map { page(pfn) + $0 }.joined(separator: ", ")
        case .refcount(let pfn, let from, let to): return "\(page(pfn))refcount \(from) -> \(to)"
        case .mapcount(let pfn, let from, let to): return "\(page(pfn))mapcount \(from) -> \(to)"
        case .life(let pfn, let from, let to, let gen):
            switch (from, to) {
            case (_, .free): return "\(page(pfn))page freed"
            case (.free, .inUse): return "\(page(pfn))page allocated (gen \(gen))"
            case (_, .frozen): return "\(page(pfn))page frozen"
            case (.frozen, .inUse): return "\(page(pfn))page unfrozen"
            default: return "\(page(pfn))page reused (gen \(gen))"
            }
        case .lockOwner(let pfn, _, let to):
            return to >= 0 ? "\(page(pfn))PG_locked owner \(name(of: Int(to)))" : "\(page(pfn))PG_locked owner gone"
        case .isolation(let pfn, _, let to):
            return to >= 0 ? "\(page(pfn))isolated by \(name(of: Int(to)))" : "\(page(pfn))no longer isolated"
        case .mapping(let pfn, _, let to):
            return to >= 0 ? "\(page(pfn))in page-cache slot \(to)" : "\(page(pfn))out of the page cache"
        case .memmapRemoved(let pfn): return "\(page(pfn))memmap removed"
        case .pte(let slot, let from, let to):
            let pfns = before.pages.count > 1 || from.pfn != to.pfn && from.kind != .none && to.kind != .none
            let a = from.kind.description + (pfns && from.pfn >= 0 && from.kind != .none ? " (pfn \(from.pfn))" : "")
            let b = to.kind.description + (pfns && to.pfn >= 0 && to.kind != .none ? " (pfn \(to.pfn))" : "")
            return "PTE slot \(slot) (mm \(to.mm)) \(a) -> \(b)"
        case .cache(let slot, let from, let to):
            return "page-cache slot \(slot) \(from >= 0 ? "pfn \(from)" : "empty") -> \(to >= 0 ? "pfn \(to)" : "empty")"
        case .sleepState(let t, let from, let to):
            if t != me && to == .running { return "woke \(name(of: t)) before it slept (\(from) -> TASK_RUNNING)" }
            return "\(who(t))state \(from) -> \(to)"
        case .asleep(let t, let state): return t == me ? "asleep in io_schedule (\(state))" : "\(name(of: t)) asleep"
        case .woken(let t, let state):
            if case .signal = e.action { return "woke \(name(of: t)) from io_schedule (\(state)) by the signal" }
            return t == me ? "woken" : "woke \(name(of: t))"
        case .signalPending(let t, let s):
            let what = s == .fatal ? "SIGKILL" : s == .nonfatal ? "a signal" : "no signal"
            return "\(what) pending for \(name(of: t))"
        case .finished(let t): return t == me ? "task finished" : "\(name(of: t)) finished"
        case .lockTaken(let t, let l): return "\(who(t))took \(l)"
        case .lockReleased(let t, let l): return "\(who(t))released \(l)"
        case .bucketLocked(let t, let b): return "\(who(t))took q->lock of bucket \(b)"
        case .bucketUnlocked(let t, let b): return "\(who(t))released q->lock of bucket \(b)"
        case .queued(let t, let b): return "\(whose(t))entry queued in bucket \(b)"
        case .unlinked(let t, let b): return "\(whose(t))entry unlinked from bucket \(b)"
        case .bookmarkPlaced(let t, let b): return "\(whose(t))bookmark placed in bucket \(b)"
        case .bookmarkRemoved(let t, let b): return "\(whose(t))bookmark removed from bucket \(b)"
        case .entryFlags(let t, let from, let to):
            let set = WaitFlags(rawValue: to.rawValue & ~from.rawValue), cleared = WaitFlags(rawValue: from.rawValue & ~to.rawValue)
            var parts: [String] = []
            if !set.isEmpty { parts.append("\(set) set") }
            if !cleared.isEmpty { parts.append("\(cleared) cleared") }
            return "\(whose(t))entry flags: " + parts.joined(separator: ", ")
        case .waitBegan(let t, let p, let bit): return "\(who(t))waits on \(bit.kernelName) of \(p)"
        case .waitEnded(let t): return "\(who(t))wait_on_page_bit_common returns"
        case .wakeBegan(let t, let p, let bit): return "\(who(t))wakes \(bit.kernelName) of \(p)"
        case .wakeEnded(let t): return "\(who(t))wake_up_page_bit returns"
        case .counter(let i, let from, let to):
            let n = i < counterNames.count ? counterNames[i] : "counter \(i)"
            return "\(n) \(from) -> \(to)"
        }
    }
}

// MARK: - Replaying a schedule step by step

/// A schedule replayed one step at a time, exactly as `Engine.run` runs it
/// with the same checkers, with every step's worlds handed to a visitor:
/// what `pagewait replay` prints and trace exporters draw.
public enum TraceReplay {
    /// One replayed step: its index, the event, the worlds around it.
    public struct Step {
        public var index: Int
        public var event: StepEvent
        public var before: World
        public var after: World
    }

    public struct Outcome: Sendable {
        /// How the run ended, as `Engine.run` would report it:
        /// `.schedulerStopped` when the schedule ran out with tasks still
        /// runnable before `maxSteps`.
        public var end: RunEnd
        /// What the run had come to before a checker judged it at the end
        /// (finished, quiescent, ...); equals `end` unless `end` is a
        /// violation found by `atEnd`.
        public var reached: RunEnd
        public var violation: Violation?
        /// Set when the schedule names a task that does not exist or cannot
        /// take that step (kind `NOT_RUNNABLE`, with the step index), or goes
        /// on after the run has ended. The replay stops there.
        public var stale: Violation?
        /// Steps taken.
        public var steps: Int
        /// The world at the end.
        public var world: World
    }

    /// Replay `schedule` from `world`. `maxSteps` is the step budget the
    /// recorded run had: a schedule that reaches it with tasks runnable ends
    /// at `.stepLimit`, as the recorded run did.
    public static func run(
        engine: Engine, world: World, schedule: Schedule, checkers: inout [any Checker],
        maxSteps: Int = Int.max, visit: (Step) -> Void = { _ in }
    ) -> Outcome {
        var w = world
        var end = RunEnd.schedulerStopped
        var violation: Violation?
        var stale: Violation?
        var taken = 0
        loop: while true {
            if taken >= maxSteps {
                end = .stepLimit
                break
            }
            if engine.runnableTasks(w).isEmpty {
                end = w.allFinished ? .finished : .quiescent
                break
            }
            guard taken < schedule.steps.count else {
                end = .schedulerStopped
                break
            }
            let t = Int(schedule.steps[taken])
            let before = w
            do {
                let e = try engine.step(&w, task: t)
                visit(Step(index: taken, event: e, before: before, after: w))
                taken += 1
                for i in checkers.indices {
                    if var v = checkers[i].afterStep(e, world: w, engine: engine) {
                        v.step = taken - 1
                        violation = v
                        end = .violation
                        break loop
                    }
                }
            } catch {
                var v = error
                v.step = taken
                if v.kind == .notRunnable {
                    stale = v
                    end = .schedulerStopped
                } else {
                    violation = v
                    end = .violation
                    taken += 1
                }
                break
            }
        }
        let reached = end
        if violation == nil && stale == nil {
            for i in checkers.indices {
                if var v = checkers[i].atEnd(end, world: w, engine: engine) {
                    v.step = taken
                    violation = v
                    end = .violation
                    break
                }
            }
        }
        if stale == nil && taken < schedule.steps.count && end != .violation {
            let t = Int(schedule.steps[taken])
            stale = Violation(.notRunnable, task: t, function: "schedule",
                              detail: "the run ended (\(reached.rawValue)) after \(taken) steps, but the schedule goes on for \(schedule.steps.count - taken) more",
                              step: taken)
        }
        return Outcome(end: end, reached: reached, violation: violation, stale: stale, steps: taken, world: w)
    }
}
