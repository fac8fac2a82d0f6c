import CPagewait
import PagewaitCore
import PagewaitPlugins

/// `pw_builder`: a `ProgramBuilder` seen from C. Either the one an emit
/// callback gets for one hook (freed by the library when the callback
/// returns) or one made by `pw_builder_new`.
final class BuilderObject: HandleObject, @unchecked Sendable {
    override class var kind: HandleKind { .builder }

    var builder: ProgramBuilder
    /// C labels are indices into this table.
    private(set) var labels: [Label] = []
    private var bound: [Bool] = []
    private var used: [Bool] = []
    let parameters: Parameters
    /// Where `pw_builder_function(b, NULL)` goes back to.
    let hookFunction: String
    /// A callback's builder belongs to the library, not to the caller.
    let ownedByCaller: Bool
    /// Set by pw_builder_fail: why a callback refused.
    var failure: String?

    init(builder: ProgramBuilder, parameters: Parameters, ownedByCaller: Bool) {
        self.builder = builder
        self.parameters = parameters
        self.hookFunction = builder.currentFunction
        self.ownedByCaller = ownedByCaller
    }

    /// Give a label made outside C (a hook's `bail`) a C number. It is
    /// bound by its owner, so C may jump to it but not bind it.
    func adopt(_ label: Label) -> pw_label {
        labels.append(label)
        bound.append(true)
        used.append(false)
        return pw_label(labels.count - 1)
    }

    /// The most instructions one pw_emit_* call appends (lock_page's expansion is 5).
    static let largestExpansion = 16

    func newLabel(_ function: String) throws(ABIError) -> pw_label {
        let limit = Int(Limits.CInterface.instructions.range.upperBound)
        guard labels.count < limit else {
            throw ABIError(PW_ERANGE, "\(function): the builder has \(labels.count) labels; at most \(limit) (PW_MAX_INSTRUCTIONS)")
        }
        let l = adopt(builder.label())
        bound[Int(l)] = false
        return l
    }

    func label(_ l: pw_label, _ function: String, binding: Bool = false) throws(ABIError) -> Label {
        guard l >= 0, Int(l) < labels.count else {
            throw ABIError(PW_ERANGE, "\(function): label \(l) was not made by pw_label_new on this builder (it has \(labels.count))")
        }
        if binding {
            guard !bound[Int(l)] else { throw .misuse("\(function): label \(l) is already bound") }
            bound[Int(l)] = true
        } else {
            used[Int(l)] = true
        }
        return labels[Int(l)]
    }

    /// Labels jumped to but never bound: C's mistake, reported by name.
    var unboundLabels: [Int] {
        labels.indices.filter { used[$0] && !bound[$0] }
    }
}

// MARK: - Operand checks

private func register(_ r: Int32, _ name: String, _ function: String) throws(ABIError) -> Register {
    guard r >= 0, r < Int32(TaskState.registerCount) else {
        throw ABIError(PW_ERANGE, "\(function): \(name) register \(r) does not exist (0...\(TaskState.registerCount - 1))")
    }
    return Register(r)
}

private let knownFlags: [(UInt32, String)] = [
    (PW_PG_LOCKED, "PG_locked"), (PW_PG_WAITERS, "PG_waiters"), (PW_PG_WRITEBACK, "PG_writeback"),
    (PW_PG_UPTODATE, "PG_uptodate"), (PW_PG_WORKINGSET, "PG_workingset"), (PW_PG_SWAPBACKED, "PG_swapbacked"),
    (PW_PG_DIRTY, "PG_dirty"), (PW_PG_PRIVATE, "PG_private"), (PW_PG_LRU, "PG_lru"),
]

/// One PW_PG_* bit; `waitable` limits it to the bits a queue waits on.
private func pageFlag(_ f: UInt32, _ function: String, waitable: Bool = false) throws(ABIError) -> PageFlags {
    let allowed = waitable ? [PW_PG_LOCKED, PW_PG_WRITEBACK] : knownFlags.map(\.0)
    guard allowed.contains(f) else {
        let names = knownFlags.filter { allowed.contains($0.0) }.map { "PW_PG_" + $0.1.dropFirst(3).uppercased() }
        throw ABIError(PW_ERANGE, "\(function): flag 0x\(String(f, radix: 16)) is not one of \(names.joined(separator: ", "))")
    }
    return PageFlags(rawValue: UInt16(f))
}

