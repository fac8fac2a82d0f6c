// `--memory arm` in the engine: the door's accesses under the view
// semantics (Views.swift), the step that records them, and the ADVANCE
// choices. The rules are WeakMachine's (Weak/WeakMachine.swift): loads
// read at the task's `cur`, stores append to coherence order, RMWs read
// the newest and append, release/acquire/fully-ordered accesses join views
// as there.

extension Engine {
    /// Whether the engine runs the ARMv8-like view semantics.
    @inline(__always) var arm: Bool { memory == .arm }

    /// The first choice number that is an advance: `advanceBase + 8·t + j`
    /// is "task t's view of the j-th word its next step reads (among those
    /// it is behind on, in `Location.hashValueStable` order) moves to the
    /// next newer message". Schedule bytes 192 + 8·t + j (`~t.j`).
    public static let advanceBase = 64
    /// Tasks an `arm` setup may have, and words per step an advance can name.
    public static let armTasks = 8, armWordsPerStep = 8

    // MARK: the door

    func armLoad<C: MemoryCell>(_ w: World, _ cell: C, _ order: MemoryOrder, _ step: ArmStep) -> C.Value {
        if let f = cell as? FrameCell { return armLoadFrame(w, f, order, step) as! C.Value }
        let newest = cell.value(in: w)
        guard let code = cell.stored(newest) else { return newest }
        return armRead(cell.location, newest: code, order, step).flatMap(cell.unwrap) ?? newest
    }

    /// One word's read at the task's `cur`: the older value it reads, or nil.
    private func armRead(_ x: Location, newest: StoredValue, _ order: MemoryOrder, _ step: ArmStep) -> StoredValue? {
        step.reads.append(x)
        guard let m = step.views.load(x, order, task: step.task) else { return nil }
        step.stale.append((x, step.views.cur(x, task: step.task)))
        _ = newest
        return m.value
    }

    func armStore<C: MemoryCell>(_ w: inout World, _ cell: C, _ value: C.Value, _ order: MemoryOrder, _ step: ArmStep) {
        if let f = cell as? FrameCell { return armStoreFrame(&w, f, value as! PageFrame, order, step) }
        let old = cell.value(in: w)
        if let code = cell.stored(old) {
            step.views.append(cell.location, replacing: code, order, task: step.task)
        }
        cell.set(value, in: &w)
    }

    func armRMW<C: MemoryCell, R, E: Error>(_ w: inout World, _ cell: C, _ order: MemoryOrder, _ step: ArmStep,
                                            _ body: (inout C.Value) throws(E) -> R) throws(E) -> R {
        if let f = cell as? FrameCell {
            // A read-modify-write of the whole frame: each word read at
            // `cur`, each word it changes appended.
            let old = armLoadFrame(w, f, order, step) as! C.Value
            var new = old
            let result = try body(&new)
            if new != old { armStoreFrame(&w, f, changing: old as! PageFrame, to: new as! PageFrame, order, step) }
            return result
        }
        let memory = cell.value(in: w)
        guard let code = cell.stored(memory) else {
            var new = memory
            let result = try body(&new)
            if new != memory { cell.set(new, in: &w) }
            return result
        }
        let x = cell.location, t = step.task
        if order == .plain {
            // `__clear_bit`, `flags |= x`: a load at `cur` and a store.
            let old = armRead(x, newest: code, .plain, step).flatMap(cell.unwrap) ?? memory
            var new = old
            let result = try body(&new)
            if new != old {
                step.views.append(x, replacing: code, .plain, task: t)
                cell.set(new, in: &w)
            }
            return result
        }
        step.reads.append(x)
        var new = memory
        let result = try body(&new)
        let success = new != memory
        let carried = step.views.lines[x]?.newestView ?? [:]
        step.views.readNewest(x, order, task: t, success: success)
        if success {
            // The barrier after the write is `append`'s; the one before was
            // `readNewest`'s.
            step.views.append(x, replacing: code, order == .fullyOrdered ? .release : order, task: t, carried: carried)
            if order == .fullyOrdered { step.views.fullBarrier(t) }
            cell.set(new, in: &w)
        }
        return result
    }

    private static func words(_ p: PFN) -> [Location] {
        [.flags(pfn: p), .refcount(pfn: p), .mapcount(pfn: p), .mapping(pfn: p)]
    }

