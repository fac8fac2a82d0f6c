/// A program the engine refuses to load, with where and why.
public struct ProgramError: Error, Hashable, Sendable, CustomStringConvertible {
    public var program: String
    public var pc: Int
    public var message: String
    public var description: String { "program '\(program)' at \(pc): \(message)" }
}

/// The step engine: the kernel configuration, the programs tasks run and
/// the behaviour table, all fixed for a run. The mutable state is the
/// `World` passed to `step`, so one engine serves any number of worlds.
public struct Engine: Sendable {
    public let config: KernelConfig
    public let programs: [Program]
    public let behaviors: [any WaitBehavior]
    let traits: [BehaviorTraits]
    /// Programs' operations without their names: the hot path's view.
    let code: [[Op]]

    /// - Parameters:
    ///   - behaviors: appended after the standard EXCLUSIVE, SHARED and DROP
    ///     (`BehaviorID`), so a plugin's behaviour gets index 3, 4, ...
    public init(config: KernelConfig = KernelConfig(), programs: [Program], behaviors: [any WaitBehavior] = []) throws(ProgramError) {
        self.config = config
        self.programs = programs
        self.behaviors = BehaviorID.standard + behaviors
        self.traits = self.behaviors.map(BehaviorTraits.init)
        self.code = programs.map { $0.instructions.map(\.op) }
        for p in programs { try Self.validate(p, behaviors: self.behaviors.count) }
    }

    /// Jump targets, registers and behaviour numbers must be in range, so a
    /// bad program fails here, once, instead of trapping mid-run.
    static func validate(_ p: Program, behaviors: Int) throws(ProgramError) {
        let n = Int32(p.instructions.count)
        func reg(_ r: Register, _ pc: Int) throws(ProgramError) {
            if Int(r) >= TaskState.registerCount {
                throw ProgramError(program: p.name, pc: pc, message: "register r\(r) does not exist (r0...r\(TaskState.registerCount - 1))")
            }
        }
        func target(_ to: Int32, _ pc: Int) throws(ProgramError) {
            if to < 0 || to > n { throw ProgramError(program: p.name, pc: pc, message: "jump target \(to) outside 0...\(n)") }
        }
        for (pc, ins) in p.instructions.enumerated() {
            for r in ins.op.registers { try reg(r, pc) }
            switch ins.op {
            case .jump(let to): try target(to, pc)
            case .branch(_, _, _, let to): try target(to, pc)
            case .waitOnPageBit(_, let bit, _, let b, _):
                if Int(b) >= behaviors { throw ProgramError(program: p.name, pc: pc, message: "behaviour \(b) not in the table (0..<\(behaviors))") }
                if bit != .locked && bit != .writeback { throw ProgramError(program: p.name, pc: pc, message: "can only wait on PG_locked or PG_writeback") }
            case .wakeUpPageBit(_, let bit):
                if bit != .locked && bit != .writeback { throw ProgramError(program: p.name, pc: pc, message: "can only wake PG_locked or PG_writeback") }
            default: break
            }
        }
    }

    /// Whether task `t` can take a step now: not finished, not asleep in
    /// io_schedule, and the lock its next step acquires (if any) is free.
    public func isEnabled(_ w: World, _ t: Int) -> Bool {
        let task = w.tasks[t]
        if task.finished || task.blocked { return false }
        switch task.frame {
        case .wait:
            if waitPhaseTakesBucketLock(task.wait.phase) { return !w.bucketLocked(task.entry.bucket) }
            return true
        case .wake:
            if task.wake.phase == WakePhase.lock.rawValue { return !w.bucketLocked(task.wake.bucket) }
            return true
        case .none:
            let ops = code[Int(task.program)]
            let pc = Int(task.pc)
            guard pc < ops.count else { return true }
            switch ops[pc] {
            case .spinLock(let l):
                return !w.locked(l)
            case .wakeUpPageBit(let r, _):
                let pfn = PageRef(register: task.registers[Int(r)]).pfn
                guard pfn >= 0 && Int(pfn) < w.pages.count else { return true }  // step reports it
                return !w.bucketLocked(config.waitTable.bucket(of: pfn))
            default:
                return true
            }
        }
    }

    /// The enabled tasks as a bit set (task `t` is bit `t`; at most 64 tasks).
    public func enabledMask(_ w: World) -> UInt64 {
        var m: UInt64 = 0
        for t in w.tasks.indices where t < 64 && isEnabled(w, t) { m |= 1 << UInt64(t) }
        return m
    }

    /// Execute one atomic step of task `t`.
    ///
    /// A violated always-on check (kernel-model I1, I2, I5) is thrown as a
    /// `Violation`; the world is left as it was just before the offending
    /// effect, and the run should stop there.
    public func step(_ w: inout World, task t: Int) throws(Violation) -> StepEvent {
        guard t >= 0 && t < w.tasks.count else {
            throw Violation(.notRunnable, task: t, function: "schedule", detail: "no task \(t) (there are \(w.tasks.count))")
        }
        guard isEnabled(w, t) else {
            let s = w.tasks[t]
            let why = s.finished ? "it has finished" : s.blocked ? "it is asleep in io_schedule" : "the lock its next step takes is held"
            throw Violation(.notRunnable, task: t, function: "schedule", detail: "task \(t) cannot run: \(why)")
        }
        switch w.tasks[t].frame {
        case .wait: return try waitStep(&w, t)
        case .wake: return try wakeStep(&w, t)
        case .none: return try execute(&w, t)
        }
    }

    /// The kernel function a task is in now, for traces and violations.
    public func function(of w: World, task t: Int) -> String {
        let s = w.tasks[t]
        switch s.frame {
        case .wait: return "wait_on_page_bit_common"
        case .wake: return "wake_up_page_bit"
        case .none:
            let p = programs[Int(s.program)]
            return Int(s.pc) < p.instructions.count ? p.instructions[Int(s.pc)].function : p.name
        }
    }
}

extension ViolationKind {
    /// A schedule named a task that cannot take a step.
    public static let notRunnable = ViolationKind(rawValue: "NOT_RUNNABLE")
}

extension Op {
    /// Registers the operation reads or writes.
    var registers: [Register] {
        switch self {
        case .jump, .count, .pause, .exit, .spinLock, .spinUnlock, .cacheRemove, .sendSignal:
            return []
        case .branch(let r, _, _, _), .set(let r, _), .add(let r, _), .loadPage(let r, _), .getPage(let r),
             .putPage(let r), .pageRefUnfreeze(let r, _), .nonAtomicClearRead(let r), .nonAtomicClearWrite(let r),
             .setFlag(let r, _), .clearFlag(let r, _), .wakeUpPageBit(let r, _), .unmapToMigration(_, let r),
             .removeMigrationPTE(_, let r), .unmapPTE(_, let r), .putbackLRU(let r), .findCachePage(_, let r),
             .cacheReplace(_, let r), .freeFrozenPage(let r), .signalPending(let r), .hotRemove(let r):
            return [r]
        case .getPageUnlessZero(let a, let b), .pageRefFreeze(let a, _, let b), .trylockPage(let a, let b),
             .clearLockedTestWaiters(let a, let b), .testFlag(let a, _, let b), .waitOnPageBit(let a, _, _, _, let b),
             .readPTE(_, let a, let b), .allocPage(_, let a, let b), .isolateLRU(let a, let b):
            return [a, b]
        }
    }
}
