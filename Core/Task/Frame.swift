// The frame of a multi-step primitive: what a task is inside between its
// steps (kernel-model §2.3-§2.6), with the primitive's locals.

/// The multi-step primitive a task is inside, with its locals: one case per
/// kind. A task is inside at most one, so the kinds share one place in
/// `TaskState` (an enum is as large as its largest case), and a frame left
/// behind leaves no locals behind.
///
/// A new kind of blocking (a sleeping lock's slow path, a flush of a work
/// item) is a new case with its locals, its steps in a file of its own, and
/// one line in each of `Engine+Frame.swift`'s dispatchers and in
/// `combineLocals` below; see docs/architecture.md. What a sleeper waits for
/// (the page bit, and so its owner) is in its frame's locals.
///
/// The case lives in a byte of its own, after the locals, because no bit is
/// spare in every kind's locals: so a step writes one of its locals with a
/// store, and `kind` is one compare. Were some bit spare in all of them (a
/// `Bool` or padding at the same offset in each, or past the end of the
/// shorter ones), Swift would keep the case there, and every write would
/// re-encode it; `FrameTests` checks the layout. On a hot path test the kind
/// with `kind` (one compare): matching `.none` also checks that the locals'
/// bytes are zero, and `== .none` compares whole values.
public enum Frame: Hashable, Sendable {
    case none
    /// `wait_on_page_bit_common()`.
    case wait(WaitFrame)
    /// `wake_up_page_bit()`.
    case wake(WakeFrame)

    /// The case without its locals: what traces and checkers compare.
    @inlinable public var kind: FrameKind {
        switch self {
        case .none: .none
        case .wait: .wait
        case .wake: .wake
        }
    }

    /// Feed the locals of the frame the task is inside (nothing outside one).
    /// The case byte first: most tasks are inside none, and matching `.none`
    /// would read the locals too.
    @inlinable @inline(__always)
    func combineLocals(into h: inout StableHasher) {
        switch kind {
        case .none: return
        case .wait: if case .wait(let f) = self { f.combineIdentity(into: &h) }
        case .wake: if case .wake(let f) = self { f.combineIdentity(into: &h) }
        }
    }
}

/// Which multi-step primitive a task is inside, if any: a `Frame`'s case.
public enum FrameKind: UInt8, Hashable, Sendable {
    case none
    /// `wait_on_page_bit_common()`.
    case wait
    /// `wake_up_page_bit()`.
    case wake

    /// The kernel function a task inside the frame is in (nil outside one:
    /// then the instruction says).
    public var function: String? {
        switch self {
        case .none: nil
        case .wait: "wait_on_page_bit_common"
        case .wake: "wake_up_page_bit"
        }
    }
}

/// Locals of an in-progress `wait_on_page_bit_common()`.
public struct WaitFrame: Hashable, Sendable {
    // Four whole bytes first, where `page`'s alignment would leave padding
    // that `WakeFrame` has too: see `Frame`.
    public var phase: UInt8 = 0
    /// Index into the engine's behaviour table.
    public var behavior: UInt8 = 0
    /// Register that receives the result (0 or -EINTR).
    public var resultRegister: UInt8 = 0
    public var result: Int8 = 0
    public var page: PageRef = PageRef(pfn: .none, gen: 0)
    public var bit: PageFlags = .locked
    public var state: SleepState = .uninterruptible
    /// `bit_is_set` (v4.19).
    public var bitSet: Bool = false
    /// A program lock to drop right after queueing (raw `LockID`), or -1.
    public var release: Int16 = -1
    /// `unfairness` countdown (v5.9).
    public var unfairness: Int16 = 0
    /// Requeues within this wait.
    public var requeues: Int16 = 0
    /// Thrashing decisions taken at the start (the seed's `delayacct` local).
    public var thrashing: Bool = false
    public var delayacct: Bool = false
    public init() {}
}

/// Locals of an in-progress `wake_up_page_bit()` walk.
public struct WakeFrame: Hashable, Sendable {
    public var phase: UInt8 = 0
    public var page: PageRef = PageRef(pfn: .none, gen: 0)
    public var bit: PageFlags = .locked
    public var bucket: Int16 = -1
    /// The next item to visit (its task), or none at the end of the list.
    public var next: TaskID = .none
    public var nextIsBookmark: Bool = false
    /// `key.page_match`.
    public var pageMatch: Bool = false
    /// `nr_exclusive` and the per-chunk visit count (`__wake_up_common`).
    public var nrExclusive: Int8 = 1
    /// Here, not last: `WaitFrame` has no spare bits at this offset, and a
    /// `Bool` past its end would share spare bits with it (see `Frame`).
    public var resumeFromBookmark: Bool = false
    public var count: Int16 = 0
    /// Waiters this call has woken and unlinked, across its chunks:
    /// meeting one again is a re-queue behind the bookmark (F11). Kept
    /// only where a chunk can break (bookmarks on, more than
    /// WAITQUEUE_WALK_BREAK_CNT + 2 tasks); empty otherwise, so it splits
    /// no state of a world whose walks always finish in one hold. Before the
    /// statistics, so that no padding precedes it (see `Frame`).
    public var woken: TaskSet = TaskSet()
    /// Entries visited under the current q.lock hold, and exclusive
    /// waiters woken by this call (statistics only).
    public var visits: Int16 = 0
    public var exclusiveWoken: Int16 = 0
    public init() {}
}

extension WaitFrame: StateIdentity {
    @inlinable @inline(__always)
    public func combineIdentity(into h: inout StableHasher) {
        h.combine(phase); h.combine(page.register); h.combine(bit.rawValue); h.combine(state.rawValue)
        h.combine(behavior); h.combine(resultRegister); h.combine(release); h.combine(bitSet)
        h.combine(result); h.combine(unfairness); h.combine(requeues); h.combine(thrashing); h.combine(delayacct)
    }
}

extension WakeFrame: StateIdentity {
    /// Statistics of the walk (longest chunk, exclusive wakes per call).
    public static var fieldsOutsideIdentity: Set<String> { ["visits", "exclusiveWoken"] }

    @inlinable @inline(__always)
    public func combineIdentity(into h: inout StableHasher) {
        h.combine(phase); h.combine(page.register); h.combine(bit.rawValue); h.combine(bucket); h.combine(next)
        h.combine(nextIsBookmark); h.combine(pageMatch); h.combine(nrExclusive); h.combine(count)
        h.combine(resumeFromBookmark); h.combine(woken.low); h.combine(woken.high)
    }
}