    private func armLoadFrame(_ w: World, _ f: FrameCell, _ order: MemoryOrder, _ step: ArmStep) -> PageFrame {
        var page = f.value(in: w)
        if let v = armRead(.flags(pfn: f.pfn), newest: .flags(page.flags), order, step), case .flags(let x) = v { page.flags = x }
        if let v = armRead(.refcount(pfn: f.pfn), newest: .count(page.refcount), order, step), case .count(let x) = v { page.refcount = x }
        if let v = armRead(.mapcount(pfn: f.pfn), newest: .count(page.mapcount), order, step), case .count(let x) = v { page.mapcount = x }
        if let v = armRead(.mapping(pfn: f.pfn), newest: .count(page.mapping), order, step), case .count(let x) = v { page.mapping = x }
        return page
    }

    /// A store of the whole frame: each word it changes is appended.
    private func armStoreFrame(_ w: inout World, _ f: FrameCell, _ value: PageFrame, _ order: MemoryOrder, _ step: ArmStep) {
        armStoreFrame(&w, f, changing: f.value(in: w), to: value, order, step)
    }

    /// The frame's words that differ between `old` (as the task read them)
    /// and `new` are appended; the others keep their newest value.
    private func armStoreFrame(_ w: inout World, _ f: FrameCell, changing old: PageFrame, to new: PageFrame,
                               _ order: MemoryOrder, _ step: ArmStep) {
        let memory = f.value(in: w), t = step.task
        var final = new
        if new.flags != old.flags { step.views.append(.flags(pfn: f.pfn), replacing: .flags(memory.flags), order, task: t) } else { final.flags = memory.flags }
        if new.refcount != old.refcount { step.views.append(.refcount(pfn: f.pfn), replacing: .count(memory.refcount), order, task: t) } else { final.refcount = memory.refcount }
        if new.mapcount != old.mapcount { step.views.append(.mapcount(pfn: f.pfn), replacing: .count(memory.mapcount), order, task: t) } else { final.mapcount = memory.mapcount }
        if new.mapping != old.mapping { step.views.append(.mapping(pfn: f.pfn), replacing: .count(memory.mapping), order, task: t) } else { final.mapping = memory.mapping }
        f.set(final, in: &w)
    }

    /// Read `cell` as the task will see it right after a fully ordered RMW
    /// of `rmwCell` it is about to make: put_page's free check, which the
    /// model makes before the decrement so that a bad page leaves the world
    /// as it was, while the kernel's free_pages_check runs after
    /// put_page_testzero's full barrier. Under `sc` and `tso` a plain load.
    func load<C: MemoryCell, R: MemoryCell>(_ w: World, _ cell: C, _ order: MemoryOrder, afterFullRMWOf rmwCell: R) -> C.Value {
        guard arm, let step = w.views.step else { return load(w, cell, order) }
        let views = step.views, stale = step.stale.count
        step.views.readNewest(rmwCell.location, .fullyOrdered, task: step.task, success: true)
        step.views.fullBarrier(step.task)
        let value = load(w, cell, order)
        step.views = views
        step.stale.removeLast(step.stale.count - stale)
        return value
    }

    // MARK: steps

    /// A task's step under `arm`: its accesses go through a fresh `ArmStep`,
    /// whose views become the world's afterwards, garbage-collected.
    func armStep(_ w: inout World, task t: Int) throws(Violation) -> StepEvent {
        let before = w.views
        let step = beginArmStep(&w, task: t)
        let held = (w.tasks[t].heldLocks, w.tasks[t].heldBucket)
        do {
            let e = try stepTask(&w, t)
            try checkAdvanceLimit(before, step)
            armCommit(&w, step, held: held)
            return e
        } catch {
            armCommit(&w, step, held: held)
            throw error
        }
    }

    /// The step's `ArmStep`, with the lock its gate takes acquired first.
    /// (A lock a step takes other than by its gate publishes nothing to it:
    /// fewer orderings, more behaviours, never fewer.)
    private func beginArmStep(_ w: inout World, task t: Int) -> ArmStep {
        var views = w.views
        let pages = w.pages.count
        let gate: Need = w.tasks.withUnsafeBufferPointer { b in self.need(of: b.baseAddress! + t, pageCount: pages) }
        switch gate {
        case .spinLock(let l): views.acquireLock(Int(l.raw), task: t)
        case .bucketLock(let b): views.acquireLock(1000 + Int(b), task: t)
        default: break
        }
        let step = ArmStep(views: views, task: t)
        w.views.step = step
        return step
    }

