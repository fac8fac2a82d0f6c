import PagewaitCore

// What a step changed, in words: each `Change` of Core's world diff
// (`World.changes(from:to:)`) as a trace line's tail, seen from the task
// that stepped, without what the step's event already says.

extension TraceFormatter {
    /// The changes of one step in words, leaving out what the event's own
    /// words already say.
    public func changeTexts(_ e: StepEvent, before: World, after: World) -> [String] {
        let all = World.changes(from: before, to: after)
        return all.compactMap { c in
            covered(c, by: e, all: all) ? nil : text(of: c, event: e, before: before, after: after)
        }
    }

    /// Whether the event's own words already say `c`.
    private func covered(_ c: Change, by e: StepEvent, all: [Change]) -> Bool {
        let me = e.task.index
        switch (e.action, c) {
        case (.refcount, .refcount(let pfn, _, _)): return pfn == e.pfn
        case (.frozen, .refcount(let pfn, _, _)), (.unfrozen, .refcount(let pfn, _, _)): return pfn == e.pfn
        case (.frozen, .life(let pfn, _, _, _)), (.unfrozen, .life(let pfn, _, _, _)): return pfn == e.pfn
        case (.freed, .life(let pfn, _, let to, _)): return pfn == e.pfn && to == .free
        case (.allocated, .life(let pfn, _, _, _)): return pfn == e.pfn
        case (.flags, .flags(let pfn, _, _)): return pfn == e.pfn
        case (.trylock, .flags(let pfn, let set, let cleared)), (.takeBit, .flags(let pfn, let set, let cleared)):
            return pfn == e.pfn && set == .locked && cleared.isEmpty
        case (.unlockU1, .flags(let pfn, let set, let cleared)), (.releaseLocked, .flags(let pfn, let set, let cleared)):
            return pfn == e.pfn && set.isEmpty && cleared == .locked
        case (.wakeEnd, .flags(let pfn, let set, let cleared)): return pfn == e.pfn && set.isEmpty && cleared == .waiters && e.a == 1
        case (.spinLock, .lockTaken(let t, let l)): return t == me && Int64(l.raw) == e.a
        case (.spinUnlock, .lockReleased(let t, let l)): return t == me && Int64(l.raw) == e.a
        case (.pte, .pte(let slot, _, _)): return Int64(slot) == e.a
        case (.cache, .cache(let slot, _, _)): return Int64(slot) == e.a
        case (.lru, .isolation): return true
        case (.signal, .signalPending(let t, _)): return Int64(t) == e.a
        case (.hotRemove, .memmapRemoved(let pfn)): return pfn == e.pfn
        case (.waitBegin, .waitBegan(let t, _, _)): return t == me
        case (.queueLock, .bucketLocked(let t, _)), (.wakeBegin, .bucketLocked(let t, _)): return t == me
        case (.wakeBegin, .wakeBegan(let t, _, _)): return t == me
        case (.wakeBegin, .bookmarkRemoved(let t, _)): return t == me && e.b == 1
        case (.queueUnlock, .bucketUnlocked(let t, _)), (.chunkBreak, .bucketUnlocked(let t, _)),
             (.wakeEnd, .bucketUnlocked(let t, _)):
            return t == me
        case (.wakeEnd, .wakeEnded(let t)): return t == me
        case (.queued, .queued(let t, _)): return t == me
        case (.unlinked, .unlinked(let t, _)): return t == me
        case (.setState, .sleepState(let t, _, _)): return t == me
        case (.sleep, .asleep(let t, _)): return t == me && e.a == 1
        case (.sleep, .sleepState(let t, _, _)): return t == me && e.a == 2
        case (.waitEnd, .waitEnded(let t)): return t == me
        case (.exit, .finished(let t)): return t == me
        case (.bookmarkPlaced, .bookmarkPlaced(let t, _)): return t == me
        case (_, .lockOwner(let pfn, _, let to)):
            // Said by the PG_locked change, which names an owner other than the stepper.
            return all.contains { if case .flags(pfn, let set, _) = $0 { return set.contains(.locked) || to == .none } else { return false } }
        case (_, .writebackOwner(let pfn, _, _)):
            // Said by the PG_writeback change it always comes with.
            return all.contains { if case .flags(pfn, let set, let cleared) = $0 { return set.union(cleared).contains(.writeback) } else { return false } }
        case (_, .mapping): return all.contains { if case .cache = $0 { return true } else { return false } }
        default: return false
        }
    }

