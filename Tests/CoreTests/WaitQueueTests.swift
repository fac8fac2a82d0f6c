// The hashed wait-queue table and collisions in one bucket
// (kernel-model §1.4, §2.4 step 2b and step 4).

import Testing
import PagewaitCore

@Suite("Wait-queue buckets and collisions")
struct WaitQueueTests {
    @Test("256 buckets; identity hashes pfn mod 256, so 0 and 256 collide and 0 and 1 do not; collide puts every page in one bucket")
    func bucketMapping() {
        let identity = WaitQueueTable()
        #expect(identity.buckets == 256)
        #expect(identity.bucket(of: 0) == identity.bucket(of: 256))
        #expect(identity.bucket(of: 0) != identity.bucket(of: 1))
        let collide = WaitQueueTable(hash: .collide)
        #expect(Set((0..<300).map { collide.bucket(of: PFN($0)) }).count == 1)
    }

    @Test("a permuted hash is a function of its seed and stays in range")
    func permutedHash() {
        let a = WaitQueueTable(hash: .permuted(seed: 7)), b = WaitQueueTable(hash: .permuted(seed: 7))
        for pfn in (0..<512).map(PFN.init) {
            #expect(a.bucket(of: pfn) == b.bucket(of: pfn))
            #expect((0..<256).contains(Int(a.bucket(of: pfn))))
        }
    }

    /// Two pages that share a bucket: (hash, pfn A, pfn B, frames).
    static let collisions: [(BucketHash, PFN, PFN, Int)] = [(.collide, 0, 1, 2), (.identity, 0, 256, 257)]

    static func collidingWorld(core: WaitCore, hash: BucketHash, a: PFN, b: PFN, frames: Int, staleWaitersOnA: Bool, waiterOnA: Bool) throws -> Fixture {
        var pages = Array(repeating: PageSpec.free, count: frames)
        pages[a.index] = .locked(by: 0, flags: staleWaitersOnA ? [.waiters] : [])
        pages[b.index] = .locked(by: 3)
        let tasks = [
            TaskSpec(program: try Programs.unlock(), page: a),                          // 0: holder of A
            TaskSpec(program: try Programs.wait(BehaviorID.exclusive), page: a),        // 1: waiter on A
            TaskSpec(program: try Programs.wait(BehaviorID.exclusive), page: b),        // 2: waiter on B
            TaskSpec(program: try Programs.idle(), page: b),                            // 3: holder of B
        ]
        var f = try Fixture(config: KernelConfig(waitCore: core, waitTable: WaitQueueTable(hash: hash)), pages: pages, tasks: tasks)
        #expect(f.bucket(a) == f.bucket(b))
        try f.sleep(2)                  // B's waiter first: the walk must pass it
        if waiterOnA { try f.sleep(1) }
        return f
    }

    @Test("a wake for page A skips B's waiter in the shared bucket: B's entry stays queued and asleep, A's waiter is woken; A's PG_waiters stays set because the list is not empty and A's entry was seen",
          arguments: allCores, collisions)
    func wakeFiltersByPage(core: WaitCore, collision: (BucketHash, PFN, PFN, Int)) throws {
        let (hash, a, b, frames) = collision
        var f = try Self.collidingWorld(core: core, hash: hash, a: a, b: b, frames: frames, staleWaitersOnA: false, waiterOnA: true)
        #expect(f.queued(a) == [2, 1])
        let walk = try f.finish(0)
        #expect(walk.contains { $0.action == .wakeSkip && $0.a == 2 && $0.b == 0 }, "B's entry is visited and skipped as another page")
        #expect(walk.contains { $0.action == .wakeVisit && $0.a == 1 && $0.b == 1 }, "A's exclusive entry is woken")
        #expect(f.isAsleepQueued(2))
        #expect(f.queued(b) == [2])
        #expect(f.isWoken(1))
        #expect(f.page(a).flags.contains(.waiters), "page matched and the bucket is not empty: PG_waiters(A) stays (stale)")
        #expect(f.page(b).flags.contains(.waiters))
        #expect(walk.last?.action == .wakeEnd && walk.last?.a == 0)
        try f.finish(1)
        #expect(f.result(1) == 0)
        #expect(f.page(a).lockOwner == TaskID(1))
        #expect(f.page(b).lockOwner == TaskID(3) && f.page(b).isLocked)
    }

    @Test("a wake for page A whose bucket holds only B's entry finds no page match: it clears A's PG_waiters and leaves B's entry and PG_waiters alone",
          arguments: allCores, collisions)
    func noPageMatchClearsWaiters(core: WaitCore, collision: (BucketHash, PFN, PFN, Int)) throws {
        let (hash, a, b, frames) = collision
        var f = try Self.collidingWorld(core: core, hash: hash, a: a, b: b, frames: frames, staleWaitersOnA: true, waiterOnA: false)
        let walk = try f.finish(0)
        #expect(walk.contains { $0.action == .wakeSkip && $0.a == 2 })
        #expect(walk.last?.action == .wakeEnd && walk.last?.a == 1)
        #expect(!f.page(a).flags.contains(.waiters))
        #expect(f.page(b).flags.contains(.waiters))
        #expect(f.isAsleepQueued(2))
        #expect(f.queued(b) == [2])
    }
}