    private func armCommit(_ w: inout World, _ step: ArmStep, held: (LockSet, Int16)) {
        var v = step.views
        let t = step.task
        for l in held.0 where !w.tasks[t].heldLocks.contains(l) { v.releaseLock(Int(l.raw), task: t) }
        if held.1 >= 0 && w.tasks[t].heldBucket != held.1 { v.releaseLock(1000 + Int(held.1), task: t) }
        v.step = nil
        v.lastStale = step.stale.compactMap { (x, ts) in
            guard let line = v.lines[x], ts < line.older.count, let newest = w.storedValue(of: x) else { return nil }
            return Views.StaleRead(location: x, read: line.older[ts], newest: newest, newestWriter: line.newestWriter)
        }
        collect(&v, w.tasks)
        w.views = v
    }

    /// After a step or an advance: the history no live task can read goes,
    /// sleepers' views raised first (`Views.normalize`).
    private func collect(_ v: inout Views, _ tasks: [TaskState]) {
        v.normalize(taskCount: tasks.count, finished: { tasks[$0].finished }, blocked: { raisesSleepersViews && tasks[$0].blocked })
    }

    /// A step that read more words it was behind on than its advances can
    /// name (`armWordsPerStep`) stops the run: its search could not offer
    /// every older message it may read, so going on could print a false
    /// proof. Said as a finding of its own, never silently narrowed.
    private func checkAdvanceLimit(_ before: Views, _ step: ArmStep) throws(Violation) {
        var behind = Set<Location>()
        for x in step.reads where before.isBehind(x, task: step.task) { behind.insert(x) }
        guard behind.count > Self.armWordsPerStep else { return }
        throw Violation(.armModelLimit, task: step.task, function: "memory view",
                        detail: "the step read \(behind.count) words it may read an older value of; --memory arm names at most \(Self.armWordsPerStep) a step (1...\(Self.armWordsPerStep))")
    }

    /// The words task `t`'s next step reads, found by running the step on a
    /// copy (so no branch it takes on an older value is missed), that it is
    /// behind on, in `hashValueStable` order: what its advances name.
    func advanceWords(_ w: World, task t: Int) -> [Location] {
        guard arm, t < w.tasks.count, w.views.isBehind(task: t) else { return [] }
        var e = self
        #if PAGEWAIT_ACCESS_LOG
        e.recordsAccesses = false
        #endif
        var c = w
        let step = e.beginArmStep(&c, task: t)
        _ = try? e.stepTask(&c, t)
        var seen = Set<Location>()
        var out: [Location] = []
        for x in step.reads where !seen.contains(x) && w.views.isBehind(x, task: t) {
            seen.insert(x)
            out.append(x)
        }
        return out.sorted { $0.hashValueStable < $1.hashValueStable }
    }

    /// The advance choices open now for the tasks in `runnable`.
    func advanceChoices(_ w: World, _ runnable: TaskSet) -> TaskSet {
        var s = TaskSet()
        guard !w.views.lines.isEmpty else { return s }
        for t in runnable where t < Self.armTasks {
            let n = min(advanceWords(w, task: t).count, Self.armWordsPerStep)
            for j in 0..<n { s.insert(Self.advanceBase + Self.armWordsPerStep * t + j) }
        }
        return s
    }

    /// The task and word index an advance choice names, or nil for a task's step.
    @inline(__always)
    public func advance(_ choice: Int) -> (task: Int, word: Int)? {
        guard arm, choice >= Self.advanceBase else { return nil }
        let c = choice - Self.advanceBase
        return (c / Self.armWordsPerStep, c % Self.armWordsPerStep)
    }

    /// Whether an advance choice is open in `w`.
    func isOpenAdvance(_ w: World, _ choice: Int) -> Bool { advancedWord(w, choice) != nil }

