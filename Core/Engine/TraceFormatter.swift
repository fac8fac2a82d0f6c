/// Turns step events into the kernel's words:
///
///     12  faulter1  __migration_entry_wait  get_page_unless_zero: pfn 0 refcount 3 -> 4
public struct TraceFormatter: Sendable {
    public let engine: Engine
    public let taskNames: [String]

    public init(engine: Engine, taskNames: [String] = []) {
        self.engine = engine
        self.taskNames = taskNames
    }

    public func name(of task: Int) -> String {
        task >= 0 && task < taskNames.count ? taskNames[task] : "task\(task)"
    }

    /// The kernel function and what the step did. `world` is the world
    /// *before* the step (so the instruction's program is known).
    public func describe(_ e: StepEvent, before world: World) -> (function: String, what: String) {
        let t = Int(e.task)
        let page = e.pfn >= 0 ? "pfn \(e.pfn) " : ""
        switch e.site {
        case .instruction(let pc):
            let prog = engine.programs[Int(world.tasks[t].program)]
            let ins = Int(pc) < prog.instructions.count ? prog.instructions[Int(pc)] : nil
            return (ins?.function ?? prog.name, page + what(e, op: ins?.op))
        case .wait(let phase):
            let name = WaitPhase(rawValue: phase)?.name ?? "phase \(phase)"
            return ("wait_on_page_bit_common", "\(name): " + page + what(e, op: nil))
        case .wake(let phase):
            let name = WakePhase(rawValue: phase)?.name ?? "phase \(phase)"
            return ("wake_up_page_bit", "\(name): " + page + what(e, op: nil))
        }
    }

    /// One trace line.
    public func line(_ index: Int, _ e: StepEvent, before world: World) -> String {
        let (fn, what) = describe(e, before: world)
        return "\(pad(String(index), 5))  \(pad(name(of: Int(e.task)), 10))  \(pad(fn, 28))  \(what)"
    }

    /// The whole trace of a replay, one line per step.
    public func lines(initial: World, schedule: Schedule) -> [String] {
        var w = initial
        var out: [String] = []
        for (i, t) in schedule.steps.enumerated() {
            let before = w
            do {
                let e = try engine.step(&w, task: Int(t))
                out.append(line(i, e, before: before))
            } catch {
                out.append("\(pad(String(i), 5))  \(pad(name(of: Int(t)), 10))  VIOLATION \(error)")
                break
            }
        }
        return out
    }

    private func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
    }

    private func flags(_ v: Int64) -> String { PageFlags(rawValue: UInt16(truncatingIfNeeded: v)).description }

    private func what(_ e: StepEvent, op: Op?) -> String {
        switch e.action {
        case .nothing: return op.map { "\($0)" } ?? "-"
        case .branch: return e.a == 1 ? "branch taken" : "branch not taken"
        case .setRegister: return "r\(e.a) := \(e.b)"
        case .counter: return "counter \(e.a) += 1"
        case .exit: return "exit"
        case .refcount: return "refcount \(e.a) -> \(e.b)"
        case .refFailed: return "failed (refcount \(e.a))"
        case .freed: return "last reference gone: page freed (flags cleared)"
        case .allocated: return "allocated, gen \(e.a)"
        case .allocFailed: return "allocation failed: frame in use"
        case .frozen: return "page_ref_freeze(\(e.a)): refcount \(e.a) -> 0"
        case .unfrozen: return "page_ref_unfreeze: refcount 0 -> \(e.a)"
        case .flags: return "flags \(flags(e.a)) -> \(flags(e.b))"
        case .flagTest: return "\(PageFlags(rawValue: UInt16(e.a)).kernelName) is \(e.b == 1 ? "set" : "clear")"
        case .trylock: return e.a == 1 ? "trylock_page: got PG_locked" : "trylock_page: already locked"
        case .unlockU1: return "clear PG_locked; PG_waiters was \(e.a == 1 ? "set" : "clear")"
        case .nonAtomicRead: return "read flags \(flags(e.a)) (non-atomic)"
        case .nonAtomicWrite: return "write flags \(flags(e.a)) -> \(flags(e.b)) (non-atomic)"
        case .spinLock: return "spin_lock(\(LockID(raw: UInt8(e.a))))"
        case .spinUnlock: return "spin_unlock(\(LockID(raw: UInt8(e.a))))"
        case .pte: return "PTE slot \(e.a) := \(PTEKind(rawValue: UInt8(e.b)) ?? .none)"
        case .pteRead: return "PTE slot \(e.a) is \(PTEKind(rawValue: UInt8(e.b)) ?? .none)"
        case .cache: return "page-cache slot \(e.a) -> \(e.b >= 0 ? "pfn \(e.b)" : "empty")"
        case .lru: return e.a == 1 ? "isolated from the LRU (+1 ref)" : e.a == 0 ? "put back on the LRU" : "not on the LRU"
        case .signal: return "\(e.b == 1 ? "SIGKILL" : "signal") to \(name(of: Int(e.a)))"
        case .signalRead: return "signal_pending = \(e.a)"
        case .hotRemove: return "memmap hot-removed"
        case .waitBegin: return "begin \(engine.behaviors[Int(e.a)].name) wait\(e.b == 1 ? " (thrashing: psi memstall)" : "")"
        case .queueLock: return "bucket \(e.a) locked"
        case .queueUnlock: return "bucket \(e.a) unlocked"
        case .queued: return "entry queued in bucket \(e.a) (\(WaitFlags(rawValue: UInt8(e.b))))"
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
            let r = e.b < 0 ? "bit set again: stop walking" : e.b == 1 ? "woken and unlinked" : "already running (not unlinked)"
            return "entry of \(name(of: Int(e.a))): \(r)"
        case .wakeSkip: return "entry of \(name(of: Int(e.a))): \(e.b == 1 ? "other bit" : "other page"), skipped"
        case .bookmarkSkip: return "bookmark of \(name(of: Int(e.a))), skipped"
        case .bookmarkPlaced: return "bookmark placed in bucket \(e.a)"
        case .chunkBreak: return "bookmark placed; bucket \(e.a) unlocked for a while"
        case .wakeEnd: return e.a == 1 ? "PG_waiters cleared; bucket unlocked" : "PG_waiters left set; bucket unlocked"
        }
    }
}