private func process(_ mm: Int32, _ function: String) throws(ABIError) -> Int {
    guard mm >= 0, Int(mm) < LockID.maxProcesses else {
        throw ABIError(PW_ERANGE, "\(function): mm \(mm) is out of range (0...\(LockID.maxProcesses - 1))")
    }
    return Int(mm)
}

/// Run a builder call: find the builder, then let `body` append to it. A
/// call that would take the program past `Limits.CInterface.instructions`
/// (PW_MAX_INSTRUCTIONS) fails with PW_ERANGE and appends nothing.
private func emit(_ b: OpaquePointer?, _ function: String, _ body: (BuilderObject) throws(ABIError) -> Void) -> Int32 {
    call(b) { () throws(ABIError) in
        let builder = try object(b, BuilderObject.self, in: function, "b")
        try append(to: builder, function, body)
    }
}

/// A builder call that appends no code.
private func onBuilder(_ b: OpaquePointer?, _ function: String, _ body: (BuilderObject) throws(ABIError) -> Void) -> Int32 {
    call(b) { () throws(ABIError) in
        try body(try object(b, BuilderObject.self, in: function, "b"))
    }
}

private func append(to builder: BuilderObject, _ function: String, _ body: (BuilderObject) throws(ABIError) -> Void) throws(ABIError) {
    let limit = Int(Limits.CInterface.instructions.range.upperBound)
    let here = Int(builder.builder.here)
    func full() -> ABIError {
        ABIError(PW_ERANGE, "\(function): the program has \(here) instructions; this would take it past "
                            + "the \(limit) one builder may hold (PW_MAX_INSTRUCTIONS)")
    }
    guard here < limit else { throw full() }
    // One call appends at most a kernel helper's few steps, so only a call
    // this close to the limit can cross it: that one first runs into an
    // empty builder, to count what it would append (swapped, not copied).
    if here > limit - BuilderObject.largestExpansion {
        var program = ProgramBuilder(name: builder.builder.name, function: builder.builder.currentFunction)
        swap(&program, &builder.builder)
        do { try body(builder) } catch {
            swap(&program, &builder.builder)
            throw error
        }
        let adds = Int(builder.builder.here)
        swap(&program, &builder.builder)
        guard here + adds <= limit else { throw full() }
    }
    try body(builder)
}

/// A builder call taking one page register: the kernel helpers.
private func emitOnPage(_ b: OpaquePointer?, _ page: Int32, _ function: String, _ body: (inout ProgramBuilder, Register) -> Void) -> Int32 {
    emit(b, function) { builder throws(ABIError) in
        body(&builder.builder, try register(page, "page", function))
    }
}

/// A builder call taking a page register and a result register.
private func emitOnPage(_ b: OpaquePointer?, _ page: Int32, result: Int32, _ function: String,
                        _ body: (inout ProgramBuilder, Register, Register) -> Void) -> Int32 {
    emit(b, function) { builder throws(ABIError) in
        body(&builder.builder, try register(page, "page", function), try register(result, "result", function))
    }
}

// MARK: - Builders

@_cdecl("pw_builder_new")
public func pwBuilderNew(_ ctx: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    call(ctx) { () throws(ABIError) in
        let fn = "pw_builder_new"
        guard let out else { throw .misuse("\(fn): out is NULL") }
        out.pointee = nil
        _ = try object(ctx, ContextObject.self, in: fn, "ctx")
        let builder = BuilderObject(builder: ProgramBuilder(name: try string(name, in: fn, "name")), parameters: [:], ownedByCaller: true)
        out.pointee = handles.withLock { $0.insert(builder) }
    }
}

