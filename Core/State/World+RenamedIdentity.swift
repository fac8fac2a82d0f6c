// A world's identity as if its tasks were renamed, fed to the hasher in
// place: the exhaustive explorer keys a state by its orbit under renaming
// interchangeable tasks, and building the renamed world (`renamingTasks`)
// for every visited state cost as much as the reduction saved.

extension StableHasher {
    /// The running state, to keep and resume later (`init(running:)`): a
    /// search caches the part of a hash that a step did not change.
    @inlinable public var running: UInt64 { state }

    /// A hasher that goes on from `running`.
    @inlinable public init(running: UInt64) { state = running }
}

extension World {
    /// What task `t` is, whatever its number: its identity
    /// (`TaskState.combineIdentity`) fed as if its `program` were 0 and, in
    /// a wake walk, its cursor (`WakeFrame.next`) none and `woken` empty
    /// (the fields that hold task numbers or depend on the position), then
    /// its row of the reference ledger. Read in place, without copying the
    /// task out of the array. With `live` (the task's live registers,
    /// `LiveRegisters`), its dead variables are fed as if fresh: registers
    /// outside `live` as 0, a dead wait entry (`TaskState.waitEntryIsDead`)
    /// as a new one; without it, everything is fed as it is.
    @inlinable
    public func combineTaskCore(_ t: Int, live: UInt8? = nil, into h: inout StableHasher) {
        tasks.withUnsafeBufferPointer { b in
            let s = b.baseAddress! + t
            h.combine(0 as Int32); h.combine(s.pointee.pc)
            s.pointee.registers.combineIdentity(into: &h, live: live ?? 0xFF)
            h.combine(s.pointee.state.rawValue); h.combine(s.pointee.blocked); h.combine(s.pointee.pending.rawValue)
            h.combine(s.pointee.finished)
            s.pointee.heldLocks.combineIdentity(into: &h); h.combine(s.pointee.heldBucket)
            let kind = s.pointee.frame.kind
            h.combine(kind.rawValue); h.combine(s.pointee.snapshot.rawValue)
            switch kind {
            case .none: break
            case .wait: s.pointee.wait.combineIdentity(into: &h)
            case .wake:
                var f = s.pointee.wake
                f.next = .none
                f.woken = TaskSet()
                f.combineIdentity(into: &h)
            }
            if live != nil && s.pointee.waitEntryIsDead {
                WaitEntry().combineIdentity(into: &h)
            } else {
                s.pointee.entry.combineIdentity(into: &h)
            }
            s.pointee.stats.combineIdentity(into: &h)
        }
        let row = pages.count
        refs.withUnsafeBufferPointer { r in
            for p in t * row ..< (t + 1) * row { h.combine(r[p]) }
        }
    }

    /// `renamingTasks(p).combineIdentity(into:controlCounters:)`, where
    /// `image` is `p.image` and `inverse` its inverse, without building the
    /// renamed world: the same values fed in the same order.
    public func combineIdentity(renamedBy image: UnsafeBufferPointer<Int>, inverse: UnsafeBufferPointer<Int>,
                                into h: inout StableHasher, controlCounters: [Int32]) {
        let n = tasks.count
        precondition(image.count == n && inverse.count == n, "a renaming of \(image.count) tasks for a world of \(n)")
        combineMemoryIdentity(renamedBy: image, into: &h)
        tasks.withUnsafeBufferPointer { b in
            for q in 0..<n {
                var s = b[inverse[q]]
                s.program = b[q].program
                if s.frame.kind == .wake {
                    s.wake.next = s.wake.next.renamed(by: image)
                    s.wake.woken = s.wake.woken.renamed(by: image)
                }
                s.combineIdentity(into: &h)
            }
        }
        let row = pages.count
        refs.withUnsafeBufferPointer { r in
            for q in 0..<n {
                let t = inverse[q]
                for p in t * row ..< (t + 1) * row { h.combine(r[p]) }
            }
        }
        combineQueueIdentity(renamedBy: image, into: &h, controlCounters: controlCounters)
    }

    /// The frames (the task numbers they hold renamed by `image`; nil: as
    /// they are), the page tables and the page cache: what a world's
    /// identity feeds before its tasks.
    @inlinable
    public func combineMemoryIdentity(renamedBy image: UnsafeBufferPointer<Int>?, into h: inout StableHasher) {
        pages.withUnsafeBufferPointer { b in
            for i in b.indices {
                var p = b[i]
                if image != nil {
                    p.frozenBy = p.frozenBy.renamed(by: image); p.isolatedBy = p.isolatedBy.renamed(by: image)
                    p.lockOwner = p.lockOwner.renamed(by: image); p.writebackBy = p.writebackBy.renamed(by: image)
                }
                p.combineIdentity(into: &h)
            }
        }
        for e in ptes { e.combineIdentity(into: &h) }
        for c in cache { c.combineIdentity(into: &h) }
    }

    /// The wait-queue list (its items' tasks renamed by `image`; nil: as
    /// they are), the counters programs read, the sleeping locks (their
    /// owners, readers and waiters renamed too) and the CPUs' state: what a
    /// world's identity feeds after its tasks.
    @inlinable
    public func combineQueueIdentity(renamedBy image: UnsafeBufferPointer<Int>?, into h: inout StableHasher, controlCounters: [Int32]) {
        h.combine(queue.count)
        for q in queue { h.combine(q.bucket); h.combine(q.task.renamed(by: image)); h.combine(q.isBookmark) }
        for c in controlCounters { h.combine(counters.indices.contains(Int(c)) ? counters[Int(c)] : 0) }
        combineSleepLockIdentity(renamedBy: image, into: &h)
        cpu.combineIdentity(renamedBy: image, into: &h)
        storeBuffers.combineIdentity(renamedBy: image, into: &h)
        views.combineIdentity(renamedBy: image, into: &h)
    }
}

extension TaskID {
    /// This task's number under the renaming `image` (task t becomes
    /// `image[t]`; nil, `none` or a number beyond it: unchanged).
    @inlinable
    public func renamed(by image: UnsafeBufferPointer<Int>?) -> TaskID {
        guard let image, index >= 0 && index < image.count else { return self }
        return TaskID(image[index])
    }
}

extension TaskSet {
    /// The set's tasks under the renaming `image` (`TaskID.renamed(by:)`).
    @inlinable
    public func renamed(by image: UnsafeBufferPointer<Int>) -> TaskSet {
        var out = TaskSet()
        for j in self { out.insert(j < image.count ? image[j] : j) }
        return out
    }
}

extension Engine {
    /// `fingerprint(w.renamingTasks(p))`, hashed in place (`image`:
    /// `p.image`, `inverse`: its inverse).
    public func fingerprint(_ w: World, renamedBy image: UnsafeBufferPointer<Int>, inverse: UnsafeBufferPointer<Int>) -> UInt64 {
        var h = StableHasher()
        w.combineIdentity(renamedBy: image, inverse: inverse, into: &h, controlCounters: controlCounters)
        return h.value
    }
}
