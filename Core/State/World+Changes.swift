extension World {
    /// Everything that differs between two worlds of the same run (`before`
    /// and `after` one step), in a fixed order: pages, PTEs, the page cache,
    /// tasks, the bucket lists, counters. Private task state (registers,
    /// program counters, frame locals) and statistics are left out.
    public static func changes(from before: World, to after: World) -> [Change] {
        var out: [Change] = []
        for i in before.pages.indices where i < after.pages.count && before.pages[i] != after.pages[i] {
            PageFrame.changes(from: before.pages[i], to: after.pages[i], pfn: PFN(i), into: &out)
        }
        for i in before.ptes.indices where i < after.ptes.count {
            PTE.changes(from: before.ptes[i], to: after.ptes[i], slot: i, into: &out)
        }
        for i in before.cache.indices where i < after.cache.count {
            CacheSlot.changes(from: before.cache[i], to: after.cache[i], slot: i, into: &out)
        }
        before.tasks.withUnsafeBufferPointer { a in
            after.tasks.withUnsafeBufferPointer { b in
                for t in a.indices where t < b.count {
                    TaskState.changes(from: a.baseAddress! + t, to: b.baseAddress! + t, task: t, into: &out)
                }
            }
        }
        // The bucket lists are one sequence of the world's, not a part of
        // any one task: an item leaves or joins it.
        let removed = before.queue.filter { !after.queue.contains($0) }
        let added = after.queue.filter { !before.queue.contains($0) }
        for q in removed {
            out.append(q.isBookmark ? .bookmarkRemoved(task: q.task.index, bucket: q.bucket) : .unlinked(task: q.task.index, bucket: q.bucket))
        }
        for q in added {
            out.append(q.isBookmark ? .bookmarkPlaced(task: q.task.index, bucket: q.bucket) : .queued(task: q.task.index, bucket: q.bucket))
        }
        for i in before.counters.indices where i < after.counters.count && before.counters[i] != after.counters[i] {
            out.append(.counter(index: i, from: before.counters[i], to: after.counters[i]))
        }
        return out
    }
}