    /// A change in words, seen from the stepping task; nil to leave it out.
    public func text(of c: Change, event e: StepEvent, before: World, after: World) -> String? {
        let me = e.task.index
        let page: (PFN) -> String = { before.pages.count > 1 && $0 != e.pfn ? "pfn \($0) " : "" }
        func who(_ t: Int) -> String { t == me ? "" : "\(name(of: t)) " }
        func whose(_ t: Int) -> String { t == me ? "" : "\(name(of: t))'s " }
        switch c {
        case .flags(let pfn, let set, let cleared):
            let owner = after.pages[pfn.index].lockOwner.index
            var parts = set.members.map { f -> String in
                f == .locked && owner >= 0 && owner != me ? "PG_locked set for \(name(of: owner))" : "\(f.kernelName) set"
            }
            parts += cleared.members.map { "\($0.kernelName) cleared" }
            return parts.map { page(pfn) + $0 }.joined(separator: ", ")
        case .refcount(let pfn, let from, let to): return "\(page(pfn))refcount \(from) -> \(to)"
        case .mapcount(let pfn, let from, let to): return "\(page(pfn))mapcount \(from) -> \(to)"
        case .life(let pfn, let from, let to, let gen):
            switch (from, to) {
            case (_, .free): return "\(page(pfn))page freed"
            case (.free, .inUse): return "\(page(pfn))page allocated (gen \(gen))"
            case (_, .frozen): return "\(page(pfn))page frozen"
            case (.frozen, .inUse): return "\(page(pfn))page unfrozen"
            default: return "\(page(pfn))page reused (gen \(gen))"
            }
        case .lockOwner(let pfn, _, let to):
            return to != .none ? "\(page(pfn))PG_locked owner \(name(of: to.index))" : "\(page(pfn))PG_locked owner gone"
        case .writebackOwner(let pfn, _, let to):
            return to != .none ? "\(page(pfn))writeback I/O of \(name(of: to.index))" : "\(page(pfn))writeback I/O done"
        case .isolation(let pfn, _, let to):
            return to != .none ? "\(page(pfn))isolated by \(name(of: to.index))" : "\(page(pfn))no longer isolated"
        case .mapping(let pfn, _, let to):
            return to >= 0 ? "\(page(pfn))in page-cache slot \(to)" : "\(page(pfn))out of the page cache"
        case .memmapRemoved(let pfn): return "\(page(pfn))memmap removed"
        case .pte(let slot, let from, let to):
            let pfns = before.pages.count > 1 || from.pfn != to.pfn && from.kind != .none && to.kind != .none
            let a = from.kind.description + (pfns && !from.pfn.isNone && from.kind != .none ? " (pfn \(from.pfn))" : "")
            let b = to.kind.description + (pfns && !to.pfn.isNone && to.kind != .none ? " (pfn \(to.pfn))" : "")
            return "\(to.level) slot \(slot) (mm \(to.mm)) \(a) -> \(b)"
        case .cache(let slot, let from, let to):
            return "page-cache slot \(slot) \(!from.isNone ? "pfn \(from)" : "empty") -> \(!to.isNone ? "pfn \(to)" : "empty")"
        case .sleepState(let t, let from, let to):
            if t != me && to == .running { return "woke \(name(of: t)) before it slept (\(from) -> TASK_RUNNING)" }
            return "\(who(t))state \(from) -> \(to)"
        case .asleep(let t, let state): return t == me ? "asleep in io_schedule (\(state))" : "\(name(of: t)) asleep"
        case .woken(let t, let state):
            if case .signal = e.action { return "woke \(name(of: t)) from io_schedule (\(state)) by the signal" }
            return t == me ? "woken" : "woke \(name(of: t))"
        case .signalPending(let t, let s):
            let what = s == .fatal ? "SIGKILL" : s == .nonfatal ? "a signal" : "no signal"
            return "\(what) pending for \(name(of: t))"
        case .finished(let t): return t == me ? "task finished" : "\(name(of: t)) finished"
        case .lockTaken(let t, let l): return "\(who(t))took \(l)"
        case .lockReleased(let t, let l): return "\(who(t))released \(l)"
        case .bucketLocked(let t, let b): return "\(who(t))took q->lock of bucket \(b)"
        case .bucketUnlocked(let t, let b): return "\(who(t))released q->lock of bucket \(b)"
        case .queued(let t, let b): return "\(whose(t))entry queued in bucket \(b)"
        case .unlinked(let t, let b): return "\(whose(t))entry unlinked from bucket \(b)"
        case .bookmarkPlaced(let t, let b): return "\(whose(t))bookmark placed in bucket \(b)"
        case .bookmarkRemoved(let t, let b): return "\(whose(t))bookmark removed from bucket \(b)"
        case .entryFlags(let t, let from, let to):
            let set = WaitFlags(rawValue: to.rawValue & ~from.rawValue), cleared = WaitFlags(rawValue: from.rawValue & ~to.rawValue)
            var parts: [String] = []
            if !set.isEmpty { parts.append("\(set) set") }
            if !cleared.isEmpty { parts.append("\(cleared) cleared") }
            return "\(whose(t))entry flags: " + parts.joined(separator: ", ")
        case .waitBegan(let t, let p, let bit): return "\(who(t))waits on \(bit.kernelName) of \(p)"
        case .waitEnded(let t): return "\(who(t))wait_on_page_bit_common returns"
        case .wakeBegan(let t, let p, let bit): return "\(who(t))wakes \(bit.kernelName) of \(p)"
        case .wakeEnded(let t): return "\(who(t))wake_up_page_bit returns"
        case .counter(let i, let from, let to):
            let n = i < counterNames.count ? counterNames[i] : "counter \(i)"
            return "\(n) \(from) -> \(to)"
        }
    }
}

