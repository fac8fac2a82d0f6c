// Shared helpers for the Core tests: worlds with pages in use, one program
// per task, and a `Fixture` that steps tasks in an order the test chooses.
//
// Register convention in every test program: r0 = the task's page,
// r1 = a result (a wait's return value, a trylock's success), r2... free.

import Testing
import PagewaitCore

let rPage: Register = 0
let rResult: Register = 1
let rTmp: Register = 2
let rTmp2: Register = 3

/// The kernel's -EINTR as a wait's return value (errno EINTR = 4).
let EINTR: Int64 = -4

/// A register value naming `pfn` at generation `gen` (a `struct page *`).
func pageRegister(_ pfn: PFN, gen: UInt32 = 1) -> Int64 { PageRef(pfn: pfn, gen: gen).register }

/// One frame's initial state. An in-use frame is at generation 1 (allocated
/// once); its refcount is `extraRefs` plus one per task that holds a
/// reference on it (`TaskSpec.holdsReference`), so the ledger matches.
struct PageSpec {
    var inUse = true
    var flags: PageFlags = []
    /// Task that holds PG_locked; `lockedAnonymously` locks it with no owner
    /// task (a holder outside the test).
    var lockedBy: Int? = nil
    var lockedAnonymously = false
    var extraRefs: Int32 = 0
    var gen: UInt32 = 1

    static let free = PageSpec(inUse: false, gen: 0)
    static func locked(by t: Int, flags: PageFlags = []) -> PageSpec { PageSpec(flags: flags, lockedBy: t) }
}

/// One task: its program, the page in r0, whether it owns a reference on
/// that page, and further registers from r1 on.
struct TaskSpec {
    var program: Program
    var page: PFN = 0
    var holdsReference = true
    var registers: [Int64] = []
}

