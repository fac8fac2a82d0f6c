// Wake-walk bookmarks (2554db916586, 11a19c7b099f): one q.lock hold visits
// at most WAITQUEUE_WALK_BREAK_CNT + 1 entries (kernel-model §2.4 step 2i,
// step 3; §4 I6; §5.10). Up to 71 tasks here (a TaskSet holds 128); the
// tests step tasks directly.

import Testing
import PagewaitCore

@Suite("Wake-walk bookmarks")
struct BookmarkTests {
    /// Every page in one bucket. Page 0 locked by task 0 (`unlock_page`);
    /// page 1 locked by someone outside the test. Tasks 1...others are
    /// SHARED waiters on page 1, then `mine` SHARED waiters on page 0.
    static func crowdedBucket(bookmarks: Bool, breakCount: Int, others: Int, mine: Int) throws -> Fixture {
        var tasks = [TaskSpec(program: try Programs.unlock())]
        tasks += try (0..<others).map { _ in TaskSpec(program: try Programs.wait(BehaviorID.shared), page: 1) }
        tasks += try (0..<mine).map { _ in TaskSpec(program: try Programs.wait(BehaviorID.shared), page: 0) }
        let config = KernelConfig(bookmarks: bookmarks, walkBreakCount: breakCount, waitTable: WaitQueueTable(hash: .collide))
        var f = try Fixture(config: config, pages: [.locked(by: 0), PageSpec(lockedAnonymously: true)], tasks: tasks)
        for t in 1..<tasks.count { try f.sleep(t) }
        #expect(f.world.queue.count == others + mine)
        return f
    }

    /// Chunks of `breakCount + 1` visits: a bookmark goes in after a visit
    /// that makes the count exceed `breakCount`, if another entry follows.
    static func expectedBreaks(visits: Int, breakCount: Int) -> Int { (visits - 1) / (breakCount + 1) }

    @Test("bookmarks on: with more than WAITQUEUE_WALK_BREAK_CNT + 1 entries (others' waiters, skipped), no q.lock hold visits more than walkBreakCount + 1 entries; the walk still reaches and wakes the page's waiter at the tail",
          arguments: [(64, 70), (4, 11), (4, 10)])
    func chunksAreBounded(breakCount: Int, others: Int) throws {
        var f = try Self.crowdedBucket(bookmarks: true, breakCount: breakCount, others: others, mine: 1)
        #expect(f.engine.config.walkBreakCount == breakCount)
        let walk = try f.finish(0)
        let visits = others + 1
        #expect(walk.filter { $0.action == .wakeSkip || $0.action == .wakeVisit }.count == visits)
        #expect(f.world.stats.longestWakeChunk == Int32(breakCount + 1))
        #expect(walk.filter { $0.action == .chunkBreak }.count == Self.expectedBreaks(visits: visits, breakCount: breakCount))
        #expect(f.isWoken(visits))
        #expect(!f.world.queue.contains { $0.isBookmark }, "the bookmark is gone after the walk")
        #expect(f.world.queue.count == others)
        #expect(f.page(0).flags.contains(.waiters), "page 0's entry was seen and others remain: PG_waiters stays (stale)")
    }

    @Test("bookmarks off (v6.7): one q.lock hold visits every entry", arguments: [(64, 70), (4, 11)])
    func noBookmarksOneHold(breakCount: Int, others: Int) throws {
        var f = try Self.crowdedBucket(bookmarks: false, breakCount: breakCount, others: others, mine: 1)
        let walk = try f.finish(0)
        #expect(f.world.stats.longestWakeChunk == Int32(others + 1))
        #expect(!walk.contains { $0.action == .chunkBreak })
        #expect(f.isWoken(others + 1))
    }

    @Test("bookmarks on: more than 65 matching SHARED waiters are all woken, in chunks of at most walkBreakCount + 1 visits")
    func manyMatchingWaitersAllWoken() throws {
        let mine = 70
        var f = try Self.crowdedBucket(bookmarks: true, breakCount: 64, others: 0, mine: mine)
        let walk = try f.finish(0)
        #expect(f.world.stats.longestWakeChunk == 65)
        #expect(walk.filter { $0.action == .chunkBreak }.count == Self.expectedBreaks(visits: mine, breakCount: 64))
        for t in 1...mine { #expect(f.isWoken(t)) }
        #expect(f.world.queue.isEmpty)
        #expect(!f.page(0).flags.contains(.waiters), "bucket empty at the end: PG_waiters cleared")
    }

    @Test("while the bucket is unlocked at a bookmark, a new waiter can queue at the tail; the resumed chunk starts after the bookmark and visits it")
    func resumedChunkSeesNewTailEntries() throws {
        // Tasks 1...6 wait on page 1, task 7 on page 0, task 8 (late) on page 1.
        var tasks = [TaskSpec(program: try Programs.unlock())]
        tasks += try (0..<6).map { _ in TaskSpec(program: try Programs.wait(BehaviorID.shared), page: 1) }
        tasks.append(TaskSpec(program: try Programs.wait(BehaviorID.shared), page: 0))
        tasks.append(TaskSpec(program: try Programs.wait(BehaviorID.shared), page: 1))
        let config = KernelConfig(walkBreakCount: 2, waitTable: WaitQueueTable(hash: .collide))
        var f = try Fixture(config: config, pages: [.locked(by: 0), PageSpec(lockedAnonymously: true)], tasks: tasks)
        for t in 1...7 { try f.sleep(t) }
        // Walk up to the first bookmark: visits 1, 2, 3, then the break.
        let chunk = try f.runAlone(0) { e, _ in e.action == .chunkBreak }
        #expect(chunk.filter { $0.action == .wakeSkip }.map(\.a) == [1, 2, 3])
        #expect(f.world.queue.contains { $0.isBookmark && $0.task == TaskID(0) })
        #expect(f[0].heldBucket == -1, "q.lock released at the bookmark")
        try f.sleep(8)
        #expect(f.queued(1).last == 8)
        let rest = try f.finish(0)
        let seen = rest.filter { $0.action == .wakeSkip || $0.action == .wakeVisit }.map(\.a)
        #expect(seen == [4, 5, 6, 7, 8], "resumes after the bookmark and reaches the new tail")
        #expect(rest.first?.action == .wakeBegin && rest.first?.b == 1, "the chunk is a resume")
        #expect(f.isWoken(7) && f.isAsleepQueued(8))
        #expect(!f.world.queue.contains { $0.isBookmark })
    }
}
