/// One version of `wait_on_page_bit_common()` + `wake_page_function()`.
///
/// A closed set: these are kernel history, chosen by a strategy, not
/// written by plugin authors (they write behaviours and programs).
public struct WaitCore: Hashable, Sendable, CustomStringConvertible {
    enum Version: Hashable, Sendable { case v4_19, v5_9a, v5_9 }
    let version: Version
    /// `sysctl_page_lock_unfairness` (v5.9 only).
    public let unfairness: Int

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

    public var description: String {
        switch version {
        case .v4_19: "v4.19"
        case .v5_9a: "v5.9a"
        case .v5_9: "v5.9(unfairness \(unfairness))"
        }
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

    public init(
        waitCore: WaitCore = .v4_19, bookmarks: Bool = true, walkBreakCount: Int = 64,
        waitTable: WaitQueueTable = WaitQueueTable(), thrashing: ThrashingAccounting = .decidedUpFront,
        cpus: CPUModel = .cpuPerTask
    ) {
        self.waitCore = waitCore
        self.bookmarks = bookmarks
        self.walkBreakCount = walkBreakCount
        self.waitTable = waitTable
        self.thrashing = thrashing
        self.cpus = cpus
    }
}
