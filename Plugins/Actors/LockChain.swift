import PagewaitCore

/// One lock operation of a `LockChain` program, as its parameters encode
/// it: `code = operation * 100 + object` (object: the page, mutex, rwsem or
/// ptl number, or a pause's steps). Scenario files write the readable form
/// (`"mutex_lock 0"`) and `ScenarioFile` encodes it. A page is one of the
/// scenario's file pages (`Layout.page(_:)`): 0 is P, 1 … 3 exist where the
/// scenario sets `pages`.
public enum LockStep: Int64, CaseIterable, Sendable {
    case lockPage = 1, unlockPage, mutexLock, mutexUnlock, downRead, upRead, downWrite, upWrite, spinLock, spinUnlock, pause

    /// The name a scenario file uses: the kernel function.
    public var name: String {
        switch self {
        case .lockPage: "lock_page"
        case .unlockPage: "unlock_page"
        case .mutexLock: "mutex_lock"
        case .mutexUnlock: "mutex_unlock"
        case .downRead: "down_read"
        case .upRead: "up_read"
        case .downWrite: "down_write"
        case .upWrite: "up_write"
        case .spinLock: "spin_lock"
        case .spinUnlock: "spin_unlock"
        case .pause: "pause"
        }
    }

    /// The objects the step may name.
    public var objects: ClosedRange<Int64> {
        switch self {
        case .lockPage, .unlockPage: 0...Int64(Layout.maxPages - 1)
        case .mutexLock, .mutexUnlock, .downRead, .upRead, .downWrite, .upWrite: 0...Int64(SleepLockKind.perKind - 1)
        case .spinLock, .spinUnlock: 0...Int64(LockID.maxProcesses - 1)
        case .pause: 0...99
        }
    }

    /// What the object is, for errors.
    public var objectName: String {
        switch self {
        case .lockPage, .unlockPage: "page"
        case .mutexLock, .mutexUnlock: "mutex"
        case .downRead, .upRead, .downWrite, .upWrite: "rwsem"
        case .spinLock, .spinUnlock: "ptl"
        case .pause: "steps"
        }
    }

    public static let slots = 16
    /// The highest code a step parameter may hold.
    public static let maxCode: Int64 = 11 * 100 + 99

    /// Decode a step parameter; nil for 0 (no step), an error for a bad code.
    public static func decode(_ code: Int64, parameter: String) throws(BuildError) -> (LockStep, Int64)? {
        if code == 0 { return nil }
        guard let op = LockStep(rawValue: code / 100), code > 0 else {
            throw BuildError("\(parameter) = \(code): not a lock step (operation * 100 + object, operation 1...11)")
        }
        let object = code % 100
        guard op.objects.contains(object) else {
            throw BuildError("\(parameter) = \(code): \(op.name) \(object): \(op.objectName) out of range \(op.objects.lowerBound)...\(op.objects.upperBound)"
                             + (op == .lockPage || op == .unlockPage ? " (page 0 is the scenario's page P; pages = N gives it N - 1 more)" : ""))
        }
        return (op, object)
    }
}

/// A task that takes and releases locks in the order its program says:
/// the page locks of the scenario's file pages, mutexes, rwsems (for
/// reading or writing) and page-table spinlocks, with pauses between.
/// Steps are the parameters `step0` … `step15` (`LockStep` codes; 0 ends
/// the program). Each page it names is pinned first
/// (`get_page_unless_zero`) and unpinned last, as a `lock_page` caller
/// holds a reference; page k lives in register k.
public struct LockChain: ProgramActor {
    public init() {}
    public var name: String { "lock-chain" }
    public var summary: String { "takes and releases page locks, mutexes, rwsems and ptls in program order (step0 … step15)" }

    /// The register that holds page k: r0 … r3, clear of r4 (the pin's
    /// result) and the helpers' scratch.
    static func register(ofPage k: Int) -> Register { Register(k) }
    public var reference: String { "lock_page, unlock_page (mm/filemap.c); mutex_lock, mutex_unlock (kernel/locking/mutex.c); down_read, down_write, up_read, up_write (kernel/locking/rwsem.c)" }
    public var parameters: Parameters {
        var p: Parameters = ["delay": 0]
        for i in 0..<LockStep.slots { p["step\(i)"] = 0 }
        return p
    }
    public var limits: [String: Limit] {
        var l: [String: Limit] = ["delay": ParameterLimit.steps]
        for i in 0..<LockStep.slots { l["step\(i)"] = Limit(0...LockStep.maxCode) }
        return l
    }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        var steps: [(LockStep, Int64)] = []
        for i in 0..<LockStep.slots {
            let key = "step\(i)"
            if let s = try LockStep.decode(Int64(context.int(key)), parameter: "actor '\(name)' \(key)") { steps.append(s) }
        }
        var pages: [Int] = []
        for (op, n) in steps where op == .lockPage || op == .unlockPage {
            let k = Int(n)
            guard k < context.layout.pages else {
                throw BuildError("actor '\(context.line.isEmpty ? name : context.line)': \(op.name) \(k): the scenario has \(context.layout.pages) page\(context.layout.pages == 1 ? "" : "s") "
                                 + "(0...\(context.layout.pages - 1)); set pages = \(k + 1) in its parameters")
            }
            if !pages.contains(k) { pages.append(k) }
        }
        pages.sort()
        // Pinning a page someone froze fails: the chain then gives up, and
        // drops the pins it took.
        return try build(name, context) { b in
            let exit = b.label()
            b.pause(context.int("delay"))
            if !pages.isEmpty {
                b.function("lock-chain") { b in
                    for (i, k) in pages.enumerated() {
                        let r = Self.register(ofPage: k)
                        b.emit(.loadPage(r, pfn: context.layout.page(k)))
                        b.emit(.getPageUnlessZero(r, result: Reg.t0))
                        if i == 0 {
                            b.branch(Reg.t0, .equal, 0, to: exit)
                        } else {
                            let pinned = b.label()
                            b.branch(Reg.t0, .notEqual, 0, to: pinned)
                            for j in pages[..<i] { b.emit(.putPage(Self.register(ofPage: j))) }
                            b.jump(to: exit)
                            b.bind(pinned)
                        }
                    }
                }
            }
            for (op, n) in steps {
                let i = Int(n)
                switch op {
                case .lockPage: b.lockPage(Self.register(ofPage: i))
                case .unlockPage: b.unlockPage(Self.register(ofPage: i))
                case .mutexLock: b.function("mutex_lock") { $0.emit(.mutexLock(.mutex(i))) }
                case .mutexUnlock: b.function("mutex_unlock") { $0.emit(.mutexUnlock(.mutex(i))) }
                case .downRead: b.function("down_read") { $0.emit(.downRead(.rwsem(i))) }
                case .upRead: b.function("up_read") { $0.emit(.upRead(.rwsem(i))) }
                case .downWrite: b.function("down_write") { $0.emit(.downWrite(.rwsem(i))) }
                case .upWrite: b.function("up_write") { $0.emit(.upWrite(.rwsem(i))) }
                case .spinLock: b.emit(.spinLock(.ptl(i)))
                case .spinUnlock: b.emit(.spinUnlock(.ptl(i)))
                case .pause: b.pause(i)
                }
            }
            for k in pages { b.emit(.putPage(Self.register(ofPage: k))) }
            b.bind(exit)
        }
    }

    /// The parameters of a program given as steps.
    public static func parameters(_ steps: [(LockStep, Int)]) -> Parameters {
        var p: Parameters = [:]
        for (i, s) in steps.enumerated() { p["step\(i)"] = s.0.rawValue * 100 + Int64(s.1) }
        return p
    }
}
