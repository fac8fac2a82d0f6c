// Waiting and waking (mm/filemap.c): wait_on_page_bit_common and
// wake_up_page_bit. Each starts a multi-step frame (`WaitFrame`,
// `WakeFrame`) whose steps the wait core (kernel-model §2.3, §2.5, §2.6)
// and the wake walk (§2.4) define; the frame's last step moves the task
// past the instruction.

/// Waiting and waking (mm/filemap.c).
public enum WaitWakeOp: Hashable, Sendable {
    case waitOnPageBit(Register, PageFlags, SleepState, behavior: UInt8, result: Register)
    case wakeUpPageBit(Register, PageFlags)
    /// A wait that queues while the caller holds `release` and drops it
    /// right after queueing, before sleeping: `migration_entry_wait_on_locked`
    /// (ffa65753c431), which never takes a page reference.
    case waitOnPageBitReleasing(Register, PageFlags, SleepState, behavior: UInt8, release: LockID, result: Register)
}

extension Op {
    public static func waitOnPageBit(_ page: Register, _ bit: PageFlags, _ state: SleepState, behavior: UInt8, result: Register) -> Op {
        .waitWake(.waitOnPageBit(page, bit, state, behavior: behavior, result: result))
    }
    public static func wakeUpPageBit(_ page: Register, _ bit: PageFlags) -> Op { .waitWake(.wakeUpPageBit(page, bit)) }
    /// A wait that queues while the caller holds `release` and drops it
    /// right after queueing, before sleeping: `migration_entry_wait_on_locked`
    /// (ffa65753c431), which never takes a page reference.
    public static func waitOnPageBitReleasing(_ page: Register, _ bit: PageFlags, _ state: SleepState, behavior: UInt8,
                                              release: LockID, result: Register) -> Op {
        .waitWake(.waitOnPageBitReleasing(page, bit, state, behavior: behavior, release: release, result: result))
    }
}

extension WaitWakeOp {
    var kernelName: String {
        switch self {
        case .waitOnPageBit(_, let f, let s, _, _): "wait_on_page_bit_common(\(f.kernelName), \(s))"
        case .waitOnPageBitReleasing(_, let f, let s, _, let l, _): "wait_on_page_bit_common(\(f.kernelName), \(s)), dropping \(l)"
        case .wakeUpPageBit(_, let f): "wake_up_page_bit(\(f.kernelName))"
        }
    }

    var listing: String {
        switch self {
        case .waitOnPageBit(let p, let flag, let state, let behavior, let result):
            "r\(result) = wait_on_page_bit_common(r\(p), \(flag.kernelName), \(state), \(Self.behavior(behavior)))"
        case .waitOnPageBitReleasing(let p, let flag, let state, let behavior, let lock, let result):
            "r\(result) = wait_on_page_bit_common(r\(p), \(flag.kernelName), \(state), \(Self.behavior(behavior))), dropping \(lock)"
        case .wakeUpPageBit(let p, let flag): "wake_up_page_bit(r\(p), \(flag.kernelName))"
        }
    }

    /// The wait behaviours of mm/filemap.c by name; others by their index in
    /// the strategy's table.
    static func behavior(_ id: UInt8) -> String {
        switch id {
        case BehaviorID.exclusive: "EXCLUSIVE"
        case BehaviorID.shared: "SHARED"
        case BehaviorID.drop: "DROP"
        default: "behaviour \(id)"
        }
    }

    var registers: [Register] {
        switch self {
        case .wakeUpPageBit(let r, _): [r]
        case .waitOnPageBit(let a, _, _, _, let b), .waitOnPageBitReleasing(let a, _, _, _, _, let b): [a, b]
        }
    }

    /// Registers the operation always writes and does not read first
    /// (`LiveRegisters`): what they held before it is dead. A register
    /// written only on some outcomes is not among them.
    var kills: [Register] {
        switch self {
        // The wait's last step stores its result (`finishWait`'s caller,
        // WaitQueueOps.swift); no step of the frame reads the register.
        case .waitOnPageBit(let a, _, _, _, let b), .waitOnPageBitReleasing(let a, _, _, _, _, let b): LiveRegisters.result(b, after: a)
        case .wakeUpPageBit: []
        }
    }

    /// A wake takes the q->lock of its page's bucket in its first step. (A
    /// wait's frame asks for the lock phase by phase: `Engine.need`.)
    var gate: Engine.Gate {
        switch self {
        case .wakeUpPageBit(let r, _): .bucketOfPage(r)
        case .waitOnPageBit, .waitOnPageBitReleasing: .free
        }
    }

    func problem(length: Int32, behaviors: Int) -> String? {
        switch self {
        case .waitOnPageBit(_, let bit, _, let b, _), .waitOnPageBitReleasing(_, let bit, _, let b, _, _):
            if Int(b) >= behaviors { return "behaviour \(b) not in the table (0..<\(behaviors))" }
            if bit != .locked && bit != .writeback { return "can only wait on PG_locked or PG_writeback" }
            return nil
        case .wakeUpPageBit(_, let bit):
            return bit != .locked && bit != .writeback ? "can only wake PG_locked or PG_writeback" : nil
        }
    }
}

extension Engine {
    /// Begin the frame. Unlike the one-step domains, no `advance` here: the
    /// frame's last step (`waitStep`, `wakeStep`) moves the task on.
    func execute(_ op: WaitWakeOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        switch op {
        case .waitOnPageBit(let r, let bit, let state, let behavior, let out):
            let p = try pageOperand(&w, t, r)
            return try beginWait(&w, t, page: p, bit: bit, state: state, behavior: behavior, result: out)
        case .waitOnPageBitReleasing(let r, let bit, let state, let behavior, let release, let out):
            let p = try pageOperand(&w, t, r)
            guard w.tasks[t].holds(release) else {
                throw Violation(.lockMisuse, task: t, pfn: p.pfn, function: function(of: w, task: t), detail: "wait releasing \(release) without holding it")
            }
            return try beginWait(&w, t, page: p, bit: bit, state: state, behavior: behavior, result: out, release: release)
        case .wakeUpPageBit(let r, let bit):
            let p = try pageOperand(&w, t, r)
            return try beginWake(&w, t, page: p, bit: bit)
        }
    }

    /// The page and its bucket; a releasing wait its lock too; a wake any
    /// waiter queued on the bucket, which a visit may wake. (Once the frame
    /// has begun, `footprint(of:in:)` reads it from the frame instead.)
    func footprint(of op: WaitWakeOp, _ t: Int, in w: World, into f: inout Footprint) {
        switch op {
        case .waitOnPageBit(let r, _, _, _, _):
            f.page(pfn(in: r, of: t, w))
            f.bucket(config.waitTable.bucket(of: pfn(in: r, of: t, w)))
        case .waitOnPageBitReleasing(let r, _, _, _, let l, _):
            f.page(pfn(in: r, of: t, w))
            f.bucket(config.waitTable.bucket(of: pfn(in: r, of: t, w)))
            f.lock(l)
        case .wakeUpPageBit(let r, _):
            let p = pfn(in: r, of: t, w)
            f.page(p)
            let b = config.waitTable.bucket(of: p)
            f.bucket(b)
            for i in w.tasks.indices where w.tasks[i].entry.onList && w.tasks[i].entry.bucket == b { f.tasks.insert(i) }
        }
    }
}
