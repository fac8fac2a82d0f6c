// Renaming tasks: the world in which every task has another number, for a
// symmetry reduction of exhaustive exploration. Tasks that run the same
// operations and that nothing names by number are interchangeable: a state
// and the state with two of them swapped behave alike, step for step.

/// A permutation of task numbers: task `t` becomes task `self[t]`. Numbers
/// outside it (beyond the tasks it was made for, and `TaskID.none`) keep
/// their value.
public struct TaskPermutation: Hashable, Sendable, CustomStringConvertible {
    /// `image[t]`: the number task `t` gets.
    public let image: [Int]

    /// `image` must be a permutation of `0..<image.count`.
    public init(_ image: [Int]) {
        var seen = Array(repeating: false, count: image.count)
        for t in image {
            precondition(t >= 0 && t < image.count && !seen[t], "\(image) is not a permutation of 0..<\(image.count)")
            seen[t] = true
        }
        self.image = image
    }

    public static func identity(_ n: Int) -> TaskPermutation { TaskPermutation(Array(0..<n)) }

    public var isIdentity: Bool { image.indices.allSatisfy { image[$0] == $0 } }

    /// The permutation that undoes this one.
    public var inverse: TaskPermutation {
        var inv = image
        for t in image.indices { inv[image[t]] = t }
        return TaskPermutation(inv)
    }

    @inlinable public subscript(_ t: Int) -> Int { t >= 0 && t < image.count ? image[t] : t }

    @inlinable public func callAsFunction(_ t: TaskID) -> TaskID {
        t.index >= 0 && t.index < image.count ? TaskID(image[t.index]) : t
    }

    @inlinable public func callAsFunction(_ s: TaskSet) -> TaskSet {
        var out = TaskSet()
        for t in s { out.insert(self[t]) }
        return out
    }

    public var description: String { image.description }
}

extension World {
    /// This world with its tasks renamed by `p`: task `t`'s state becomes
    /// task `p[t]`'s, and every place that names a task by number names the
    /// renamed one — the reference ledger's rows, the wait-queue items, the
    /// frames' owners (`PageFrame.frozenBy`, `isolatedBy`, `lockOwner`,
    /// `writebackBy`), a waker's locals (`WakeFrame.next`, `woken`) and the
    /// sleeping locks' owners, readers and waiters (`SleepLock`) and the
    /// task each CPU runs (`CPUState.running`).
    ///
    /// Each position keeps its own `program`: the renaming is meant for
    /// tasks whose programs are the same operations (`Engine.sameOperations`),
    /// where the program index is only a name for that code, so a task's
    /// program stays what it always was in every reachable world. For such a
    /// permutation, stepping the renamed world with task `p[t]` gives the
    /// renamed successor of stepping this one with `t`
    /// (`TaskPermutationTests`).
    ///
    /// A new stored field that holds a task number must be renamed here;
    /// `TaskPermutationTests` finds every `TaskID` and `TaskSet` in a world
    /// by reflection and fails on one this leaves out.
    public func renamingTasks(_ p: TaskPermutation) -> World {
        precondition(p.image.count == tasks.count, "a permutation of \(p.image.count) tasks for a world of \(tasks.count)")
        var w = self
        let n = pages.count
        for t in tasks.indices {
            let to = p.image[t]
            var s = tasks[t]
            s.program = tasks[to].program
            if s.frame.kind == .wake {
                s.wake.next = p(s.wake.next)
                s.wake.woken = p(s.wake.woken)
            }
            w.tasks[to] = s
            for pfn in 0..<n { w.refs[to * n + pfn] = refs[t * n + pfn] }
        }
        for i in w.queue.indices { w.queue[i].task = p(w.queue[i].task) }
        for i in w.pages.indices {
            w.pages[i].frozenBy = p(w.pages[i].frozenBy)
            w.pages[i].isolatedBy = p(w.pages[i].isolatedBy)
            w.pages[i].lockOwner = p(w.pages[i].lockOwner)
            w.pages[i].writebackBy = p(w.pages[i].writebackBy)
        }
        for i in w.sleepLocks.indices {
            w.sleepLocks[i].owner = p(w.sleepLocks[i].owner)
            w.sleepLocks[i].readers = p(w.sleepLocks[i].readers)
            for j in w.sleepLocks[i].waiters.indices { w.sleepLocks[i].waiters[j].task = p(w.sleepLocks[i].waiters[j].task) }
        }
        for c in w.cpu.running.indices { w.cpu.running[c] = p(w.cpu.running[c]) }
        w.storeBuffers = w.storeBuffers.renamed(p)
        w.views = w.views.renamed(p)
        return w
    }
}

extension Engine {
    /// Whether programs `a` and `b` are the same operation sequence (the
    /// engine stores each distinct sequence once, so this is one compare):
    /// tasks running them step alike from alike states.
    public func sameOperations(_ a: Int, _ b: Int) -> Bool {
        base[a] == base[b] && length[a] == length[b]
    }
}