    /// The word an advance choice moves the view of, if the choice is open
    /// in `w` (one probe of the task's step).
    private func advancedWord(_ w: World, _ choice: Int) -> Location? {
        guard let (t, j) = advance(choice), t < w.tasks.count, isRunnable(w, t) else { return nil }
        let words = advanceWords(w, task: t)
        return j < words.count ? words[j] : nil
    }

    /// Task t's view of its j-th word moves to the next newer message.
    func advanceStep(_ w: inout World, choice: Int) throws(Violation) -> StepEvent {
        guard let x = advancedWord(w, choice), let (t, _) = advance(choice) else {
            let (t, j) = advance(choice) ?? (choice, 0)
            throw Violation(.notRunnable, task: min(t, max(w.tasks.count - 1, 0)), function: "memory view",
                            detail: "task \(t) has no word \(j) to advance its view of")
        }
        let ts = w.views.cur(x, task: t) + 1
        let line = w.views.lines[x]!
        let value = ts < line.older.count ? line.older[ts].value : w.storedValue(of: x)!
        w.views.advance(x, task: t)
        w.views.lastStale = []
        collect(&w.views, w.tasks)
        w.stats.steps &+= 1
        return StepEvent(task: t, site: .instruction(-1), .advance, pfn: x.pfn ?? .none,
                         a: Int64(bitPattern: x.hashValueStable), b: value.code)
    }

    /// The choice that takes step `e` from `before` (a task's number, a
    /// flush, or an advance), for re-running it.
    public func choice(of e: StepEvent, before: World) -> Int {
        switch e.action {
        case .flush: return StoreBuffers.flushBase + e.task.index
        case .advance:
            let words = advanceWords(before, task: e.task.index)
            let j = words.firstIndex { Int64(bitPattern: $0.hashValueStable) == e.a } ?? 0
            return Self.advanceBase + Self.armWordsPerStep * e.task.index + j
        default: return e.task.index
        }
    }

    /// What an advance event says: `task 2's view of page 0 flags moves to
    /// the store of task 1: PG_locked clear`.
    public func advanceText(_ e: StepEvent, before: World, name: (Int) -> String) -> String {
        let x = before.views.lines.keys.first { Int64(bitPattern: $0.hashValueStable) == e.a }
        var writer = -1
        if let x, let line = before.views.lines[x] {
            let ts = before.views.cur(x, task: e.task.index) + 1
            writer = ts < line.older.count ? line.older[ts].writer : line.newestWriter
        }
        let text = StoredValue.flushText(location: e.a, value: e.b)
        let (place, value) = text.firstIndex(of: "=").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) } ?? (text, "")
        let by = writer < 0 ? "the initial value" : "the store of \(name(writer))"
        return "\(name(e.task.index))'s view of \(place) moves to \(by): \(value)"
    }
}

extension World {
    /// The newest value of a word, as a message carries it.
    func storedValue(of x: Location) -> StoredValue? {
        switch x {
        case .flags(let p): .flags(pages[p.index].flags)
        case .refcount(let p): .count(pages[p.index].refcount)
        case .mapcount(let p): .count(pages[p.index].mapcount)
        case .mapping(let p): .count(pages[p.index].mapping)
        case .pte(let s): .pte(ptes[Int(s)])
        case .cacheSlot(let s): .slot(cache[Int(s)])
        case .waitFlags(let t): .waitFlags(tasks[t].entry.flags)
        case .waitLink(let t): .waitLink(tasks[t].entry.onList)
        case .frame, .ledger, .waitersWord: nil  // (arm refuses the separate word: Engine.withMemory)
        }
    }
}

extension Views {
    /// What a trace line adds under `arm` for the step that made `after`:
    /// each load that read an older message, with the newer one it missed.
    public func notes(name: (Int) -> String) -> [String] {
        lastStale.map { s in
            let by = s.read.writer < 0 ? "the initial value" : "\(name(s.read.writer))'s store"
            let newer = s.newestWriter < 0 ? "the initial value" : "\(name(s.newestWriter))'s store"
            return "read \(s.location.kernelName)=\(s.read.value) (\(by)): stale, \(newer) \(s.location.kernelName)=\(s.newest) is newer"
        }
    }
}

extension ViolationKind {
    /// `--memory arm`: a step read more words it was behind on than an
    /// advance choice can name; the search stops rather than miss them.
    public static let armModelLimit = ViolationKind(rawValue: "ARM_MODEL_LIMIT")
}
