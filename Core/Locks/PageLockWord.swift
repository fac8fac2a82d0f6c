/// Where PG_waiters lives relative to PG_locked, and so how `unlock_page`
/// clears the lock and decides to wake: the store-buffering rule behind
/// unlock_page's barrier (known-bugs Z5, memory-barriers.txt "Sleep and
/// wake-up functions"). Only `.shared` is a kernel of today; the other two
/// exist so the model can show why the kernel looks as it does.
public enum PageLockWord: UInt8, CaseIterable, Hashable, Sendable {
    /// PG_waiters is the sign bit of PG_locked's byte and one release RMW
    /// clears PG_locked and returns PG_waiters:
    /// `clear_bit_unlock_is_negative_byte` (b91e1302ad9b "mm: optimize
    /// PageWaiters bit use for unlock_page()", v4.10; today
    /// `folio_xor_flags_has_waiters` in folio_unlock, mm/filemap.c).
    /// "Accessing the same location is always ordered" (known-bugs Z5).
    case shared
    /// Ablation: PG_waiters in a word of its own and no barrier. PG_locked's
    /// word then has no other bit that changes under the lock, so the unlock
    /// can be `__clear_bit_unlock` (include/asm-generic/bitops/lock.h), a
    /// release store, followed by a plain load of the waiters word: the
    /// store-buffering shape a TSO CPU breaks (a LOST_WAKEUP).
    case separate
    /// PG_waiters in a word of its own with `smp_mb()` between the clear
    /// and the load: the unlock_page kerneldoc's "second mb ... between the
    /// clear_bit and the read of the waitqueue" (2.6.26), and the order
    /// 62906027091f ("mm: add PageWaiters indicating tasks are waiting for
    /// a page bit", v4.10) kept with clear_bit_unlock + smp_mb__after_atomic
    /// before PageWaiters. After the non-atomic clear a full barrier is
    /// needed: smp_mb__after_atomic orders only after an atomic RMW.
    case separateWithBarrier

    /// The name strategies and reports use.
    public var name: String {
        switch self {
        case .shared: "shared word"
        case .separate: "separate word, no barrier"
        case .separateWithBarrier: "separate word + smp_mb"
        }
    }

    /// Whether PG_waiters is a word of its own (Location `.waitersWord`).
    @inlinable public var isSeparate: Bool { self != .shared }
}