@_cdecl("pw_builder_free")
public func pwBuilderFree(_ b: OpaquePointer?) -> Int32 {
    call(nil) { () throws(ABIError) in
        let builder = try object(b, BuilderObject.self, in: "pw_builder_free", "b")
        guard builder.ownedByCaller else {
            throw .misuse("pw_builder_free: b belongs to an emit callback; the library frees it when the callback returns")
        }
        _ = handles.withLock { $0.remove(b!) }
    }
}

@_cdecl("pw_builder_listing")
public func pwBuilderListing(_ b: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    out?.pointee = nil
    return onBuilder(b, "pw_builder_listing") { builder throws(ABIError) in
        guard let out else { throw .misuse("pw_builder_listing: out is NULL") }
        let program: Program
        do { program = try builder.builder.build() } catch {
            throw ABIError(PW_ERROR, "pw_builder_listing: \(error)")
        }
        var text = ""
        for (i, instruction) in program.instructions.enumerated() {
            text += "\(i)\t\(instruction.function)\t\(instruction.op.listing)\n"
        }
        out.pointee = callerString(text)
    }
}

@_cdecl("pw_builder_fail")
public func pwBuilderFail(_ b: OpaquePointer?, _ message: UnsafePointer<CChar>?) -> Int32 {
    onBuilder(b, "pw_builder_fail") { builder throws(ABIError) in
        let text = try string(message, in: "pw_builder_fail", "message")
        builder.failure = text
        throw ABIError(PW_ERROR, text)
    }
}

@_cdecl("pw_builder_param")
public func pwBuilderParam(_ b: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ value: UnsafeMutablePointer<Int64>?) -> Int32 {
    value?.pointee = 0
    return onBuilder(b, "pw_builder_param") { builder throws(ABIError) in
        let key = try string(name, in: "pw_builder_param", "name")
        guard let value else { throw .misuse("pw_builder_param: value is NULL") }
        guard let v = builder.parameters[key] else {
            let known = builder.parameters.keys.sorted()
            throw ABIError(PW_ENOTFOUND, "pw_builder_param: no parameter '\(key)' at this hook\(known.isEmpty ? "" : "; set: \(known.joined(separator: ", "))")")
        }
        value.pointee = v
    }
}

