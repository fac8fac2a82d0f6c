/// One version of `wait_on_page_bit_common()` + `wake_page_function()`.
///
/// A closed set: these are kernel history, chosen by a strategy, not
/// written by plugin authors (they write behaviours and programs).
public struct WaitCore: Hashable, Sendable, CustomStringConvertible {
    enum Version: Hashable, Sendable { case v4_19, v5_9a, v5_9, v4_10 }
    let version: Version
    /// `sysctl_page_lock_unfairness` (v5.9 only).
    public let unfairness: Int
    /// What an exclusive waiter leaving on a signal does about a wake that
    /// may already have chosen it (`ExclusiveAbort.swift`). `.none` in every
    /// kernel core; the others are the classical answers, for the zoo.
    public let abort: ExclusiveAbort
    /// How the wake function's unlink pairs with finish_wait's lockless
    /// check (known-bugs Z2): `.plain` in the v4.x cores (autoremove and
    /// wake_page_function used list_del_init then), `.careful` in the v5.9
    /// cores, which came with c6fe44d96fc1.
    public let unlink: EntryUnlink

    init(version: Version, unfairness: Int, abort: ExclusiveAbort = .none, unlink: EntryUnlink? = nil) {
        self.version = version
        self.unfairness = unfairness
        self.abort = abort
        self.unlink = unlink ?? Self.kernelUnlink(version)
    }

    /// The unlink the kernel of `version` has.
    static func kernelUnlink(_ version: Version) -> EntryUnlink {
        switch version {
        case .v4_19, .v4_10: .plain
        case .v5_9a, .v5_9: .careful
        }
    }

    /// v4.14 … v4.20 (+ the seed's DROP, 9a1ea439b16b): waiters queue, test
    /// and sleep; a woken exclusive waiter races for the bit and requeues at
    /// the tail; the walk stops at an entry whose bit is set again.
    public static let v4_19 = WaitCore(version: .v4_19, unfairness: 0)
    /// 2a9127fcf229 ("mm: rewrite wait_on_page_bit_common() logic", v5.9
    /// merge window): the waker takes the bit for an exclusive waiter; no
    /// requeue; WOKEN decides the result, after finish_wait.
    public static let v5_9a = WaitCore(version: .v5_9a, unfairness: 0)
    /// 5ef64cc8987a ("mm: allow a controlled amount of unfairness in the
    /// page lock", v5.9): a woken exclusive waiter takes the bit itself and
    /// may lose it `unfairness` times before it asks for a handoff.
    public static func v5_9(unfairness: Int = 5) -> WaitCore {
        WaitCore(version: .v5_9, unfairness: unfairness)
    }
    /// The bit-lock loop of `__wait_on_bit_lock()` (kernel/wait.c, later
    /// kernel/sched/wait.c), which 62906027091f ("mm: add PageWaiters
    /// indicating tasks are waiting for a page bit", v4.10) copied into
    /// `wait_on_page_bit_common`: after `io_schedule()` a pending signal ends
    /// the wait before the bit is tried. v4.10 … v4.12, until a8b169afbf06
    /// put the bit first (the v4.19 core's order). Kernel-model §2.13.
    public static let v4_10 = WaitCore(version: .v4_10, unfairness: 0)

    /// This core with `rule` for an exclusive waiter that leaves on a
    /// signal. `.handoff` needs the v5.9 core's handoff request; the v5.9a
    /// core hands every exclusive waiter the lock, so no rule applies to it.
    public func aborting(_ rule: ExclusiveAbort) -> WaitCore {
        precondition(version != .v5_9a || rule == .none, "the v5.9a core hands the lock to every woken exclusive waiter")
        precondition(rule != .handoff || version == .v5_9, "a handoff request needs the v5.9 core")
        return WaitCore(version: version, unfairness: unfairness, abort: rule, unlink: unlink)
    }

    /// This core with `unlink` for the wake function's removal of a woken
    /// entry and finish_wait's lockless check (an ablation of c6fe44d96fc1,
    /// known-bugs Z2).
    public func unlinking(_ unlink: EntryUnlink) -> WaitCore {
        WaitCore(version: version, unfairness: unfairness, abort: abort, unlink: unlink)
    }

    /// The most requeues one exclusive wait may have (kernel-model F13): none
    /// under v5.9a, at most the unfairness sysctl under v5.9, unbounded (nil)
    /// under the v4.x cores.
    public var maxRequeues: Int? {
        switch version {
        case .v5_9a: 0
        case .v5_9: unfairness
        case .v4_19, .v4_10: nil
        }
    }

    public var description: String {
        let base: String
        switch version {
        case .v4_19: base = "v4.19"
        case .v5_9a: base = "v5.9a"
        case .v5_9: base = "v5.9(unfairness \(unfairness))"
        case .v4_10: base = "v4.10"
        }
        let ablated = unlink == Self.kernelUnlink(version) ? base : "\(base) + \(unlink)"
        return abort == .none ? ablated : "\(ablated) + \(abort)"
    }
}

/// How the thrashing accounting around a LOCKED wait is decided
/// (kernel-model §2.12).
public enum ThrashingAccounting: UInt8, Hashable, Sendable {
    /// v4.14 … v4.19: none.
    case none
    /// v4.20 before the seed: re-reads PG_swapbacked after the wait.
    case rereadAtEnd
    /// The seed onward: decided up front, carried in task locals.
    case decidedUpFront
}

/// The kernel knobs of one engine: which core, bookmarks, the table, the CPUs.
public struct KernelConfig: Hashable, Sendable {
    public var waitCore: WaitCore
    /// Wake-walk bookmarks (2554db916586, 11a19c7b099f; removed in v6.7).
    public var bookmarks: Bool
    /// WAITQUEUE_WALK_BREAK_CNT.
    public var walkBreakCount: Int
    public var waitTable: WaitQueueTable
    public var thrashing: ThrashingAccounting
    /// Which enabled tasks are on a CPU.
    public var cpus: CPUModel
    /// Where PG_waiters lives and how unlock_page clears PG_locked (Z5).
    public var pageLockWord: PageLockWord

    public init(
        waitCore: WaitCore = .v4_19, bookmarks: Bool = true, walkBreakCount: Int = 64,
        waitTable: WaitQueueTable = WaitQueueTable(), thrashing: ThrashingAccounting = .decidedUpFront,
        cpus: CPUModel = .cpuPerTask, pageLockWord: PageLockWord = .shared
    ) {
        self.waitCore = waitCore
        self.bookmarks = bookmarks
        self.walkBreakCount = walkBreakCount
        self.waitTable = waitTable
        self.thrashing = thrashing
        self.cpus = cpus
        self.pageLockWord = pageLockWord
    }
}
