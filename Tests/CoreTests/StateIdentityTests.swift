// State identity is complete: every stored field of every state type is
// either fed to the fingerprint or named as outside identity beside its
// definition. A field added and forgotten would merge distinct states — a
// false proof with no error — so this is checked by reflection, and each
// field's change is checked to move the hash.

import Testing
@testable import PagewaitCore

/// How to change one field of a `T` so that its identity must change:
/// `prepare` sets up a state in which the field counts (a wait frame counts
/// only inside a wait), `change` alters the field alone.
struct FieldChange<T> {
    var prepare: (inout T) -> Void = { _ in }
    var change: (inout T) -> Void
}

/// Every field of `value`'s type: a change for each one in identity, and
/// the names outside identity, together exactly the type's stored fields.
func expectIdentityCovers<T: StateIdentity & Equatable>(
    _ value: T, _ changes: [String: FieldChange<T>],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let type = String(describing: T.self)
    let stored = Set(Mirror(reflecting: value).children.compactMap(\.label))
    for name in stored.sorted() where changes[name] == nil && !T.fieldsOutsideIdentity.contains(name) {
        Issue.record("\(type).\(name) is stored but neither hashed by combineIdentity (give this test a change for it) nor listed in \(type).fieldsOutsideIdentity",
                     sourceLocation: sourceLocation)
    }
    for name in T.fieldsOutsideIdentity.union(changes.keys).sorted() where !stored.contains(name) {
        Issue.record("\(type).\(name) is named here or in fieldsOutsideIdentity but is not a stored field", sourceLocation: sourceLocation)
    }
    for name in T.fieldsOutsideIdentity where changes[name] != nil {
        Issue.record("\(type).\(name) is both in identity and outside it", sourceLocation: sourceLocation)
    }
    for (name, c) in changes.sorted(by: { $0.key < $1.key }) {
        var before = value
        c.prepare(&before)
        var after = before
        c.change(&after)
        #expect(after != before, "the change given for \(type).\(name) changes nothing", sourceLocation: sourceLocation)
        #expect(after.identityHash != before.identityHash,
                "\(type).\(name) changed but the identity did not: combineIdentity leaves it out", sourceLocation: sourceLocation)
    }
}

@Suite("State identity")
struct StateIdentityTests {
    @Test("every stored field of PageFrame is identity")
    func pageFrame() {
        expectIdentityCovers(PageFrame(), [
            "flags": FieldChange { $0.flags.insert(.dirty) },
            "refcount": FieldChange { $0.refcount += 1 },
            "mapcount": FieldChange { $0.mapcount += 1 },
            "life": FieldChange { $0.life = .inUse },
            "frozenBy": FieldChange { $0.frozenBy = TaskID(3) },
            "gen": FieldChange { $0.gen += 1 },
            "mapping": FieldChange { $0.mapping = 2 },
            "isolatedBy": FieldChange { $0.isolatedBy = TaskID(1) },
            "lockOwner": FieldChange { $0.lockOwner = TaskID(1) },
            "memmapPresent": FieldChange { $0.memmapPresent.toggle() },
            "writebackBy": FieldChange { $0.writebackBy = TaskID(2) },
        ])
    }

    @Test("every stored field of PTE, CacheSlot, WaitEntry and QueueItem is identity")
    func smallTypes() {
        expectIdentityCovers(PTE(mm: 0), [
            "kind": FieldChange { $0.kind = .migration },
            "pfn": FieldChange { $0.pfn = 4 },
            "mm": FieldChange { $0.mm = 1 },
            "level": FieldChange { $0.level = .pmd },
        ])
        expectIdentityCovers(CacheSlot(file: 0), [
            "file": FieldChange { $0.file = 1 },
            "pfn": FieldChange { $0.pfn = 2 },
        ])
        expectIdentityCovers(WaitEntry(), [
            "page": FieldChange { $0.page.gen += 1 },
            "bit": FieldChange { $0.bit = .writeback },
            "flags": FieldChange { $0.flags.insert(.exclusive) },
            "onList": FieldChange { $0.onList.toggle() },
            "bucket": FieldChange { $0.bucket = 5 },
        ])
        expectIdentityCovers(QueueItem(bucket: 0, task: TaskID(1), isBookmark: false), [
            "bucket": FieldChange { $0.bucket = 2 },
            "task": FieldChange { $0.task = TaskID(3) },
            "isBookmark": FieldChange { $0.isBookmark.toggle() },
        ])
    }

