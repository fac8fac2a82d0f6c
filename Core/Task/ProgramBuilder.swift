/// A forward- or backward-referenced place in a program being built.
public struct Label: Hashable, Sendable {
    let id: Int
}

/// Builds a `Program` the way kernel code reads: instructions grouped under
/// the kernel function they belong to, with labels for branches and loops.
///
///     var b = ProgramBuilder(name: "faulter")
///     b.function("__migration_entry_wait") { b in
///         b.emit(.spinLock(.ptl(0)))
///         ...
///     }
///     let program = try b.build()
public struct ProgramBuilder: Sendable {
    public let name: String
    private var instructions: [Instruction] = []
    private var labels: [Int32?] = []
    private var fixups: [(pc: Int, label: Label)] = []
    /// Instructions and labels asked for, counted on past the limits (which
    /// are not stored), so `build()` can say how many there were.
    private var emitted = 0, labelsMade = 0
    /// A label this builder did not make was bound or jumped to (at pc).
    private var foreignLabel: Int?
    /// The kernel function the next instructions are attributed to.
    public var currentFunction: String

    /// The register kernel helpers (`lockPage`, `unlockPage`, ...) use for
    /// their own results; programs should keep their values elsewhere.
    public static let scratch: Register = Register(TaskState.registerCount - 1)

    /// How `unlockPage` clears PG_locked and tests PG_waiters: the
    /// strategy's `KernelConfig.pageLockWord` (known-bugs Z5).
    public var pageLockWord: PageLockWord = .shared

    public init(name: String, function: String? = nil) {
        self.name = name
        self.currentFunction = function ?? name
    }

    /// The next instruction's index.
    public var here: Int32 { Int32(instructions.count) }

    public mutating func label() -> Label {
        labelsMade += 1
        guard labels.count < ProgramLimits.labels else { return Label(id: -1) }
        labels.append(nil)
        return Label(id: labels.count - 1)
    }

    /// Place `label` at the next instruction.
    public mutating func bind(_ label: Label) {
        guard labels.indices.contains(label.id) else {
            if labelsMade <= ProgramLimits.labels { foreignLabel = foreignLabel ?? instructions.count }
            return
        }
        labels[label.id] = here
    }

    /// Past `ProgramLimits.instructions` nothing more is stored (a runaway
    /// generator cannot exhaust memory); `build()` then refuses the program.
    public mutating func emit(_ op: Op) {
        emitted += 1
        guard instructions.count < ProgramLimits.instructions else { return }
        instructions.append(Instruction(op, in: currentFunction))
    }

    public mutating func jump(to label: Label) {
        refer(to: label)
        emit(.jump(-1))
    }

    /// Branch to `label` when `register <comparison> value`.
    public mutating func branch(_ register: Register, _ comparison: Comparison, _ value: Int64, to label: Label) {
        refer(to: label)
        emit(.branch(register, comparison, value, to: -1))
    }

    private mutating func refer(to label: Label) {
        guard instructions.count < ProgramLimits.instructions else { return }
        guard labels.indices.contains(label.id) else {
            if labelsMade <= ProgramLimits.labels { foreignLabel = foreignLabel ?? instructions.count }
            return
        }
        fixups.append((instructions.count, label))
    }

    /// Emit `body` attributed to kernel function `name`.
    public mutating func function(_ name: String, _ body: (inout ProgramBuilder) -> Void) {
        let saved = currentFunction
        currentFunction = name
        body(&self)
        currentFunction = saved
    }

    /// Resolve labels. Throws if a label was used but never bound, or came
    /// from another builder, or the program is over `ProgramLimits`.
    public func build() throws(ProgramError) -> Program {
        if emitted > ProgramLimits.instructions {
            throw ProgramError(program: name, pc: ProgramLimits.instructions,
                               message: ProgramLimits.outOfRange("instructions", emitted, 0...ProgramLimits.instructions))
        }
        if labelsMade > ProgramLimits.labels {
            throw ProgramError(program: name, pc: instructions.count,
                               message: ProgramLimits.outOfRange("labels", labelsMade, 0...ProgramLimits.labels))
        }
        if let pc = foreignLabel {
            throw ProgramError(program: name, pc: pc, message: "a label another builder made")
        }
        var out = instructions
        for (pc, label) in fixups {
            guard let target = labels[label.id] else {
                throw ProgramError(program: name, pc: pc, message: "label \(label.id) used but never bound")
            }
            switch out[pc].op {
            case .control(.jump): out[pc].op = .jump(target)
            case .control(.branch(let r, let c, let v, _)): out[pc].op = .branch(r, c, v, to: target)
            default: break
            }
        }
        return Program(name: name, instructions: out)
    }
}