/// A world whose in-use pages and reference ledger follow `pages` and `tasks`.
func makeWorld(pages: [PageSpec], tasks: [TaskSpec], counters: Int = 0) -> World {
    let states = tasks.enumerated().map { i, t in
        TaskState(program: i, registers: [pageRegister(t.page, gen: pages[t.page.index].gen)] + t.registers)
    }
    var w = World(pages: pages.count, tasks: states, counters: counters)
    for (i, p) in pages.enumerated() {
        w.pages[i].gen = p.gen
        guard p.inUse else { continue }
        w.pages[i].life = .inUse
        w.pages[i].flags = p.flags
        w.pages[i].refcount = p.extraRefs
        if let owner = p.lockedBy {
            w.pages[i].flags.insert(.locked)
            w.pages[i].lockOwner = TaskID(owner)
        } else if p.lockedAnonymously {
            w.pages[i].flags.insert(.locked)
        }
    }
    for (t, spec) in tasks.enumerated() where spec.holdsReference {
        w.pages[spec.page.index].refcount += 1
        w.refs[t * pages.count + spec.page.index] += 1
    }
    return w
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

/// An engine and a world, stepped one task at a time in the order a test
/// names. Every step's event is kept in `log`.
struct Fixture {
    let engine: Engine
    var world: World
    private(set) var log: [StepEvent] = []

    init(config: KernelConfig = KernelConfig(), pages: [PageSpec], tasks: [TaskSpec],
         behaviors: [any WaitBehavior] = [], counters: Int = 0) throws {
        engine = try Engine(config: config, programs: tasks.map(\.program), behaviors: behaviors)
        world = makeWorld(pages: pages, tasks: tasks, counters: counters)
    }

    subscript(task: Int) -> TaskState { world.tasks[task] }
    func page(_ pfn: PFN) -> PageFrame { world.pages[pfn.index] }
    /// The bucket `pfn`'s waiters queue on.
    func bucket(_ pfn: PFN) -> Int16 { engine.config.waitTable.bucket(of: pfn) }
    /// Tasks queued on `pfn`'s bucket, in list order.
    func queued(_ pfn: PFN) -> [Int] { world.waiters(in: bucket(pfn)) }
    func result(_ task: Int) -> Int64 { world.tasks[task].registers[Int(rResult)] }
    /// A task has been woken: RUNNING, not asleep, its entry off the list.
    func isWoken(_ task: Int) -> Bool {
        let s = world.tasks[task]
        return s.state == .running && !s.blocked && !s.entry.onList
    }
    /// A task sleeps in io_schedule with its entry on the list.
    func isAsleepQueued(_ task: Int) -> Bool {
        let s = world.tasks[task]
        return s.blocked && s.entry.onList
    }

    /// One step of `task`.
    @discardableResult
    mutating func step(_ task: Int) throws(Violation) -> StepEvent {
        let e = try engine.step(&world, task: task)
        log.append(e)
        return e
    }

    /// Steps in the given order.
    @discardableResult
    mutating func run(_ order: [Int]) throws(Violation) -> [StepEvent] {
        var out: [StepEvent] = []
        for t in order { out.append(try step(t)) }
        return out
    }

    /// Step `task` alone until `stop` holds after a step (or it finishes or
    /// blocks). Fails if it cannot take a step on the way (a lock held).
    @discardableResult
    mutating func runAlone(_ task: Int, limit: Int = 1000, until stop: (StepEvent, World) -> Bool) throws -> [StepEvent] {
        var out: [StepEvent] = []
        for _ in 0..<limit {
            let s = world.tasks[task]
            if s.finished || s.blocked { return out }
            guard engine.isEnabled(world, task) else {
                throw FixtureError(description: "task \(task) cannot step (a lock it needs is held)")
            }
            let e = try step(task)
            out.append(e)
            if stop(e, world) { return out }
        }
        throw FixtureError(description: "task \(task) did not stop within \(limit) steps")
    }

    /// Run `task` alone until it is asleep in io_schedule; fails if it
    /// finishes instead.
    @discardableResult
    mutating func sleep(_ task: Int) throws -> [StepEvent] {
        let out = try runAlone(task) { _, _ in false }
        guard world.tasks[task].blocked else {
            throw FixtureError(description: "task \(task) finished instead of sleeping")
        }
        return out
    }

    /// Run `task` alone to the end of its program; fails if it blocks.
    @discardableResult
    mutating func finish(_ task: Int) throws -> [StepEvent] {
        let out = try runAlone(task) { _, _ in false }
        guard world.tasks[task].finished else {
            throw FixtureError(description: "task \(task) went to sleep instead of finishing")
        }
        return out
    }

    /// Round-robin over the enabled tasks (lowest first after the last one
    /// run) until none can step. `check` sees every step.
    mutating func roundRobin(limit: Int = 100_000, check: (StepEvent, World) -> Void = { _, _ in }) throws {
        var last = -1
        for _ in 0..<limit {
            let n = world.tasks.count
            guard let t = (1...n).lazy.map({ (last + $0) % n }).first(where: { engine.isEnabled(world, $0) }) else { return }
            let e = try step(t)
            check(e, world)
            last = t
        }
        throw FixtureError(description: "round robin did not quiesce within \(limit) steps")
    }
}

/// Run `body`, returning the violation it throws (nil if none).
func violation(_ body: () throws -> Void) -> Violation? {
    do {
        try body()
        return nil
    } catch let v as Violation {
        return v
    } catch {
        Issue.record("unexpected error: \(error)")
        return nil
    }
}

/// Programs the tests share.
enum Programs {
    static func build(_ name: String, _ body: (inout ProgramBuilder) -> Void) throws(ProgramError) -> Program {
        var b = ProgramBuilder(name: name)
        body(&b)
        return try b.build()
    }

    /// One `wait_on_page_bit_common` on r0; the result goes to r1.
    static func wait(_ behavior: UInt8, _ state: SleepState = .uninterruptible, bit: PageFlags = .locked) throws(ProgramError) -> Program {
        try build("wait") { $0.emit(.waitOnPageBit(rPage, bit, state, behavior: behavior, result: rResult)) }
    }

    /// An EXCLUSIVE wait (`__lock_page`), then `unlock_page` if it returned 0.
    static func waitThenUnlock(_ state: SleepState = .uninterruptible) throws(ProgramError) -> Program {
        try build("wait+unlock") { b in
            let done = b.label()
            b.emit(.waitOnPageBit(rPage, .locked, state, behavior: BehaviorID.exclusive, result: rResult))
            b.branch(rResult, .notEqual, 0, to: done)
            b.unlockPage(rPage)
            b.bind(done)
        }
    }

    /// `unlock_page(r0)`.
    static func unlock() throws(ProgramError) -> Program { try build("unlock") { $0.unlockPage(rPage) } }

    /// `unlock_page(r0)` then `put_page(r0)`.
    static func unlockAndPut() throws(ProgramError) -> Program {
        try build("unlock+put") { b in
            b.unlockPage(rPage)
            b.emit(.putPage(rPage))
        }
    }

    /// `lock_page`, bump `counter` (the critical section), `unlock_page`;
    /// with `.killable`, skip the section and the unlock on -EINTR.
    static func lockCountUnlock(counter: Int32, _ state: SleepState = .uninterruptible) throws(ProgramError) -> Program {
        try build("locker") { b in
            let done = b.label()
            b.lockPage(rPage, state: state, result: rResult)
            b.branch(rResult, .notEqual, 0, to: done)
            b.emit(.count(counter))
            b.unlockPage(rPage)
            b.bind(done)
        }
    }

    /// `trylock_page(r0)` into r1; if it succeeded and `unlock`, unlock again.
    static func trylock(thenUnlock unlock: Bool = false) throws(ProgramError) -> Program {
        try build("trylock") { b in
            let done = b.label()
            b.emit(.trylockPage(rPage, result: rResult))
            if unlock {
                b.branch(rResult, .equal, 0, to: done)
                b.unlockPage(rPage)
            }
            b.bind(done)
        }
    }

    static func signal(_ target: Int, fatal: Bool = true) throws(ProgramError) -> Program {
        try build("signal") { $0.emit(.sendSignal(task: TaskID(target), fatal: fatal)) }
    }

    static func ops(_ name: String, _ ops: [Op]) throws(ProgramError) -> Program {
        try build(name) { b in for op in ops { b.emit(op) } }
    }

    static func idle() throws(ProgramError) -> Program { try ops("idle", [.pause]) }
}

/// `w` without what no step reads back: run statistics, and the wait entry
/// of a task outside any frame (the next wait starts it afresh; a frame
/// leaves no locals behind). Two worlds with the same canonical form behave
/// alike.
func canonical(_ w: World) -> World {
    var c = w
    c.stats = WorldStats()
    for i in c.tasks.indices {
        c.tasks[i].stats = TaskStats()
        if c.tasks[i].frame == .none {
            c.tasks[i].entry = WaitEntry()
        }
    }
    return c
}

/// Every behaviour reachable from `world` under any schedule, each
/// canonical state visited once (depth first). `onStep` sees each
/// transition (before, event, after); `atEnd` sees each state where no task
/// can step.
@discardableResult
func explore(_ engine: Engine, from world: World, limit: Int = 500_000,
             onStep: (World, StepEvent, World) -> Void = { _, _, _ in },
             atEnd: (World) -> Void) throws -> Int {
    var seen: Set<World> = [canonical(world)]
    var stack = [world]
    while let w = stack.popLast() {
        let enabled = engine.enabledTasks(w)
        if enabled.isEmpty {
            atEnd(w)
            continue
        }
        for t in enabled {
            var next = w
            let e = try engine.step(&next, task: t)
            onStep(w, e, next)
            if seen.insert(canonical(next)).inserted {
                stack.append(next)
                if seen.count > limit { throw FixtureError(description: "more than \(limit) states") }
            }
        }
    }
    return seen.count
}

let allCores: [WaitCore] = [.v4_19, .v5_9a, .v5_9()]

/// The cores whose waker takes the lock for the first queued exclusive
/// waiter: v5.9a always, v5.9 once the waiter asks for a handoff
/// (unfairness 0 makes the first queueing ask).
func wakerHandsOff(_ core: WaitCore) -> Bool { core == .v5_9a || core == .v5_9(unfairness: 0) }