    @Test("a frame's kind is identity, and so are its locals while the task is inside it")
    func frameInTask() {
        var wait = TaskState(program: 0), wake = wait
        wait.frame = .wait(WaitFrame())
        wake.frame = .wake(WakeFrame())
        #expect(wait.identityHash != wake.identityHash && wait.identityHash != TaskState(program: 0).identityHash)
        var waitMoved = wait, wakeMoved = wake
        waitMoved.wait.phase += 1
        wakeMoved.wake.next = TaskID(2)
        #expect(waitMoved.identityHash != wait.identityHash && wakeMoved.identityHash != wake.identityHash)
    }

    @Test("both words of a lock set are identity")
    func lockSet() {
        expectIdentityCovers(LockSet(), [
            "low": FieldChange { $0.insert(.ptl(1)) },
            "high": FieldChange { $0.insert(LockID(raw: 64)) },
        ])
    }

    @Test("every stored field of the wait and wake frames is identity or a statistic")
    func frames() {
        expectIdentityCovers(WaitFrame(), [
            "phase": FieldChange { $0.phase += 1 },
            "page": FieldChange { $0.page.pfn = 3 },
            "bit": FieldChange { $0.bit = .writeback },
            "state": FieldChange { $0.state = .killable },
            "behavior": FieldChange { $0.behavior = 2 },
            "resultRegister": FieldChange { $0.resultRegister = 4 },
            "release": FieldChange { $0.release = 1 },
            "bitSet": FieldChange { $0.bitSet.toggle() },
            "result": FieldChange { $0.result = -4 },
            "unfairness": FieldChange { $0.unfairness = 5 },
            "requeues": FieldChange { $0.requeues += 1 },
            "thrashing": FieldChange { $0.thrashing.toggle() },
            "delayacct": FieldChange { $0.delayacct.toggle() },
        ])
        expectIdentityCovers(WakeFrame(), [
            "phase": FieldChange { $0.phase += 1 },
            "page": FieldChange { $0.page.pfn = 3 },
            "bit": FieldChange { $0.bit = .writeback },
            "bucket": FieldChange { $0.bucket = 2 },
            "next": FieldChange { $0.next = TaskID(1) },
            "nextIsBookmark": FieldChange { $0.nextIsBookmark.toggle() },
            "pageMatch": FieldChange { $0.pageMatch.toggle() },
            "nrExclusive": FieldChange { $0.nrExclusive = 0 },
            "count": FieldChange { $0.count += 1 },
            "resumeFromBookmark": FieldChange { $0.resumeFromBookmark.toggle() },
            "woken": FieldChange { $0.woken.insert(70) },
        ])
        expectIdentityCovers(TaskStats(), [
            "psiEnter": FieldChange { $0.psiEnter += 1 },
            "psiLeave": FieldChange { $0.psiLeave += 1 },
            "delayacctStart": FieldChange { $0.delayacctStart += 1 },
            "delayacctEnd": FieldChange { $0.delayacctEnd += 1 },
        ])
    }

    @Test("every stored field of TaskState is identity or the scheduler's hint")
    func taskState() {
        expectIdentityCovers(TaskState(program: 0), [
            "program": FieldChange { $0.program = 1 },
            "pc": FieldChange { $0.pc += 1 },
            "registers": FieldChange { $0.registers[7] = 9 },
            "state": FieldChange { $0.state = .killable },
            "blocked": FieldChange { $0.blocked.toggle() },
            "pending": FieldChange { $0.pending = .fatal },
            "finished": FieldChange { $0.finished.toggle() },
            "heldLocks": FieldChange { $0.heldLocks.insert(.mapping(0)) },
            "heldBucket": FieldChange { $0.heldBucket = 3 },
            "frame": FieldChange { $0.frame = .wake(WakeFrame()) },
            "entry": FieldChange { $0.entry.onList.toggle() },
            "snapshot": FieldChange { $0.snapshot.insert(.waiters) },
            "stats": FieldChange { $0.stats.psiEnter += 1 },
        ])
    }

