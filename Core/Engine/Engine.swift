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
    /// Every distinct program's operations, back to back, without their
    /// names: the hot path's view. Program `p` is
    /// `ops[base[p] ..< base[p] + length[p]]`; identical programs share one
    /// range.
    let ops: [Op]
    let base: [Int]
    let length: [Int]
    /// Counters some program reads (`readCounter`): program state, unlike
    /// the counters that only record statistics.
    public let controlCounters: [Int32]
    let local: LocalEffects
    /// The registers live before each operation, for the search's state
    /// keys (`LiveRegisters`).
    package let liveRegisters: LiveRegisters
    /// Per operation, parallel to `ops`: what the hot path reads of it
    /// (DecodedProgram.swift): whether it is local, its gate (the lock a
    /// task must find free to take it), a local operation's operands.
    let decoded: [DecodedInstruction]
    /// The tasks some program may send a signal to (every task, when a
    /// target is out of a TaskSet's range): only for them does a signal
    /// read and change the sleep state outside the wait-queue lock.
    let signalled: TaskSet
    /// Which task each CPU runs is state (`CPUTopology.tracksCurrent`):
    /// each step updates `World.cpu` (`afterCPUStep`). Read at every step,
    /// so kept apart from the configuration's enum.
    let tracksCPUs: Bool
    /// The memory model steps run under (`--memory`): `sc`, or `tso` with
    /// store buffers (StoreBuffer.swift). Set with `withMemory`.
    public internal(set) var memory: MemoryModel = .sc
    /// Under `arm`, a task asleep in the scheduler keeps no history the
    /// tasks that can wake it have moved past (`Views.normalize`). On by
    /// default; the tests compare searches with it off.
    var raisesSleepersViews = true
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
        /// A program spinlock.
        case spin(LockID)
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
        // Tasks of one kind run the same program: each distinct operation
        // sequence is stored once and shared, so the hot path's view stays
        // as small as the scenario's kinds of task, not its task count.
        var ops: [Op] = []
        var offsets: [Int] = []
        var stored: [[Op]: Int] = [:]
        for p in programs {
            let sequence = p.instructions.map(\.op)
            if let at = stored[sequence] {
                offsets.append(at)
            } else {
                stored[sequence] = ops.count
                offsets.append(ops.count)
                ops += sequence
            }
        }
        self.ops = ops
        self.base = offsets
        self.length = programs.map(\.instructions.count)
        var read = Set<Int32>()
        for op in ops { if case .control(.readCounter(let c, _)) = op { read.insert(c) } }
        self.controlCounters = read.sorted()
        self.local = Self.localEffects(ops: ops, base: base, length: length, control: read)
        self.decoded = ops.map(DecodedInstruction.init)
        self.liveRegisters = LiveRegisters(ops: ops, base: base, length: length)
        var signalled = TaskSet()
        for op in ops {
            guard case .signal(.sendSignal(let target, _)) = op else { continue }
            if target.index >= 0 && target.index < TaskSet.capacity {
                signalled.insert(target.index)
            } else {
                signalled = TaskSet(0..<TaskSet.capacity)
            }
        }
        self.signalled = signalled
        self.tracksCPUs = !config.cpus.interleavesFreely
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
        /// A program spinlock nobody holds.
        case spinLock(LockID)
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
        guard task.pointee.frame.kind == .none else { return needInFrame(task) }
        let (first, count) = extent(of: Int(task.pointee.program))
        let pc = Int(task.pointee.pc)
        guard pc < count else { return .nothing }
        switch instruction(first, pc).gate {
        case .free:
            return .nothing
        case .spin(let lock):
            return .spinLock(lock)
        case .bucketOfPage(let r):
            let pfn = PageRef(register: task.pointee.registers[Int(r)]).pfn
            guard !pfn.isNone && pfn.index < pageCount else { return .nothing }  // step reports it
            return .bucketLock(config.waitTable.bucket(of: pfn))
        }
    }

    /// Whether `need` is met, given the spinlocks anyone holds and a test
    /// of whether a bucket's lock is held.
    @inline(__always)
    func isMet(_ need: Need, spinLocked: LockSet, bucketLocked: (Int16) -> Bool) -> Bool {
        switch need {
        case .finished, .asleep: false
        case .nothing: true
        case .spinLock(let lock): !spinLocked.contains(lock)
        case .bucketLock(let b): !bucketLocked(b)
        }
    }

    /// The tasks that can take a step now (tasks numbered beyond
    /// `TaskSet.capacity` never run; `Setup`s refuse to build them).
    /// Asks every task; a run keeps an `EnabledSet` instead.
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

    /// The enabled tasks that are on a CPU (`KernelConfig.cpus`): the ones a
    /// scheduler picks from.
    public func runnableTasks(_ w: World) -> TaskSet {
        let r = config.cpus.runnable(enabledTasks(w), in: w)
        return tso ? r | w.storeBuffers.flushChoices : arm ? r | advanceChoices(w, r) : r
    }

    /// Whether task `t` may step now: enabled, and on a CPU.
    public func isRunnable(_ w: World, _ t: Int) -> Bool {
        if let u = flushedTask(t) { return w.storeBuffers.nonEmpty.contains(u) }
        if advance(t) != nil { return isOpenAdvance(w, t) }
        guard isEnabled(w, t) else { return false }
        return tracksCPUs ? config.cpus.isOnCPU(t, enabled: enabledTasks(w), in: w) : config.cpus.isOnCPU(t, in: w)
    }

    /// Execute one atomic step of task `t`.
    ///
    /// A violated always-on check (kernel-model I1, I2, I5) is thrown as a
    /// `Violation`; the world is left as it was just before the offending
    /// effect, and the run should stop there. (A BAD_PROGRAM found while
    /// running local instructions leaves the locals before it done.)
    public func step(_ w: inout World, task t: Int) throws(Violation) -> StepEvent {
        if let u = flushedTask(t) { return try flushStep(&w, task: u) }
        if advance(t) != nil { return try advanceStep(&w, choice: t) }
        guard t >= 0 && t < w.tasks.count else {
            throw Violation(.notRunnable, task: t, function: "schedule", detail: "no task \(t) (there are \(w.tasks.count))")
        }
        guard isRunnable(w, t) else { throw notRunnable(w, t) }
        return try stepRunnable(&w, task: t)
    }

    /// Why task `t` cannot step, as the violation `step` throws.
    @inline(never)
    func notRunnable(_ w: World, _ t: Int) -> Violation {
        let s = w.tasks[t]
        let why = s.finished ? "it has finished" : s.blocked ? "it is asleep in io_schedule"
            : isEnabled(w, t) ? "it is not on a CPU" : "the lock its next step takes is held"
        return Violation(.notRunnable, task: t, function: "schedule", detail: "task \(t) cannot run: \(why)")
    }

    /// `step` for a task known to be runnable (the run loop's pick from
    /// `runnableTasks`): the same step without asking again.
    func stepRunnable(_ w: inout World, task t: Int) throws(Violation) -> StepEvent {
        if tso {
            if t >= StoreBuffers.flushBase { return try flushStep(&w, task: t - StoreBuffers.flushBase) }
            beginTSOStep(&w, t)
        } else if arm {
            if t >= Self.advanceBase { return try advanceStep(&w, choice: t) }
            return try armStep(&w, task: t)
        }
        return try stepTask(&w, t)
    }

    /// Task `t`'s own step, whatever the memory model.
    @inline(__always)
    func stepTask(_ w: inout World, _ t: Int) throws(Violation) -> StepEvent {
        // Read first: a write to `w.tasks` pays a uniqueness check, and the
        // hint is rarely set.
        if w.tasks[t].preemptHint != 0 { w.tasks[t].preemptHint = 0 }
        let wasBlocked = w.tasks[t].blocked
        let event = try stepFrameOrInstruction(&w, t)
        // Only a task's own step puts it to sleep. (A step that throws
        // leaves the world as it was, the count included.)
        if !wasBlocked && w.tasks[t].blocked { w.tasks[t].stats.sleptAt = Int32(truncatingIfNeeded: w.stats.steps) }
        w.stats.steps &+= 1
        if tracksCPUs { afterCPUStep(&w, t) }
        return event
    }

    /// Task `t`'s next step is a `pause`: it is spinning or thinking, and a
    /// priority scheduler should let others go first.
    public func nextIsPause(_ w: World, _ t: Int) -> Bool {
        guard t < w.tasks.count, w.tasks[t].frame.kind == .none else { return false }
        let (first, count) = extent(of: Int(w.tasks[t].program))
        let pc = Int(w.tasks[t].pc)
        guard pc < count else { return false }
        return instruction(first, pc).kind == .pause
    }

    /// The kernel function a task is in now, for traces and violations.
    public func function(of w: World, task t: Int) -> String {
        let s = w.tasks[t]
        if let f = s.frame.kind.function { return f }
        let p = programs[Int(s.program)]
        return Int(s.pc) < p.instructions.count ? p.instructions[Int(s.pc)].function : p.name
    }
}

extension ViolationKind {
    /// A schedule named a task that cannot take a step.
    public static let notRunnable = ViolationKind(rawValue: "NOT_RUNNABLE")
}