@_cdecl("pw_builder_function")
public func pwBuilderFunction(_ b: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> Int32 {
    onBuilder(b, "pw_builder_function") { builder in
        builder.builder.currentFunction = name.map { String(cString: $0) } ?? builder.hookFunction
    }
}

// MARK: - Control flow

@_cdecl("pw_label_new")
public func pwLabelNew(_ b: OpaquePointer?, _ out: UnsafeMutablePointer<pw_label>?) -> Int32 {
    out?.pointee = PW_NO_LABEL
    return onBuilder(b, "pw_label_new") { builder throws(ABIError) in
        guard let out else { throw .misuse("pw_label_new: out is NULL") }
        out.pointee = try builder.newLabel("pw_label_new")
    }
}

@_cdecl("pw_label_bind")
public func pwLabelBind(_ b: OpaquePointer?, _ label: pw_label) -> Int32 {
    onBuilder(b, "pw_label_bind") { builder throws(ABIError) in
        builder.builder.bind(try builder.label(label, "pw_label_bind", binding: true))
    }
}

@_cdecl("pw_emit_jump")
public func pwEmitJump(_ b: OpaquePointer?, _ label: pw_label) -> Int32 {
    emit(b, "pw_emit_jump") { builder throws(ABIError) in
        builder.builder.jump(to: try builder.label(label, "pw_emit_jump"))
    }
}

@_cdecl("pw_emit_branch")
public func pwEmitBranch(_ b: OpaquePointer?, _ reg: Int32, _ cmp: Int32, _ value: Int64, _ label: pw_label) -> Int32 {
    emit(b, "pw_emit_branch") { builder throws(ABIError) in
        let fn = "pw_emit_branch"
        let r = try register(reg, "reg", fn)
        guard let comparison = UInt8(exactly: cmp).flatMap(Comparison.init(rawValue:)) else {
            throw ABIError(PW_ERANGE, "\(fn): cmp \(cmp) is not one of PW_CMP_EQ, PW_CMP_NE, PW_CMP_LT, PW_CMP_GE")
        }
        builder.builder.branch(r, comparison, value, to: try builder.label(label, fn))
    }
}

@_cdecl("pw_emit_set")
public func pwEmitSet(_ b: OpaquePointer?, _ reg: Int32, _ value: Int64) -> Int32 {
    emit(b, "pw_emit_set") { builder throws(ABIError) in
        builder.builder.emit(.set(try register(reg, "reg", "pw_emit_set"), value))
    }
}

// MARK: - References and flags

@_cdecl("pw_emit_get_page_unless_zero")
public func pwEmitGetPageUnlessZero(_ b: OpaquePointer?, _ page: Int32, _ result: Int32) -> Int32 {
    emitOnPage(b, page, result: result, "pw_emit_get_page_unless_zero") { $0.emit(.getPageUnlessZero($1, result: $2)) }
}

@_cdecl("pw_emit_put_page")
public func pwEmitPutPage(_ b: OpaquePointer?, _ page: Int32) -> Int32 {
    emitOnPage(b, page, "pw_emit_put_page") { $0.emit(.putPage($1)) }
}

@_cdecl("pw_emit_test_flag")
public func pwEmitTestFlag(_ b: OpaquePointer?, _ page: Int32, _ flag: UInt32, _ result: Int32) -> Int32 {
    emit(b, "pw_emit_test_flag") { builder throws(ABIError) in
        let fn = "pw_emit_test_flag"
        builder.builder.emit(.testFlag(try register(page, "page", fn), try pageFlag(flag, fn), result: try register(result, "result", fn)))
    }
}

@_cdecl("pw_emit_set_flag")
public func pwEmitSetFlag(_ b: OpaquePointer?, _ page: Int32, _ flag: UInt32) -> Int32 {
    emit(b, "pw_emit_set_flag") { builder throws(ABIError) in
        let fn = "pw_emit_set_flag"
        builder.builder.emit(.setFlag(try register(page, "page", fn), try pageFlag(flag, fn)))
    }
}

@_cdecl("pw_emit_clear_flag")
public func pwEmitClearFlag(_ b: OpaquePointer?, _ page: Int32, _ flag: UInt32) -> Int32 {
    emit(b, "pw_emit_clear_flag") { builder throws(ABIError) in
        let fn = "pw_emit_clear_flag"
        builder.builder.emit(.clearFlag(try register(page, "page", fn), try pageFlag(flag, fn)))
    }
}

// MARK: - The page lock

@_cdecl("pw_emit_trylock_page")
public func pwEmitTrylockPage(_ b: OpaquePointer?, _ page: Int32, _ result: Int32) -> Int32 {
    emitOnPage(b, page, result: result, "pw_emit_trylock_page") { $0.emit(.trylockPage($1, result: $2)) }
}

@_cdecl("pw_emit_lock_page")
public func pwEmitLockPage(_ b: OpaquePointer?, _ page: Int32) -> Int32 {
    emitOnPage(b, page, "pw_emit_lock_page") { $0.lockPage($1) }
}

@_cdecl("pw_emit_unlock_page")
public func pwEmitUnlockPage(_ b: OpaquePointer?, _ page: Int32) -> Int32 {
    emitOnPage(b, page, "pw_emit_unlock_page") { $0.unlockPage($1) }
}

@_cdecl("pw_emit_non_atomic_clear_locked")
public func pwEmitNonAtomicClearLocked(_ b: OpaquePointer?, _ page: Int32) -> Int32 {
    emitOnPage(b, page, "pw_emit_non_atomic_clear_locked") { $0.nonAtomicClearLocked($1) }
}

// MARK: - Waiting and waking

@_cdecl("pw_emit_wait_on_page_locked")
public func pwEmitWaitOnPageLocked(_ b: OpaquePointer?, _ page: Int32) -> Int32 {
    emitOnPage(b, page, "pw_emit_wait_on_page_locked") { $0.waitOnPageLocked($1) }
}

@_cdecl("pw_emit_put_and_wait_on_page_locked")
public func pwEmitPutAndWaitOnPageLocked(_ b: OpaquePointer?, _ page: Int32) -> Int32 {
    emitOnPage(b, page, "pw_emit_put_and_wait_on_page_locked") { $0.putAndWaitOnPageLocked($1) }
}

@_cdecl("pw_emit_wait_on_page_bit")
public func pwEmitWaitOnPageBit(_ b: OpaquePointer?, _ page: Int32, _ flag: UInt32, _ state: Int32, _ behavior: Int32, _ result: Int32) -> Int32 {
    emit(b, "pw_emit_wait_on_page_bit") { builder throws(ABIError) in
        let fn = "pw_emit_wait_on_page_bit"
        let states: [Int32: SleepState] = [PW_TASK_UNINTERRUPTIBLE: .uninterruptible, PW_TASK_KILLABLE: .killable, PW_TASK_INTERRUPTIBLE: .interruptible]
        guard let sleep = states[state] else {
            throw ABIError(PW_ERANGE, "\(fn): state \(state) is not PW_TASK_UNINTERRUPTIBLE, PW_TASK_KILLABLE or PW_TASK_INTERRUPTIBLE")
        }
        // The engine checks the index against the strategy's behaviour table
        // when the scenario is built.
        guard let behaviorID = UInt8(exactly: behavior) else {
            throw ABIError(PW_ERANGE, "\(fn): behavior \(behavior) is not a behaviour index (PW_EXCLUSIVE, PW_SHARED, PW_DROP, or one the base strategy adds)")
        }
        builder.builder.emit(.waitOnPageBit(try register(page, "page", fn), try pageFlag(flag, fn, waitable: true), sleep,
                                            behavior: behaviorID, result: try register(result, "result", fn)))
    }
}

@_cdecl("pw_emit_wake_up_page_bit")
public func pwEmitWakeUpPageBit(_ b: OpaquePointer?, _ page: Int32, _ flag: UInt32) -> Int32 {
    emit(b, "pw_emit_wake_up_page_bit") { builder throws(ABIError) in
        let fn = "pw_emit_wake_up_page_bit"
        builder.builder.emit(.wakeUpPageBit(try register(page, "page", fn), try pageFlag(flag, fn, waitable: true)))
    }
}

// MARK: - Page tables and scheduling

@_cdecl("pw_emit_ptl_lock")
public func pwEmitPtlLock(_ b: OpaquePointer?, _ mm: Int32) -> Int32 {
    emit(b, "pw_emit_ptl_lock") { builder throws(ABIError) in
        builder.builder.emit(.spinLock(.ptl(try process(mm, "pw_emit_ptl_lock"))))
    }
}

@_cdecl("pw_emit_ptl_unlock")
public func pwEmitPtlUnlock(_ b: OpaquePointer?, _ mm: Int32) -> Int32 {
    emit(b, "pw_emit_ptl_unlock") { builder throws(ABIError) in
        builder.builder.emit(.spinUnlock(.ptl(try process(mm, "pw_emit_ptl_unlock"))))
    }
}

@_cdecl("pw_emit_read_pte")
public func pwEmitReadPte(_ b: OpaquePointer?, _ slot: Int32, _ kind: Int32, _ page: Int32) -> Int32 {
    emit(b, "pw_emit_read_pte") { builder throws(ABIError) in
        let fn = "pw_emit_read_pte"
        guard slot >= 0 else { throw ABIError(PW_ERANGE, "\(fn): slot \(slot) is negative") }
        builder.builder.emit(.readPTE(slot: slot, kind: try register(kind, "kind", fn), page: try register(page, "page", fn)))
    }
}

@_cdecl("pw_emit_preemption_point")
public func pwEmitPreemptionPoint(_ b: OpaquePointer?, _ permille: Int32) -> Int32 {
    emit(b, "pw_emit_preemption_point") { builder throws(ABIError) in
        guard (0...1000).contains(permille) else {
            throw ABIError(PW_ERANGE, "pw_emit_preemption_point: permille \(permille) is outside 0...1000")
        }
        builder.builder.emit(.preemptionPoint(permille: UInt16(permille)))
    }
}

// MARK: - Sleeping locks (0.5)

/// Append `operation` of mutex or rwsem `n`, or PW_ERANGE naming the call.
private func emitSleepingLock(_ b: OpaquePointer?, _ function: String, _ kind: SleepLockKind, _ n: Int32,
                              _ operation: (SleepLockID) -> Op) -> Int32 {
    emit(b, function) { builder throws(ABIError) in
        guard let id = SleepLockID(kind, Int(n)) else {
            throw ABIError(PW_ERANGE, "\(function): \(kind == .mutex ? "mutex" : "rwsem") \(n) is out of range (0...\(SleepLockKind.perKind - 1))")
        }
        builder.builder.emit(operation(id))
    }
}

@_cdecl("pw_emit_mutex_lock")
public func pwEmitMutexLock(_ b: OpaquePointer?, _ mutex: Int32) -> Int32 {
    emitSleepingLock(b, "pw_emit_mutex_lock", .mutex, mutex, Op.mutexLock)
}

@_cdecl("pw_emit_mutex_unlock")
public func pwEmitMutexUnlock(_ b: OpaquePointer?, _ mutex: Int32) -> Int32 {
    emitSleepingLock(b, "pw_emit_mutex_unlock", .mutex, mutex, Op.mutexUnlock)
}

@_cdecl("pw_emit_down_read")
public func pwEmitDownRead(_ b: OpaquePointer?, _ rwsem: Int32) -> Int32 {
    emitSleepingLock(b, "pw_emit_down_read", .rwsem, rwsem, Op.downRead)
}

@_cdecl("pw_emit_up_read")
public func pwEmitUpRead(_ b: OpaquePointer?, _ rwsem: Int32) -> Int32 {
    emitSleepingLock(b, "pw_emit_up_read", .rwsem, rwsem, Op.upRead)
}

@_cdecl("pw_emit_down_write")
public func pwEmitDownWrite(_ b: OpaquePointer?, _ rwsem: Int32) -> Int32 {
    emitSleepingLock(b, "pw_emit_down_write", .rwsem, rwsem, Op.downWrite)
}

@_cdecl("pw_emit_up_write")
public func pwEmitUpWrite(_ b: OpaquePointer?, _ rwsem: Int32) -> Int32 {
    emitSleepingLock(b, "pw_emit_up_write", .rwsem, rwsem, Op.upWrite)
}

// MARK: - CPUs (0.5)

/// Append `operation` of CPU `n`'s work item, or PW_ERANGE naming the call.
private func emitWorkItem(_ b: OpaquePointer?, _ function: String, _ n: Int32, _ operation: (UInt8) -> Op) -> Int32 {
    emit(b, function) { builder throws(ABIError) in
        guard n >= 0 && Int(n) < CPUTopology.maxCPUs else {
            throw ABIError(PW_ERANGE, "\(function): cpu \(n) is out of range (0...\(CPUTopology.maxCPUs - 1))")
        }
        builder.builder.emit(operation(UInt8(n)))
    }
}

@_cdecl("pw_emit_cond_resched")
public func pwEmitCondResched(_ b: OpaquePointer?) -> Int32 {
    emit(b, "pw_emit_cond_resched") { builder throws(ABIError) in
        builder.builder.emit(.condResched)
    }
}

@_cdecl("pw_emit_queue_work_on")
public func pwEmitQueueWorkOn(_ b: OpaquePointer?, _ cpu: Int32) -> Int32 {
    emitWorkItem(b, "pw_emit_queue_work_on", cpu) { .queueWork(cpu: $0) }
}

@_cdecl("pw_emit_flush_work")
public func pwEmitFlushWork(_ b: OpaquePointer?, _ cpu: Int32) -> Int32 {
    emitWorkItem(b, "pw_emit_flush_work", cpu) { .flushWork(cpu: $0) }
}