    @Test("every stored field of a sleeping lock is identity, but for the steps reports print")
    func sleepLock() {
        var l = SleepLock()
        l.waiters = [SleepWaiter(task: TaskID(0), mode: .exclusive, since: 3)]
        expectIdentityCovers(l, [
            "owner": FieldChange { $0.owner = TaskID(1) },
            "readers": FieldChange { $0.readers.insert(2) },
            "waiters": FieldChange { $0.waiters[0].mode = .shared },
            "handoff": FieldChange { $0.handoff.toggle() },
        ])
    }

    /// A store of PG_locked waiting in task 1's buffer (`--memory tso`).
    static func bufferOneStore(_ w: inout World) {
        let store = PendingStore(location: Location.flags(pfn: PFN(0)), value: StoredValue.flags(PageFlags.locked))
        w.storeBuffers.append(store, task: 1, taskCount: 2)
    }

    @Test("every stored field of World is identity or a statistic")
    func world() {
        var w = World(pages: 2, ptes: [PTE(mm: 0)], cache: [CacheSlot(file: 0)],
                      tasks: [TaskState(program: 0), TaskState(program: 0)], counters: 2)
        w.queue.append(QueueItem(bucket: 0, task: TaskID(1), isBookmark: false))
        expectIdentityCovers(w, [
            "pages": FieldChange { $0.pages[1].refcount += 1 },
            "ptes": FieldChange { $0.ptes[0].pfn = 1 },
            "cache": FieldChange { $0.cache[0].pfn = 0 },
            "tasks": FieldChange { $0.tasks[1].pc += 1 },
            "refs": FieldChange { $0.refs[3] += 1 },
            "queue": FieldChange { $0.queue[0].task = TaskID(0) },
            "sleepLocks": FieldChange { $0.sleepLocks.append(SleepLock()) },
            "counters": FieldChange { $0.counters[1] += 1 },
            "cpu": FieldChange { $0.cpu.running = [TaskID(1), .none] },
            "storeBuffers": FieldChange(change: Self.bufferOneStore),
            "views": FieldChange(change: Self.olderMessage),
        ])
    }

    /// Task 1 still able to read the value page 0's refcount had before
    /// task 0's store (`--memory arm`).
    static func olderMessage(_ w: inout World) {
        w.views.append(Location.refcount(pfn: PFN(0)), replacing: StoredValue.count(0), .plain, task: 0)
    }

    @Test("every stored field of CPUState is identity: which task each CPU runs, which rests on cond_resched, which has work queued")
    func cpuState() {
        var s = CPUState()
        s.running = [.none, .none]
        expectIdentityCovers(s, [
            "running": FieldChange { $0.running[1] = TaskID(0) },
            "resched": FieldChange { $0.resched |= 2 },
            "pending": FieldChange { $0.pending |= 1 },
        ])
    }

    @Test("the engine's fingerprint is the world's identity with only the counters programs read")
    func fingerprintKeepsControlCountersOnly() throws {
        let reader = Program(name: "reader", instructions: [Instruction(.readCounter(1, into: 0), in: "reader")])
        let engine = try Engine(programs: [reader])
        #expect(engine.controlCounters == [1])
        let w = World(pages: 1, tasks: [TaskState(program: 0)], counters: 2)
        var observed = w, read = w
        observed.counters[0] += 1
        read.counters[1] += 1
        #expect(engine.fingerprint(observed) == engine.fingerprint(w))
        #expect(engine.fingerprint(read) != engine.fingerprint(w))
    }
}
