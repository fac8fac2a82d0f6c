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
    /// Every program's operations, back to back, without their names: the
    /// hot path's view. Program `p` is `ops[base[p] ..< base[p] + length[p]]`.
    let ops: [Op]
    let base: [Int]
    let length: [Int]
    /// Counters some program reads (`readCounter`): program state, unlike
    /// the counters that only record statistics.
    public let controlCounters: [Int32]
    let local: LocalEffects
    /// Per operation, parallel to `ops`: the lock a task must find free to
    /// take it, so `isEnabled` reads a byte-sized answer, not the operation.
    let gates: [Gate]
    /// Per operation: it is local (a jump, branch, register or counter
    /// operation, `loadPage`, `exit`), run by `runLocals`, not a step.
    let isLocal: [Bool]
    #if PAGEWAIT_ACCESS_LOG
    /// Where the memory door records every access (`recordingAccesses`), or
    /// nil, as in every run outside the tests that ask for it. The door
    /// tests `recordsAccesses`, a plain flag, so that a step without a log
    /// pays no reference counting for it. Debug builds only: a release
    /// build's engine is what it was before the door.
    var accessLog: AccessLog? = nil
    var recordsAccesses = false
    #endif

    enum Gate: Hashable, Sendable {
        case free
        /// A program spinlock (its `LockID` bit).
        case spin(UInt64)
        /// `wake_up_page_bit`: the q->lock of the bucket of the page in this register.
        case bucketOfPage(Register)
    }

    /// - Parameters:
    ///   - behaviors: appended after the standard EXCLUSIVE, SHARED and DROP
    ///     (`BehaviorID`), so a plugin's behaviour gets index 3, 4, ...
    public init(config: KernelConfig = KernelConfig(), programs: [Program], behaviors: [any WaitBehavior] = []) throws(ProgramError) {
        let behaviors = BehaviorID.standard + behaviors
        var total = 0
        for p in programs {
            try Self.validate(p, behaviors: behaviors.count)
            total += p.instructions.count
            if total > ProgramLimits.engineInstructions {
                throw ProgramError(program: p.name, pc: 0, message: ProgramLimits.outOfRange(
                    "instructions over all programs", total, 0...ProgramLimits.engineInstructions))
            }
        }
        self.config = config
        self.programs = programs
        self.behaviors = behaviors
        self.traits = self.behaviors.map(BehaviorTraits.init)
        self.ops = programs.flatMap { $0.instructions.map(\.op) }
        var offsets: [Int] = []
        var next = 0
        for p in programs {
            offsets.append(next)
            next += p.instructions.count
        }
        self.base = offsets
        self.length = programs.map(\.instructions.count)
        var read = Set<Int32>()
        for op in ops { if case .control(.readCounter(let c, _)) = op { read.insert(c) } }
        self.controlCounters = read.sorted()
        self.local = Self.localEffects(ops: ops, base: base, length: length, control: read)
        self.isLocal = ops.map(\.isLocal)
        self.gates = ops.map(\.gate)
    }

    /// Jump targets, registers and behaviour numbers must be in range, so a
    /// bad program fails here, once, instead of trapping mid-run.
    static func validate(_ p: Program, behaviors: Int) throws(ProgramError) {
        guard p.instructions.count <= ProgramLimits.instructions else {
            throw ProgramError(program: p.name, pc: ProgramLimits.instructions,
                               message: ProgramLimits.outOfRange("instructions", p.instructions.count, 0...ProgramLimits.instructions))
        }
        let n = Int32(p.instructions.count)
        func reg(_ r: Register, _ pc: Int) throws(ProgramError) {
            if Int(r) >= TaskState.registerCount {
                throw ProgramError(program: p.name, pc: pc, message: ProgramLimits.outOfRange("register", r, 0...TaskState.registerCount - 1))
            }
        }
        for (pc, ins) in p.instructions.enumerated() {
            for r in ins.op.registers { try reg(r, pc) }
            if let message = ins.op.problem(length: n, behaviors: behaviors) {
                throw ProgramError(program: p.name, pc: pc, message: message)
            }
        }
    }

    /// Whether task `t` can take a step now: not finished, not asleep in
    /// io_schedule, and the lock its next step acquires (if any) is free.
    public func isEnabled(_ w: World, _ t: Int) -> Bool {
        w.tasks.withUnsafeBufferPointer { tasks in
            isMet(need(of: tasks.baseAddress! + t, pageCount: w.pages.count), spinLocked: w.spinLocked) { w.bucketLocked($0) }
        }
    }

    /// What a task's next step needs before it can be taken. It depends on
    /// the task's own state alone, so it changes only when the task steps
    /// or is woken; whether it is met depends on the locks others hold.
    enum Need: Hashable {
        /// Finished: never runs again.
        case finished
        /// Asleep in io_schedule until someone sets it RUNNING.
        case asleep
        /// Nothing: the step can be taken now.
        case nothing
        /// A program spinlock (its `LockID` bit) nobody holds.
        case spinLock(UInt64)
        /// A wait-queue bucket whose lock nobody holds.
        case bucketLock(Int16)
    }

    /// The need of the task at `task` (in a world with `pageCount` frames).
    /// A pointer, not a `TaskState`, because this runs at every step: it
    /// reads a few fields, and must not copy a task.
    @inline(__always)
    func need(of task: UnsafePointer<TaskState>, pageCount: Int) -> Need {
        if task.pointee.finished { return .finished }
        if task.pointee.blocked { return .asleep }
        switch task.pointee.frame {
        case .wait:
            return waitPhaseTakesBucketLock(task.pointee.wait.phase) ? .bucketLock(task.pointee.entry.bucket) : .nothing
        case .wake:
            return task.pointee.wake.phase == WakePhase.lock.rawValue ? .bucketLock(task.pointee.wake.bucket) : .nothing
        case .none:
            let program = Int(task.pointee.program)
            let pc = Int(task.pointee.pc)
            guard pc < length[program] else { return .nothing }
            switch gates[base[program] + pc] {
            case .free:
                return .nothing
            case .spin(let bit):
                return .spinLock(bit)
            case .bucketOfPage(let r):
                let pfn = PageRef(register: task.pointee.registers[Int(r)]).pfn
                guard pfn >= 0 && Int(pfn) < pageCount else { return .nothing }  // step reports it
                return .bucketLock(config.waitTable.bucket(of: pfn))
            }
        }
    }

    /// Whether `need` is met, given the spinlocks anyone holds and a test
    /// of whether a bucket's lock is held.
    @inline(__always)
    func isMet(_ need: Need, spinLocked: UInt64, bucketLocked: (Int16) -> Bool) -> Bool {
        switch need {
        case .finished, .asleep: false
        case .nothing: true
        case .spinLock(let bit): spinLocked & bit == 0
        case .bucketLock(let b): !bucketLocked(b)
        }
    }

    /// The tasks that can take a step now (tasks numbered beyond
    /// `TaskSet.capacity` never run; `Setup`s refuse to build them).
    /// Asks every task; a run keeps a `RunnableSet` instead.
    public func enabledTasks(_ w: World) -> TaskSet {
        let spinLocked = w.spinLocked
        return w.tasks.withUnsafeBufferPointer { tasks in
            var s = TaskSet()
            for t in 0..<min(tasks.count, TaskSet.capacity)
            where isMet(need(of: tasks.baseAddress! + t, pageCount: w.pages.count), spinLocked: spinLocked, bucketLocked: { w.bucketLocked($0) }) {
                s.insert(t)
            }
            return s
        }
    }

    /// Execute one atomic step of task `t`.
    ///
    /// A violated always-on check (kernel-model I1, I2, I5) is thrown as a
    /// `Violation`; the world is left as it was just before the offending
    /// effect, and the run should stop there. (A BAD_PROGRAM found while
    /// running local instructions leaves the locals before it done.)
    public func step(_ w: inout World, task t: Int) throws(Violation) -> StepEvent {
        guard t >= 0 && t < w.tasks.count else {
            throw Violation(.notRunnable, task: t, function: "schedule", detail: "no task \(t) (there are \(w.tasks.count))")
        }
        guard isEnabled(w, t) else {
            let s = w.tasks[t]
            let why = s.finished ? "it has finished" : s.blocked ? "it is asleep in io_schedule" : "the lock its next step takes is held"
            throw Violation(.notRunnable, task: t, function: "schedule", detail: "task \(t) cannot run: \(why)")
        }
        return try stepEnabled(&w, task: t)
    }

    /// `step` for a task known to be enabled (the run loop's pick from
    /// `enabledTasks`): the same step without asking again.
    func stepEnabled(_ w: inout World, task t: Int) throws(Violation) -> StepEvent {
        w.tasks[t].preemptHint = 0
        switch w.tasks[t].frame {
        case .wait: return try waitStep(&w, t)
        case .wake: return try wakeStep(&w, t)
        case .none: return try execute(&w, t)
        }
    }

    /// Task `t`'s next step is a `pause`: it is spinning or thinking, and a
    /// priority scheduler should let others go first.
    public func nextIsPause(_ w: World, _ t: Int) -> Bool {
        guard w.tasks[t].frame == .none else { return false }
        let program = Int(w.tasks[t].program), pc = Int(w.tasks[t].pc)
        guard pc < length[program] else { return false }
        if case .control(.pause) = ops[base[program] + pc] { return true }
        return false
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