// The kernel's composite helpers, expanded into their atomic steps. Each is
// what every kernel version shares; what differs between versions lives in
// the wait cores and in strategies.
extension ProgramBuilder {
    /// `lock_page()`: trylock_page, else `__lock_page` = an EXCLUSIVE wait.
    /// With `.killable`, `result` gets 0 or -EINTR (`lock_page_killable`).
    public mutating func lockPage(_ page: Register, state: SleepState = .uninterruptible, result: Register = scratch) {
        function(state == .killable ? "lock_page_killable" : "lock_page") { b in
            let gotIt = b.label(), done = b.label()
            b.emit(.trylockPage(page, result: Self.scratch))
            b.branch(Self.scratch, .equal, 1, to: gotIt)
            b.emit(.waitOnPageBit(page, .locked, state, behavior: BehaviorID.exclusive, result: result))
            b.jump(to: done)
            b.bind(gotIt)
            b.emit(.set(result, 0))
            b.bind(done)
        }
    }

    /// `unlock_page()`: U1 clears PG_locked and reads PG_waiters in one
    /// atomic step; U2 walks the queue only if PG_waiters was set. With
    /// PG_waiters in a word of its own (`pageLockWord`), U1 is two steps: a
    /// release store clearing PG_locked, then [smp_mb and] a load of
    /// PG_waiters.
    public mutating func unlockPage(_ page: Register) {
        let word = pageLockWord
        function("unlock_page") { b in
            let done = b.label()
            if word.isSeparate {
                b.emit(.releaseLocked(page))
                b.emit(.testWaitersWord(page, barrier: word == .separateWithBarrier, result: Self.scratch))
            } else {
                b.emit(.clearLockedTestWaiters(page, result: Self.scratch))
            }
            b.branch(Self.scratch, .equal, 0, to: done)
            b.emit(.wakeUpPageBit(page, .locked))
            b.bind(done)
        }
    }

    /// `__ClearPageLocked()`: a non-atomic read-modify-write of the flags
    /// word, two steps, no look at PG_waiters and no wake.
    public mutating func nonAtomicClearLocked(_ page: Register) {
        function("__ClearPageLocked") { b in
            b.emit(.nonAtomicClearRead(page))
            b.emit(.nonAtomicClearWrite(page))
        }
    }

    /// `wait_on_page_locked()`: a lockless test, then a SHARED wait.
    public mutating func waitOnPageLocked(_ page: Register, state: SleepState = .uninterruptible) {
        function("wait_on_page_locked") { b in
            let done = b.label()
            b.emit(.testFlag(page, .locked, result: Self.scratch))
            b.branch(Self.scratch, .equal, 0, to: done)
            b.emit(.waitOnPageBit(page, .locked, state, behavior: BehaviorID.shared, result: Self.scratch))
            b.bind(done)
        }
    }

    /// `put_and_wait_on_page_locked()` (9a1ea439b16b): a DROP wait, no fast
    /// path; the caller must not touch the page afterwards.
    public mutating func putAndWaitOnPageLocked(_ page: Register, state: SleepState = .uninterruptible, behavior: UInt8 = BehaviorID.drop, result: Register = scratch) {
        function("put_and_wait_on_page_locked") { b in
            b.emit(.waitOnPageBit(page, .locked, state, behavior: behavior, result: result))
        }
    }

    /// `end_page_writeback()`: test_clear_page_writeback (BUG() if the bit
    /// was clear), then `wake_up_page`: wake the bit's waiters if
    /// PG_waiters is set. PG_writeback holds no reference, so with
    /// `pinned: false` (before 073861ed77b6) the page may be freed and
    /// reused between the clear and the wake, which then touches a page
    /// the ender has no right to (kernel-model F10); with `pinned: true`
    /// (073861ed77b6, v5.10) a get_page before the clear and a put_page
    /// after the wake keep it.
    public mutating func endPageWriteback(_ page: Register, pinned: Bool = false) {
        function("end_page_writeback") { b in
            let done = b.label()
            if pinned { b.emit(.getPage(page)) }
            b.emit(.testClearPageWriteback(page))
            b.function("wake_up_page") { b in
                b.emit(.testFlag(page, .waiters, result: Self.scratch))
                b.branch(Self.scratch, .equal, 0, to: done)
                b.emit(.wakeUpPageBit(page, .writeback))
            }
            b.bind(done)
            if pinned { b.emit(.putPage(page)) }
        }
    }

    /// `wait_on_page_writeback()`: if PG_writeback is set, a SHARED
    /// uninterruptible wait on it (`wait_on_page_bit`). With `untilClear`
    /// the test and wait repeat while the bit is set (c2407cf7d22d, v5.11,
    /// and `folio_wait_writeback`): a waiter woken by an earlier
    /// writeback's end goes back to sleep when a new one has begun.
    public mutating func waitOnPageWriteback(_ page: Register, untilClear: Bool = false) {
        function("wait_on_page_writeback") { b in
            let test = b.label(), done = b.label()
            b.bind(test)
            b.emit(.testFlag(page, .writeback, result: Self.scratch))
            b.branch(Self.scratch, .equal, 0, to: done)
            b.emit(.waitOnPageBit(page, .writeback, .uninterruptible, behavior: BehaviorID.shared, result: Self.scratch))
            if untilClear { b.jump(to: test) }
            b.bind(done)
        }
    }
}
