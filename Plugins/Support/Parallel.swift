import Dispatch

/// Work items handed out to worker threads, and their results, one slot
/// each, written once.
final class WorkSlots<T>: @unchecked Sendable {
    private var slots: [T?]
    private var next = 0
    private let lock = DispatchSemaphore(value: 1)

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// The next unclaimed item, or nil when all are taken.
    func claim() -> Int? {
        lock.wait(); defer { lock.signal() }
        guard next < slots.count else { return nil }
        defer { next += 1 }
        return next
    }

    func store(_ i: Int, _ value: T) {
        lock.wait(); defer { lock.signal() }
        slots[i] = value
    }

    /// Whether some finished item numbered below `i` satisfies `p`.
    func any(below i: Int, _ p: (T) -> Bool) -> Bool {
        lock.wait(); defer { lock.signal() }
        return slots[..<i].contains { $0.map(p) ?? false }
    }

    func results() -> [T] {
        lock.wait(); defer { lock.signal() }
        return slots.compactMap { $0 }
    }
}

/// `body(i)` for every i in 0..<count, on up to `jobs` threads; the results
/// come back in index order, whatever the threads' timing. `body` may look
/// at the items already finished (to give up early, say).
func parallelMap<T>(_ count: Int, jobs: Int, _ body: @Sendable (Int, WorkSlots<T>) -> T) -> [T] {
    let work = WorkSlots<T>(count: count)
    guard count > 0 else { return [] }
    DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, count))) { _ in
        while let i = work.claim() { work.store(i, body(i, work)) }
    }
    return work.results()
}
