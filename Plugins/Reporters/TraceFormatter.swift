import PagewaitCore

/// Turns step events into the kernel's words, one line per step: the step
/// index, the task, the kernel function, what the step did and what it
/// changed in the world:
///
///        12  faulter1    __migration_entry_wait        get_page_unless_zero: refcount 3 -> 4
///        17  faulter1    wait_on_page_bit_common       __add_wait_queue_entry_tail + SetPageWaiters: entry queued in bucket 0 (EXCLUSIVE); PG_waiters set
///        40  migrator    wake_up_page_bit              __wake_up_common: wake_page_function: entry of faulter1; woke faulter1, faulter1's entry unlinked from bucket 0
///
/// What changed comes from comparing the world before and after the step
/// (`World.changes(from:to:)`, Core's diff): page flags, refcounts, PTEs, the page cache, the
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
        if e.action == .advance {
            return ("memory view", engine.advanceText(e, before: world, name: name(of:)))
        }
        if e.action == .flush {
            return ("store buffer", "flush: \(name(of: e.task.index))'s store \(StoredValue.flushText(location: e.a, value: e.b)) reaches memory")
        }
        var e = e
        if e.action == .flags && !e.pfn.isNone && e.pfn.index < world.pages.count {
            // Name the bits that changed from the flags word before the step
            // (some events carry only the word after it).
            e.a = Int64(world.pages[e.pfn.index].flags.rawValue)
        }
        let t = e.task.index
        let named = !e.pfn.isNone && world.pages.count > 1 && ![.pte, .pteRead, .cache, .allocated, .allocFailed].contains(e.action)
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
            let name = e.site.phaseName ?? "phase \(phase)"
            let what = self.what(e, op: nil)
            return ("wait_on_page_bit_common", what.isEmpty ? name : "\(name): " + page + what)
        case .wake(let phase):
            let name = e.site.phaseName ?? "phase \(phase)"
            let what = self.what(e, op: nil)
            return ("wake_up_page_bit", what.isEmpty ? name : "\(name): " + page + what)
        }
    }

    /// One trace line, with what the step changed. The world after the step
    /// is recomputed from `world` (steps are deterministic); pass it with
    /// `line(_:_:before:after:)` when you have it.
    public func line(_ index: Int, _ e: StepEvent, before world: World) -> String {
        var after = world
        let choice = engine.choice(of: e, before: world)
        guard let again = try? engine.step(&after, task: choice), again == e else {
            return line(index, e, before: world, after: world)
        }
        return line(index, e, before: world, after: after)
    }

    /// One trace line: index, task, kernel function, what the step did and
    /// what it changed (`before` and `after` are the worlds around it).
    public func line(_ index: Int, _ e: StepEvent, before: World, after: World) -> String {
        let (fn, what) = describe(e, before: before)
        var changed = changeTexts(e, before: before, after: after)
        if engine.memory == .tso { changed += before.storeBuffers.notes(for: e, before: before, after: after) }
        if engine.memory == .arm && e.action != .advance { changed += after.views.notes(name: name(of:)) }
        var text = what
        if !changed.isEmpty {
            text = (what == "-" ? "" : what + "; ") + changed.joined(separator: ", ")
        }
        return "\(lpad(String(index), 5))  \(pad(name(of: e.task.index), 10))  \(pad(fn, 28))  \(text)"
    }

    /// The whole trace of a replay, one line per step; a step the engine
    /// refuses ends the list with a `VIOLATION` line.
    public func lines(initial: World, schedule: Schedule) -> [String] {
        var checkers: [any Checker] = []
        var printer = ReplayPrinter(formatter: self, json: false)
        let r = engine.replay(initial, schedule: schedule, checkers: &checkers, options: RunOptions(maxSteps: .max), observer: &printer)
        var out = printer.lines
        // The refused step in the engine's words: the violation it threw,
        // or, where the schedule does not fit, what `step` says of the task
        // it names. The line has the index, so the violation goes without.
        var refused: (index: Int, violation: Violation)?
        if let v = r.violation {
            refused = (v.step, v)
        } else if r.steps < schedule.steps.count {
            var w = r.world
            do { _ = try engine.step(&w, task: engine.choice(ofScheduleByte: schedule.steps[r.steps])) } catch { refused = (r.steps, error) }
        }
        if let refused {
            var v = refused.violation
            v.step = -1
            let b = schedule.steps[refused.index]
            out.append("\(lpad(String(refused.index), 5))  \(pad(b >= 128 ? "^" + name(of: Int(b) - 128) : name(of: Int(b)), 10))  VIOLATION \(v)")
        }
        return out
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
        let parts = b.subtracting(a).members.map { "\($0.kernelName) set" } + a.subtracting(b).members.map { "\($0.kernelName) cleared" }
        return parts.isEmpty ? "flags unchanged \(a)" : parts.joined(separator: ", ")
    }

    /// The kernel's name for one operation, e.g. `page_ref_freeze(3)`.
    public static func operation(_ op: Op) -> String {
        op.kernelName
    }

    /// What the event says, without the operation's name.
    private func what(_ e: StepEvent, op: Op?) -> String {
        switch e.action {
        case .advance: return "view advances: \(StoredValue.flushText(location: e.a, value: e.b))"
        case .flush: return "flush: \(StoredValue.flushText(location: e.a, value: e.b)) reaches memory"
        case .releaseLocked: return "PG_locked cleared (release store; PG_waiters is in its own word)"
        case .waitersWordTest: return "\(e.b == 1 ? "smp_mb(); " : "")PG_waiters (its own word) is \(e.a == 1 ? "set" : "clear")"
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
            // The flag the clear is for: PG_locked (__ClearPageLocked) unless
            // the operation names another (__ClearPageDirty, ...).
            var cleared = PageFlags.locked
            if case .flagWord(.nonAtomicClearWrite(_, let f))? = op { cleared = f }
            let lost = now.subtracting(written).subtracting(cleared)
            return "write back the word read earlier, less \(cleared.kernelName): \(written)"
                + (lost.isEmpty ? "" : " (lost update: \(lost.kernelName) set since the read is wiped)")
        case .spinLock: return op == nil ? "spin_lock(\(LockID(raw: UInt8(e.a))))" : ""
        case .spinUnlock: return op == nil ? "spin_unlock(\(LockID(raw: UInt8(e.a))))" : ""
        case .pte:
            let kind = PTEKind(rawValue: UInt8(e.b)) ?? .none
            let level: PageTableLevel = if case .hugePage? = op { .pmd } else { .pte }
            return "\(level) slot \(e.a) := \(kind)\(kind != .none && !e.pfn.isNone ? " (pfn \(e.pfn))" : "")"
        case .pteRead:
            let kind = PTEKind(rawValue: UInt8(e.b)) ?? .none
            return "slot \(e.a) is \(kind)\(kind != .none && !e.pfn.isNone ? " (pfn \(e.pfn))" : "")"
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
        case .wakeBegin:
            let why = e.b == 1 ? " (resume after bookmark)" : e.b == 2 ? ", to pass the wake on (ExclusiveAbort.passOn)" : ""
            return "bucket \(e.a) locked\(why)"
        case .wakeVisit:
            return "entry of \(name(of: Int(e.a)))" + (e.b < 0 ? ": bit set again, stop walking" : "")
        case .wakeSkip: return "entry of \(name(of: Int(e.a))): \(e.b == 1 ? "other bit" : "other page"), skipped"
        case .bookmarkSkip: return "bookmark of \(name(of: Int(e.a))), skipped"
        case .bookmarkPlaced: return "bookmark placed in bucket \(e.a)"
        case .chunkBreak: return "bucket \(e.a) unlocked for a while (bookmark left in the list)"
        case .wakeEnd: return e.a == 1 ? "PG_waiters cleared; bucket unlocked" : "PG_waiters left set; bucket unlocked"
        case .sleepLockTaken:
            return "\(SleepLockID(raw: UInt8(truncatingIfNeeded: e.a))) taken\(e.b == Int64(SleepLockMode.shared.rawValue) ? " for reading" : "")"
        case .sleepLockWait:
            return "\(SleepLockID(raw: UInt8(truncatingIfNeeded: e.a))) is held: on its wait list, asleep"
        case .sleepLockReleased:
            let l = SleepLockID(raw: UInt8(truncatingIfNeeded: e.a))
            return "\(l) released" + (e.b >= 0 ? "; wakes \(name(of: Int(e.b)))" : "")
        case .resched: return "no other task of this CPU can run: goes on"
        case .work:
            switch e.b {
            case 0: return "work queued on CPU \(e.a); its kworker woken"
            case 1: return "CPU \(e.a)'s work already pending"
            case 2: return "ran CPU \(e.a)'s work; flushers woken; sleeps (TASK_IDLE)"
            case 3: return "no work on CPU \(e.a); sleeps (TASK_IDLE)"
            case 4: return "CPU \(e.a)'s work has run"
            default: return "CPU \(e.a)'s work pending: sleeps until it has run"
            }
        }
    }
}
