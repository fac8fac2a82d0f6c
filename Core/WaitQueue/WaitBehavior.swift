/// What a waiter does with the bit once woken (`wait_on_page_bit_common`).
public enum PostWakeCheck: UInt8, Hashable, Sendable {
    /// Test-and-set the bit; done if it was clear (`__lock_page`).
    case takeBit
    /// Test the bit; done if it is clear (`wait_on_page_locked`, writeback).
    case testBit
    /// Look at nothing: the page may be gone (`put_and_wait_on_page_locked`).
    case none
}

/// When a behaviour drops the caller's page reference, if it does.
public enum ReferenceDrop: UInt8, Hashable, Sendable {
    case never
    /// After queueing, setting PG_waiters and testing the bit: the seed's order
    /// (9a1ea439b16b), which keeps every page access under the reference.
    case afterTest
    /// Before queueing: the forbidden `drop-early-put` design (kernel-model F6).
    case beforeQueueing
}

/// A wait behaviour: how a waiter queues, whether it keeps its page
/// reference, and what it does when woken. The seed patch introduced the
/// kernel's `enum behavior { EXCLUSIVE, SHARED, DROP }`; here each is a
/// conformer, so ablations and later variants are further conformers rather
/// than cases every switch must know.
public protocol WaitBehavior: Sendable {
    /// The kernel's name, e.g. `EXCLUSIVE`.
    var name: String { get }
    /// Queue with WQ_FLAG_EXCLUSIVE: a wake walk wakes at most one such
    /// waiter, and the v5.9 cores take the bit on its behalf.
    var isExclusive: Bool { get }
    var postWake: PostWakeCheck { get }
    var dropsReference: ReferenceDrop { get }
    /// Return after the first wake without going round the loop again.
    /// DROP must: once its reference is gone, looping would re-read the page.
    var returnsAfterWake: Bool { get }
}

/// EXCLUSIVE: hold a reference and take the bit when woken (`__lock_page`).
public struct Exclusive: WaitBehavior {
    public init() {}
    public var name: String { "EXCLUSIVE" }
    public var isExclusive: Bool { true }
    public var postWake: PostWakeCheck { .takeBit }
    public var dropsReference: ReferenceDrop { .never }
    public var returnsAfterWake: Bool { false }
}

/// SHARED: hold a reference and check the bit when woken
/// (`wait_on_page_locked`, `wait_on_page_writeback`).
public struct Shared: WaitBehavior {
    public init() {}
    public var name: String { "SHARED" }
    public var isExclusive: Bool { false }
    public var postWake: PostWakeCheck { .testBit }
    public var dropsReference: ReferenceDrop { .never }
    public var returnsAfterWake: Bool { false }
}

/// DROP: drop the reference after queueing and testing, never look at the
/// page again (`put_and_wait_on_page_locked`, 9a1ea439b16b).
public struct Drop: WaitBehavior {
    public init() {}
    public var name: String { "DROP" }
    public var isExclusive: Bool { false }
    public var postWake: PostWakeCheck { .none }
    public var dropsReference: ReferenceDrop { .afterTest }
    public var returnsAfterWake: Bool { true }
}

/// A behaviour's answers, copied once so the engine's hot path reads plain
/// fields instead of calling through an existential.
struct BehaviorTraits: Hashable, Sendable {
    var isExclusive: Bool
    var postWake: PostWakeCheck
    var dropsReference: ReferenceDrop
    var returnsAfterWake: Bool

    init(_ b: any WaitBehavior) {
        isExclusive = b.isExclusive
        postWake = b.postWake
        dropsReference = b.dropsReference
        returnsAfterWake = b.returnsAfterWake
    }
}

/// Indices of the three kernel behaviours in every engine's behaviour table.
public enum BehaviorID {
    public static let exclusive: UInt8 = 0
    public static let shared: UInt8 = 1
    public static let drop: UInt8 = 2
    /// The behaviours every engine starts with, in index order.
    public static let standard: [any WaitBehavior] = [Exclusive(), Shared(), Drop()]
}
